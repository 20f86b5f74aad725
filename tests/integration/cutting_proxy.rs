//! A TCP proxy between the daemon and slapd that can lose the answer to an LDAP add: the add
//! reaches slapd (and is applied), the connection breaks before its result comes back — the
//! "unknown outcome" of issue 14, made deterministic. Optionally the directory then stays
//! unreachable (every connection cut) until `heal`.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

const PASS: u8 = 0;
const CUT_NEXT_ADD: u8 = 1;
const CUT_NEXT_ADD_THEN_DOWN: u8 = 2;
const DOWN: u8 = 3;

/// LDAP operation tags (RFC 4511 §4.2): AddRequest [APPLICATION 8], DelRequest [APPLICATION 10].
pub const ADD: u8 = 0x68;
/// ModifyRequest [APPLICATION 6].
pub const MODIFY: u8 = 0x66;
pub const DELETE: u8 = 0x4a;

pub struct CuttingProxy {
    pub port: u16,
    mode: Arc<AtomicU8>,
    op: Arc<AtomicU8>,
    _kill: watch::Sender<u64>,
}

/// Whether a chunk the client sent holds an LDAP request with operation tag `op`.
fn holds_op(mut chunk: &[u8], op: u8) -> bool {
    fn length(b: &[u8]) -> Option<(usize, usize)> {
        let first = *b.first()?;
        if first < 0x80 {
            return Some((first as usize, 1));
        }
        let n = (first & 0x7f) as usize;
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *b.get(1 + i)? as usize;
        }
        Some((len, 1 + n))
    }
    while chunk.first() == Some(&0x30) {
        let Some((len, l)) = length(&chunk[1..]) else {
            return false;
        };
        let body = &chunk[1 + l..];
        // messageID INTEGER, then the operation's tag.
        if body.first() == Some(&0x02) {
            if let Some((id_len, il)) = length(&body[1..]) {
                if body.get(1 + il + id_len) == Some(&op) {
                    return true;
                }
            }
        }
        if chunk.len() < 1 + l + len {
            return false;
        }
        chunk = &chunk[1 + l + len..];
    }
    false
}

impl CuttingProxy {
    pub async fn start(upstream_port: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mode = Arc::new(AtomicU8::new(PASS));
        let op = Arc::new(AtomicU8::new(ADD));
        let (kill, _) = watch::channel(0u64);
        let (m, k, o) = (mode.clone(), kill.clone(), op.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if m.load(Ordering::SeqCst) == DOWN {
                    continue; // dropped: the connection closes at once
                }
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream_port)).await else {
                    continue;
                };
                tokio::spawn(relay(client, server, m.clone(), o.clone(), k.clone()));
            }
        });
        Self {
            port,
            mode,
            op,
            _kill: kill,
        }
    }

    /// The answer to the next add is lost; with `then_down` the directory stays unreachable.
    pub fn cut_next_add(&self, then_down: bool) {
        self.cut_next(ADD, then_down);
    }

    /// The answer to the next request with operation tag `op` is lost.
    pub fn cut_next(&self, op: u8, then_down: bool) {
        self.op.store(op, Ordering::SeqCst);
        let mode = if then_down {
            CUT_NEXT_ADD_THEN_DOWN
        } else {
            CUT_NEXT_ADD
        };
        self.mode.store(mode, Ordering::SeqCst);
    }

    pub fn heal(&self) {
        self.mode.store(PASS, Ordering::SeqCst);
    }

    /// Unreachable from now on: every relayed connection cut, new ones dropped, until `heal`.
    pub fn down(&self) {
        self.mode.store(DOWN, Ordering::SeqCst);
        self._kill.send_modify(|g| *g += 1);
    }
}

async fn relay(
    mut client: TcpStream,
    mut server: TcpStream,
    mode: Arc<AtomicU8>,
    op: Arc<AtomicU8>,
    kill: watch::Sender<u64>,
) {
    let mut killed = kill.subscribe();
    let cut_reply = Arc::new(AtomicBool::new(false));
    let (mut cr, mut cw) = client.split();
    let (mut sr, mut sw) = server.split();
    let mut up = [0u8; 16 * 1024];
    let mut down = [0u8; 16 * 1024];
    loop {
        tokio::select! {
            _ = killed.changed() => return,
            n = cr.read(&mut up) => {
                let Ok(n) = n else { return };
                if n == 0 { return; }
                let m = mode.load(Ordering::SeqCst);
                if (m == CUT_NEXT_ADD || m == CUT_NEXT_ADD_THEN_DOWN) && holds_op(&up[..n], op.load(Ordering::SeqCst)) {
                    cut_reply.store(true, Ordering::SeqCst);
                }
                if m == DOWN || sw.write_all(&up[..n]).await.is_err() { return; }
            }
            n = sr.read(&mut down) => {
                let Ok(n) = n else { return };
                if n == 0 { return; }
                if cut_reply.load(Ordering::SeqCst) {
                    // slapd answered the add: lose the answer and break the connection.
                    let then_down = mode.load(Ordering::SeqCst) == CUT_NEXT_ADD_THEN_DOWN;
                    mode.store(if then_down { DOWN } else { PASS }, Ordering::SeqCst);
                    if then_down {
                        kill.send_modify(|g| *g += 1);
                    }
                    return;
                }
                if mode.load(Ordering::SeqCst) == DOWN || cw.write_all(&down[..n]).await.is_err() {
                    return;
                }
            }
        }
    }
}

#[test]
fn an_add_request_is_recognised_among_ldap_messages() {
    // A search (0x63) then an add (0x68), messageIDs 2 and 3.
    let search = [0x30, 0x05, 0x02, 0x01, 0x02, 0x63, 0x00];
    let add = [0x30, 0x05, 0x02, 0x01, 0x03, 0x68, 0x00];
    assert!(!holds_op(&search, ADD));
    assert!(holds_op(&add, ADD));
    assert!(holds_op(&[&search[..], &add[..]].concat(), ADD));
    assert!(!holds_op(&add, DELETE));
}
