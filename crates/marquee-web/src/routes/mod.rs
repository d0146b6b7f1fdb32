//! Routes, one module per area: the public site, static assets and media, operations endpoints.

pub mod admin;
pub mod api;
pub mod assets;
pub mod cinephile;
pub mod federation;
pub mod feeds;
pub mod ops;
pub mod public;
pub mod search;
