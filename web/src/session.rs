//! Who is logged in: the token (kept in `localStorage` across reloads) and the account it
//! belongs to.

use crate::api::types::Me;
use domain::Role;
use gloo_storage::{LocalStorage, Storage};
use std::rc::Rc;
use yew::prelude::*;

const TOKEN_KEY: &str = "bestiary.token";

/// The logged-in user, if any.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Session {
    /// The bearer token.
    pub token: Option<String>,
    /// The account.
    pub me: Option<Me>,
    /// Why the last session ended, when it was not the user's choice (shown on the login page).
    pub ended: Option<String>,
    /// Something to tell the user once, on the gallery (that their account was forgotten).
    pub notice: Option<String>,
}

/// What changes a session.
pub enum SessionAction {
    /// A login (or a stored token) was confirmed by `GET /auth/me`.
    LoggedIn {
        /// The token.
        token: String,
        /// Its account.
        me: Me,
    },
    /// The user logged out.
    LoggedOut,
    /// The API refused the token (expired, or its key revoked).
    Expired,
    /// The user ended every session of theirs ("Log out everywhere").
    LoggedOutEverywhere,
    /// The user was forgotten at their own request.
    Forgotten,
    /// The gallery has shown the notice.
    NoticeShown,
}

impl Reducible for Session {
    type Action = SessionAction;

    fn reduce(self: Rc<Self>, action: SessionAction) -> Rc<Self> {
        match action {
            SessionAction::LoggedIn { token, me } => {
                let _ = LocalStorage::set(TOKEN_KEY, &token);
                Rc::new(Session {
                    token: Some(token),
                    me: Some(me),
                    ended: None,
                    notice: None,
                })
            }
            SessionAction::LoggedOut => {
                LocalStorage::delete(TOKEN_KEY);
                Rc::new(Session::default())
            }
            SessionAction::LoggedOutEverywhere => {
                LocalStorage::delete(TOKEN_KEY);
                Rc::new(Session {
                    ended: Some(
                        "You are logged out everywhere: every session of yours has ended.".into(),
                    ),
                    ..Session::default()
                })
            }
            SessionAction::Forgotten => {
                LocalStorage::delete(TOKEN_KEY);
                Rc::new(Session {
                    notice: Some("Your account was forgotten.".into()),
                    ..Session::default()
                })
            }
            SessionAction::NoticeShown => Rc::new(Session {
                notice: None,
                ..(*self).clone()
            }),
            SessionAction::Expired => {
                LocalStorage::delete(TOKEN_KEY);
                Rc::new(Session {
                    ended: Some("Your session ended; please log in again.".into()),
                    ..Session::default()
                })
            }
        }
    }
}

impl Session {
    /// The token a previous visit stored.
    pub fn stored_token() -> Option<String> {
        LocalStorage::get(TOKEN_KEY).ok()
    }

    /// Whether the user is an admin.
    pub fn is_admin(&self) -> bool {
        self.me.as_ref().is_some_and(|me| me.role == Role::Admin)
    }

    /// Whether the user may change a creature owned by `owner`.
    pub fn may_change(&self, owner: domain::UserId) -> bool {
        self.me
            .as_ref()
            .is_some_and(|me| me.role == Role::Admin || me.id == owner)
    }
}

/// The session handle pages read and dispatch to.
pub type SessionHandle = UseReducerHandle<Session>;

/// The current session.
#[hook]
pub fn use_session() -> SessionHandle {
    use_context::<SessionHandle>().expect("the app provides the session")
}
