//! Any address the SPA does not know.

use crate::components::status::Empty;
use crate::route::Route;
use yew::prelude::*;
use yew_router::prelude::*;

/// "Nothing here."
#[function_component(NotFound)]
pub fn not_found() -> Html {
    html! {
        <Empty title="Nothing lives here">
            <p>{"This page does not exist. "}<Link<Route> to={Route::Gallery}>{"Back to the gallery"}</Link<Route>></p>
        </Empty>
    }
}
