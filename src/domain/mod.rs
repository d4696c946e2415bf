//! Small value types shared by every domain: they can only be built through
//! a fallible `parse`, so a value in hand is already valid.

mod ids;
mod slug;
mod timestamp;

pub use ids::{ArticleId, AuthorId, ImageId, SectionId, TagId};
pub use slug::{Slug, SlugError};
pub use timestamp::Timestamp;
