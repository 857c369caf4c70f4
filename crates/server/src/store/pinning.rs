//! The send queue's writer and SQLite's thread for the writer connection, on one CPU (Linux).
//!
//! sqlx runs each SQLite connection on a thread of its own. The writer hands that thread each
//! call of a batch of sends and is woken for each result and row it sends back (~60 times a
//! batch). Left to the scheduler the two threads run on different CPUs, and every hand-over wakes
//! a thread on the other one (an interrupt between processors; on a virtual machine, through the
//! hypervisor). On one CPU a hand-over is a switch there. Nothing is lost by it: the two never
//! run at once, since the writer waits for each answer. And on one CPU the writer need not take
//! it from its SQLite thread at each row ([`not_preempting`]): it takes a statement's rows
//! together once that thread waits. Every other thread (HTTP, sockets, password hashing, the
//! readers' connections) may still run anywhere. BENCHMARKS.md, twenty-first round, has the
//! measurements.
//!
//! sqlx does not say which thread serves a connection, and through its `Any` driver its threads
//! cannot be given names of their own. So every SQLite connection the store opens notes the
//! SQLite threads there are ([`note_connection`]), and the writer connection's thread is the one
//! that appeared since the last note. When another connection appeared too (a reader opening at
//! the same moment), none is picked, and the writer and its SQLite thread stay where the
//! scheduler puts them: only slower, never wrong.

/// The one SQLite thread that appeared since the last call (in this process), if exactly one did.
/// Called right after each connection the store opens: after the writer's, it is that
/// connection's thread.
pub fn note_connection() -> Option<i32> {
    imp::note_connection()
}

/// The CPU the writer and its SQLite thread share, when this thread may run on two or more (with
/// one, there is nothing to choose): the fastest by what the kernel says of each, the last of
/// those. On a machine with big and little cores the writer, the serial part, belongs on a big one.
pub fn shared_cpu() -> Option<usize> {
    let cpus = imp::cpus_of(0)?;
    if cpus.len() < 2 {
        return None;
    }
    fastest(cpus.into_iter().map(|cpu| (cpu, imp::speed(cpu))))
}

/// Of CPUs and their speeds (`None`: not known, slowest), the fastest; the last of equals.
fn fastest(cpus: impl Iterator<Item = (usize, Option<u64>)>) -> Option<usize> {
    cpus.max_by_key(|&(cpu, speed)| (speed, cpu)).map(|(cpu, _)| cpu)
}

/// The CPUs thread `tid` (0: the calling thread) may run on, when the system says.
pub fn cpus_of(tid: i32) -> Option<Vec<usize>> {
    imp::cpus_of(tid)
}

/// Keeps thread `tid` (0: the calling thread) on `cpu`; whether it could.
pub fn pin(tid: i32, cpu: usize) -> bool {
    imp::pin(tid, cpu)
}

/// Makes the calling thread one that does not preempt the thread running on its CPU when it is
/// woken (`SCHED_BATCH`); whether it could. For the writer, beside its SQLite thread: woken for
/// each row that thread hands it, it would otherwise take the CPU from it at each one, and the two
/// would switch twice a row. Not preempting, the writer runs once its SQLite thread waits for the
/// next call, and takes every row handed over meanwhile at once.
pub fn not_preempting() -> bool {
    imp::not_preempting()
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod imp {
    use std::collections::BTreeSet;
    use std::sync::Mutex;

    /// What sqlx names a SQLite connection's thread (`sqlx-sqlite-worker-N`), as the kernel keeps
    /// it (15 bytes).
    const SQLITE_THREAD: &str = "sqlx-sqlite-wor";

    /// The SQLite threads seen at the last note.
    static SEEN: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());

    pub(super) fn sqlite_threads() -> BTreeSet<i32> {
        let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return BTreeSet::new() };
        tasks
            .flatten()
            .filter(|t| std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.trim_end() == SQLITE_THREAD))
            .filter_map(|t| t.file_name().to_str()?.parse().ok())
            .collect()
    }

    pub fn note_connection() -> Option<i32> {
        let now = sqlite_threads();
        let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
        let mut new = now.difference(&seen).copied();
        let one = match (new.next(), new.next()) {
            (Some(tid), None) => Some(tid),
            _ => None,
        };
        *seen = now;
        one
    }

    /// What the kernel says of a CPU's speed: its capacity relative to the others (1024 for the
    /// fastest), else its highest frequency.
    pub fn speed(cpu: usize) -> Option<u64> {
        let read = |file: &str| {
            let text = std::fs::read_to_string(format!("/sys/devices/system/cpu/cpu{cpu}/{file}")).ok()?;
            text.trim().parse().ok()
        };
        read("cpu_capacity").or_else(|| read("cpufreq/cpuinfo_max_freq"))
    }

    pub fn cpus_of(tid: i32) -> Option<Vec<usize>> {
        // SAFETY: `set` is a plain bit set, written by the call within the size given.
        unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            if libc::sched_getaffinity(tid, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
                return None;
            }
            Some((0..libc::CPU_SETSIZE as usize).filter(|&cpu| libc::CPU_ISSET(cpu, &set)).collect())
        }
    }

    pub fn not_preempting() -> bool {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: a plain call on the calling thread (0) with a valid parameter.
        unsafe { libc::sched_setscheduler(0, libc::SCHED_BATCH, &param) == 0 }
    }

    pub fn pin(tid: i32, cpu: usize) -> bool {
        if cpu >= libc::CPU_SETSIZE as usize {
            return false;
        }
        // SAFETY: as in `cpus_of`; `cpu` is within the set.
        unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_SET(cpu, &mut set);
            libc::sched_setaffinity(tid, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
        }
    }
}

