//! The SPA's addresses. The web server answers every one of them with `index.html`.

use serde::{Deserialize, Serialize};
use yew_router::prelude::*;

/// A page.
#[derive(Clone, Debug, PartialEq, Routable)]
pub enum Route {
    /// The gallery (search, filters and paging live in the query string).
    #[at("/")]
    Gallery,
    /// Registering a creature.
    #[at("/creatures/new")]
    NewCreature,
    /// One creature.
    #[at("/creatures/:id")]
    Creature {
        /// Its id.
        id: String,
    },
    /// Editing a creature.
    #[at("/creatures/:id/edit")]
    EditCreature {
        /// Its id.
        id: String,
    },
    /// The signed-in user's creatures (`?archived=true` for the archived ones).
    #[at("/mine")]
    Mine,
    /// Tags and their counts.
    #[at("/tags")]
    Tags,
    /// Logging in.
    #[at("/login")]
    Login,
    /// Creating an account.
    #[at("/register")]
    Register,
    /// The user's account: who they are, and forgetting them.
    #[at("/account")]
    Account,
    /// Projections, keys and users.
    #[at("/admin")]
    Admin,
    /// Anything else.
    #[not_found]
    #[at("/404")]
    NotFound,
}

/// The gallery's place: what it searches for and which page it shows.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GalleryQuery {
    /// Full-text search.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Only creatures with this tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Only creatures of this species.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub species: Option<String>,
    /// Where the shown page starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// The cursors of the pages before it, oldest first, joined by `.` (`~` is the first
    /// page), so "Previous" works after a reload or from a shared link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trail: Option<String>,
}

/// Marks the first page in a [`GalleryQuery::trail`].
const FIRST_PAGE: &str = "~";

impl GalleryQuery {
    /// The same search on its first page.
    pub fn first_page(&self) -> Self {
        GalleryQuery {
            cursor: None,
            trail: None,
            ..self.clone()
        }
    }

    /// The page after this one, starting at `next`.
    pub fn next(&self, next: &str) -> Self {
        let here = self.cursor.as_deref().unwrap_or(FIRST_PAGE);
        let trail = match &self.trail {
            Some(trail) => format!("{trail}.{here}"),
            None => here.to_owned(),
        };
        GalleryQuery {
            cursor: Some(next.to_owned()),
            trail: Some(trail),
            ..self.clone()
        }
    }

    /// The page before this one, if this is not the first.
    pub fn previous(&self) -> Option<Self> {
        let trail = self.trail.as_deref()?;
        let (rest, last) = match trail.rsplit_once('.') {
            Some((rest, last)) => (Some(rest.to_owned()), last),
            None => (None, trail),
        };
        Some(GalleryQuery {
            cursor: (last != FIRST_PAGE).then(|| last.to_owned()),
            trail: rest,
            ..self.clone()
        })
    }

    /// The page's number, counting from 1.
    pub fn page_number(&self) -> usize {
        self.trail
            .as_deref()
            .map_or(1, |trail| trail.split('.').count() + 1)
    }

    /// The `GET /creatures` query string for this page.
    pub fn api_query(&self, limit: usize) -> String {
        let mut pairs = vec![format!("limit={limit}")];
        for (key, value) in [
            ("q", &self.q),
            ("tag", &self.tag),
            ("species", &self.species),
            ("cursor", &self.cursor),
        ] {
            if let Some(value) = value.as_deref().filter(|value| !value.trim().is_empty()) {
                pairs.push(format!("{key}={}", encode(value.trim())));
            }
        }
        pairs.join("&")
    }
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                encoded.push(byte as char);
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_forward_and_back_returns_to_each_page() {
        let first = GalleryQuery {
            tag: Some("fire".into()),
            ..GalleryQuery::default()
        };
        let second = first.next("c2");
        let third = second.next("c3");
        assert_eq!(third.page_number(), 3);
        assert_eq!(third.previous().as_ref(), Some(&second));
        assert_eq!(second.previous().as_ref(), Some(&first));
        assert_eq!(first.previous(), None);
        assert_eq!(third.first_page(), first);
    }

    #[test]
    fn the_api_query_encodes_values_and_drops_blank_ones() {
        let query = GalleryQuery {
            q: Some("fire & ice".into()),
            species: Some("  ".into()),
            ..GalleryQuery::default()
        };
        assert_eq!(query.api_query(12), "limit=12&q=fire%20%26%20ice");
    }
}
