//! Uploaded files: stored once by content hash — in the data dir, a shared directory or an
//! S3-compatible bucket, through `object_store` — and handed out as signed, expiring URLs that
//! work in a plain `<img src>` or `<a href>`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use object_store::local::LocalFileSystem;
use object_store::{GetOptions, GetRange, GetResult, ObjectStore};

use axum::extract::multipart::Field;
use confab_api::{FileInfo, Id};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::error::{AppError, AppResult};
use crate::store::files::{self, FileRow};
use crate::time::now_ms;
use crate::{AppState, Config};

type HmacSha256 = Hmac<Sha256>;

/// Everything but RFC 5987's attr-chars is escaped (in URLs and `filename*=`).
pub const URL_ENCODE: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Raster images a browser may show inline; anything else is served as a download.
const INLINE_IMAGES: &[&str] = &["image/png", "image/jpeg", "image/gif", "image/webp"];

pub struct FileStore {
    /// Uploads arrive here (on this machine's disk) while they are hashed and checked.
    tmp: PathBuf,
    /// Where the contents are kept, each under `ab/abcdef…` (its SHA-256).
    blobs: Arc<dyn ObjectStore>,
    key: [u8; 32],
    ttl_secs: u64,
    /// The last answer of [`FileStore::check`] and when it was had (one probe at a time).
    checked: tokio::sync::Mutex<Option<(tokio::time::Instant, Result<(), String>)>>,
}

/// How long a probe of the store's reachability is reused: `/api/ready` is open to anyone,
/// and each call must not become a request to the store.
const CHECK_REUSED_FOR: std::time::Duration = std::time::Duration::from_secs(1);
/// How long a probe may take before the store counts as unreachable.
const CHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// The store behind `--file-store-url`, or `files/` in the data dir.
fn open_blobs(config: &Config) -> anyhow::Result<Arc<dyn ObjectStore>> {
    use anyhow::Context;
    let Some(raw) = &config.file_store_url else {
        let root = config.data_dir.join("files");
        std::fs::create_dir_all(&root)?;
        return Ok(Arc::new(LocalFileSystem::new_with_prefix(root)?));
    };
    let url: url::Url = raw.parse().with_context(|| format!("--file-store-url {raw} is not a URL"))?;
    if url.scheme() == "file" {
        let dir = url.to_file_path().map_err(|_| anyhow::anyhow!("--file-store-url {raw}: not a local path"))?;
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        return Ok(Arc::new(LocalFileSystem::new_with_prefix(dir)?));
    }
    let (store, prefix) = object_store::parse_url_opts(&url, config.file_store_options.iter().cloned())
        .with_context(|| format!("cannot use {raw} for files"))?;
    let store: Arc<dyn ObjectStore> = Arc::from(store);
    Ok(if prefix.as_ref().is_empty() { store } else { Arc::new(object_store::prefix::PrefixStore::new(store, prefix)) })
}

fn blob_key(sha256: &str) -> object_store::path::Path {
    object_store::path::Path::from(format!("{}/{sha256}", &sha256[..2]))
}

impl FileStore {
    pub fn open(config: &Config) -> anyhow::Result<FileStore> {
        let blobs = open_blobs(config)?;
        let root = config.data_dir.join("files");
        std::fs::create_dir_all(root.join("tmp"))?;
        // Partial uploads left by a crash or a kill are never finished. Another instance sharing
        // the directory may be receiving one right now: an upload that is still arriving was
        // written to within the body idle timeout, so only older ones go.
        let stale = (config.body_idle_timeout * 2).max(std::time::Duration::from_secs(60));
        for entry in std::fs::read_dir(root.join("tmp"))?.flatten() {
            let age = entry.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok());
            if age.is_some_and(|a| a > stale) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        let key = match &config.file_url_key {
            // Several instances sign with the key they are given, so a link one of them handed
            // out works on all of them.
            Some(secret) => Sha256::digest(secret.as_bytes()).into(),
            // One instance keeps its key with the data, so links stay valid across restarts.
            None => {
                let key_path = config.data_dir.join("url-signing.key");
                match std::fs::read(&key_path) {
                    Ok(bytes) if bytes.len() == 32 => bytes.try_into().expect("32 bytes"),
                    _ => {
                        let mut key = [0u8; 32];
                        rand::rngs::OsRng.fill_bytes(&mut key);
                        std::fs::write(&key_path, key)?;
                        key
                    }
                }
            }
        };
        Ok(FileStore {
            tmp: root.join("tmp"),
            blobs,
            key,
            ttl_secs: config.file_url_ttl.as_secs().max(1),
            checked: tokio::sync::Mutex::new(None),
        })
    }

