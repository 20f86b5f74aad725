//! Password hashing for the directory: Argon2id PHC strings that slapd's `argon2` module
//! verifies on bind (`userPassword: {ARGON2}$argon2id$v=19$m=…,t=…,p=…$salt$hash`).
//!
//! Argon2 is for passwords only; high-entropy tokens are hashed with SHA-256 elsewhere.
//! Hashing costs tens of milliseconds and `argon2_memory_kib` of memory: async code calls
//! [`hash_password_async`], which runs it on a few long-lived hashing threads.

use crate::config::PasswordConfig;
use crate::ports::PasswordHash;
use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};

#[derive(Debug, thiserror::Error)]
#[error("cannot hash the password: {0}")]
pub struct HashError(String);

/// Hashes with Argon2id at the configured cost and a 16-byte salt from the OS RNG.
pub fn hash_password(
    password: &SecretString,
    cost: &PasswordConfig,
) -> Result<PasswordHash, HashError> {
    let params = Params::new(
        cost.argon2_memory_kib,
        cost.argon2_iterations,
        cost.argon2_parallelism,
        None,
    )
    .map_err(|e| HashError(e.to_string()))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let salt = SaltString::generate(&mut OsRng);
    let phc = argon
        .hash_password(password.expose_secret().as_bytes(), &salt)
        .map_err(|e| HashError(e.to_string()))?;
    Ok(PasswordHash(phc.to_string()))
}

/// How many hashes run at once: one core fewer than the machine has (at least one), so the
/// async runtime keeps a core for everything else while hashes run flat out.
fn hashing_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get().saturating_sub(1))
        .max(1)
}

type Job = Box<dyn FnOnce() + Send>;

/// The hashing threads' queue. Long-lived threads, not `spawn_blocking`: each hash allocates
/// its whole memory cost at once, and the C allocator keeps a freed block in the arena of the
/// thread that freed it, so hashes spread over the blocking pool's many threads left one block
/// per thread behind (peak RSS 369 MiB after a few hundred account creations, BENCHMARKS.md).
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
                .spawn(move || loop {
                    let job = match rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
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
    let job: Job = Box::new(move || {
        let _ = reply.send(hash_password(&password, &cost));
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
        }
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

    #[test]
    fn two_hashes_of_one_password_differ_by_salt() {
        let pw = SecretString::from("same password twice");
        assert_ne!(
            hash_password(&pw, &cost()).unwrap(),
            hash_password(&pw, &cost()).unwrap()
        );
    }
}
