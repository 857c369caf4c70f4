//! Password hashing behind a bounded queue.
//!
//! Argon2 needs ~19 MiB per hash on purpose. Run on tokio's blocking pool with no bound, a login
//! storm grows the process by that much per concurrent attempt, and the allocator keeps it. Here a
//! fixed set of worker threads share at most one reusable block buffer each, so memory stays at
//! `workers × 19 MiB` whatever arrives; a caller waits a short while for a worker and otherwise
//! gets a 503 with `Retry-After` instead of piling up. The buffers are kept while people sign
//! in and given back to the system once nobody has for `idle_memory` (a server that signed a
//! few people in does not hold ~40 MB for the rest of its life).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use argon2::password_hash::{rand_core::OsRng, Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::{oneshot, Semaphore};

use crate::error::{AppError, AppResult};

/// Work for a hashing thread; it gets a buffer from the pool. What it gives back sends the
/// answer: called once the buffer is back in the pool, so that a caller who has the answer finds
/// it there.
type Job = Box<dyn FnOnce(&mut Vec<Block>) -> Answer + Send>;
type Answer = Box<dyn FnOnce() + Send>;

pub struct PasswordHasher {
    jobs: SyncSender<Job>,
    /// The block buffers not in use (at most one per worker).
    memory: Arc<Mutex<Vec<Vec<Block>>>>,
    /// One permit per worker: holding one means a worker is (or is about to be) yours.
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
    max_wait: Duration,
}

/// Tuning of the queue; the defaults suit a small server.
#[derive(Debug, Clone)]
pub struct HashingLimits {
    /// Hashes computed at once (≈ cores).
    pub workers: usize,
    /// Callers allowed to wait for a worker; more get 503 at once.
    pub max_waiting: usize,
    /// How long a caller waits for a worker before 503.
    pub max_wait: Duration,
    /// The hashing memory is freed after this long without a hash.
    pub idle_memory: Duration,
}

impl Default for HashingLimits {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        HashingLimits {
            workers: cores,
            max_waiting: 64,
            max_wait: Duration::from_secs(5),
            idle_memory: Duration::from_secs(10),
        }
    }
}

impl PasswordHasher {
    pub fn new(limits: &HashingLimits) -> PasswordHasher {
        let workers = limits.workers.max(1);
        let (jobs, queue) = sync_channel::<Job>(workers);
        let queue = Arc::new(Mutex::new(queue));
        let memory = Arc::new(Mutex::new(Vec::with_capacity(workers)));
        for i in 0..workers {
            let (queue, memory, idle) = (queue.clone(), memory.clone(), limits.idle_memory);
            std::thread::Builder::new()
                .name(format!("confab-argon2-{i}"))
                .spawn(move || worker(queue, memory, idle))
                .expect("spawn a hashing thread");
        }
        PasswordHasher {
            jobs,
            memory,
            permits: Arc::new(Semaphore::new(workers)),
            waiting: AtomicUsize::new(0),
            max_waiting: limits.max_waiting,
            max_wait: limits.max_wait,
        }
    }

    /// Runs `f` on a hashing thread once one is free, or refuses with 503.
    async fn run<T: Send + 'static>(&self, f: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static) -> AppResult<T> {
        let busy = || AppError::unavailable("the server is busy signing people in; try again in a moment", 2);
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(busy());
        }
        let permit = tokio::time::timeout(self.max_wait, self.permits.clone().acquire_owned()).await;
        self.waiting.fetch_sub(1, Ordering::AcqRel);
        let permit = match permit {
            Ok(Ok(p)) => p,
            _ => return Err(busy()),
        };
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |memory| {
            let answer = f(memory);
            Box::new(move || {
                let _permit = permit;
                let _ = tx.send(answer);
            })
        });
        // A permit guarantees room in the channel, so this never blocks for long.
        self.jobs.send(job).map_err(|_| AppError::internal())?;
        rx.await.map_err(|_| AppError::internal())
    }

    /// Bytes of hashing memory kept for the next hash (not counting hashes running now).
    pub fn memory_kept(&self) -> usize {
        self.memory.lock().map(|p| p.iter().map(|m| m.capacity() * std::mem::size_of::<Block>()).sum()).unwrap_or(0)
    }

    /// Argon2id with a random salt, as a PHC string.
    pub async fn hash(&self, password: String) -> AppResult<String> {
        self.run(move |memory| hash_with(memory, password.as_bytes())).await?.ok_or_else(AppError::internal)
    }

    /// Whether `password` matches the PHC string `hash`.
    pub async fn verify(&self, password: String, hash: String) -> AppResult<bool> {
        self.run(move |memory| verify_with(memory, password.as_bytes(), &hash)).await
    }
}

