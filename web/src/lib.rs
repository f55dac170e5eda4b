//! The Yew single-page app of Bestiary: gallery, creature pages, forms and the admin pages,
//! talking only to the API. Nothing lives here yet (issue 7).