    /// Whether the store answers: a look-up of a key that is never written must come back
    /// "not found" within [`CHECK_TIMEOUT`]. Callers within [`CHECK_REUSED_FOR`] of a probe share
    /// its answer, and callers during one wait for it, so any number of callers make at most
    /// one request to the store a second.
    pub async fn check(&self) -> Result<(), String> {
        let mut checked = self.checked.lock().await;
        if let Some((_, answer)) = checked.as_ref().filter(|(at, _)| at.elapsed() < CHECK_REUSED_FOR) {
            return answer.clone();
        }
        let probe = object_store::path::Path::from("confab-ready-probe");
        let answer = match tokio::time::timeout(CHECK_TIMEOUT, self.blobs.head(&probe)).await {
            Ok(Ok(_)) | Ok(Err(object_store::Error::NotFound { .. })) => Ok(()),
            // The details (addresses, bucket) go to the log, not to anonymous callers.
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "the file store did not answer a readiness probe");
                Err("error: the file store cannot be reached (see the server's log)".into())
            }
            Err(_) => Err(format!("error: no answer within {} s", CHECK_TIMEOUT.as_secs())),
        };
        *checked = Some((tokio::time::Instant::now(), answer.clone()));
        answer
    }

    async fn has_blob(&self, sha256: &str) -> Result<bool, object_store::Error> {
        match self.blobs.head(&blob_key(sha256)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Copies an upload into the store (in parts when it is large).
    async fn put_blob(&self, sha256: &str, from: &Path) -> AppResult<()> {
        let mut file = tokio::fs::File::open(from).await?;
        let mut out = object_store::buffered::BufWriter::new(self.blobs.clone(), blob_key(sha256));
        tokio::io::copy(&mut file, &mut out).await?;
        out.shutdown().await?;
        Ok(())
    }

    async fn delete_blob(&self, sha256: &str) -> Result<(), object_store::Error> {
        match self.blobs.delete(&blob_key(sha256)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The contents (or the asked range of them), streamed from the store.
    pub async fn get(&self, sha256: &str, range: Option<GetRange>) -> AppResult<GetResult> {
        let options = GetOptions { range, ..GetOptions::default() };
        match self.blobs.get_opts(&blob_key(sha256), options).await {
            Ok(r) => Ok(r),
            Err(object_store::Error::NotFound { .. }) => Err(AppError::not_found("the file's content is missing")),
            Err(e) => Err(store_error(e)),
        }
    }

    fn signature(&self, file_id: Id, expires: u64) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("any key length");
        mac.update(format!("{file_id}:{expires}").as_bytes());
        mac
    }

    pub fn signed_url(&self, row: &FileRow) -> String {
        // Long-lived links are rounded up to the hour so that the same file keeps the same
        // URL for a while and the browser cache can serve it.
        let expires = unix_now() + self.ttl_secs;
        let expires = if self.ttl_secs >= 7200 { expires.div_ceil(3600) * 3600 } else { expires };
        let sig = hex::encode(&self.signature(row.id, expires).finalize().into_bytes()[..16]);
        let name = percent_encoding::utf8_percent_encode(&row.file_name, URL_ENCODE);
        format!("/api/files/{}/{name}?exp={expires}&sig={sig}", row.id)
    }

    /// Checks a URL's signature and expiry.
    pub fn verify(&self, file_id: Id, expires: u64, sig: &str) -> AppResult<()> {
        let sig = hex::decode(sig).map_err(|_| AppError::forbidden("invalid file link"))?;
        self.signature(file_id, expires)
            .verify_truncated_left(&sig)
            .map_err(|_| AppError::forbidden("invalid file link"))?;
        if sig.len() < 16 {
            return Err(AppError::forbidden("invalid file link"));
        }
        if expires < unix_now() {
            return Err(AppError::forbidden("this file link has expired; reopen the conversation"));
        }
        Ok(())
    }

    pub fn info(&self, row: &FileRow) -> FileInfo {
        FileInfo {
            file_id: row.id,
            file_name: row.file_name.clone(),
            file_url: self.signed_url(row),
            file_size: row.size as u64,
            file_type: row.mime.clone(),
            width: row.width.map(|w| w as u32),
            height: row.height.map(|h| h as u32),
        }
    }
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

pub fn is_inline_image(mime: &str) -> bool {
    INLINE_IMAGES.contains(&mime)
}

/// Keeps a file name displayable and harmless: no path, no control characters, not too long.
pub fn clean_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned = super::text::clean_name(base);
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    let cleaned = if cleaned.is_empty() { "file".to_string() } else { cleaned };
    if cleaned.chars().count() <= 200 {
        return cleaned;
    }
    // Keep the extension when shortening.
    let (stem, ext) = match cleaned.rfind('.') {
        Some(i) if cleaned.len() - i <= 16 => (&cleaned[..i], &cleaned[i..]),
        _ => (cleaned.as_str(), ""),
    };
    let keep = 200 - ext.chars().count();
    format!("{}{ext}", stem.chars().take(keep).collect::<String>())
}

fn detect_type(path: &Path, file_name: &str, claimed: Option<&str>) -> (String, Option<(i64, i64)>) {
    if let Ok(bytes) = std::fs::read(path).map(|b| b.into_iter().take(64).collect::<Vec<u8>>()) {
        if let Ok(kind) = imagesize::image_type(&bytes) {
            let mime = match kind {
                imagesize::ImageType::Png => Some("image/png"),
                imagesize::ImageType::Jpeg => Some("image/jpeg"),
                imagesize::ImageType::Gif => Some("image/gif"),
                imagesize::ImageType::Webp => Some("image/webp"),
                _ => None,
            };
            if let Some(mime) = mime {
                let dims = imagesize::size(path).ok().map(|s| (s.width as i64, s.height as i64));
                return (mime.to_string(), dims);
            }
        }
    }
    let guessed = mime_guess::from_path(file_name).first().map(|m| m.essence_str().to_string());
    let mime = guessed
        .or_else(|| claimed.filter(|c| c.contains('/') && !c.starts_with("image/")).map(str::to_string))
        .unwrap_or_else(|| "application/octet-stream".to_string());
    // A file that only claims to be an image is not shown inline.
    let mime = if is_inline_image(&mime) { "application/octet-stream".to_string() } else { mime };
    (mime, None)
}

/// Streams one multipart field to disk under its hash, refusing it past the size limit.
pub async fn save_upload(state: &AppState, uploader: Id, mut field: Field<'_>) -> AppResult<FileInfo> {
    let quota = state.config.storage_quota_bytes;
    let used = files::used_bytes(&mut *state.store.reader().await?, uploader).await? as u64;
    let room = quota.saturating_sub(used);
    if room == 0 {
        return Err(over_quota(quota));
    }
    let limit = state.config.max_upload_bytes;
    let file_name = clean_file_name(field.file_name().unwrap_or("file"));
    let claimed = field.content_type().map(str::to_string);
    let store = &state.files;
    let mut tmp_name = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut tmp_name);
    let tmp = store.tmp.join(hex::encode(tmp_name));
    let result = async {
        let mut out = tokio::fs::File::create(&tmp).await?;
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        while let Some(chunk) = field.chunk().await.map_err(|e| upload_error(e, limit))? {
            size += chunk.len() as u64;
            if size > limit {
                return Err(too_large(limit));
            }
            if size > room {
                return Err(over_quota(quota));
            }
            hasher.update(&chunk);
            out.write_all(&chunk).await?;
        }
        out.sync_all().await?;
        Ok::<_, AppError>((hex::encode(hasher.finalize()), size))
    }
    .await;
    let (sha256, size) = match result {
        Ok(v) => v,
        Err(e) => {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(e);
        }
    };
    let tmp_for_sniffing = tmp.clone();
    let name_for_sniffing = file_name.clone();
    let (mime, dims) =
        tokio::task::spawn_blocking(move || detect_type(&tmp_for_sniffing, &name_for_sniffing, claimed.as_deref()))
            .await
            .map_err(|_| AppError::internal())?;
    let placed = async {
        // Copied before taking the writer (a bucket may take a while), and checked again
        // under it, where erasing happens: a blob is never deleted between an upload finding
        // it present and its row being written.
        if !store.has_blob(&sha256).await.map_err(store_error)? {
            store.put_blob(&sha256, &tmp).await?;
        }
        let conn = state.store.writer().await?;
        if !store.has_blob(&sha256).await.map_err(store_error)? {
            store.put_blob(&sha256, &tmp).await?;
        }
        Ok::<_, AppError>(conn)
    }
    .await;
    let _ = tokio::fs::remove_file(&tmp).await;
    let mut conn = placed?;
    let mut row = FileRow {
        id: 0,
        sha256,
        file_name,
        mime,
        size: size as i64,
        width: dims.map(|d| d.0),
        height: dims.map(|d| d.1),
        uploader_id: uploader,
        withdrawn: false,
    };
    row.id = files::insert(&mut conn, &row, now_ms()).await?;
    Ok(store.info(&row))
}

fn over_quota(quota: u64) -> AppError {
    AppError::new(
        axum::http::StatusCode::PAYLOAD_TOO_LARGE,
        format!("your files use all of your {} of storage; recall or delete some to upload more", human_size(quota)),
    )
}

/// Deletes the bytes of each blob no live file refers to any more. `conn` is the writer, so
/// no upload can claim a blob between the check and the deletion.
pub async fn erase_unreferenced(state: &AppState, conn: &mut crate::store::Conn, blobs: &[String]) -> AppResult<()> {
    for sha256 in blobs {
        if !files::blob_in_use(conn, sha256).await? {
            if let Err(e) = state.files.delete_blob(sha256).await {
                tracing::warn!("cannot erase blob {sha256}: {e}");
            }
        }
    }
    Ok(())
}

/// Erases uploads that were never sent (or whose messages were all recalled) within the TTL.
pub async fn expire_unsent(state: &AppState) -> AppResult<usize> {
    let cutoff = now_ms() - state.config.unsent_upload_ttl.as_millis() as i64;
    let mut conn = state.store.writer().await?;
    let blobs = files::delete_unsent(&mut conn, cutoff).await?;
    erase_unreferenced(state, &mut conn, &blobs).await?;
    Ok(blobs.len())
}

pub fn too_large(limit: u64) -> AppError {
    AppError::new(
        axum::http::StatusCode::PAYLOAD_TOO_LARGE,
        format!("the file is larger than the {} limit", human_size(limit)),
    )
}

fn upload_error(e: axum::extract::multipart::MultipartError, limit: u64) -> AppError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        too_large(limit)
    } else {
        AppError::bad_request(format!("the upload was cut off or malformed: {}", e.body_text()))
    }
}

pub fn human_size(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB && bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else if bytes >= MB {
        format!("{:.1} MB", bytes as f64 / MB as f64)
    } else if bytes >= 1024 {
        format!("{} KB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// The file, for a download whose link was verified.
pub async fn for_download(state: &AppState, file_id: Id) -> AppResult<FileRow> {
    let mut conn = state.store.reader().await?;
    let row = files::get(&mut conn, file_id).await?.ok_or_else(|| AppError::not_found("no such file"))?;
    if row.withdrawn {
        return Err(AppError::not_found("this file was recalled by its sender"));
    }
    Ok(row)
}

fn store_error(e: object_store::Error) -> AppError {
    tracing::error!("file store: {e}");
    AppError::internal()
}

/// The file, if `user` uploaded it (only then may it be sent in a message).
pub async fn owned_by(conn: &mut crate::store::Conn, user: Id, file_id: Id) -> AppResult<FileRow> {
    match files::get(conn, file_id).await? {
        Some(row) if row.uploader_id == user && !row.withdrawn => Ok(row),
        _ => Err(AppError::not_found(format!("no uploaded file {file_id} of yours"))),
    }
}
