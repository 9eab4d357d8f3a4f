//! Password hashing (argon2id) in one place: every hash and every check —
//! sign-in, first-run setup, password change, user creation, `INIT_ADMIN_USER`
//! — runs here, at most [`permits`] at once (2 × the cores), each on a
//! blocking thread that holds its permit until the hash is done (also when
//! the request that asked was dropped). A caller that finds no permit free
//! within [`WAIT`] is refused with [`Busy`] without hashing (the web UI
//! answers 429 with `Retry-After`), so a flood of sign-ins holds at most that
//! many hashes' memory (19 MiB each) whatever the number of requests.
//!
//! Argon2's working memory is allocated for each hash and unmapped after it
//! ([`argon2_into`]), so what a flood made resident is given back.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use subtle::ConstantTimeEq;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a caller waits for a free permit before it is refused.
pub const WAIT: Duration = Duration::from_millis(250);

/// Hashes at once: 2 × the cores.
pub fn permits() -> usize {
    2 * std::thread::available_parallelism().map_or(1, usize::from)
}

static PERMITS: LazyLock<Arc<Semaphore>> = LazyLock::new(|| Arc::new(Semaphore::new(permits())));

/// Every permit stayed taken for [`WAIT`]: nothing was hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("The server is busy checking other passwords; try again in a moment")]
pub struct Busy;

/// The right to run one hash (held until the hash is done).
pub struct HashPermit {
    _held: OwnedSemaphorePermit,
}

impl HashPermit {
    /// A permit, waiting at most [`WAIT`] for one.
    pub async fn acquire() -> Result<HashPermit, Busy> {
        match tokio::time::timeout(WAIT, Arc::clone(&PERMITS).acquire_owned()).await {
            Ok(Ok(permit)) => Ok(HashPermit { _held: permit }),
            _ => Err(Busy),
        }
    }

    /// Runs `job` on a blocking thread that keeps this permit until `job`
    /// returns; `None` if it panicked.
    async fn run<T: Send + 'static>(self, job: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        tokio::task::spawn_blocking(move || {
            let _held = self;
            job()
        })
        .await
        .ok()
    }
}

/// An argon2id hash of `password` in the PHC string format
/// (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`, argon2's defaults).
pub async fn hash(password: &str) -> Result<Result<String, String>, Busy> {
    let permit = HashPermit::acquire().await?;
    let password = password.to_owned();
    Ok(permit
        .run(move || hash_now(password.as_bytes()))
        .await
        .unwrap_or_else(|| Err("hashing stopped".to_owned())))
}

/// Whether `password` is the one `hash` was made from.
pub async fn verify(hash: &str, password: &str) -> Result<bool, Busy> {
    let permit = HashPermit::acquire().await?;
    Ok(verify_sign_in(permit, Some(hash), password).await)
}

/// Whether `password` is the user's (`hash`); with no such user (`None`) it
/// runs a hash all the same and says no, so a sign-in takes as long whether
/// or not the user exists.
pub async fn verify_sign_in(permit: HashPermit, hash: Option<&str>, password: &str) -> bool {
    let (hash, password) = (hash.map(str::to_owned), password.to_owned());
    permit
        .run(move || match hash {
            Some(hash) => verify_now(&hash, password.as_bytes()),
            None => {
                let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
                let argon2 = Argon2::default();
                let _ = argon2_into(&argon2, password.as_bytes(), b"no-such-user-salt", &mut out);
                false
            }
        })
        .await
        .unwrap_or(false)
}

fn hash_now(password: &[u8]) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| format!("no randomness for a salt: {e}"))?;
    let argon2 = Argon2::default();
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon2_into(&argon2, password, &salt, &mut out)
        .map_err(|e| format!("could not hash the password: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| format!("salt: {e}"))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon2.params()).map_err(|e| e.to_string())?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| e.to_string())?),
    };
    Ok(phc.to_string())
}

fn verify_now(hash: &str, password: &[u8]) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(version) => version.unwrap_or_default(),
        Err(_) => return false,
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params);
    argon2_into(&argon2, password, salt, &mut out).is_ok()
        && bool::from(out.as_slice().ct_eq(expected.as_bytes()))
}

/// Reserved for argon2's working memory: above 32 MiB, glibc's largest
/// `mmap` threshold. A smaller block (19 MiB by default) freed on a blocking
/// thread raises the threshold and then stays in that thread's malloc arena —
/// 19 MiB kept per thread that ever hashed (8.6 GB in a sign-in flood). A
/// block this large is always mapped and unmapped on its own; only the
/// pages argon2 writes become resident.
const MAPPED_BYTES: usize = 33 * 1024 * 1024;

/// Argon2 of `password` into `out`, in working memory allocated for this
/// hash alone and given back to the system after it.
fn argon2_into(
    argon2: &Argon2<'_>,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> argon2::Result<()> {
    let blocks = argon2.params().block_count();
    let mut memory: Vec<Block> = Vec::with_capacity(blocks.max(MAPPED_BYTES / Block::SIZE));
    memory.resize(blocks, Block::default());
    argon2.hash_password_into_with_memory(password, salt, out, &mut memory)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    #[test]
    fn hashes_are_argon2s_own() {
        let ours = hash_now(b"correct horse").expect("hash");
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        let parsed = PasswordHash::new(&ours).expect("PHC");
        assert!(Argon2::default()
            .verify_password(b"correct horse", &parsed)
            .is_ok());
        let salt = SaltString::encode_b64(b"0123456789abcdef").expect("salt");
        let theirs = Argon2::default()
            .hash_password(b"battery staple", &salt)
            .expect("hash")
            .to_string();
        assert!(verify_now(&theirs, b"battery staple"));
        assert!(!verify_now(&theirs, b"battery stapler"));
        assert!(!verify_now("not a hash", b"battery staple"));
    }

    #[tokio::test]
    async fn permits_run_in_parallel_up_to_the_limit() {
        let held: Vec<HashPermit> =
            futures_util::future::join_all((0..permits()).map(|_| HashPermit::acquire()))
                .await
                .into_iter()
                .collect::<Result<_, _>>()
                .expect("permits");
        let started = std::time::Instant::now();
        assert_eq!(HashPermit::acquire().await.err(), Some(Busy));
        assert!(started.elapsed() >= WAIT);
        drop(held);
        assert!(HashPermit::acquire().await.is_ok());
    }
}
