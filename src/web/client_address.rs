//! The client's address for throttling and the audit (issue 12 item 5; security.md RATE-01):
//! the TCP peer, unless the peer is one of `server.trusted_proxies`; then the address the
//! proxy forwarded. Behind the recommended nginx every connection comes from 127.0.0.1, so
//! without this one attacker's failures would block every administrator.
//!
//! `X-Forwarded-For` is read from the right: each trusted proxy appends the address it saw,
//! so the right-most address that is not a trusted proxy is the client (anything left of it
//! was written by the client and is not believed). `Forwarded` (RFC 7239) `for=` is read the
//! same way when `X-Forwarded-For` is absent. A header that does not parse gives the peer.

use axum::http::HeaderMap;
use ipnet::IpNet;
use std::net::IpAddr;

/// The client's address: `peer`, or what trusted proxies forwarded.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |a: &IpAddr| trusted.iter().any(|n| n.contains(a));
    if !is_trusted(&peer) {
        return peer;
    }
    let chain = forwarded_for(headers);
    chain
        .iter()
        .rev()
        .find(|a| !is_trusted(a))
        .copied()
        .or_else(|| chain.first().copied())
        .unwrap_or(peer)
}

/// The addresses in `X-Forwarded-For` (or else `Forwarded: for=`), left to right; empty when
/// any of them does not parse (fail to the peer, never to a guess).
fn forwarded_for(headers: &HeaderMap) -> Vec<IpAddr> {
    let joined = |name: &str| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",")
    };
    let xff = joined("x-forwarded-for");
    let items: Vec<String> = if !xff.trim().is_empty() {
        xff.split(',').map(|s| s.trim().to_owned()).collect()
    } else {
        joined("forwarded")
            .split(',')
            .flat_map(|element| element.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .filter(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
            .map(|(_, v)| v.trim().trim_matches('"').to_owned())
            .collect()
    };
    let parsed: Option<Vec<IpAddr>> = items.iter().map(|s| parse_node(s)).collect();
    parsed.unwrap_or_default()
}

/// `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]`, `[2001:db8::1]:4711` or `2001:db8::1`.
fn parse_node(s: &str) -> Option<IpAddr> {
    if let Ok(a) = s.parse::<IpAddr>() {
        return Some(a);
    }
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split_once(']').and_then(|(a, _)| a.parse().ok());
    }
    s.rsplit_once(':').and_then(|(a, _)| a.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    /// Why, the TCP peer, the forwarding header, the proxies trusted, the client found.
    type Case<'a> = (
        &'a str,
        &'a str,
        (&'static str, &'a str),
        &'a [IpNet],
        &'a str,
    );

    #[test]
    fn only_a_trusted_peer_is_believed_and_only_right_of_the_client() {
        let trusted: Vec<IpNet> = vec![
            "127.0.0.1/32".parse().unwrap(),
            "10.0.0.0/8".parse().unwrap(),
        ];
        let cases: [Case; 6] = [
            (
                "an untrusted peer's header is ignored",
                "198.51.100.1",
                ("x-forwarded-for", "203.0.113.9"),
                &trusted,
                "198.51.100.1",
            ),
            (
                "a trusted peer's header is believed",
                "127.0.0.1",
                ("x-forwarded-for", "203.0.113.9"),
                &trusted,
                "203.0.113.9",
            ),
            (
                "a client-written address left of the real one is not believed",
                "127.0.0.1",
                ("x-forwarded-for", "1.2.3.4, 203.0.113.9, 10.1.1.1"),
                &trusted,
                "203.0.113.9",
            ),
            (
                "Forwarded (RFC 7239), with a port and IPv6",
                "127.0.0.1",
                ("forwarded", "for=\"[2001:db8::7]:4711\";proto=https"),
                &trusted,
                "2001:db8::7",
            ),
            (
                "garbage: the peer",
                "127.0.0.1",
                ("x-forwarded-for", "unknown"),
                &trusted,
                "127.0.0.1",
            ),
            (
                "no trusted proxies configured: always the peer",
                "127.0.0.1",
                ("x-forwarded-for", "203.0.113.9"),
                &[],
                "127.0.0.1",
            ),
        ];
        for (why, peer, header, proxies, client) in cases {
            let h = headers(&[header]);
            assert_eq!(client_address(ip(peer), &h, proxies), ip(client), "{why}");
        }
    }
}
