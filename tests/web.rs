//! The web app's components in headless Chromium (wasm-bindgen-test). Each test mounts into
//! its own child element of <body> and drives the real components and state.

mod web {
    mod assistant;
    mod composer;
    mod everyday;
    mod files;
    mod groups;
    pub mod harness;
    mod list;
    mod messages;
    mod thread;
}
