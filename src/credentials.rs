//! Password hashing for the directory: Argon2id PHC strings that slapd's `argon2` module
//! verifies on bind (`userPassword: {ARGON2}$argon2id$v=19$m=…,t=…,p=…$salt$hash`).
//!
//! Argon2 is for passwords only; high-entropy tokens are hashed with SHA-256 elsewhere.
//! Hashing costs tens of milliseconds and `argon2_memory_kib` of memory: async code calls
//! [`hash_password_async`], which runs it on a few long-lived hashing threads.

use crate::config::PasswordConfig;
use crate::ports::PasswordHash;
use argon2::password_hash::{rand_core::OsRng, Output, ParamsString, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use secrecy::{ExposeSecret, SecretString};

#[derive(Debug, thiserror::Error)]
#[error("cannot hash the password: {0}")]
pub struct HashError(String);

/// Hashes with Argon2id at the configured cost and a 16-byte salt from the OS RNG.
pub fn hash_password(
    password: &SecretString,
    cost: &PasswordConfig,
) -> Result<PasswordHash, HashError> {
    hash_in(&mut Vec::new(), password, cost)
}

/// [`hash_password`] in `memory` (grown to the cost's block count and kept by the caller):
/// the same PHC string as `PasswordHasher::hash_password`, without allocating the cost anew.
fn hash_in(
    memory: &mut Vec<Block>,
    password: &SecretString,
    cost: &PasswordConfig,
) -> Result<PasswordHash, HashError> {
    let err = |e: &dyn std::fmt::Display| HashError(e.to_string());
    let params = Params::new(
        cost.argon2_memory_kib,
        cost.argon2_iterations,
        cost.argon2_parallelism,
        None,
    )
    .map_err(|e| err(&e))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    memory.resize(params.block_count(), Block::default());
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_bytes)
        .map_err(|e| err(&e))?;
    let output_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let hash = Output::init_with(output_len, |out| {
        argon
            .hash_password_into_with_memory(
                password.expose_secret().as_bytes(),
                salt_bytes,
                out,
                &mut memory[..],
            )
            .map_err(Into::into)
    })
    .map_err(|e| err(&e))?;
    let phc = argon2::password_hash::PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| err(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(hash),
    };
    Ok(PasswordHash(phc.to_string()))
}

/// How many hashes run at once: one core fewer than the machine has (at least one), so the
/// async runtime keeps a core for everything else while hashes run flat out.
fn hashing_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get().saturating_sub(1))
        .max(1)
}

/// A hash to make, given the hashing thread's reusable memory.
type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

/// The hashing threads' queue. Long-lived threads that each keep one Argon2 memory block and
/// reuse it: allocating the cost (19 MiB by default) for every hash left the daemon at
/// 240–370 MiB resident after a few hundred account creations (the C allocator did not give
/// the freed blocks back; BENCHMARKS.md), and `spawn_blocking` spread them over many threads.
///
/// They run at the daemon's own priority. Until issue 17's tenth round they ran at niceness
/// 10, so that requests would go first; measured, that bought the reads nothing (their p99
/// during account creations was no better) and cost the creations: 20 % fewer accounts a
/// second flat out, and with other work busy on every core a tenth of a core for the hash,
/// so an administrator waited 0.16 s for an account at one a second and about 3 s at ten
/// (BENCHMARKS.md, "The hashing threads' priority"). How many hashes run at once is what
/// keeps a core for everything else ([`hashing_threads`]).
fn hashing_queue() -> &'static std::sync::Mutex<std::sync::mpsc::Sender<Job>> {
    static QUEUE: std::sync::OnceLock<std::sync::Mutex<std::sync::mpsc::Sender<Job>>> =
        std::sync::OnceLock::new();
    QUEUE.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        for i in 0..hashing_threads() {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    let mut memory = Vec::new();
                    loop {
                        let job = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(&mut memory),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password hashing thread");
            }
        }
        std::sync::Mutex::new(tx)
    })
}

/// [`hash_password`] on the hashing threads: at most [`hashing_threads`] at once, queued in
/// arrival order, never on the async runtime's threads.
pub async fn hash_password_async(
    password: SecretString,
    cost: PasswordConfig,
) -> Result<PasswordHash, HashError> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move |memory| {
        let _ = reply.send(hash_in(memory, &password, &cost));
    });
    hashing_queue()
        .lock()
        .map_err(|_| HashError("the hashing queue is poisoned".into()))?
        .send(job)
        .map_err(|_| HashError("no password hashing thread runs".into()))?;
    answer
        .await
        .map_err(|_| HashError("the password hashing thread stopped".into()))?
}

/// The `userPassword` value slapd expects.
pub fn user_password_value(hash: &PasswordHash) -> String {
    format!("{{ARGON2}}{}", hash.0)
}

/// Admission of password work: sign-in checks (a bind, which makes slapd verify an Argon2id
/// hash) and new hashes. At most `passwords.max_hashing_in_flight` at once; beyond that a
/// request is turned away at once ("try again shortly", 503 + `Retry-After`) rather than
/// queued, so a flood of sign-ins cannot delay account creation and first logins for
/// everyone (issue 12 item 6). It also remembers how long a real check takes, so an unknown
/// login is answered after as long a *sleep* instead of a full hash of its own.
#[derive(Debug)]
pub struct HashingGate {
    in_flight: std::sync::atomic::AtomicUsize,
    limit: usize,
    /// Moving average of a real password check, microseconds.
    typical_micros: std::sync::atomic::AtomicU64,
}

/// How long a client is asked to wait when the gate is full.
pub const RETRY_AFTER_SECS: u64 = 5;

