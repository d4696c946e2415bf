//! The article editor's form: its fields to and from [`ArticleContent`],
//! with every problem reported at the field it belongs to.

use std::collections::BTreeMap;

use crate::articles::{ArticleContent, ArticleKind, CommentsMode, Headline, Placed};
use crate::db::{Db, sql};
use crate::domain::{ArticleId, AuthorId, ImageId, SectionId, Slug, TagId, Timestamp};
use crate::error::AppError;
use crate::site;
use crate::state::Site;
use crate::web::form::FormFields;

/// Bylines hold at most this many names.
pub const BYLINE_SLOTS: usize = 4;
/// Related-link rows offered in the form.
pub const RELATED_SLOTS: usize = 3;

/// Problems with a submission, by field name.
#[derive(Clone, Debug, Default)]
pub struct FieldErrors(pub BTreeMap<String, String>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.entry(field.to_owned()).or_insert_with(|| message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    /// Takes a field error out of an `AppError`, or files it under `fallback`.
    pub fn absorb(&mut self, err: AppError, fallback: &str) {
        match err {
            AppError::Invalid { field, message } => self.add(&field, message),
            other => self.add(fallback, other.report().detail),
        }
    }
}

/// Reads the form into content, creating tags that do not exist yet only
/// when everything else is valid.
pub async fn to_content(db: &Db, form: &FormFields) -> Result<ArticleContent, FieldErrors> {
    read(db, form, true).await
}

/// Reads the form without writing anything (tags are left out), for previews.
pub async fn to_content_unsaved(db: &Db, form: &FormFields) -> Result<ArticleContent, FieldErrors> {
    read(db, form, false).await
}

async fn read(db: &Db, form: &FormFields, create_tags: bool) -> Result<ArticleContent, FieldErrors> {
    let mut errors = FieldErrors::default();
    let headline = Headline::parse(form.get("headline"))
        .map_err(|e| errors.absorb(e, "headline"))
        .ok();
    let slug_text = form.get("slug").trim();
    let slug = if slug_text.is_empty() {
        let suggested = Slug::suggest(form.get("headline"));
        if suggested.is_none() && headline.is_some() {
            errors.add(
                "slug",
                "Write a slug: the headline has no letters or digits to make one from.",
            );
        }
        suggested
    } else {
        Slug::parse(slug_text)
            .map_err(|e| errors.add("slug", e.to_string()))
            .ok()
    };
    let standfirst = form.get("standfirst").trim();
    if standfirst.chars().count() > 400 {
        errors.add(
            "standfirst",
            "Keep the standfirst to 400 characters: it is one sentence.",
        );
    }
    let body = form.get("body");
    if body.len() > 200_000 {
        errors.add("body", "The body is longer than 200,000 characters.");
    }
    let section: Option<SectionId> = form.get("section").parse().ok();
    let section_exists = match section {
        Some(id) => {
            sql("SELECT COUNT(*) FROM sections WHERE id = $1")
                .bind(id)
                .fetch_count(db)
                .await
                .unwrap_or(0)
                > 0
        }
        None => false,
    };
    if !section_exists {
        errors.add("section", "Choose the section the article belongs to.");
    }
    let comments = CommentsMode::parse(form.get("comments")).unwrap_or_default();

    let mut authors: Vec<AuthorId> = Vec::new();
    for value in form.all("author").into_iter().filter(|v| !v.is_empty()) {
        match value.parse::<AuthorId>() {
            Ok(id) if !authors.contains(&id) => authors.push(id),
            Ok(_) => {}
            Err(_) => errors.add("author", "Choose authors from the list."),
        }
    }

    let removed: Vec<&str> = form.all("image_remove");
    let mut images = Vec::new();
    for (id, after) in form.all("image_id").into_iter().zip(form.all("image_after")) {
        if removed.contains(&id) {
            continue;
        }
        match (id.parse::<ImageId>(), after.trim().parse::<i64>()) {
            (Ok(id), Ok(after)) if after >= 0 => images.push(Placed::new(id, after)),
            _ => errors.add(
                "images",
                "Each picture's position must be a whole number, 0 for the lead picture.",
            ),
        }
    }

    let mut related = Vec::new();
    for (slug, after) in form.all("related_slug").into_iter().zip(form.all("related_after")) {
        let slug = slug.trim();
        if slug.is_empty() {
            continue;
        }
        let after = after.trim();
        let after = if after.is_empty() { Ok(0) } else { after.parse::<i64>() };
        let found: Option<(ArticleId,)> = sql("SELECT id FROM articles WHERE slug = $1")
            .bind(slug)
            .fetch_optional(db)
            .await
            .unwrap_or(None);
        match (found, after) {
            (Some((id,)), Ok(after)) if after >= 0 => related.push(Placed::new(id, after)),
            (None, _) => errors.add("related", format!("There is no article with the slug \"{slug}\".")),
            _ => errors.add(
                "related",
                "A related link's position must be a whole number (0 puts it at the end).",
            ),
        }
    }

    let tag_names: Vec<String> = form
        .get("tags")
        .split(',')
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    let mut tag_slugs = Vec::new();
    for name in &tag_names {
        match Slug::suggest(name) {
            Some(slug) if name.chars().count() <= 60 => tag_slugs.push((slug, name.clone())),
            _ => errors.add(
                "tags",
                format!("\"{name}\" cannot be a tag: use letters or digits, 60 characters at most."),
            ),
        }
    }

    let (Some(headline), Some(slug), Some(section), true) = (headline, slug, section, errors.is_empty()) else {
        return Err(errors);
    };
    let mut tags: Vec<TagId> = Vec::new();
    for (slug, name) in tag_slugs.into_iter().filter(|_| create_tags) {
        match site::queries::ensure_tag(db, &slug, &name).await {
            Ok(id) if !tags.contains(&id) => tags.push(id),
            Ok(_) => {}
            Err(e) => errors.absorb(e.into(), "tags"),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ArticleContent {
        slug,
        headline,
        standfirst: standfirst.to_owned(),
        body: body.replace("\r\n", "\n"),
        footnote: form.get("footnote").trim().to_owned(),
        section,
        featured: form.get("featured") == "on",
        comments,
        kind: ArticleKind::parse(form.get("kind")).unwrap_or_default(),
        authors,
        tags,
        images,
        related,
    })
}

/// Writes content back as form fields (for editing what is stored, or a revision).
pub async fn from_content(db: &Db, content: &ArticleContent) -> Result<FormFields, AppError> {
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
    let mut names = Vec::new();
    for tag in &content.tags {
        let row: Option<(String,)> = sql("SELECT name FROM tags WHERE id = $1")
            .bind(*tag)
            .fetch_optional(db)
            .await?;
        if let Some((name,)) = row {
            names.push(name);
        }
    }
    form.push("tags", &names.join(", "));
    for image in &content.images {
        form.push("image_id", &image.item.to_string());
        form.push("image_after", &image.after.to_string());
    }
    for link in &content.related {
        let row: Option<(String,)> = sql("SELECT slug FROM articles WHERE id = $1")
            .bind(link.item)
            .fetch_optional(db)
            .await?;
        if let Some((slug,)) = row {
            form.push("related_slug", &slug);
            form.push("related_after", &link.after.to_string());
        }
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
    let zoned = civil.to_zoned_datetime(site.timezone.clone()).map_err(|_| invalid())?;
    Ok(Timestamp::from_micros(zoned.timestamp().as_microsecond()))
}

/// The `datetime-local` value for a moment, in the site's time zone.
pub fn local_time_value(site: &Site, ts: Timestamp) -> String {
    ts.jiff()
        .to_zoned_datetime(site.timezone.clone())
        .strftime("%Y-%m-%dT%H:%M:%S")
        .to_string()
}
