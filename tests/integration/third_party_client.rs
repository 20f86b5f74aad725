//! A SCIM client not written here drives `zszo-connector dev` exactly as the README shows:
//! PyPI's `scim2-cli` (the `scim2` command, installed by `.ci/install-deps` into
//! `target/scim-tools`) creates, lists, patches and deletes a user with a token made by
//! `zszo-connector token create`. Every step is checked independently, through our own HTTP
//! GET and directly in LDAP.

use ldap3::SearchEntry;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::daemon::{dev_config, dev_people, spawn_dev, BIN};
const ZSZO: &str = "urn:zszo:params:scim:schemas:extension:zszo:2.0:User";

/// The `scim2` command from PyPI's scim2-cli; failing (not skipping) when it is missing.
fn scim2_bin() -> PathBuf {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/scim-tools/bin/scim2");
    assert!(
        bin.is_file(),
        "{} is missing: run .ci/install-deps (it installs PyPI's scim2-cli into target/scim-tools)",
        bin.display()
    );
    bin
}

/// `scim2 --url <base> ARGS…` with the token in SCIM_CLI_HEADERS, as the README shows.
struct Scim2 {
    bin: PathBuf,
    url: String,
    token: String,
}

impl Scim2 {
    /// Runs it; Ok(stdout as JSON) on success, Err(everything it said) on a non-zero exit.
    fn try_run(&self, args: &[&str]) -> Result<Value, String> {
        let out = Command::new(&self.bin)
            .arg("--url")
            .arg(&self.url)
            .args(args)
            .env(
                "SCIM_CLI_HEADERS",
                format!("Authorization: Bearer {}", self.token),
            )
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let said = format!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
        if !out.status.success() {
            return Err(said);
        }
        if stdout.trim().is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&stdout).map_err(|e| format!("not JSON ({e}): {said}"))
    }

    fn run(&self, args: &[&str]) -> Value {
        self.try_run(args)
            .unwrap_or_else(|said| panic!("scim2 {args:?} failed:\n{said}"))
    }
}

async fn person(ldap_port: u16, dir: &Path, id: &str) -> Option<SearchEntry> {
    let attrs = [
        "sn",
        "givenName",
        "displayName",
        "title",
        "zszoSchoolCode",
        "zszoEmploymentActive",
    ];
    let found = dev_people(ldap_port, dir, &format!("(entryUUID={id})"), &attrs).await;
    found.into_iter().next()
}

