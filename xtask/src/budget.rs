//! The release bundle's gzip size: wasm + js + css must stay within the budget.

use std::io::Write;

use crate::{root, Result};

/// 250 KB held the one-to-one app; groups, @mentions, burn after reading and the list's menus
/// measured +45 KB after trimming (a non-generic request funnel, no async resources, ASCII-only
/// case folding). The assistant's screens (sessions, a streamed chat, Stop/Retry) measured
/// +21 KB more, built with and without them (325.5 KB in all). Everyday messaging — replies,
/// edits, reactions with an emoji picker, typing, presence, message search, forwarding, the
/// unread divider, notifications and the shortcuts help — measured +49 KB (374.3 KB); the emoji
/// list itself is fetched from the server when the picker first opens, not built in. Trunk
/// cannot split the wasm yet (trunk-rs/trunk#1022), so everything loads up front.
pub const BUDGET_BYTES: u64 = 380 * 1024;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).expect("in memory");
    enc.finish().expect("in memory")
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("in memory");
    out
}

/// What a first visit downloads: the page, the wasm, its JS glue, the styles.
fn is_loaded_up_front(name: &str) -> bool {
    [".wasm", ".js", ".css", ".html"].iter().any(|ext| name.ends_with(ext))
}

/// Writes `name.gz` and `name.br` beside each file a first visit loads, so the server sends
/// them as they are instead of compressing on every request.
pub fn precompress() -> Result {
    for entry in std::fs::read_dir(root().join("dist")).map_err(|e| e.to_string())?.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if is_loaded_up_front(&name) {
            let bytes = std::fs::read(entry.path()).map_err(|e| e.to_string())?;
            let path = entry.path();
            std::fs::write(format!("{}.gz", path.display()), gzip(&bytes)).map_err(|e| e.to_string())?;
            std::fs::write(format!("{}.br", path.display()), brotli(&bytes)).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

struct Sizes {
    name: String,
    raw: u64,
    gzip: u64,
    brotli: u64,
}

/// Sizes of every file in dist/ a first visit loads.
fn measure() -> Result<Vec<Sizes>> {
    let dist = root().join("dist");
    let mut rows = Vec::new();
    for entry in
        std::fs::read_dir(&dist).map_err(|e| format!("dist/ missing ({e}); build the web app first"))?.flatten()
    {
        let name = entry.file_name().to_string_lossy().to_string();
        if is_loaded_up_front(&name) {
            let bytes = std::fs::read(entry.path()).map_err(|e| e.to_string())?;
            let (gzip, brotli) = (gzip(&bytes).len() as u64, brotli(&bytes).len() as u64);
            rows.push(Sizes { name, raw: bytes.len() as u64, gzip, brotli });
        }
    }
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(rows)
}

/// Prints the sizes; returns the gzip total of the app's code and styles (the budget's measure).
pub fn report() -> Result<u64> {
    let rows = measure()?;
    let kb = |n: u64| n as f64 / 1024.0;
    for r in &rows {
        eprintln!(
            "  {:<40} {:>8.1} KB raw {:>8.1} KB gzip {:>8.1} KB brotli",
            r.name,
            kb(r.raw),
            kb(r.gzip),
            kb(r.brotli)
        );
    }
    let code = rows.iter().filter(|r| !r.name.ends_with(".html"));
    let total: u64 = code.clone().map(|r| r.gzip).sum();
    eprintln!("  {:<40} {:>8} {:>13.1} KB gzip (budget {} KB)", "wasm + js + css", "", kb(total), BUDGET_BYTES / 1024);
    let wire: u64 = rows.iter().map(|r| r.brotli).sum();
    eprintln!("  {:<40} {:>8} {:>13.1} KB brotli, as served (with index.html)", "first visit", "", kb(wire));
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
