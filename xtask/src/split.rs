//! The release build's code splitting: the signed-in part of the app (`src/signed_in.rs`)
//! becomes a wasm chunk of its own, so a first visit to the sign-in page loads a third of the
//! code.
//!
//! Leptos marks the split point (wasm_split_helpers); `wasm-split-cli` (wasm_split_cli_support,
//! what `cargo leptos --split` runs) cuts the linked wasm at it, before wasm-bindgen. Trunk 0.21
//! cannot run a step there (trunk-rs/trunk#1022), so for `cargo xtask`'s build trunk finds this
//! program first on its PATH under the name `wasm-bindgen`: it splits the wasm trunk hands it,
//! runs the real wasm-bindgen on the main part (trunk then optimises, hashes and places that as
//! usual) and optimises the chunks with the same wasm-opt settings as `index.html` gives trunk.
//! After trunk, [`place`] moves the chunks and their loader into dist/ under names hashed like
//! trunk's. `trunk serve` and the wasm tests build without the `split` feature: no chunks.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use crate::{root, sh, Result};

/// Where the wrapper leaves the chunks and their loader for [`place`].
const OUT_ENV: &str = "CONFAB_SPLIT_OUT";
/// The real wasm-bindgen, for the wrapper.
const REAL_ENV: &str = "CONFAB_REAL_WASM_BINDGEN";
/// The loader `wasm-split-cli` writes; the main module imports it by this name.
const LOADER: &str = "__wasm_split.js";
/// Where the app keeps a signed-in person's token (src/state/actions.rs).
const TOKEN_KEY: &str = "confab.token";

fn split_dir() -> PathBuf {
    std::env::var("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|_| root().join("target")).join("wasm-split")
}

/// Where the wrapper leaves the chunks and their loader (it is told by [`OUT_ENV`]).
fn out_dir() -> PathBuf {
    split_dir().join("out")
}

/// Sets up `trunk build` to split: this program as `wasm-bindgen` first on the PATH, the link
/// flag that keeps relocations (wasm-split needs them) added to the wasm's `rustflags`, the
/// `split` feature.
pub fn prepare(trunk: &mut Command, rustflags: &str, real_wasm_bindgen: &str, path: &str) -> Result {
    let dir = split_dir();
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).map_err(|e| format!("{}: {e}", bin.display()))?;
    let me = std::env::current_exe().map_err(|e| format!("this program's path: {e}"))?;
    let wrapper = bin.join("wasm-bindgen");
    let _ = std::fs::remove_file(&wrapper);
    std::fs::copy(&me, &wrapper).map_err(|e| format!("{}: {e}", wrapper.display()))?;
    let out = out_dir();
    let _ = std::fs::remove_dir_all(&out);
    trunk
        .args(["--features", "split"])
        .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS", format!("{rustflags} -C link-args=--emit-relocs"))
        .env("PATH", format!("{}:{path}", bin.display()))
        .env(OUT_ENV, &out)
        .env(REAL_ENV, real_wasm_bindgen);
    Ok(())
}

/// True when this program was started as the `wasm-bindgen` wrapper.
pub fn is_wrapper() -> bool {
    std::env::args_os().next().and_then(|a| Path::new(&a).file_name().map(|n| n == "wasm-bindgen")).unwrap_or(false)
}

/// The wrapper: split, then the real wasm-bindgen on the main part.
pub fn wrapper() -> ExitCode {
    match wrap(std::env::args().skip(1).collect()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("wasm-bindgen (xtask's split wrapper): {e}");
            ExitCode::FAILURE
        }
    }
}

