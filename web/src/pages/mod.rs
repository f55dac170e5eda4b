//! One module per page; each reads what it shows from the API and sends commands to it.

pub mod account;
pub mod admin;
pub mod creature;
pub mod creature_form;
pub mod gallery;
mod history;
pub mod login;
pub mod mine;
pub mod not_found;
pub mod register;
pub mod tags;
