//! Writing and publishing articles in the newsroom.

pub mod actions;
pub mod editor;
pub mod form;
pub mod history;
pub mod list;
pub mod preview;
pub mod save;