fn attr<'a>(e: &'a SearchEntry, name: &str) -> Vec<&'a str> {
    e.attrs
        .get(name)
        .map(|v| v.iter().map(String::as_str).collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn third_party_scim2_cli_creates_lists_patches_and_deletes_a_user_against_dev() {
    let scim2_bin = scim2_bin();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let (http_port, ldap_port) = (crate::common::free_port(), crate::common::free_port());
    let config = dev_config(dir, http_port, ldap_port);
    let _dev = spawn_dev(dir, &config, http_port).await;

    // The token, exactly as the README makes it: on stdout, the explanation on stderr.
    let out = Command::new(BIN)
        .args(["token", "create", "--config"])
        .arg(&config)
        .args(["--name", "scim2-cli", "--all-schools"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(!token.is_empty() && !token.contains(char::is_whitespace));

    let base = format!("http://127.0.0.1:{http_port}/scim/v2");
    let http = reqwest::Client::new();
    let get = |path: String| {
        let req = http.get(format!("{base}{path}")).bearer_auth(&token);
        async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    // The daemon picks the new client up from the clients file while it runs.
    let deadline = Instant::now() + Duration::from_secs(20);
    while get("/ServiceProviderConfig".into()).await.0 != 200
        || get("/Users?count=1".into()).await.0 != 200
    {
        assert!(
            Instant::now() < deadline,
            "the new token was never accepted"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let cli = Scim2 {
        bin: scim2_bin,
        url: base.clone(),
        token: token.clone(),
    };

    // Create: core attributes as options, the ZSZO extension as a JSON option.
    let user_name = "zofia.zolkiewska@sp1.krakow.pl";
    let created = cli.run(&[
        "create",
        "user",
        "--user-name",
        user_name,
        "--name",
        r#"{"givenName": "Zofia", "familyName": "Żółkiewska-Gęślą"}"#,
        "--title",
        "nauczycielka języka polskiego",
        "--emails",
        r#"[{"value": "zofia.zolkiewska@sp1.krakow.pl", "type": "work", "primary": true}]"#,
        "--zszouser",
        r#"{"schools": ["261301"], "primarySchool": "261301"}"#,
    ]);
    let id = created["id"]
        .as_str()
        .expect("created user has an id")
        .to_owned();
    assert_eq!(
        created["name"]["familyName"], "Żółkiewska-Gęślą",
        "{created}"
    );

    let (status, user) = get(format!("/Users/{id}")).await;
    assert_eq!(status, 200, "{user}");
    assert_eq!(user["userName"], user_name);
    assert_eq!(user["name"]["givenName"], "Zofia");
    assert_eq!(user["name"]["familyName"], "Żółkiewska-Gęślą");
    assert_eq!(user["active"], true);
    assert_eq!(
        user[ZSZO]["schools"],
        serde_json::json!(["261301"]),
        "{user}"
    );
    assert_eq!(user[ZSZO]["primarySchool"], "261301", "{user}");

    let entry = person(ldap_port, dir, &id)
        .await
        .expect("the created user is in LDAP");
    assert!(entry.dn.contains("261301"), "{}", entry.dn);
    assert_eq!(attr(&entry, "sn"), ["Żółkiewska-Gęślą"]);
    assert_eq!(attr(&entry, "zszoSchoolCode"), ["261301"]);
    assert_eq!(attr(&entry, "title"), ["nauczycielka języka polskiego"]);

    // List: GET with a filter (userName compares case-insensitively), and POST /.search.
    let listed = cli.run(&[
        "query",
        "user",
        "--filter",
        r#"userName eq "Zofia.Zolkiewska@SP1.krakow.pl""#,
    ]);
    assert_eq!(listed["totalResults"], 1, "{listed}");
    assert_eq!(listed["Resources"][0]["id"], id.as_str(), "{listed}");
    let found = cli.run(&[
        "search",
        "user",
        "--filter",
        r#"name.familyName sw "Żółkiewska" and urn:zszo:params:scim:schemas:extension:zszo:2.0:User:schools eq "261301""#,
        "--attribute",
        "userName",
    ]);
    assert_eq!(found["totalResults"], 1, "{found}");
    assert_eq!(found["Resources"][0]["id"], id.as_str(), "{found}");
    assert_eq!(found["Resources"][0]["userName"], user_name, "{found}");
    let (_, all) = get("/Users?count=100".into()).await;
    let page = cli.run(&["query", "user", "--count", "100"]);
    assert_eq!(page["totalResults"], all["totalResults"], "{page}");

    // Patch: core attributes and an attribute of the ZSZO extension by its URN path.
    cli.run(&[
        "modify",
        "user",
        &id,
        "replace",
        "active",
        "false",
        "replace",
        "displayName",
        "Zofia Żółkiewska (wicedyrektorka)",
        "replace",
        &format!("{ZSZO}:position"),
        "wicedyrektorka",
    ]);
    let (status, user) = get(format!("/Users/{id}")).await;
    assert_eq!(status, 200, "{user}");
    assert_eq!(user["active"], false, "{user}");
    assert_eq!(user["displayName"], "Zofia Żółkiewska (wicedyrektorka)");
    assert_eq!(user[ZSZO]["position"], "wicedyrektorka", "{user}");
    assert_eq!(user["title"], "wicedyrektorka", "{user}");
    let entry = person(ldap_port, dir, &id).await.unwrap();
    assert_eq!(attr(&entry, "zszoEmploymentActive"), ["FALSE"]);
    assert_eq!(
        attr(&entry, "displayName"),
        ["Zofia Żółkiewska (wicedyrektorka)"]
    );
    assert_eq!(attr(&entry, "title"), ["wicedyrektorka"]);

    // Delete: gone from SCIM and from the directory; a second delete is the CLI's error.
    cli.run(&["delete", "user", &id]);
    let (status, _) = get(format!("/Users/{id}")).await;
    assert_eq!(status, 404);
    assert!(person(ldap_port, dir, &id).await.is_none());
    let again = cli.try_run(&["delete", "user", &id]).unwrap_err();
    assert!(again.contains("404"), "{again}");
}
