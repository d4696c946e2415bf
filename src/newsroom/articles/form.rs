//! The article editor's form: its fields to an [`ArticleInput`] (which the
//! articles domain checks) and back from stored [`ArticleContent`].

use crate::articles::input::{ArticleInput, PlacedArticle, PlacedImage};
use crate::articles::{ArticleContent, ArticleKind, CommentsMode};
use crate::db::Db;
use crate::domain::{ImageId, Timestamp};
use crate::error::{AppError, FieldErrors};
use crate::state::Site;
use crate::web::form::FormFields;

/// Bylines hold at most this many names.
pub const BYLINE_SLOTS: usize = 4;
/// Related-link rows offered in the form.
pub const RELATED_SLOTS: usize = 3;

/// Reads the form's fields; only what the form itself can get wrong (a
/// picture's position that is not a number) is reported here.
pub fn to_input(form: &FormFields) -> Result<ArticleInput, FieldErrors> {
    let mut errors = FieldErrors::default();
    let removed: Vec<&str> = form.all("image_remove");
    let mut images = Vec::new();
    for (id, after) in form.all("image_id").into_iter().zip(form.all("image_after")) {
        if removed.contains(&id) {
            continue;
        }
        match (id.parse::<ImageId>(), after.trim().parse::<i64>()) {
            (Ok(id), Ok(after)) => images.push(PlacedImage { id, after }),
            _ => errors.add(
                "images",
                "Each picture's position must be a whole number, 0 for the lead picture.",
            ),
        }
    }
    let mut related = Vec::new();
    for (slug, after) in form.all("related_slug").into_iter().zip(form.all("related_after")) {
        if slug.trim().is_empty() {
            continue;
        }
        let after = after.trim();
        match if after.is_empty() { Ok(0) } else { after.parse::<i64>() } {
            Ok(after) => related.push(PlacedArticle {
                slug: slug.to_owned(),
                after,
            }),
            Err(_) => errors.add(
                "related",
                "A related link's position must be a whole number (0 puts it at the end).",
            ),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ArticleInput {
        version: form.get("version").parse().ok(),
        headline: Some(form.get("headline").to_owned()),
        standfirst: Some(form.get("standfirst").to_owned()),
        body: Some(form.get("body").to_owned()),
        footnote: Some(form.get("footnote").to_owned()),
        slug: Some(form.get("slug").to_owned()),
        section: Some(form.get("section").to_owned()),
        tags: Some(form.get("tags").split(',').map(|t| t.trim().to_owned()).collect()),
        authors: Some(form.all("author").into_iter().map(str::to_owned).collect()),
        images: Some(images),
        related: Some(related),
        featured: Some(form.get("featured") == "on"),
        comments: Some(CommentsMode::parse(form.get("comments")).unwrap_or_default()),
        kind: Some(ArticleKind::parse(form.get("kind")).unwrap_or_default()),
    })
}

/// Writes content back as form fields (for editing what is stored, or a revision).
pub async fn from_content(db: &Db, content: &ArticleContent) -> Result<FormFields, AppError> {
    let names = content.names(db).await?;
    let mut form = FormFields::default();
    form.push("headline", content.headline.as_str());
    form.push("standfirst", &content.standfirst);
    form.push("body", &content.body);
    form.push("footnote", &content.footnote);
    form.push("slug", content.slug.as_str());
    form.push("section", &content.section.to_string());
    if content.featured {
        form.push("featured", "on");
    }
    form.push("comments", content.comments.as_str());
    form.push("kind", content.kind.as_str());
    for author in &content.authors {
        form.push("author", &author.to_string());
    }
    form.push("tags", &names.tags.join(", "));
    for image in &content.images {
        form.push("image_id", &image.item.to_string());
        form.push("image_after", &image.after.to_string());
    }
    for (slug, after) in &names.related {
        form.push("related_slug", slug);
        form.push("related_after", &after.to_string());
    }
    Ok(form)
}

/// A `datetime-local` value ("2024-12-16T06:04" or with seconds) read in the site's time zone.
pub fn parse_local_time(site: &Site, value: &str) -> Result<Timestamp, AppError> {
    let invalid = || AppError::Invalid {
        field: "publish_at".into(),
        message: "Give the publication date and time, e.g. 2024-12-16 06:04.".into(),
    };
    let value = value.trim().replace(' ', "T");
    let civil: jiff::civil::DateTime = value.parse().map_err(|_| invalid())?;
    let zoned = civil.to_zoned_datetime(site.timezone()).map_err(|_| invalid())?;
    Ok(Timestamp::from_micros(zoned.timestamp().as_microsecond()))
}

/// The `datetime-local` value for a moment, in the site's time zone.
pub fn local_time_value(site: &Site, ts: Timestamp) -> String {
    ts.jiff()
        .to_zoned_datetime(site.timezone())
        .strftime("%Y-%m-%dT%H:%M:%S")
        .to_string()
}
