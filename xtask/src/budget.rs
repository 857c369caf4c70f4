//! The release bundle's gzip size: what a first visit loads, and the whole app, must each stay
//! within a budget.

use std::io::Write;

use crate::{root, Result};

/// What a first visit loads (the sign-in page: the main wasm, its JS glue and the split loader,
/// the styles). Since the release build splits the signed-in part of the app into a chunk of its
/// own (xtask/src/split.rs), this is 147 KB of the 379 KB that used to load up front.
pub const FIRST_VISIT_BUDGET_BYTES: u64 = 150 * 1024;

/// The whole app, chunks included. 250 KB held the one-to-one app; groups, @mentions, burn after
/// reading and the list's menus measured +45 KB after trimming (a non-generic request funnel, no
/// async resources, ASCII-only case folding). The assistant's screens (sessions, a streamed chat,
/// Stop/Retry) measured +21 KB more, built with and without them (325.5 KB in all). Everyday
/// messaging — replies, edits, reactions with an emoji picker, typing, presence, message search,
/// forwarding, the unread divider, notifications and the shortcuts help — measured +49 KB
/// (374.3 KB); the emoji list itself is fetched from the server when the picker first opens, not
/// built in. The split costs +34.5 KB (413.8 KB): the chunk reaches what it shares with the main
/// module through the function table, and neither side can be optimised with the other.
pub const BUDGET_BYTES: u64 = 420 * 1024;

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

/// The app's own files: the page, the wasm (and its chunks), the JS, the styles.
fn is_app_file(name: &str) -> bool {
    [".wasm", ".js", ".css", ".html"].iter().any(|ext| name.ends_with(ext))
}

/// A chunk of the wasm fetched later (trunk names the main module `…_bg.wasm`).
fn is_chunk(name: &str) -> bool {
    name.ends_with(".wasm") && !name.ends_with("_bg.wasm")
}

/// Writes `name.gz` and `name.br` beside each of the app's files, so the server sends them as
/// they are instead of compressing on every request.
pub fn precompress() -> Result {
    for entry in std::fs::read_dir(root().join("dist")).map_err(|e| e.to_string())?.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if is_app_file(&name) {
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

/// Sizes of the app's files in dist/.
fn measure() -> Result<Vec<Sizes>> {
    let dist = root().join("dist");
    let mut rows = Vec::new();
    for entry in
        std::fs::read_dir(&dist).map_err(|e| format!("dist/ missing ({e}); build the web app first"))?.flatten()
    {
        let name = entry.file_name().to_string_lossy().to_string();
        if is_app_file(&name) {
            let bytes = std::fs::read(entry.path()).map_err(|e| e.to_string())?;
            let (gzip, brotli) = (gzip(&bytes).len() as u64, brotli(&bytes).len() as u64);
            rows.push(Sizes { name, raw: bytes.len() as u64, gzip, brotli });
        }
    }
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(rows)
}

/// The gzip totals of the app's code and styles: (what a first visit loads, all of it).
pub struct Totals {
    first_visit: u64,
    all: u64,
}

/// Prints the sizes and the totals.
pub fn report() -> Result<Totals> {
    let rows = measure()?;
    let kb = |n: u64| n as f64 / 1024.0;
    for r in &rows {
        eprintln!(
            "  {:<40} {:>8.1} KB raw {:>8.1} KB gzip {:>8.1} KB brotli{}",
            r.name,
            kb(r.raw),
            kb(r.gzip),
            kb(r.brotli),
            if is_chunk(&r.name) { "  (fetched on sign-in)" } else { "" }
        );
    }
    let code = rows.iter().filter(|r| !r.name.ends_with(".html"));
    let first = code.clone().filter(|r| !is_chunk(&r.name));
    let totals = Totals { first_visit: first.map(|r| r.gzip).sum(), all: code.map(|r| r.gzip).sum() };
    eprintln!(
        "  {:<40} {:>8} {:>13.1} KB gzip (budget {} KB)",
        "first visit: wasm + js + css",
        "",
        kb(totals.first_visit),
        FIRST_VISIT_BUDGET_BYTES / 1024
    );
    eprintln!("  {:<40} {:>8} {:>13.1} KB gzip (budget {} KB)", "all of it", "", kb(totals.all), BUDGET_BYTES / 1024);
    let wire: u64 = rows.iter().filter(|r| !is_chunk(&r.name)).map(|r| r.brotli).sum();
    eprintln!("  {:<40} {:>8} {:>13.1} KB brotli, as served (with index.html)", "first visit", "", kb(wire));
    Ok(totals)
}

pub fn check() -> Result {
    let totals = report()?;
    for (what, total, budget) in [
        ("what a first visit loads", totals.first_visit, FIRST_VISIT_BUDGET_BYTES),
        ("the whole web app", totals.all, BUDGET_BYTES),
    ] {
        if total > budget {
            return Err(format!(
                "{what} is {:.1} KB gzipped, over the {} KB budget",
                total as f64 / 1024.0,
                budget / 1024
            ));
        }
    }
    Ok(())
}
