//! `zszo-connector compare-providers`: whether every provider in `ldap.urls` holds the same
//! entries at the same change as the first (the check after a provider crashed, README
//! "After a provider crashed").

use crate::config::Config;
use crate::ldap::{differences, read_inventory, Differences, LdapOptions};
use std::process::ExitCode;
use std::time::Duration;

/// How many DNs of each kind are printed (the counts are always complete).
const SHOWN: usize = 20;

/// Reads each provider whole and prints how the others differ from the first; success only
/// when every provider answered and none differs. When some differ and `settle` is not zero,
/// every provider is read again after `settle` and only the differences found both times
/// are reported: a write replicating during the first reading differs once, a write one
/// provider never got differs both times. So the command may run while the city writes (from
/// the systemd timer, `config/systemd/zszo-connector-compare-providers.timer`).
pub async fn compare_providers(config: &Config, settle: Duration) -> anyhow::Result<ExitCode> {
    let options = &config.ldap;
    let urls: Vec<&str> = options.urls().collect();
    if urls.len() < 2 {
        eprintln!(
            "ldap.urls lists one provider ({}): nothing to compare with",
            urls.join(", ")
        );
        return Ok(ExitCode::FAILURE);
    }
    let Some(mut found) = compare_once(options, &urls, true).await else {
        return Ok(ExitCode::FAILURE);
    };
    let first_count: usize = found.iter().map(Differences::count).sum();
    if first_count > 0 && !settle.is_zero() {
        println!(
            "{first_count} differences; reading every provider again in {} s, so that writes \
             still replicating are left out",
            settle.as_secs()
        );
        tokio::time::sleep(settle).await;
        let Some(again) = compare_once(options, &urls, false).await else {
            return Ok(ExitCode::FAILURE);
        };
        found = found
            .iter()
            .zip(&again)
            .map(|(a, b)| a.persisting(b))
            .collect();
        let gone = first_count - found.iter().map(Differences::count).sum::<usize>();
        if gone > 0 {
            println!(
                "{gone} of them had gone {} s later (writes that were replicating)",
                settle.as_secs()
            );
        }
    }
    for (url, d) in urls[1..].iter().zip(&found) {
        if d.is_empty() {
            println!("{url}: the same entries at the same change as {}", urls[0]);
        } else {
            report(url, urls[0], d);
        }
    }
    let same = found.iter().all(Differences::is_empty);
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

/// Every provider after the first read whole and compared with the first: its differences,
/// in `urls`' order; `None` (said on stderr) when a provider cannot be read. `count`:
/// print each provider's number of entries.
async fn compare_once(
    options: &LdapOptions,
    urls: &[&str],
    count: bool,
) -> Option<Vec<Differences>> {
    let read = |url: &str| {
        let url = url.to_owned();
        async move {
            let inventory = read_inventory(options, &url).await;
            match inventory {
                Ok(inventory) => {
                    if count {
                        println!("{url}: {} entries", inventory.entries.len());
                    }
                    Some(inventory)
                }
                Err(e) => {
                    eprintln!("{url}: cannot be read: {e}");
                    None
                }
            }
        }
    };
    let first = read(urls[0]).await?;
    let mut found = Vec::new();
    for url in &urls[1..] {
        found.push(differences(&first, &read(url).await?));
    }
    Some(found)
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
