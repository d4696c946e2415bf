//! Content for tests, written through the same library functions the demo
//! loader (and later the newsroom) uses.

use broadsheet::articles::write::{self, NewArticle};
use broadsheet::articles::{
    ArticleContent, ArticleKind, CommentsMode, Headline, Placed, Status, queries as article_queries,
};
use broadsheet::audit::Actor;
use broadsheet::change::Change;
use broadsheet::domain::{ArticleId, AuthorId, ImageId, SectionId, Slug, TagId, Timestamp};
use broadsheet::events::Event;
use broadsheet::media::{self, ImageText};
use broadsheet::site::queries;
use broadsheet::site::write::{self as site_write, NewAuthor, NewSection};

use super::TestApp;

pub struct ArticleSpec {
    pub slug: String,
    pub headline: String,
    pub standfirst: &'static str,
    pub body: String,
    pub footnote: &'static str,
    pub section: SectionId,
    pub authors: Vec<AuthorId>,
    pub tags: Vec<TagId>,
    pub images: Vec<(ImageId, i64)>,
    pub related: Vec<(ArticleId, i64)>,
    pub status: Status,
    pub published_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
    pub featured: bool,
    pub kind: ArticleKind,
}

impl ArticleSpec {
    pub fn new(slug: impl Into<String>, section: SectionId) -> Self {
        let slug = slug.into();
        Self {
            headline: format!("Headline of {slug}"),
            slug,
            standfirst: "A one-sentence summary of the story.",
            body: "The first paragraph.\n\nThe second paragraph.\n\nThe third paragraph.".into(),
            footnote: "",
            section,
            authors: Vec::new(),
            tags: Vec::new(),
            images: Vec::new(),
            related: Vec::new(),
            status: Status::Published,
            published_at: Some(at("2024-12-16T06:04:00Z")),
            updated_at: None,
            featured: false,
            kind: ArticleKind::Story,
        }
    }
}

pub fn at(rfc3339: &str) -> Timestamp {
    Timestamp::parse(rfc3339).expect("a valid time")
}

impl TestApp {
    pub async fn section(&self, slug: &str, name: &str) -> SectionId {
        let position = queries::sections(&self.state.db).await.expect("sections").len() as i64;
        let mut change = self.change().await;
        let new = NewSection {
            slug: Slug::parse(slug).expect("a slug"),
            name,
            description: "",
            position,
        };
        let id = site_write::create_section(&mut change, new)
            .await
            .expect("the section is created");
        change.commit().await.expect("the change is committed");
        id
    }

    pub async fn author(&self, slug: &str, name: &str) -> AuthorId {
        let mut change = self.change().await;
        let new = NewAuthor {
            slug: Slug::parse(slug).expect("a slug"),
            name,
            job_title: "Reporter",
            bio: "Writes about things that happen.",
            photo: None,
        };
        let id = site_write::create_author(&mut change, new)
            .await
            .expect("the author is created");
        change.commit().await.expect("the change is committed");
        id
    }

    pub async fn tag(&self, slug: &str, name: &str) -> TagId {
        site_write::ensure_tag(&self.state.db, &Slug::parse(slug).expect("a slug"), name)
            .await
            .expect("the tag exists")
    }

    /// A 1600×900 PNG picture, stored as an upload would be.
    pub async fn picture(&self, alt: &str, caption: &str, credit: &str) -> ImageId {
        let picture = image::RgbImage::from_fn(1600, 900, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
        let mut png = std::io::Cursor::new(Vec::new());
        picture.write_to(&mut png, image::ImageFormat::Png).expect("a PNG");
        let by = media::Uploader {
            actor: Actor::system("Test"),
            channel: "",
            state: &self.state,
        };
        media::store(by, png.get_ref(), ImageText { alt, caption, credit })
            .await
            .expect("the picture is stored")
    }

    /// Writes an article and tells the site its content changed, as publishing does.
    pub async fn publish(&self, spec: ArticleSpec) -> ArticleId {
        let content = ArticleContent {
            slug: Slug::parse(&spec.slug).expect("a slug"),
            headline: Headline::parse(&spec.headline).expect("a headline"),
            standfirst: spec.standfirst.into(),
            body: spec.body,
            footnote: spec.footnote.into(),
            section: spec.section,
            featured: spec.featured,
            comments: CommentsMode::Open,
            kind: spec.kind,
            authors: spec.authors,
            tags: spec.tags,
            images: spec.images.into_iter().map(|(i, p)| Placed::new(i, p)).collect(),
            related: spec.related.into_iter().map(|(r, p)| Placed::new(r, p)).collect(),
        };
        let new = NewArticle {
            content,
            status: spec.status,
            published_at: spec.published_at,
            updated_at: spec.updated_at,
        };
        let mut change = self.change().await;
        let id = write::create(&mut change, &new).await.expect("the article is written");
        change.commit().await.expect("the change is committed");
        id
    }

    /// Sets an article's related links through a normal save.
    pub async fn relate(&self, article: ArticleId, related: &[(ArticleId, i64)]) {
        let stored = article_queries::by_id(&self.state.db, article)
            .await
            .unwrap()
            .expect("the article");
        let mut content = write::content_of(&self.state.db, &stored).await.unwrap();
        content.related = related.iter().map(|(r, p)| Placed::new(*r, *p)).collect();
        let mut change = self.change().await;
        write::save(&mut change, article, stored.version, &content, ("saved", ""))
            .await
            .expect("related links are saved");
        change.commit().await.expect("the change is committed");
    }

    /// A published story at /world/story with comments open; returns its id.
    pub async fn story(&self) -> ArticleId {
        let world = self.section("world", "World").await;
        self.publish(ArticleSpec::new("story", world)).await
    }

    /// A published live blog at /world/live with no entries yet; returns its id.
    pub async fn live_blog(&self) -> ArticleId {
        let world = self.section("world", "World").await;
        let mut spec = ArticleSpec::new("live", world);
        spec.headline = "Front line live: the day's updates".into();
        spec.kind = ArticleKind::LiveBlog;
        self.publish(spec).await
    }

    /// A change made by the tests themselves.
    pub async fn change(&self) -> Change {
        Change::begin(&self.state, Actor::system("Test"))
            .await
            .expect("a change begins")
    }

    pub async fn changed(&self) {
        self.state
            .content_changed(Event::ContentChanged)
            .await
            .expect("the change is announced");
    }
}
