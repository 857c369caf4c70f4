//! Files on their way up: progress, cancel, and the size check before anything is sent.

use std::cell::RefCell;
use std::collections::HashMap;

use confab_api::Id;

use super::Store;
use crate::api::upload;
use crate::i18n::{fill, text, Lang, K};

#[derive(Clone, Debug, PartialEq)]
pub struct UploadItem {
    pub id: u32,
    pub conversation_id: Id,
    pub name: String,
    pub size: u64,
    pub progress: f64,
    pub error: Option<String>,
}

thread_local! {
    static IN_FLIGHT: RefCell<HashMap<u32, upload::Upload>> = RefCell::new(HashMap::new());
    static NEXT: std::cell::Cell<u32> = const { std::cell::Cell::new(1) };
}

/// The largest upload the app offers (the server's default limit).
pub const MAX_UPLOAD_BYTES: u64 = confab_api::DEFAULT_MAX_UPLOAD_BYTES;

/// The refusal shown for a file over the limit, before any byte is sent.
pub fn too_large_message(lang: Lang, name: &str) -> String {
    fill(text(lang, K::FileTooLarge), &[("name", name), ("limit", &crate::format::human_size(MAX_UPLOAD_BYTES))])
}

impl Store {
    /// Uploads each file and sends it as a message when done.
    pub fn upload_files(&self, conversation_id: Id, files: Vec<web_sys::File>, lang: Lang) {
        for file in files {
            let id = NEXT.with(|n| {
                let id = n.get();
                n.set(id + 1);
                id
            });
            let size = file.size() as u64;
            let mut item = UploadItem { id, conversation_id, name: file.name(), size, progress: 0.0, error: None };
            if size > MAX_UPLOAD_BYTES {
                item.error = Some(too_large_message(lang, &item.name));
                crate::state::edit(self.uploads, Box::new(|u| u.push(item)));
                continue;
            }
            crate::state::edit(self.uploads, Box::new(|u| u.push(item)));
            let store = *self;
            let started = upload::start(
                &file,
                move |p| {
                    crate::state::edit(
                        store.uploads,
                        Box::new(|u| u.iter_mut().filter(|i| i.id == id).for_each(|i| i.progress = p)),
                    )
                },
                move |result| {
                    IN_FLIGHT.with(|m| m.borrow_mut().remove(&id));
                    match result {
                        Ok(info) => {
                            crate::state::edit(store.uploads, Box::new(|u| u.retain(|i| i.id != id)));
                            store.send_file(conversation_id, info);
                        }
                        Err(e) if e.status == 499 => {
                            crate::state::edit(store.uploads, Box::new(|u| u.retain(|i| i.id != id)))
                        }
                        Err(e) => {
                            let msg =
                                if e.message.is_empty() { text(lang, K::ErrorGeneric).to_string() } else { e.message };
                            crate::state::edit(
                                store.uploads,
                                Box::new(|u| {
                                    u.iter_mut().filter(|i| i.id == id).for_each(|i| i.error = Some(msg.clone()))
                                }),
                            );
                        }
                    }
                },
            );
            match started {
                Ok(up) => IN_FLIGHT.with(|m| {
                    m.borrow_mut().insert(id, up);
                }),
                Err(_) => crate::state::edit(
                    self.uploads,
                    Box::new(|u| {
                        u.iter_mut()
                            .filter(|i| i.id == id)
                            .for_each(|i| i.error = Some(text(lang, K::ErrorNetwork).to_string()))
                    }),
                ),
            }
        }
    }

    /// Cancels an upload in flight, or dismisses a failed one.
    pub fn cancel_upload(&self, id: u32) {
        if let Some(up) = IN_FLIGHT.with(|m| m.borrow_mut().remove(&id)) {
            up.cancel();
        }
        crate::state::edit(self.uploads, Box::new(|u| u.retain(|i| i.id != id)));
    }
}
