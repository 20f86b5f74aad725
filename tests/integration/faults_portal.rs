//! Unknown outcomes of the portal's link writes (issue 14, item 1): the answer to the Modify
//! that confirms an address or resets a password is lost by the cutting proxy after slapd
//! applied it. The use case reads back (the address on the entry; a bind with the new
//! password) and answers success with its one record, never a failure for a write that
//! happened.

use crate::common;
use crate::cutting_proxy::{CuttingProxy, MODIFY};
use crate::portal_reset::reset_link_in;
use crate::portal_support::{link_in, secret, PortalApp};
use zszo_connector::config::Config;
use zszo_connector::domain::audit::Outcome;
use zszo_connector::domain::AccountState;
use zszo_connector::ports::directory_parts::*;
use zszo_connector::ports::SchoolScope;

const GOOD: &str = "tramwaj smok obwarzanek wawel";
const FORGOT: &str = "/portal/nie-pamietam-hasla";

async fn outcomes(p: &PortalApp, action: &str) -> Vec<Outcome> {
    p.app
        .audit_of(action)
        .await
        .into_iter()
        .map(|r| r.record.outcome)
        .collect()
}

#[tokio::test]
async fn a_lost_answer_to_an_email_confirmation_or_a_password_reset_is_read_back() {
    let p = PortalApp::start().await;
    let address = "z.utracona@example.pl";
    let e = p.employee("Zofia", "Utracona").await;
    let login = e.person.login.clone();
    p.set_up(&e, GOOD, address).await;
    let link = link_in(p.mail_to(address, 1).await[0].text.as_deref().unwrap());
    let token = link.rsplit('/').next().unwrap().to_owned();

    // The portal's use cases over a connection through the cutting proxy.
    let t = common::ldap();
    let port: u16 = t
        .url
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let proxy = CuttingProxy::start(port).await;
    let mut config = p.app.config.clone();
    let dir = tempfile::tempdir().unwrap();
    let proxied_toml = common::config_toml(
        dir.path(),
        &format!("ldap://127.0.0.1:{}/", proxy.port),
        &t.service_dn,
        &t.service_password,
        "https://zszo.example",
        "",
    );
    // Only the directory connection differs: the rest (link key, stores) is the app's.
    config.ldap = Config::from_toml_str(&proxied_toml).unwrap().ldap;
    let portal = common::app::assemble(
        config.clone(),
        common::app::connect_directory(&config).await,
        p.app.audit.clone(),
        p.app.state.clone(),
        p.app.clock.clone(),
    )
    .onboarding();

    proxy.cut_next(MODIFY, false);
    portal
        .confirm(&token, None, None)
        .await
        .expect("the address was confirmed; its answer was only lost");
    assert_eq!(
        outcomes(&p, "account.activated").await,
        vec![Outcome::Success]
    );
    assert!(outcomes(&p, "email.confirmed").await.is_empty());
    let now = p
        .app
        .directory
        .get_person(&e.person.entry.id, &SchoolScope::All)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.account_state, AccountState::Active);

    p.app.clock.advance(time::Duration::minutes(5));
    let asked = p
        .browser()
        .submit(FORGOT, FORGOT, &[("login", login.as_str())])
        .await;
    assert!(asked.body.contains("id=\"reset-sent\""), "{}", asked.body);
    // Mails so far: the confirmation, the administrator's notice, the reset link.
    let mails = p.mail_to(address, 3).await;
    let reset = reset_link_in(mails.last().unwrap().text.as_deref().unwrap());
    let token = reset.rsplit('/').next().unwrap().to_owned();
    let new = secret("Nowe-Hasło-Po-Utraconej-Odpowiedzi-7");
    proxy.cut_next(MODIFY, false);
    portal
        .reset_password(&token, &new, None)
        .await
        .expect("the password was reset; its answer was only lost");
    assert_eq!(
        outcomes(&p, "account.password_reset").await,
        vec![Outcome::Success]
    );
    assert!(p.app.directory.check_password(&login, &new).await.unwrap());
}
