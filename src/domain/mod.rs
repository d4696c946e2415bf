//! Small value types shared by every domain: they can only be built through
//! a fallible `parse`, so a value in hand is already valid.

mod email;
mod ids;
mod slug;
mod timestamp;

pub use email::Email;
pub use ids::{
    AlertId, ArticleId, AuthorId, CampaignId, CommentId, DonationId, EditionId, EntryId, ImageId, MenuItemId,
    NewsletterId, PageId, ReaderId, SectionId, StaffId, SubscriberId, TagId,
};
pub use slug::{Slug, SlugError};
pub use timestamp::Timestamp;
