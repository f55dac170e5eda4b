//! Any address the SPA does not know.

use crate::components::page::use_page_title;
use crate::components::status::Empty;
use crate::route::Route;
use yew::prelude::*;
use yew_router::prelude::*;

/// "Nothing here."
#[function_component(NotFound)]
pub fn not_found() -> Html {
    use_page_title("Not found");
    html! {
        <Empty title="Nothing lives here" page=true>
            <p>{"This page does not exist. "}<Link<Route> to={Route::Gallery}>{"Back to the gallery"}</Link<Route>></p>
        </Empty>
    }
}
