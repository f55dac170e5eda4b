//! What each page tells the browser about itself: the document's `<title>`, and, when a page
//! comes into view, keyboard and screen-reader focus on its heading (a single-page app does not
//! get the browser's own reset of focus on navigation).

use yew::prelude::*;

/// Titles the document "`title` · Bestiary" and moves focus to the page's `<h1>`, each time
/// `title` changes (a new page, or the same page once it knows what it shows).
#[hook]
pub fn use_page_title(title: &str) {
    use_effect_with(title.to_owned(), |title| {
        let Some(document) = web_sys::window().and_then(|window| window.document()) else {
            return;
        };
        document.set_title(&format!("{title} · Bestiary"));
        let heading = document
            .query_selector("main h1")
            .ok()
            .flatten()
            .and_then(|heading| {
                wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(heading).ok()
            });
        if let Some(heading) = heading {
            // Focusable by script only, so it never becomes a tab stop.
            let _ = heading.set_attribute("tabindex", "-1");
            let _ = heading.focus();
        }
    });
}
