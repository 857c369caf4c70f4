use confab::i18n::{I18n, Lang};
use confab::state::Store;
use confab_api::*;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

pub const ME: Id = 1;
pub const PEER: Id = 2;

/// A fresh element under <body> (tests never clear the body itself).
pub fn host() -> HtmlElement {
    let doc = web_sys::window().unwrap().document().unwrap();
    let el: HtmlElement = doc.create_element("div").unwrap().unchecked_into();
    doc.body().unwrap().append_child(&el).unwrap();
    el
}

/// Mounts `view` with a store signed in as user 1 and the given language; returns the
/// element and the store (to drive updates as the socket would).
pub fn mount<V: IntoView + 'static>(
    lang: Lang,
    setup: impl FnOnce(Store) + 'static,
    view: impl FnOnce() -> V + 'static,
) -> (HtmlElement, Store) {
    let el = host();
    let root = el.clone();
    let store = Store::new();
    let handle = leptos::mount::mount_to(el, move || {
        provide_context(store);
        provide_context(I18n(RwSignal::new(lang)));
        store.me.set(Some(User {
            user_id: ME,
            user_name: "me".into(),
            display_name: "Me Myself".into(),
            avatar: String::new(),
        }));
        setup(store);
        // Links are leptos_router's `<A>`: components live inside a router, as in the app.
        // (The router's children must be Send; a test's view is built on this one thread.)
        let view = leptos::__reexports::send_wrapper::SendWrapper::new(view);
        view! { <leptos_router::components::Router>{view.take()()}</leptos_router::components::Router> }
    });
    handle.forget();
    (root, store)
}

/// Lets effects and pending renders run.
pub async fn tick() {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 10).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

pub fn all(root: &HtmlElement, selector: &str) -> Vec<HtmlElement> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length()).map(|i| list.item(i).unwrap().unchecked_into()).collect()
}

pub fn one(root: &HtmlElement, selector: &str) -> HtmlElement {
    root.query_selector(selector).unwrap().unwrap_or_else(|| panic!("no {selector}")).unchecked_into()
}

pub fn texts(root: &HtmlElement, selector: &str) -> Vec<String> {
    all(root, selector).iter().map(|e| e.text_content().unwrap_or_default().trim().to_string()).collect()
}

pub fn iso(ms: f64) -> String {
    String::from(js_sys::Date::new(&ms.into()).to_iso_string())
}

pub fn now() -> f64 {
    js_sys::Date::now()
}

// With confab-api's "groups" feature these types have more fields (then the update fills them).
#[allow(clippy::needless_update)]
pub fn conversation(id: Id, name: &str, last: &str, minutes_ago: f64) -> Conversation {
    Conversation {
        conversation_id: id,
        conversation_type: ConversationType::Single,
        target_user_id: 100 + id,
        target_user_name: name.into(),
        target_user_handle: name.to_lowercase().replace(' ', "_"),
        target_user_avatar: String::new(),
        last_message: last.into(),
        last_message_type: Some(MessageType::Text),
        last_message_recalled: false,
        last_message_time: Some(iso(now() - minutes_ago * 60_000.0)),
        unread_count: 0,
        is_pinned: false,
        recv_msg_opt: 0,
        draft_text: String::new(),
        ..Default::default()
    }
}

#[allow(clippy::needless_update)]
pub fn text_message(id: Id, from: Id, text: &str, at_ms: f64) -> Message {
    Message {
        message_id: id,
        conversation_id: 1,
        sender_id: from,
        sender_name: if from == ME { "Me Myself".into() } else { "Pat Peer".into() },
        sender_avatar: String::new(),
        receiver_id: if from == ME { PEER } else { ME },
        content: MessageContent::Text(text.into()),
        message_type: MessageType::Text,
        status: MessageStatus::Normal,
        is_read: false,
        created_at: iso(at_ms),
        client_msg_id: None,
        ..Default::default()
    }
}

pub fn file(name: &str, mime: &str, size: u64) -> FileInfo {
    FileInfo {
        file_id: 9,
        file_name: name.into(),
        file_url: "/api/files/9/x?exp=1&sig=00".to_string(),
        file_size: size,
        file_type: mime.into(),
        width: None,
        height: None,
    }
}

pub fn key_down(target: &HtmlElement, key: &str, shift: bool, composing: bool) -> bool {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_shift_key(shift);
    init.set_is_composing(composing);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let ev = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    target.dispatch_event(&ev).unwrap()
}

pub fn set_input(el: &HtmlElement, value: &str) {
    if let Some(t) = el.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        t.set_value(value);
    } else if let Some(i) = el.dyn_ref::<web_sys::HtmlInputElement>() {
        i.set_value(value);
    }
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    el.dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap()).unwrap();
}
