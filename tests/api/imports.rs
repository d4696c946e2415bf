//! Moving in from WordPress and Ghost: the fixtures under tests/fixtures are
//! small exports with the quirks real ones have.

use std::path::{Path, PathBuf};

use broadsheet::db::sql;
use broadsheet::imports::{self, Platform, Request, Summary};

use crate::support::{TestApp, spawn_app};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// Writes a small picture where an export's media folder would hold it.
fn picture_at(folder: &Path, relative: &str, shade: u8) {
    let file = folder.join(relative);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    image::RgbImage::from_pixel(400, 300, image::Rgb([shade, 90, 140]))
        .save(&file)
        .unwrap();
}

/// The WordPress uploads folder: two of the three pictures the export names.
fn wordpress_uploads(app: &TestApp) -> PathBuf {
    let uploads = app.dir.path().join("site/wp-content/uploads");
    picture_at(&uploads, "2024/03/cranes.jpg", 30);
    picture_at(&uploads, "2024/03/queue.png", 60);
    uploads
}

pub async fn import(app: &TestApp, platform: Platform, file: &Path, media: Option<PathBuf>) -> anyhow::Result<Summary> {
    let request = Request {
        platform,
        file,
        media,
        source: None,
        download: false,
        allow_private: false,
        progress: false,
    };
    imports::run(&app.state, request).await
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sql(format!("SELECT COUNT(*) FROM {table}"))
        .fetch_count(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_wordpress_export_comes_in_with_pictures_captions_comments_and_old_addresses() {
    let app = spawn_app().await;
    let uploads = wordpress_uploads(&app);
    let summary = import(&app, Platform::WordPress, &fixture("wordpress.xml"), Some(uploads))
        .await
        .unwrap();
    let report = summary.to_string();
    // Four posts, and the page as a draft (the site has no static pages).
    assert_eq!(summary.articles_created, 5, "{report}");
    assert_eq!(summary.comments, 4, "{report}");
    assert_eq!(summary.pictures, 2, "{report}");
    for reason in [
        "a WordPress page",
        "in WordPress's bin",
        "marked as spam",
        "pingbacks and trackbacks",
        "the picture is not in the media folder",
        "private on WordPress",
    ] {
        assert!(report.contains(reason), "the summary says why: {reason}\n{report}");
    }

    // The story, at its kept slug under the category's section.
    let page = app.page("/business/port-strike-halts-exports").await;
    for words in [
        "Port strike halts grain exports for a third day",
        "Dockworkers keep the terminal shut as talks stall",
        "Maja Lund",
        "Ships queued outside the harbour wall on Monday",
        "Traders said prices had risen by 4% &amp; that <strong>buyers</strong>",
        "[sic]",
        "<blockquote>",
        "Container berths: open",
        "Idle cranes at the grain terminal.",
        "Lea Marsh/Gazette",
        "Grain ships waiting at anchor.",
        "Ivo Brandt",
        "The harbour master declined to comment.",
    ] {
        assert!(page.contains(words), "the page shows {words:?}");
    }
    assert!(!page.contains("trackVisitor"), "scripts are left behind");
    assert!(!page.contains("[caption"), "shortcodes are not shown as text");
    // A single newline in a WordPress body is a line break.
    assert!(page.contains("third day.<br"), "line breaks are kept");
    let section = app.page("/business").await;
    assert!(
        section.contains("Business &#38; Trade"),
        "the category's name, entity decoded once"
    );

    // The old address answers with a permanent redirect.
    let old = app.get("/2024/03/18/port-strike-halts-exports/").await;
    assert_eq!(old.status(), 301);
    assert_eq!(old.headers()["location"], "/business/port-strike-halts-exports");
    // A non-Latin slug gets an address from the headline; its old one still leads there.
    let cyrillic = app.get("/2024/03/16/%D1%85%D1%80%D0%BE%D0%BD%D1%96%D0%BA%D0%B0/").await;
    assert_eq!(cyrillic.status(), 301);
    let moved = cyrillic.headers()["location"].to_str().unwrap().to_owned();
    assert!(app.page(&moved).await.contains("Короткий огляд подій"));

    // Comments keep their threads and names; spam stays out, unapproved ones wait.
    let forum = app.page("/business/port-strike-halts-exports/comments").await;
    let (first, reply, reply_to_reply) = (
        forum.find("The night shift pay has been a sore point").unwrap(),
        forum.find("Is that true for the container berths").unwrap(),
        forum.find("Agreed, and the overtime rules too.").unwrap(),
    );
    assert!(first < reply && reply < reply_to_reply, "threads in order");
    assert!(forum.contains("Harbour Watcher") && forum.contains("Ferry Regular"));
    assert!(!forum.contains("Buy watches") && !forum.contains("waiting on approval"));
    let held = sql("SELECT COUNT(*) FROM comments WHERE status = 'held'")
        .fetch_count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(held, 1, "the unapproved comment waits for a moderator");
    let depth: (i64,) = sql("SELECT MAX(depth) FROM comments")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(depth.0, 2);

    // Drafts and private posts are not public.
    assert_eq!(app.get("/business/pay-background").await.status(), 404);
    let drafts = sql("SELECT COUNT(*) FROM articles WHERE status = 'draft'")
        .fetch_count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(drafts, 3);
    // The search index has the imported story.
    let found = app.page("/search?q=dockworkers").await;
    assert!(found.contains("Port strike halts grain exports"));
}

#[tokio::test]
async fn importing_again_updates_and_never_duplicates() {
    let app = spawn_app().await;
    let uploads = wordpress_uploads(&app);
    let file = fixture("wordpress.xml");
    import(&app, Platform::WordPress, &file, Some(uploads.clone()))
        .await
        .unwrap();
    let tables = [
        "articles",
        "comments",
        "images",
        "authors",
        "sections",
        "tags",
        "redirects",
    ];
    let mut before = Vec::new();
    for table in tables {
        before.push(count(&app, table).await);
    }

    let again = import(&app, Platform::WordPress, &file, Some(uploads.clone()))
        .await
        .unwrap();
    assert_eq!(
        (again.articles_created, again.articles_updated, again.articles_unchanged),
        (0, 0, 5)
    );
    assert_eq!((again.comments, again.pictures), (0, 0));
    for (table, was) in tables.iter().zip(&before) {
        assert_eq!(count(&app, table).await, *was, "{table} after a second import");
    }

    // The source changed: the article is brought up to date, still once.
    let edited = app.dir.path().join("edited.xml");
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("for a third day</title>", "for a fourth day</title>");
    std::fs::write(&edited, text).unwrap();
    let third = import(&app, Platform::WordPress, &edited, Some(uploads)).await.unwrap();
    assert_eq!((third.articles_created, third.articles_updated), (0, 1));
    assert_eq!(count(&app, "articles").await, before[0]);
    let page = app.page("/business/port-strike-halts-exports").await;
    assert!(page.contains("Port strike halts grain exports for a fourth day"));
}

#[tokio::test]
async fn a_broken_or_cut_short_export_names_the_line_and_writes_nothing_half_way() {
    let app = spawn_app().await;
    let text = std::fs::read_to_string(fixture("wordpress.xml")).unwrap();

    let cut = app.dir.path().join("cut.xml");
    std::fs::write(&cut, &text[..text.len() * 2 / 3]).unwrap();
    let err = import(&app, Platform::WordPress, &cut, None).await.unwrap_err();
    let message = format!("{err:#}");
    assert!(
        (message.contains("cut short") || message.contains("end of input")) && message.contains("line "),
        "{message}"
    );
    assert_eq!(count(&app, "articles").await, 0, "nothing half-imported");

    let broken = app.dir.path().join("broken.xml");
    std::fs::write(&broken, text.replacen("</wp:post_name>", "</wp:post_nam>", 1)).unwrap();
    let err = import(&app, Platform::WordPress, &broken, None).await.unwrap_err();
    let message = format!("{err:#}");
    let line = text[..text.find("</wp:post_name>").unwrap()].lines().count();
    assert!(message.contains(&format!("line {line}")), "{message}");
    assert_eq!(count(&app, "articles").await, 0);

    let ghost = app.dir.path().join("cut.json");
    let json = std::fs::read_to_string(fixture("ghost.json")).unwrap();
    std::fs::write(&ghost, &json[..json.len() / 2]).unwrap();
    let err = import(&app, Platform::Ghost, &ghost, None).await.unwrap_err();
    assert!(format!("{err:#}").contains("line "), "{err:#}");
    assert_eq!(count(&app, "articles").await, 0);
}

#[tokio::test]
async fn a_ghost_export_comes_in_with_its_primary_tag_as_section_and_its_authors() {
    let app = spawn_app().await;
    let content = app.dir.path().join("ghost/content");
    picture_at(&content, "images/2024/03/lamp.png", 200);
    picture_at(&content, "images/2024/03/point.png", 120);
    picture_at(&content, "images/2023/01/pal.png", 10);
    let file = fixture("ghost.json");
    let summary = import(&app, Platform::Ghost, &file, Some(content.clone()))
        .await
        .unwrap();
    let report = summary.to_string();
    assert_eq!(summary.articles_created, 3, "{report}");
    assert_eq!(summary.pictures, 3, "{report}");
    assert!(report.contains("a Ghost page"), "{report}");

    // The internal #feature tag is not a section; "Coast" (the first public tag) is.
    let page = app.page("/coast/lighthouse-keepers-return").await;
    for words in [
        "Lighthouse keepers return to Skerry Point",
        "A winter posting on the island light",
        "Ines Varga",
        "Pal Dahl",
        "href=\"https://skerry.example.org\"",
        "<h2>Why now</h2>",
        "The lamp room, restored last year.",
        "Nia Holm",
        "The point at low tide.",
        "Ola Ranta",
        "Skerry Point from the sea",
        "Embedded from video.example.org",
        "Heritage",
    ] {
        assert!(page.contains(words), "the page shows {words:?}");
    }
    assert!(
        page.find("Ines Varga").unwrap() < page.find("Pal Dahl").unwrap(),
        "byline order"
    );
    let old = app.get("/lighthouse-keepers-return/").await;
    assert_eq!(old.status(), 301);
    assert_eq!(old.headers()["location"], "/coast/lighthouse-keepers-return");
    let author = app.page("/author/pal").await;
    assert!(author.contains("/media/"), "the author's portrait came along");

    let again = import(&app, Platform::Ghost, &file, Some(content)).await.unwrap();
    assert_eq!((again.articles_created, again.articles_unchanged), (0, 3));
    assert_eq!(count(&app, "articles").await, 3);
    assert_eq!(count(&app, "images").await, 3);
}

/// Every public page of a site whose content can differ between two sites.
async fn public_paths(app: &TestApp) -> Vec<String> {
    let mut paths = vec!["/".to_owned()];
    let articles: Vec<(String, String)> = sql(
        "SELECT s.slug, a.slug FROM articles a JOIN sections s ON s.id = a.section_id
         WHERE a.status = 'published' ORDER BY a.slug",
    )
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    for (section, slug) in articles {
        paths.push(format!("/{section}/{slug}"));
        paths.push(format!("/{section}/{slug}/comments"));
    }
    let sections: Vec<(String,)> = sql("SELECT slug FROM sections ORDER BY slug")
        .fetch_all(&app.state.db)
        .await
        .unwrap();
    paths.extend(sections.into_iter().map(|(s,)| format!("/{s}")));
    let authors: Vec<(String,)> = sql("SELECT slug FROM authors ORDER BY slug")
        .fetch_all(&app.state.db)
        .await
        .unwrap();
    paths.extend(authors.into_iter().map(|(a,)| format!("/author/{a}")));
    paths
}

#[tokio::test]
async fn an_export_imported_into_an_empty_site_gives_back_the_same_site() {
    let original = crate::support::spawn_app_with_demo().await;
    let uploads = wordpress_uploads(&original);
    import(&original, Platform::WordPress, &fixture("wordpress.xml"), Some(uploads))
        .await
        .unwrap();
    let folder = original.dir.path().join("export");
    let exported = imports::archive::export(&original.state, &folder).await.unwrap();
    assert!(exported.articles > 20 && exported.pictures > 10, "{exported:?}");
    assert!(
        imports::archive::export(&original.state, &folder).await.is_err(),
        "a used folder is refused"
    );

    let copy = spawn_app().await;
    let summary = import(&copy, Platform::Broadsheet, &folder, None).await.unwrap();
    assert!(summary.skipped.is_empty(), "{summary}");
    let paths = public_paths(&original).await;
    assert_eq!(paths, public_paths(&copy).await, "the same pages exist");
    for path in &paths {
        let (before, after) = (original.page(path).await, copy.page(path).await);
        assert!(before == after, "{path} reads the same on both sites");
    }
    let old = copy.get("/2024/03/18/port-strike-halts-exports/").await;
    assert_eq!(old.headers()["location"], "/business/port-strike-halts-exports");
    let picture: (broadsheet::domain::ImageId,) = sql("SELECT id FROM images ORDER BY id LIMIT 1")
        .fetch_one(&copy.state.db)
        .await
        .unwrap();
    let served = copy.get(&format!("/media/{}/320.jpg", picture.0)).await;
    assert_eq!(served.status(), 200, "the pictures came along");

    let again = import(&copy, Platform::Broadsheet, &folder, None).await.unwrap();
    assert_eq!(again.articles_created + again.articles_updated, 0, "{again}");
    assert_eq!(count(&copy, "articles").await, count(&original, "articles").await);
    assert_eq!(count(&copy, "comments").await, count(&original, "comments").await);
    assert_eq!(
        count(&copy, "liveblog_entries").await,
        count(&original, "liveblog_entries").await
    );
}

#[tokio::test]
async fn an_archive_with_many_stories_dated_the_same_second_comes_in_whole_and_searchable() {
    let app = spawn_app().await;
    let items: String = (1..=80)
        .map(|n| {
            format!(
                "<item><title>Tide report number {n}</title><link>https://old.example.com/tide-{n}/</link>\
                 <content:encoded><![CDATA[Low water at dawn, report {n}.]]></content:encoded>\
                 <wp:post_id>{n}</wp:post_id><wp:post_date_gmt>2024-01-01 09:00:00</wp:post_date_gmt>\
                 <wp:post_name>tide-{n}</wp:post_name><wp:status>publish</wp:status>\
                 <wp:post_type>post</wp:post_type></item>"
            )
        })
        .collect();
    let file = app.dir.path().join("same-second.xml");
    std::fs::write(
        &file,
        format!(
            "<rss xmlns:content=\"c\" xmlns:wp=\"w\"><channel><link>https://old.example.com</link><wp:base_site_url>https://old.example.com</wp:base_site_url>{items}</channel></rss>"
        ),
    )
    .unwrap();
    let summary = import(&app, Platform::WordPress, &file, None).await.unwrap();
    assert_eq!(summary.articles_created, 80, "{summary}");
    let last: serde_json::Value = app.get("/search.json?q=tide&page=8").await.json().await.unwrap();
    assert_eq!(last["results"].as_array().map(Vec::len), Some(10), "{last}");
    assert!(last["next_page"].is_null(), "80 found, 10 a page: {last}");
}
