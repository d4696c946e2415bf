//! Typed identifiers. Ids are UUIDv7, so they sort by creation time on both
//! databases and break ties between rows written in the same microsecond.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, sqlx::Type)]
        #[sqlx(transparent)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh id, ordered after every id made before it.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }

        impl From<$name> for crate::db::Arg {
            fn from(id: $name) -> Self {
                crate::db::Arg::Uuid(Some(id.0))
            }
        }

        impl From<Option<$name>> for crate::db::Arg {
            fn from(id: Option<$name>) -> Self {
                crate::db::Arg::Uuid(id.map(|id| id.0))
            }
        }
    )*};
}

id_type!(
    ArticleId,
    AuthorId,
    ImageId,
    SectionId,
    TagId,
    CommentId,
    ReaderId,
    StaffId,
    EntryId,
    AlertId,
    DonationId,
    CampaignId,
    NewsletterId,
    EditionId,
    SubscriberId,
    PageId,
    MenuItemId,
);
