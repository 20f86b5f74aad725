//! The tables printed at the end of a run (everything is also in `target/scim_vs_ldap.json`).

use super::*;

fn row(name: &str, s: &Stats) -> String {
    format!(
        "{name} | {:.0} | {:.2} | {:.2}",
        s.per_second, s.p50_ms, s.p99_ms
    )
}

/// "0.41–0.55" from a point's per-round ratios ("–" when the point had one round).
fn round_range(ratios: &Value) -> String {
    let ratios: Vec<f64> = ratios
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default();
    if ratios.len() < 2 {
        return "–".to_owned();
    }
    let min = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let max = ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{min:.2}–{max:.2}")
}

pub(crate) fn print_table(sites: &[Value], audit: &[Stats]) {
    println!("\n| scenario | people | conc. | SCIM/s | p50 ms | p99 ms | direct/s | p50 ms | p99 ms | throughput SCIM/direct | p99 SCIM/direct | throughput ratio by round, min–max |");
    println!(
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for site in sites {
        for p in site["points"].as_array().unwrap() {
            let s: Stats = serde_json::from_value(p["scim"].clone()).unwrap();
            let d: Stats = serde_json::from_value(p["direct"].clone()).unwrap();
            println!(
                "| {} | {} | {} | {} | {} | {:.2} | {:.2} | {} |",
                p["scenario"].as_str().unwrap(),
                p["people"],
                p["concurrency"],
                row("", &s).trim_start_matches(" | "),
                row("", &d).trim_start_matches(" | "),
                p["throughput_ratio"].as_f64().unwrap(),
                p["p99_ratio"].as_f64().unwrap(),
                round_range(&p["throughput_ratio_by_round"]),
            );
        }
    }
    print_cpu_table(sites);
    println!("\n| people | panel accounts/s (4 at once) | get-eq p99 idle ms | get-eq p99 during creations ms | ratio |");
    println!("| ---: | ---: | ---: | ---: | ---: |");
    for site in sites.iter().filter(|s| !s["accounts"].is_null()) {
        let a = &site["accounts"];
        println!(
            "| {} | {:.1} | {:.2} | {:.2} | {:.2} |",
            site["people"],
            a["creations"]["per_second"].as_f64().unwrap(),
            a["get_eq_idle"]["p99_ms"].as_f64().unwrap(),
            a["get_eq_during_creations"]["p99_ms"].as_f64().unwrap(),
            a["p99_ratio_loaded_over_idle"].as_f64().unwrap(),
        );
    }
    println!("\n| people | panel accounts asked / made a second | get-eq p99 idle ms | get-eq p99 during creations ms | ratio |");
    println!("| ---: | --- | ---: | ---: | ---: |");
    for site in sites.iter().filter(|s| !s["accounts"].is_null()) {
        for a in site["accounts"]["paced"].as_array().into_iter().flatten() {
            let ms = |v: &serde_json::Value| v.as_f64().unwrap_or(f64::NAN);
            println!(
                "| {} | {:.0} / {:.1} | {:.2} | {:.2} | {:.2} |",
                site["people"],
                ms(&a["per_second_asked"]),
                ms(&a["creations"]["per_second"]),
                ms(&a["get_eq_idle"]["p99_ms"]),
                ms(&a["get_eq_during_creations"]["p99_ms"]),
                ms(&a["p99_ratio_loaded_over_idle"]),
            );
        }
    }
    println!("\n| people | SCIM PATCHes/s (64 at once) | get-eq p50 / p99 idle ms | get-eq p50 / p99 during PATCHes ms | p99 ratio | panel accounts (one a second) made / failed, p50 / p99 ms |");
    println!("| ---: | ---: | ---: | ---: | ---: | --- |");
    for site in sites.iter().filter(|s| !s["storm"].is_null()) {
        let a = &site["storm"];
        let ms = |v: &serde_json::Value| v.as_f64().unwrap_or(f64::NAN);
        println!(
            "| {} | {:.0} | {:.2} / {:.2} | {:.2} / {:.2} | {:.2} | {:.0} / {:.0}, {:.0} / {:.0} |",
            site["people"],
            ms(&a["patches"]["per_second"]),
            ms(&a["get_eq_idle"]["p50_ms"]),
            ms(&a["get_eq_idle"]["p99_ms"]),
            ms(&a["get_eq_during_patches"]["p50_ms"]),
            ms(&a["get_eq_during_patches"]["p99_ms"]),
            ms(&a["p99_ratio_loaded_over_idle"]),
            ms(&a["account_creations"]["operations"]),
            ms(&a["account_creations"]["errors"]),
            ms(&a["account_creations"]["p50_ms"]),
            ms(&a["account_creations"]["p99_ms"]),
        );
    }
    println!("\n| people | daemon peak RSS MiB: create | get-eq | sw | patch | accounts |");
    println!("| ---: | ---: | ---: | ---: | ---: | ---: |");
    for site in sites {
        let r = &site["daemon_peak_rss_kib"];
        let mib = |k: &str| r[k].as_f64().unwrap_or(0.0) / 1024.0;
        println!(
            "| {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
            site["people"],
            mib("create"),
            mib("get-eq"),
            mib("sw"),
            mib("patch"),
            mib("accounts")
        );
    }
    for site in sites {
        let rows = site["index_experiment"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if rows.is_empty() {
            continue;
        }
        println!(
            "\n| slapd configuration ({} people) | adds/s, 1 conn | adds/s, 16 conns | add p50 ms, 1 conn | login probe search p50 ms | p99 ms |",
            site["people"]
        );
        println!("| --- | ---: | ---: | ---: | ---: | ---: |");
        for r in rows {
            let f = |v: &Value| v.as_f64().unwrap_or(0.0);
            println!(
                "| {} | {:.0} | {:.0} | {:.2} | {:.2} | {:.2} |",
                r["configuration"].as_str().unwrap_or(""),
                f(&r["adds"][0]["per_second"]),
                f(&r["adds"][1]["per_second"]),
                f(&r["adds"][0]["p50_ms"]),
                f(&r["login_probe_search"]["p50_ms"]),
                f(&r["login_probe_search"]["p99_ms"]),
            );
        }
    }
    let no_fsync: Vec<_> = sites.iter().filter(|s| !s["no_fsync"].is_null()).collect();
    if !no_fsync.is_empty() {
        println!("\n| people | product, no fsync: adds/s, 1 conn | adds/s, 16 conns | add p50 ms, 1 conn |");
        println!("| ---: | ---: | ---: | ---: |");
        let p50 = |s: &Value| s["no_fsync"]["adds"][0]["p50_ms"].as_f64().unwrap_or(0.0);
        for s in &no_fsync {
            let f = |v: &Value| v.as_f64().unwrap_or(0.0);
            println!(
                "| {} | {:.0} | {:.0} | {:.2} |",
                s["people"],
                f(&s["no_fsync"]["adds"][0]["per_second"]),
                f(&s["no_fsync"]["adds"][1]["per_second"]),
                p50(s),
            );
        }
        if let (Some(first), Some(last)) = (no_fsync.first(), no_fsync.last()) {
            if first["people"] != last["people"] && p50(first) > 0.0 {
                println!(
                    "\nper add without fsync, {} people against {}: {:.2}× (p50)",
                    last["people"],
                    first["people"],
                    p50(last) / p50(first)
                );
            }
        }
    }
    println!("\n| audit appenders | appends/s | p50 ms | p99 ms |");
    println!("| ---: | ---: | ---: | ---: |");
    for s in audit {
        println!(
            "| {} | {:.0} | {:.2} | {:.2} |",
            s.concurrency, s.per_second, s.p50_ms, s.p99_ms
        );
    }
}

/// What one operation of each point cost each process (`cpu.rs`), and the SCIM/direct
/// throughput the point would reach on the same cores if the daemon cost nothing: the direct
/// path's CPU per operation over the SCIM path's without the daemon's.
fn print_cpu_table(sites: &[Value]) {
    println!("\n| scenario | people | conc. | SCIM: load generator / daemon / slapd µs per op | sum | direct: load generator / slapd µs per op | sum | SCIM/direct if the daemon cost nothing |");
    println!("| --- | ---: | ---: | --- | ---: | --- | ---: | ---: |");
    for site in sites {
        for p in site["points"].as_array().unwrap() {
            let s: Stats = serde_json::from_value(p["scim"].clone()).unwrap();
            let d: Stats = serde_json::from_value(p["direct"].clone()).unwrap();
            let (&[sl, sd, ss], &[dl, _, ds]) = (&s.cpu_us_per_op[..], &d.cpu_us_per_op[..]) else {
                continue;
            };
            println!(
                "| {} | {} | {} | {sl:.0} / {sd:.0} / {ss:.0} | {:.0} | {dl:.0} / {ds:.0} | {:.0} | {:.2} |",
                p["scenario"].as_str().unwrap(),
                p["people"],
                p["concurrency"],
                sl + sd + ss,
                dl + ds,
                (dl + ds) / (sl + ss).max(f64::MIN_POSITIVE),
            );
        }
    }
}
