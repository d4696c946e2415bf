//! Who may see and change an article beyond what their role allows on every
//! article: a writer works on their own drafts and articles in review, and
//! sees other people's work only as readers do once it is published (the
//! newsroom's list still shows every headline, state and byline, so the desk
//! knows who is on what).

use crate::accounts::{CurrentStaff, Permission};
use crate::error::AppError;

use super::model::{Article, Status};

fn own(who: &CurrentStaff, article: &Article) -> bool {
    article.created_by == Some(who.staff.id)
}

/// Changing the article's content.
pub fn may_edit(who: &CurrentStaff, article: &Article) -> Result<(), AppError> {
    if who.can(Permission::PublishArticles) {
        return Ok(());
    }
    who.require(Permission::WriteArticles)?;
    if own(who, article) && matches!(article.status(), Status::Draft | Status::Review) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Writers can change their own drafts and articles in review; an editor handles the rest.".into(),
        ))
    }
}

/// Reading its stored text as it stands now (the Admin API's copy, the editor).
pub fn may_read(who: &CurrentStaff, article: &Article) -> Result<(), AppError> {
    if article.status() == Status::Published {
        return who.require(Permission::WriteArticles);
    }
    may_read_history(who, article)
}

/// Reading its earlier versions, which include what was never published.
pub fn may_read_history(who: &CurrentStaff, article: &Article) -> Result<(), AppError> {
    if who.can(Permission::PublishArticles) || (who.can(Permission::WriteArticles) && own(who, article)) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "This is someone else's work in progress: writers see their own drafts and history, and other \
             people's articles once they are published."
                .into(),
        ))
    }
}
