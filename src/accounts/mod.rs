//! Accounts: who someone is and how they prove it. Staff (the newsroom) now;
//! readers join them with the commenting forum. Passwords are argon2id hashes;
//! a signed-in browser holds a random session token whose hash is stored.

pub mod api_keys;
pub mod extract;
pub mod invites;
pub mod pages;
pub mod password;
pub mod permission;
pub mod reader_extract;
pub mod readers;
pub mod secrets;
pub mod sessions;
pub mod staff;
pub mod staff_reset;
pub mod throttle;
pub mod tokens;

pub use extract::{CurrentStaff, MaybeStaff};
pub use permission::Permission;
pub use staff::{Role, Staff};
