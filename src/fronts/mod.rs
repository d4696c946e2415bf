//! Fronts: the homepage and each section's front as the newsroom edits them.
//! A front is an ordered list of containers (a lead, a strip of a section
//! or tag, opinion, "live now", a list of links), each filled with the
//! stories editors placed in it and then automatically with the newest that
//! fit, never showing a story twice. Editors work on a draft, preview it
//! and publish it; every version is kept.

pub mod fill;
pub mod layout;
pub mod store;

pub use fill::{FilledContainer, fill};
pub use layout::{Container, FrontLayout, Kind, Slot};