/// A check or hash admitted by the [`HashingGate`]; dropping it frees the place.
#[derive(Debug)]
pub struct HashingPermit(std::sync::Arc<HashingGate>);

impl Drop for HashingPermit {
    fn drop(&mut self) {
        self.0
            .in_flight
            .fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    }
}

impl HashingGate {
    pub fn new(limit: usize) -> std::sync::Arc<Self> {
        std::sync::Arc::new(Self {
            in_flight: std::sync::atomic::AtomicUsize::new(0),
            limit,
            // Until a real check was measured: about an Argon2id check at the default cost.
            typical_micros: std::sync::atomic::AtomicU64::new(60_000),
        })
    }

    /// A place, or `None` when `limit` checks and hashes are running already.
    pub fn try_admit(self: &std::sync::Arc<Self>) -> Option<HashingPermit> {
        use std::sync::atomic::Ordering;
        self.in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.limit).then_some(n + 1)
            })
            .ok()
            .map(|_| HashingPermit(self.clone()))
    }

    /// Takes a real check's duration into the average (weight 1/8).
    pub fn record_check(&self, took: std::time::Duration) {
        use std::sync::atomic::Ordering;
        let sample = took.as_micros().min(10_000_000) as u64;
        let _ = self
            .typical_micros
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |old| {
                Some((old * 7 + sample) / 8)
            });
    }

    /// How long a real password check takes, about.
    pub fn typical_check(&self) -> std::time::Duration {
        std::time::Duration::from_micros(
            self.typical_micros
                .load(std::sync::atomic::Ordering::Acquire),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::{PasswordHash as Phc, PasswordVerifier};

    fn cost() -> PasswordConfig {
        PasswordConfig {
            argon2_memory_kib: 19_456,
            argon2_iterations: 2,
            argon2_parallelism: 1,
            initial_password_ttl: time::Duration::days(7),
            max_hashing_in_flight: 32,
        }
    }

    #[test]
    fn the_gate_admits_up_to_its_limit_and_frees_a_place_on_drop() {
        let gate = HashingGate::new(2);
        let a = gate.try_admit().unwrap();
        let _b = gate.try_admit().unwrap();
        assert!(gate.try_admit().is_none());
        drop(a);
        assert!(gate.try_admit().is_some());
        gate.record_check(std::time::Duration::from_millis(60));
        for _ in 0..50 {
            gate.record_check(std::time::Duration::from_millis(20));
        }
        let typical = gate.typical_check().as_millis();
        assert!((19..=21).contains(&typical), "{typical}");
    }

    #[test]
    fn hashes_are_argon2id_at_the_configured_cost_and_verify() {
        let pw = SecretString::from("correct horse battery staple");
        let hash = hash_password(&pw, &cost()).unwrap();
        assert!(
            hash.0.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            hash.0
        );
        let parsed = Phc::new(&hash.0).unwrap();
        assert!(Argon2::default()
            .verify_password(b"correct horse battery staple", &parsed)
            .is_ok());
        assert!(Argon2::default()
            .verify_password(b"wrong", &parsed)
            .is_err());
        assert!(user_password_value(&hash).starts_with("{ARGON2}$argon2id$"));
    }

    #[tokio::test]
    async fn hashes_made_on_the_hashing_threads_verify() {
        let pw = SecretString::from("hashed off the runtime");
        let hashes =
            futures_like_join((0..3).map(|_| hash_password_async(pw.clone(), cost()))).await;
        for hash in hashes {
            let hash = hash.unwrap();
            let parsed = Phc::new(&hash.0).unwrap();
            assert!(Argon2::default()
                .verify_password(b"hashed off the runtime", &parsed)
                .is_ok());
        }
    }

    async fn futures_like_join<F: std::future::Future + Send + 'static>(
        fs: impl Iterator<Item = F>,
    ) -> Vec<F::Output>
    where
        F::Output: Send + 'static,
    {
        let handles: Vec<_> = fs.map(tokio::spawn).collect();
        let mut out = Vec::new();
        for h in handles {
            out.push(h.await.unwrap());
        }
        out
    }

    /// The niceness of every `argon2-*` thread of this process and of the thread asking
    /// (`/proc/self/task/*/stat`, field 19).
    fn niceness() -> (Vec<i32>, i32) {
        let nice_of = |stat: &str| -> i32 {
            // After the parenthesised name: state is field 3, nice field 19.
            let rest = &stat[stat.rfind(')').unwrap() + 2..];
            rest.split(' ').nth(16).unwrap().parse().unwrap()
        };
        let mut hashing = Vec::new();
        for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
            let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
            if comm.starts_with("argon2-") {
                let stat = std::fs::read_to_string(task.path().join("stat")).unwrap();
                hashing.push(nice_of(&stat));
            }
        }
        let own = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        (hashing, nice_of(&own))
    }

    /// Issue 17, tenth round: at niceness 10 a hash got a tenth of a core beside other busy
    /// work, and account creation waited seconds.
    #[tokio::test]
    async fn hashing_threads_run_at_the_daemons_priority() {
        hash_password_async(SecretString::from("a long passphrase"), cost())
            .await
            .unwrap();
        let (hashing, own) = niceness();
        assert!(!hashing.is_empty(), "no hashing thread found");
        assert!(
            hashing.iter().all(|n| *n == own),
            "{hashing:?} against {own}"
        );
    }

    #[test]
    fn two_hashes_of_one_password_differ_by_salt() {
        let pw = SecretString::from("same password twice");
        assert_ne!(
            hash_password(&pw, &cost()).unwrap(),
            hash_password(&pw, &cost()).unwrap()
        );
    }
}
