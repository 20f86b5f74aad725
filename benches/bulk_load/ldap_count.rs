//! A counting LDAP proxy on loopback: forwards bytes unchanged between the daemon and slapd
//! and counts the LDAP operations (RFC 4511 protocolOp tags) and the result codes of the
//! write responses. Used only by the instrumented run of the benchmark.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub type Counts = Arc<Mutex<BTreeMap<String, u64>>>;

/// Listens on a free loopback port and forwards every connection to `upstream`
/// (`127.0.0.1:PORT`). Returns the proxy's port and the shared counters.
pub async fn start(upstream: String) -> (u16, Counts) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let counts: Counts = Arc::default();
    let c = counts.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = TcpStream::connect(&upstream).await else {
                continue;
            };
            let (cr, cw) = client.into_split();
            let (sr, sw) = server.into_split();
            tokio::spawn(pump(cr, sw, c.clone(), false));
            tokio::spawn(pump(sr, cw, c.clone(), true));
        }
    });
    (port, counts)
}

fn op_name(tag: u8) -> &'static str {
    match tag {
        0x60 => "bind",
        0x42 => "unbind",
        0x63 => "search",
        0x66 => "modify",
        0x68 => "add",
        0x4a => "delete",
        0x6c => "modrdn",
        0x77 => "extended",
        0x64 => "search-entry",
        0x65 => "search-done",
        0x67 => "modify-result",
        0x69 => "add-result",
        0x6b => "delete-result",
        0x6d => "modrdn-result",
        _ => "other",
    }
}

/// Reads whole LDAPMessages (SEQUENCE { messageID, protocolOp … }), forwards them, counts.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    counts: Counts,
    responses: bool,
) {
    loop {
        let mut head = [0u8; 2];
        if from.read_exact(&mut head).await.is_err() {
            break;
        }
        let mut msg = head.to_vec();
        let len = if head[1] & 0x80 == 0 {
            head[1] as usize
        } else {
            let n = (head[1] & 0x7f) as usize;
            let mut bytes = vec![0u8; n];
            if from.read_exact(&mut bytes).await.is_err() {
                break;
            }
            msg.extend_from_slice(&bytes);
            bytes.iter().fold(0usize, |acc, b| (acc << 8) | *b as usize)
        };
        let body_at = msg.len();
        msg.resize(body_at + len, 0);
        if from.read_exact(&mut msg[body_at..]).await.is_err() {
            break;
        }
        record(&msg[body_at..], &counts, responses);
        if to.write_all(&msg).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

fn record(body: &[u8], counts: &Counts, responses: bool) {
    // messageID: INTEGER (0x02, short length, value).
    if body.len() < 3 || body[0] != 0x02 {
        return;
    }
    let at = 2 + body[1] as usize;
    let Some(&tag) = body.get(at) else { return };
    let mut key = op_name(tag).to_owned();
    if responses && matches!(tag, 0x65 | 0x67 | 0x69 | 0x6b | 0x6d) {
        // LDAPResult starts with resultCode ENUMERATED: skip the op's length octets.
        let len_octets = match body.get(at + 1) {
            Some(b) if b & 0x80 != 0 => 1 + (b & 0x7f) as usize,
            Some(_) => 1,
            None => return,
        };
        let rc_at = at + 1 + len_octets;
        if let (Some(0x0a), Some(&code)) = (body.get(rc_at), body.get(rc_at + 2)) {
            key = format!("{key} rc={code}");
        }
    }
    *counts.lock().unwrap().entry(key).or_default() += 1;
}
