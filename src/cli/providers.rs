//! `zszo-connector compare-providers`: whether every provider in `ldap.urls` holds the same
//! entries at the same change as the first (the check after a provider crashed, README
//! "After a provider crashed").

use crate::config::Config;
use crate::ldap::{differences, read_inventory, Differences};
use std::process::ExitCode;

/// How many DNs of each kind are printed (the counts are always complete).
const SHOWN: usize = 20;

/// Reads each provider whole and prints how the others differ from the first; success only
/// when every provider answered and none differs.
pub async fn compare_providers(config: &Config) -> anyhow::Result<ExitCode> {
    let options = &config.ldap;
    let urls: Vec<&str> = options.urls().collect();
    if urls.len() < 2 {
        eprintln!(
            "ldap.urls lists one provider ({}): nothing to compare with",
            urls.join(", ")
        );
        return Ok(ExitCode::FAILURE);
    }
    let first = match read_inventory(options, urls[0]).await {
        Ok(inventory) => inventory,
        Err(e) => {
            eprintln!("{}: cannot be read: {e}", urls[0]);
            return Ok(ExitCode::FAILURE);
        }
    };
    println!("{}: {} entries", urls[0], first.entries.len());
    let mut same = true;
    for url in &urls[1..] {
        match read_inventory(options, url).await {
            Ok(other) => {
                let d = differences(&first, &other);
                println!("{url}: {} entries", other.entries.len());
                if d.is_empty() {
                    println!("{url}: the same entries at the same change as {}", urls[0]);
                } else {
                    same = false;
                    report(url, urls[0], &d);
                }
            }
            Err(e) => {
                same = false;
                eprintln!("{url}: cannot be read: {e}");
            }
        }
    }
    if !same {
        println!(
            "The providers differ. If one of them crashed while it took writes, resync its \
             peer from it: README, \"After a provider crashed\"."
        );
    }
    Ok(if same {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The kinds of difference `url` has, each with its count and its first DNs; an empty kind
/// is not printed.
fn report(url: &str, first: &str, d: &Differences) {
    let list = |what: String, dns: &mut dyn Iterator<Item = String>| {
        println!("{what}:");
        for dn in dns.take(SHOWN) {
            println!("  {dn}");
        }
    };
    if !d.missing.is_empty() {
        let n = d.missing.len();
        let what = format!("{url} lacks {n} entries that {first} holds");
        list(what, &mut d.missing.iter().cloned());
    }
    if !d.extra.is_empty() {
        let n = d.extra.len();
        let what = format!("{url} holds {n} entries that {first} lacks");
        list(what, &mut d.extra.iter().cloned());
    }
    if !d.changed.is_empty() {
        let n = d.changed.len();
        let what = format!("{url} holds {n} entries at another change than {first}");
        let mut lines = d
            .changed
            .iter()
            .map(|(dn, on_first, here)| format!("{dn} (entryCSN {here}; on {first} {on_first})"));
        list(what, &mut lines);
    }
}
