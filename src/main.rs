//! Mounts the app; everything else is in the library.

fn main() {
    leptos::mount::mount_to_body(confab::App);
}