fn worker(queue: Arc<Mutex<Receiver<Job>>>, pool: Arc<Mutex<Vec<Vec<Block>>>>, idle: Duration) {
    loop {
        let job = match queue.lock() {
            Ok(rx) => rx.recv_timeout(idle),
            Err(_) => return,
        };
        match job {
            Ok(job) => {
                let mut memory = pool.lock().ok().and_then(|mut p| p.pop()).unwrap_or_default();
                let answer = job(&mut memory);
                if let Ok(mut p) = pool.lock() {
                    p.push(memory);
                }
                answer();
            }
            // Nothing to hash for a while: the memory goes back to the system.
            Err(RecvTimeoutError::Timeout) => {
                let unused = pool.lock().map(|mut p| std::mem::take(&mut *p)).unwrap_or_default();
                if !unused.is_empty() {
                    drop(unused);
                    give_back_freed_memory();
                }
            }
            // Every sender is gone: the server stopped.
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// glibc keeps freed memory for reuse: a freed buffer this large comes from its heap once it has
/// freed one before (its mmap threshold rises), so it is handed back explicitly.
fn give_back_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; callable at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The reusable memory, grown (never shrunk) to what `params` needs.
fn blocks_for<'m>(memory: &'m mut Vec<Block>, params: &Params) -> &'m mut [Block] {
    if memory.len() < params.block_count() {
        memory.resize(params.block_count(), Block::default());
    }
    &mut memory[..params.block_count()]
}

fn hash_with(memory: &mut Vec<Block>, password: &[u8]) -> Option<String> {
    let params = Params::default();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_raw = salt.as_salt().decode_b64(&mut salt_bytes).ok()?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    argon.hash_password_into_with_memory(password, salt_raw, &mut out, blocks_for(memory, &params)).ok()?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: (&params).try_into().ok()?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).ok()?),
    };
    Some(phc.to_string())
}

fn verify_with(memory: &mut Vec<Block>, password: &[u8], hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else { return false };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else { return false };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else { return false };
    let version = parsed.version.and_then(|v| Version::try_from(v).ok()).unwrap_or_default();
    let Ok(params) = Params::try_from(&parsed) else { return false };
    // Refuse parameters that would make one check allocate far more than a normal one.
    if params.block_count() > Params::default().block_count() * 4 {
        return false;
    }
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_raw) = salt.decode_b64(&mut salt_bytes) else { return false };
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params.clone());
    if argon.hash_password_into_with_memory(password, salt_raw, &mut out, blocks_for(memory, &params)).is_err() {
        return false;
    }
    Output::new(&out).is_ok_and(|o| o == expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::PasswordVerifier;

    #[test]
    fn hashes_verify_with_the_reused_memory_and_with_argon2_itself() {
        let mut memory = Vec::new();
        let hash = hash_with(&mut memory, b"correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(verify_with(&mut memory, b"correct horse", &hash));
        assert!(!verify_with(&mut memory, b"correct horsf", &hash));
        // The same PHC string the argon2 crate writes and reads.
        let parsed = PasswordHash::new(&hash).unwrap();
        assert!(Argon2::default().verify_password(b"correct horse", &parsed).is_ok());
    }

    #[tokio::test]
    async fn the_memory_is_kept_while_people_sign_in_and_given_back_when_they_stop() {
        let limits = HashingLimits {
            workers: 2,
            max_waiting: 4,
            max_wait: Duration::from_secs(5),
            idle_memory: Duration::from_secs(1),
        };
        let hasher = PasswordHasher::new(&limits);
        assert_eq!(hasher.memory_kept(), 0);
        let hash = hasher.hash("correct horse".into()).await.unwrap();
        let one = Params::default().block_count() * std::mem::size_of::<Block>();
        assert_eq!(hasher.memory_kept(), one, "kept for the next sign-in");
        assert!(hasher.verify("correct horse".into(), hash.clone()).await.unwrap());
        let (a, b) =
            tokio::join!(hasher.verify("correct horse".into(), hash.clone()), hasher.verify("nope".into(), hash));
        assert!(a.unwrap() && !b.unwrap());
        assert!(hasher.memory_kept() <= 2 * one, "at most one buffer per worker");
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert_eq!(hasher.memory_kept(), 0, "nobody signed in for a while: the memory is gone");
        assert!(hasher.hash("again".into()).await.is_ok());
    }

    #[test]
    fn hashes_made_by_argon2_itself_verify() {
        use argon2::PasswordHasher as _;
        let salt = SaltString::generate(&mut OsRng);
        let hash = Argon2::default().hash_password(b"older hash", &salt).unwrap().to_string();
        let mut memory = Vec::new();
        assert!(verify_with(&mut memory, b"older hash", &hash));
        assert!(!verify_with(&mut memory, b"other", &hash));
        assert!(!verify_with(&mut memory, b"older hash", "not a hash"));
    }
}
