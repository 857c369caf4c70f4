//! The release bundle's gzip size: wasm + js + css must stay within the budget.

use std::io::Write;

use crate::{root, Result};

/// 250 KB held the one-to-one app; groups, @mentions, burn after reading and the list's menus
/// measured +45 KB after trimming (a non-generic request funnel, no async resources, ASCII-only
/// case folding). Trunk cannot split the wasm yet, so everything loads up front.
pub const BUDGET_BYTES: u64 = 300 * 1024;

fn gzip_len(bytes: &[u8]) -> u64 {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).expect("in memory");
    enc.finish().expect("in memory").len() as u64
}

/// (file, raw bytes, gzip bytes) of every wasm/js/css file in dist/.
fn measure() -> Result<Vec<(String, u64, u64)>> {
    let dist = root().join("dist");
    let mut rows = Vec::new();
    for entry in
        std::fs::read_dir(&dist).map_err(|e| format!("dist/ missing ({e}); build the web app first"))?.flatten()
    {
        let name = entry.file_name().to_string_lossy().to_string();
        if [".wasm", ".js", ".css"].iter().any(|ext| name.ends_with(ext)) {
            let bytes = std::fs::read(entry.path()).map_err(|e| e.to_string())?;
            rows.push((name, bytes.len() as u64, gzip_len(&bytes)));
        }
    }
    rows.sort();
    Ok(rows)
}

pub fn report() -> Result<u64> {
    let rows = measure()?;
    let total: u64 = rows.iter().map(|r| r.2).sum();
    for (name, raw, gz) in &rows {
        eprintln!("  {name:<40} {:>8.1} KB raw {:>8.1} KB gzip", *raw as f64 / 1024.0, *gz as f64 / 1024.0);
    }
    eprintln!(
        "  {:<40} {:>8} {:>13.1} KB gzip (budget {} KB)",
        "total",
        "",
        total as f64 / 1024.0,
        BUDGET_BYTES / 1024
    );
    Ok(total)
}

pub fn check() -> Result {
    let total = report()?;
    if total > BUDGET_BYTES {
        return Err(format!(
            "the web app is {:.1} KB gzipped, over the {} KB budget",
            total as f64 / 1024.0,
            BUDGET_BYTES / 1024
        ));
    }
    Ok(())
}