fn wrap(mut args: Vec<String>) -> Result<ExitCode> {
    let real = std::env::var(REAL_ENV).map_err(|_| format!("{REAL_ENV} is not set"))?;
    let input = args.iter().position(|a| !a.starts_with('-') && a.ends_with(".wasm"));
    let out_name = args.iter().find_map(|a| a.strip_prefix("--out-name=")).map(str::to_string);
    let (Some(input), Some(out_name)) = (input, out_name) else {
        // `--version` and the like.
        let status = Command::new(&real).args(&args).status().map_err(|e| format!("{real}: {e}"))?;
        return Ok(ExitCode::from(status.code().unwrap_or(1) as u8));
    };
    let out = PathBuf::from(std::env::var(OUT_ENV).map_err(|_| format!("{OUT_ENV} is not set"))?);
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    sh(Command::new(crate::tools::wasm_split_cli()).arg(&args[input]).arg(&out).args(["--out-name", &out_name]))?;
    let main = out.join(format!("{out_name}.wasm"));
    if !out.join(LOADER).exists() {
        return Err("wasm-split-cli found no split point (was the `split` feature on?)".into());
    }
    // Named after the input, so that a new build never reuses a cached loader.
    let hash = fnv1a(&std::fs::read(&args[input]).map_err(|e| format!("{}: {e}", args[input]))?);
    let loader = format!("{out_name}-split-{hash:016x}.js");
    std::fs::rename(out.join(LOADER), out.join(&loader)).map_err(|e| e.to_string())?;
    args[input] = main.display().to_string();
    // The chunks reach into the main module through exports the linker made.
    args.push("--keep-lld-exports".into());
    sh(Command::new(&real).args(&args))?;
    std::fs::remove_file(&main).map_err(|e| e.to_string())?;
    // The main module imports the loader: by its new name (before trunk records the script's
    // integrity in index.html).
    let out_dir = args.iter().find_map(|a| a.strip_prefix("--out-dir=")).ok_or("no --out-dir")?;
    let glue = Path::new(out_dir).join(format!("{out_name}.js"));
    let text = std::fs::read_to_string(&glue).map_err(|e| format!("{}: {e}", glue.display()))?;
    std::fs::write(&glue, rename_path(&text, "from ", LOADER, &loader)?).map_err(|e| e.to_string())?;
    let (level, params) = wasm_opt_settings()?;
    let reference_types = args.iter().any(|a| a == "--reference-types");
    for chunk in chunks(&out)? {
        let mut opt = Command::new("wasm-opt");
        opt.arg(format!("-O{level}")).args(params.split_whitespace());
        if reference_types {
            opt.arg("--enable-reference-types");
        }
        sh(opt.arg(&chunk).arg("-o").arg(&chunk))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `data-wasm-opt` and `data-wasm-opt-params` of index.html's `rust` link: the chunks are
/// optimised as trunk optimises the main module.
fn wasm_opt_settings() -> Result<(String, String)> {
    let html = std::fs::read_to_string(root().join("index.html")).map_err(|e| format!("index.html: {e}"))?;
    let attr = |name: &str| {
        let key = format!("{name}=\"");
        let start = html.find(&key)? + key.len();
        Some(html[start..start + html[start..].find('"')?].to_string())
    };
    let level = attr("data-wasm-opt").ok_or("index.html: no data-wasm-opt")?;
    Ok((level, attr("data-wasm-opt-params").unwrap_or_default()))
}

/// The names of the files in `dir`, sorted.
fn names_in(dir: &Path) -> Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    Ok(names)
}

fn chunks(dir: &Path) -> Result<Vec<PathBuf>> {
    Ok(names_in(dir)?.into_iter().filter(|n| n.ends_with(".wasm")).map(|n| dir.join(n)).collect())
}

/// `text` with the module path `./{from}` after `lead` (`from ` of an import, `URL(` of a
/// fetch) made `./{to}`; the same path elsewhere (wasm-bindgen's import object is keyed by
/// the name inside the wasm) stays.
fn rename_path(text: &str, lead: &str, from: &str, to: &str) -> Result<String> {
    for lead in [lead.to_string(), lead.trim_end().to_string()] {
        for q in ['"', '\''] {
            let old = format!("{lead}{q}./{from}{q}");
            if text.contains(&old) {
                return Ok(text.replace(&old, &format!("{lead}{q}./{to}{q}")));
            }
        }
    }
    Err(format!("no `{lead}./{from}` found"))
}

/// FNV-1a, 64 bits: a name that changes with the build, nothing more.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// After `trunk build`: the loader and the chunks go into dist/. The loader imports trunk's
/// hashed main module and names the chunks after it (`confab-HASH-signed_in.wasm`), so every
/// file is as immutable as its name says.
pub fn place(dist: &Path) -> Result {
    let out = out_dir();
    let made = names_in(&out)?;
    let loader_name = made.iter().find(|n| n.ends_with(".js")).ok_or("the split left no loader")?;
    let main_js = names_in(dist)?
        .into_iter()
        .find(|n| {
            n.ends_with(".js") && std::fs::read_to_string(dist.join(n)).is_ok_and(|t| t.contains(loader_name.as_str()))
        })
        .ok_or("dist/ has no module importing the split loader")?;
    let stem = main_js.trim_end_matches(".js");
    let base = loader_name.split("-split-").next().unwrap_or_default();
    let mut loader = std::fs::read_to_string(out.join(loader_name)).map_err(|e| format!("{loader_name}: {e}"))?;
    loader = rename_path(&loader, "from ", &format!("{base}.js"), &main_js)?;
    let mut preloads = String::new();
    for file in made.iter().filter(|n| n.ends_with(".wasm")) {
        let part = file.trim_start_matches("split_").trim_start_matches(&format!("{base}_")).trim_end_matches(".wasm");
        let name = format!("{stem}-{part}.wasm");
        std::fs::copy(out.join(file), dist.join(&name)).map_err(|e| format!("{name}: {e}"))?;
        loader = rename_path(&loader, "URL(", file, &name)?;
        preloads.push_str(&format!("<link rel=preload as=fetch crossorigin href=/{name}>"));
    }
    std::fs::write(dist.join(loader_name), loader).map_err(|e| format!("{loader_name}: {e}"))?;
    // The main module imports the loader: the page fetches it beside that module, not after.
    // Someone signed in needs the chunk at once: the page asks for it beside the main module
    // rather than after that has started. (The server's Content-Security-Policy allows each of the
    // page's inline scripts by its hash, read from the page.)
    let index = dist.join("index.html");
    let html = std::fs::read_to_string(&index).map_err(|e| format!("{}: {e}", index.display()))?;
    let at = html.find("<script").ok_or("index.html has no script")?;
    let script = format!(
        "<link rel=modulepreload href=/{loader_name}><script>try{{localStorage.getItem(\"{TOKEN_KEY}\")&&document.head.insertAdjacentHTML(\"beforeend\",\"{preloads}\")}}catch(e){{}}</script>"
    );
    std::fs::write(&index, format!("{}{script}{}", &html[..at], &html[at..])).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_import_is_renamed_and_the_import_objects_key_stays() {
        let glue =
            "import * as import1 from \"./__wasm_split.js\"\nconst imports = { \"./__wasm_split.js\": import1 };";
        let out = rename_path(glue, "from ", LOADER, "confab-split-1.js").unwrap();
        assert_eq!(
            out,
            "import * as import1 from \"./confab-split-1.js\"\nconst imports = { \"./__wasm_split.js\": import1 };"
        );
    }

    #[test]
    fn minified_and_single_quoted_forms_are_found_and_a_missing_path_is_an_error() {
        assert_eq!(rename_path("import{a}from'./x.js';", "from ", "x.js", "y.js").unwrap(), "import{a}from'./y.js';");
        let loader = "fetch(new URL(\"./split_confab_a.wasm\", import.meta.url))";
        assert_eq!(
            rename_path(loader, "URL(", "split_confab_a.wasm", "confab-1-a.wasm").unwrap(),
            "fetch(new URL(\"./confab-1-a.wasm\", import.meta.url))"
        );
        assert!(rename_path(loader, "from ", "split_confab_a.wasm", "b.wasm").is_err());
    }

    #[test]
    fn the_loaders_name_follows_the_build() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_ne!(fnv1a(b"build 1"), fnv1a(b"build 2"));
    }
}
