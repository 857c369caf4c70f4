//! Confab's load generator: the scenarios `cargo xtask bench` runs against a server it started,
//! each an open-loop or closed-loop load of real HTTP sends and real WebSocket deliveries.

pub mod client;
pub mod matrix;
pub mod scenarios;
pub mod stats;

pub use client::{Account, Chat, Confab};
pub use matrix::Matrix;
pub use stats::Latencies;

/// Resident memory of a process, in KB (Linux `/proc`); `None` elsewhere or when it is gone.
pub fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// CPU time a process has used (user + system), in milliseconds (Linux `/proc`, 100 ticks a second).
pub fn cpu_ms(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces), from the 3rd: utime is the 14th.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks * 10)
}
