//! The newsroom's frame: who is signed in, what their role lets them reach.

use crate::accounts::{CurrentStaff, Permission};
use crate::state::AppState;

#[derive(Clone, Debug)]
pub struct NewsroomLayout {
    pub title: String,
    pub site_name: String,
    pub staff_name: String,
    pub role: String,
    /// Where the header's name leads: this person's desk.
    pub desk: &'static str,
    pub nav: Vec<NavItem>,
    pub css: String,
    pub js: String,
    pub favicon: String,
    /// A one-line confirmation after an action ("Saved.").
    pub notice: Option<String>,
}

#[derive(Clone, Debug)]
pub struct NavItem {
    pub label: &'static str,
    pub url: &'static str,
    pub current: bool,
    /// Stories waiting for review (on "Articles", for those who publish), linking to them.
    pub waiting: Option<i64>,
}

impl NewsroomLayout {
    pub fn new(state: &AppState, staff: &CurrentStaff, title: &str, path: &str) -> Self {
        let mut nav = vec![("Articles", "/newsroom", Permission::WriteArticles)];
        nav.extend([
            ("New article", "/newsroom/articles/new", Permission::WriteArticles),
            ("Pictures", "/newsroom/images", Permission::WriteArticles),
            ("Fronts", "/newsroom/fronts", Permission::PublishArticles),
            ("Alerts", "/newsroom/alerts", Permission::SendAlerts),
            ("Newsletters", "/newsroom/newsletters", Permission::SendNewsletters),
            ("Donations", "/newsroom/donations", Permission::ViewDonations),
            ("Tags", "/newsroom/tags", Permission::ManageTaxonomy),
            ("Authors", "/newsroom/authors", Permission::ManageTaxonomy),
            ("Sections", "/newsroom/sections", Permission::Administer),
            ("Pages", "/newsroom/pages", Permission::Administer),
            ("Menus", "/newsroom/menus", Permission::Administer),
            ("Site", "/newsroom/site", Permission::Administer),
            ("Staff", "/newsroom/staff", Permission::Administer),
            ("API keys", "/newsroom/api-keys", Permission::Administer),
            ("Moderation", "/newsroom/moderation", Permission::ModerateComments),
            ("Audit log", "/newsroom/audit", Permission::Administer),
        ]);
        let nav = nav
            .into_iter()
            .filter(|(_, _, permission)| staff.can(*permission))
            .map(|(label, url, _)| NavItem {
                label,
                url,
                current: path == url || (url != "/newsroom" && path.starts_with(url)),
                waiting: staff.waiting_for_review.filter(|n| *n > 0 && url == "/newsroom"),
            })
            .chain([NavItem {
                label: "My account",
                url: "/newsroom/account",
                current: path.starts_with("/newsroom/account"),
                waiting: None,
            }])
            .collect();
        Self {
            title: format!("{title} – Newsroom – {}", state.site.name()),
            site_name: state.site.name(),
            staff_name: staff.staff.name.clone(),
            role: staff.staff.role.to_string(),
            desk: super::login::desk_of(staff.staff.role),
            nav,
            css: state.assets.url("newsroom.css"),
            js: state.assets.url("newsroom.js"),
            favicon: state.assets.url("favicon.svg"),
            notice: None,
        }
    }

    pub fn with_notice(mut self, notice: Option<&str>) -> Self {
        self.notice = notice.map(str::to_owned);
        self
    }
}

/// The `?done=` code a page was redirected with after an action.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Done {
    #[serde(default)]
    pub done: String,
}

impl Done {
    pub fn notice(&self) -> Option<&'static str> {
        notice_for(&self.done)
    }
}

/// Short codes carried in `?done=` after a redirect, and what they tell the user.
pub fn notice_for(code: &str) -> Option<&'static str> {
    Some(match code {
        "saved" => "Saved.",
        "created" => "Created.",
        "submitted" => "Submitted for review.",
        "scheduled" => "Scheduled.",
        "published" => "Published. It is on the site now.",
        "unpublished" => "Unpublished. It is no longer on the site.",
        "sent-back" => "Sent back to its writer, with your note.",
        "noted" => "The note is on the article.",
        "restored" => "The old version is restored as a new revision.",
        "uploaded" => "The picture is stored.",
        "invited" => "Invitation created.",
        "updated" => "Updated.",
        "rebuilt" => "The ledger was derived again from Stripe's events.",
        "ended" => "The session has ended.",
        "password-changed" => "Your password is changed. You stay signed in here; everywhere else you were signed out.",
        "revoked" => "Revoked.",
        _ => return None,
    })
}