/// Elsewhere the threads stay where the system puts them.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
mod imp {
    pub fn note_connection() -> Option<i32> {
        None
    }

    pub fn cpus_of(_tid: i32) -> Option<Vec<usize>> {
        None
    }

    pub fn speed(_cpu: usize) -> Option<u64> {
        None
    }

    pub fn pin(_tid: i32, _cpu: usize) -> bool {
        false
    }

    pub fn not_preempting() -> bool {
        false
    }
}

#[cfg(test)]
mod choice {
    use super::fastest;

    #[test]
    fn the_writer_goes_on_the_fastest_cpu_the_last_of_equals() {
        let pick = |cpus: &[(usize, Option<u64>)]| fastest(cpus.iter().copied());
        assert_eq!(pick(&[(0, Some(1024)), (1, Some(1024))]), Some(1), "equals: the last");
        assert_eq!(pick(&[(0, None), (1, None)]), Some(1), "nothing known: the last");
        assert_eq!(pick(&[(0, Some(1024)), (1, Some(512)), (2, Some(512))]), Some(0), "a big core before little ones");
        assert_eq!(pick(&[(2, Some(900)), (3, Some(1000)), (4, Some(1000)), (5, Some(600))]), Some(4));
        assert_eq!(pick(&[(0, Some(1)), (7, None)]), Some(0), "a known speed before an unknown one");
        assert_eq!(pick(&[]), None);
    }
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use sqlx::{AnyConnection, Connection};

    /// A thread pinned to a CPU runs only there, one made not preempting has `SCHED_BATCH`; the
    /// calling thread is left as it was.
    #[test]
    fn a_thread_is_kept_on_the_cpu_given() {
        let all = super::imp::cpus_of(0).expect("this thread's CPUs");
        let cpu = *all.last().unwrap();
        let pinned = std::thread::spawn(move || {
            assert!(super::pin(0, cpu));
            super::imp::cpus_of(0).unwrap()
        })
        .join()
        .unwrap();
        assert_eq!(pinned, vec![cpu]);
        // SAFETY (both): plain calls on the calling thread.
        let batch = std::thread::spawn(|| (super::not_preempting(), unsafe { libc::sched_getscheduler(0) }));
        assert_eq!(batch.join().unwrap(), (true, libc::SCHED_BATCH), "not preempting: SCHED_BATCH");
        assert_eq!(unsafe { libc::sched_getscheduler(0) }, libc::SCHED_OTHER, "this thread is left as it was");
        assert_eq!(super::imp::cpus_of(0).unwrap(), all);
        assert!(!super::pin(0, usize::MAX), "no such CPU");
        let shared = super::shared_cpu();
        assert_eq!(shared.is_some(), all.len() >= 2);
        assert!(shared.is_none_or(|c| all.contains(&c)));
    }

    /// The thread of a connection opened alone is found; after two opened at once, neither is.
    /// (Other tests of this process open connections too: the first part tries again until
    /// nothing else opened one in between.)
    #[tokio::test]
    async fn a_new_connection_s_thread_is_found_and_two_at_once_are_not_told_apart() {
        sqlx::any::install_default_drivers();
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let mut found = None;
        for _ in 0..50 {
            super::note_connection();
            let conn = AnyConnection::connect(&url).await.unwrap();
            let threads = super::imp::sqlite_threads();
            found = super::note_connection();
            conn.close().await.unwrap();
            if let Some(tid) = found {
                assert!(threads.contains(&tid));
                break;
            }
        }
        assert!(found.is_some(), "a connection opened alone is found");

        super::note_connection();
        let (a, b) = (AnyConnection::connect(&url).await.unwrap(), AnyConnection::connect(&url).await.unwrap());
        assert_eq!(super::note_connection(), None, "two new threads: neither is picked");
        a.close().await.unwrap();
        b.close().await.unwrap();
    }
}
