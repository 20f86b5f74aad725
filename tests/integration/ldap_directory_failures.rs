//! `LdapDirectory`'s failure modes and retry discipline: an unreachable or silent server, a
//! wrong service password, and reads (never writes) retried after a broken connection.

use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

#[tokio::test]
async fn an_unreachable_server_is_unavailable_quickly() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ldap://127.0.0.1:{}", closed.local_addr().unwrap().port());
    drop(closed);
    let started = Instant::now();
    let e = LdapDirectory::connect(options_for(&url))
        .await
        .err()
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(4));
    match e {
        DirectoryError::Unavailable(m) => {
            assert!(m.starts_with(&format!("cannot connect to {url}")), "{m}")
        }
        other => panic!("expected Unavailable, got {other}"),
    }
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_as_unavailable() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ldap://{}", listener.local_addr().unwrap());
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let mut o = options_for(&url);
    o.operation_timeout = Duration::from_millis(500);
    let started = Instant::now();
    let e = LdapDirectory::connect(o).await.err().unwrap();
    match e {
        DirectoryError::Unavailable(m) => {
            assert!(m.starts_with(&format!("cannot connect to {url}")), "{m}")
        }
        other => panic!("expected Unavailable, got {other}"),
    }
    assert!(started.elapsed() < Duration::from_secs(3));
    hold.abort();
}

#[tokio::test]
async fn a_wrong_service_password_is_invalid_credentials() {
    let mut o = options_for(&common::ldap().url);
    o.bind_password = SecretString::from("not-the-password".to_owned());
    let e = LdapDirectory::connect(o).await.err().unwrap();
    assert!(matches!(e, DirectoryError::InvalidCredentials), "{e}");
}

/// A TCP proxy in front of slapd that counts connections and can cut them all.
struct Proxy {
    url: String,
    accepted: Arc<AtomicUsize>,
    broken: tokio::sync::watch::Sender<bool>,
}

impl Proxy {
    async fn start(target: &str) -> Proxy {
        let target = target
            .trim_start_matches("ldap://")
            .trim_end_matches('/')
            .to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ldap://{}", listener.local_addr().unwrap());
        let accepted = Arc::new(AtomicUsize::new(0));
        let (broken, watch) = tokio::sync::watch::channel(false);
        let counter = accepted.clone();
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                if *watch.borrow() {
                    continue; // dropped: the client sees the connection close
                }
                let mut watch = watch.clone();
                let target = target.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = tokio::net::TcpStream::connect(&target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = watch.wait_for(|b| *b) => {}
                    }
                });
            }
        });
        Proxy {
            url,
            accepted,
            broken,
        }
    }

    fn cut(&self, broken: bool) {
        self.broken.send_replace(broken);
        self.accepted.store(0, Ordering::SeqCst);
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

#[tokio::test]
async fn reads_are_retried_after_a_broken_connection_but_writes_are_not() {
    let proxy = Proxy::start(&common::ldap().url).await;
    let mut o = options_for(&proxy.url);
    o.pool_size = 1;
    o.read_retries = 2;
    let d = LdapDirectory::connect(o).await.unwrap();
    d.ensure_layout().await.unwrap();
    let school = new_school(&d, "Szkoła Podstawowa nr 9").await;

    proxy.cut(true);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let e = d
        .create_person(&person(
            login(&school, "w.zapis"),
            person_name("W", "Zapis"),
            &school,
        ))
        .await
        .unwrap_err();
    assert!(matches!(e, DirectoryError::Unavailable(_)), "{e}");
    assert_eq!(proxy.accepted(), 1, "a write is tried once");

    proxy.cut(true);
    let e = d.find_school(&school.code).await.unwrap_err();
    assert!(matches!(e, DirectoryError::Unavailable(_)), "{e}");
    assert_eq!(
        proxy.accepted(),
        3,
        "a read is tried 1 + read_retries times"
    );

    proxy.cut(false);
    assert!(d.find_school(&school.code).await.unwrap().is_some());
    // Nothing was written while the server was cut off.
    assert_eq!(
        d.find_person_by_login(&login(&school, "w.zapis"))
            .await
            .unwrap(),
        None
    );
}
