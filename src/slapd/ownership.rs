//! Whether the server answering on a loopback port is the slapd this process started
//! (issue 14 finding 6: `dev` took a foreign slapd already listening on its port for its own).
//!
//! Linux only, like the rest of the dev/test runner: the listening sockets come from
//! `/proc/net/tcp{,6}` (state `0A` = LISTEN, with their inode), and a process holds a socket
//! when one of its `/proc/<pid>/fd` links reads `socket:[<inode>]`.

use std::collections::HashSet;
use std::fs;
use std::net::{Ipv4Addr, TcpListener};

/// Whether nothing listens on `127.0.0.1:port` (a bind succeeds; std sets SO_REUSEADDR, so a
/// socket in TIME_WAIT does not count as taken).
pub(super) fn port_is_free(port: u16) -> bool {
    TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok()
}

/// Whether process `pid` holds a socket listening on `port` (any local address).
pub(super) fn holds_listener(pid: u32, port: u16) -> bool {
    let inodes = listening_inodes(port);
    if inodes.is_empty() {
        return false;
    }
    let Ok(fds) = fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten().any(|fd| {
        fs::read_link(fd.path())
            .ok()
            .and_then(|target| socket_inode(&target.to_string_lossy()))
            .is_some_and(|inode| inodes.contains(&inode))
    })
}

/// The inodes of the sockets listening on `port`, from `/proc/net/tcp` and `/proc/net/tcp6`.
fn listening_inodes(port: u16) -> HashSet<u64> {
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|path| fs::read_to_string(path).ok())
        .flat_map(|table| parse_listeners(&table, port))
        .collect()
}

/// Rows of a `/proc/net/tcp` table: `sl local_address rem_address st … uid timeout inode`.
fn parse_listeners(table: &str, port: u16) -> Vec<u64> {
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let local_port = fields.get(1)?.rsplit(':').next()?;
            let listening = *fields.get(3)? == "0A";
            let matches = u16::from_str_radix(local_port, 16).ok()? == port;
            (listening && matches).then(|| fields.get(9)?.parse().ok())?
        })
        .collect()
}

/// `socket:[12345]` → 12345.
fn socket_inode(link: &str) -> Option<u64> {
    link.strip_prefix("socket:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listening_rows_on_the_port_are_read() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   \
             0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0 100 0 0 10 0\n   \
             1: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 4343 1 0 20 4 30 10 -1\n   \
             2: 0100007F:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4444 1 0 100 0 0 10 0\n";
        assert_eq!(parse_listeners(table, 0x1F90), vec![4242]);
        assert_eq!(socket_inode("socket:[4242]"), Some(4242));
        assert_eq!(socket_inode("/dev/null"), None);
    }

    #[test]
    fn a_listener_of_this_process_is_found_and_a_foreign_pid_does_not_hold_it() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        assert!(!port_is_free(port));
        assert!(holds_listener(std::process::id(), port));
        assert!(!holds_listener(1, port));
        drop(listener);
        assert!(port_is_free(port));
    }
}
