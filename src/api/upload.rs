//! File uploads with progress and cancel: `XMLHttpRequest` (fetch has no upload progress).

use std::cell::RefCell;
use std::rc::Rc;

use confab_api::{Envelope, FileInfo};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{FormData, ProgressEvent, XmlHttpRequest};

use super::{token, ApiError, ApiResult};

type ProgressHandler = Closure<dyn FnMut(ProgressEvent)>;

/// An upload in flight; `cancel` aborts it.
#[derive(Clone)]
pub struct Upload {
    xhr: XmlHttpRequest,
    // Keeps the event handlers alive as long as the upload is.
    _handlers: Rc<Vec<ProgressHandler>>,
}

impl Upload {
    pub fn cancel(&self) {
        let _ = self.xhr.abort();
    }
}

type Done = Rc<RefCell<Option<Box<dyn FnOnce(ApiResult<FileInfo>)>>>>;

fn finish(done: &Done, result: ApiResult<FileInfo>) {
    if let Some(f) = done.borrow_mut().take() {
        f(result);
    }
}

/// Starts uploading `file`; `on_progress` gets 0.0..=1.0; `on_done` is called once.
pub fn start(
    file: &web_sys::File,
    on_progress: impl Fn(f64) + 'static,
    on_done: impl FnOnce(ApiResult<FileInfo>) + 'static,
) -> Result<Upload, ApiError> {
    let xhr = XmlHttpRequest::new().map_err(|_| ApiError::network())?;
    xhr.open("POST", "/api/files").map_err(|_| ApiError::network())?;
    if let Some(t) = token() {
        let _ = xhr.set_request_header("Authorization", &format!("Bearer {t}"));
    }
    let form = FormData::new().map_err(|_| ApiError::network())?;
    form.append_with_blob_and_filename("file", file, &file.name()).map_err(|_| ApiError::network())?;

    let done: Done = Rc::new(RefCell::new(Some(Box::new(on_done))));
    let progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
        if e.length_computable() && e.total() > 0.0 {
            on_progress((e.loaded() / e.total()).clamp(0.0, 1.0));
        }
    });
    let load = {
        let (xhr, done) = (xhr.clone(), done.clone());
        Closure::<dyn FnMut(ProgressEvent)>::new(move |_| {
            let status = xhr.status().unwrap_or(0);
            let body = xhr.response_text().ok().flatten().unwrap_or_default();
            let result = match serde_json::from_str::<Envelope<FileInfo>>(&body) {
                Ok(Envelope { data: Some(info), .. }) if (200..300).contains(&status) => Ok(info),
                Ok(env) => Err(ApiError::http(status, env.message)),
                Err(_) => Err(ApiError::http(status, String::new())),
            };
            finish(&done, result);
        })
    };
    let failed = {
        let done = done.clone();
        Closure::<dyn FnMut(ProgressEvent)>::new(move |_| finish(&done, Err(ApiError::network())))
    };
    let aborted = {
        let done = done.clone();
        Closure::<dyn FnMut(ProgressEvent)>::new(move |_| finish(&done, Err(ApiError::http(499, String::new()))))
    };
    if let Ok(up) = xhr.upload() {
        up.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }
    xhr.set_onload(Some(load.as_ref().unchecked_ref()));
    xhr.set_onerror(Some(failed.as_ref().unchecked_ref()));
    xhr.set_onabort(Some(aborted.as_ref().unchecked_ref()));
    xhr.send_with_opt_form_data(Some(&form)).map_err(|_| ApiError::network())?;
    Ok(Upload { xhr, _handlers: Rc::new(vec![progress, load, failed, aborted]) })
}
