//! What each staff role may do. Routes name the permission they need where
//! they are registered (`http::access`); the few decisions that depend on
//! the item as well (a writer's own draft, their own live-blog update) are
//! made by the domain that owns the item, from the same permissions.

use super::staff::Role;

/// Something a role may or may not do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Anything a signed-in staff member does for themselves: their sessions, their API tokens.
    OwnAccount,
    /// Write drafts, upload pictures, submit for review; post live-blog updates.
    WriteArticles,
    /// Edit anyone's article, schedule, publish, unpublish, correct, restore revisions;
    /// edit, pin or delete anyone's live-blog update, end a live blog.
    PublishArticles,
    /// Manage tags and author profiles.
    ManageTaxonomy,
    /// Manage sections, staff, API keys; read the audit log; every donation and donor.
    Administer,
    /// Work the comment queues.
    ModerateComments,
    /// Send push alerts, approve and follow them up; mark live-blog key events (which alert followers).
    SendAlerts,
    /// Donation reports, campaigns and the appeal's words.
    ViewDonations,
    /// Newsletters, their editions and the suppression list.
    SendNewsletters,
}

impl Permission {
    pub fn allows(self, role: Role) -> bool {
        use Role::*;
        match self {
            Permission::OwnAccount => true,
            Permission::WriteArticles => matches!(role, Admin | Editor | Writer),
            Permission::PublishArticles
            | Permission::ManageTaxonomy
            | Permission::SendAlerts
            | Permission::ViewDonations
            | Permission::SendNewsletters => matches!(role, Admin | Editor),
            Permission::Administer => matches!(role, Admin),
            Permission::ModerateComments => matches!(role, Admin | Moderator),
        }
    }

    /// Completes "Your role does not allow you to …".
    pub fn describe(self) -> &'static str {
        match self {
            Permission::OwnAccount => "use the newsroom",
            Permission::WriteArticles => "write articles",
            Permission::PublishArticles => "edit others' work or publish",
            Permission::ManageTaxonomy => "manage tags and author profiles",
            Permission::Administer => "administer the site",
            Permission::ModerateComments => "moderate comments",
            Permission::SendAlerts => "send alerts",
            Permission::ViewDonations => "see donations",
            Permission::SendNewsletters => "send newsletters",
        }
    }
}

/// The README's role table, row by row, with the permission each row is
/// granted by. A test holds the README to it.
pub const ROLE_TABLE: &[(&str, Permission)] = &[
    (
        "write drafts, upload pictures, submit for review, preview",
        Permission::WriteArticles,
    ),
    (
        "edit their own drafts and articles in review",
        Permission::WriteArticles,
    ),
    (
        "edit anyone's article, schedule, publish, unpublish, send back with a note",
        Permission::PublishArticles,
    ),
    (
        "add corrections and updates, restore old revisions",
        Permission::PublishArticles,
    ),
    (
        "edit, preview and publish the homepage and section fronts",
        Permission::PublishArticles,
    ),
    (
        "post updates to a running live blog, edit and delete their own",
        Permission::WriteArticles,
    ),
    (
        "edit, pin and delete anyone's live-blog updates, end or reopen a live blog",
        Permission::PublishArticles,
    ),
    ("manage tags and author profiles", Permission::ManageTaxonomy),
    (
        "manage sections, pages, menus, the site's name and look, staff, Content API keys; read the audit log",
        Permission::Administer,
    ),
    ("work the comment queues", Permission::ModerateComments),
    (
        "send push alerts, approve a colleague's breaking-news alert",
        Permission::SendAlerts,
    ),
    (
        "mark a live blog's key events (each alerts the blog's followers)",
        Permission::SendAlerts,
    ),
    (
        "set up newsletters, write and send editions, keep the suppression list",
        Permission::SendNewsletters,
    ),
    (
        "see donation reports, run campaigns, word the appeal",
        Permission::ViewDonations,
    ),
    (
        "see each donation and its donor, export them, rebuild the ledger",
        Permission::Administer,
    ),
    (
        "see every article's drafts and history, whoever wrote them",
        Permission::PublishArticles,
    ),
    (
        "see and end their own sessions, make personal Admin API tokens",
        Permission::OwnAccount,
    ),
];
