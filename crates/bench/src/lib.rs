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
