//! Moving in from WordPress and Ghost, each quirk a publisher met on a
//! small export written here for it.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use broadsheet::db::sql;
use broadsheet::imports::Platform;

use crate::support::exports::{Item, file, import_with, wxr};
use crate::support::newsroom::png;
use crate::support::{TestApp, spawn_app};

const NETWORK: &str = "https://wordpress.com/";

async fn count(app: &TestApp, query: &'static str) -> i64 {
    sql(query).fetch_count(&app.state.db).await.unwrap()
}

#[tokio::test]
async fn two_blogs_on_one_network_stay_apart_and_an_export_that_names_no_blog_is_refused() {
    let app = spawn_app().await;
    let mut harbour = Item::post(12, "Harbour reopens after storm", "The quay is open again.");
    harbour.comments = vec![(1, 0, "Ana", "Good news for the ferries.".into(), "1")];
    let mut valley = Item::post(12, "Valley school gets a new roof", "Work ends in June.");
    valley.comments = vec![(1, 0, "Ben", "About time.".into(), "1")];
    let first = file(
        &app,
        "a.xml",
        &wxr(Some("https://harbour.wordpress.com"), NETWORK, &[harbour]),
    );
    let second = file(
        &app,
        "b.xml",
        &wxr(Some("https://valley.wordpress.com"), NETWORK, &[valley]),
    );
    let one = import_with(&app, Platform::WordPress, &first, |_| {}).await.unwrap();
    let two = import_with(&app, Platform::WordPress, &second, |_| {}).await.unwrap();
    assert_eq!(
        (one.articles_created, two.articles_created, two.articles_updated),
        (1, 1, 0),
        "{two}"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM articles").await, 2);
    let harbour_page = app.page("/news/harbour-reopens-after-storm/comments").await;
    assert!(harbour_page.contains("Good news for the ferries.") && !harbour_page.contains("About time."));
    let valley_page = app.page("/news/valley-school-gets-a-new-roof/comments").await;
    assert!(valley_page.contains("About time.") && !valley_page.contains("Good news"));
    // Both blogs had post 12 at /?p=12: the first keeps it, the second is told.
    assert!(
        two.to_string().contains("already leads to another imported article"),
        "{two}"
    );

    let nameless = file(&app, "c.xml", &wxr(None, NETWORK, &[Item::post(5, "Unnamed", "Text.")]));
    let err = import_with(&app, Platform::WordPress, &nameless, |_| {})
        .await
        .unwrap_err();
    assert!(format!("{err:#}").contains("--source NAME"), "{err:#}");
    let named = import_with(&app, Platform::WordPress, &nameless, |r| {
        r.source = Some("parish-news".into())
    })
    .await
    .unwrap();
    assert_eq!(named.articles_created, 1);
    let again = import_with(&app, Platform::WordPress, &nameless, |r| {
        r.source = Some("parish-news".into())
    })
    .await
    .unwrap();
    assert_eq!((again.articles_created, again.articles_unchanged), (0, 1));
}

#[tokio::test]
async fn after_moving_site_by_export_a_catch_up_import_updates_instead_of_duplicating() {
    let old = spawn_app().await;
    let mut story = Item::post(40, "Ferry timetable changes", "Sailings move to the hour.");
    story.comments = vec![(9, 0, "Cai", "Thanks for the notice.".into(), "1")];
    let items = [story, Item::post(41, "Market day moves", "Now on Saturdays.")];
    let export = wxr(Some("https://islands.example"), "https://islands.example", &items);
    let source = file(&old, "islands.xml", &export);
    import_with(&old, Platform::WordPress, &source, |_| {}).await.unwrap();
    let folder = old.dir.path().join("moved");
    broadsheet::imports::archive::export(&old.state, &folder).await.unwrap();

    let new = spawn_app().await;
    import_with(&new, Platform::Broadsheet, &folder, |_| {}).await.unwrap();
    let again = import_with(&new, Platform::WordPress, &source, |_| {}).await.unwrap();
    assert_eq!(
        (again.articles_created, again.articles_unchanged, again.comments),
        (0, 2, 0),
        "{again}"
    );
    assert_eq!(count(&new, "SELECT COUNT(*) FROM articles").await, 2);
    assert_eq!(count(&new, "SELECT COUNT(*) FROM comments").await, 1);
    let old_address = new.get("/2024/05/01/ferry-timetable-changes/").await;
    assert_eq!(old_address.headers()["location"], "/news/ferry-timetable-changes");
}

#[tokio::test]
async fn a_comment_edited_or_approved_on_the_old_site_is_brought_up_to_date() {
    let app = spawn_app().await;
    let mut story = Item::post(7, "Bridge repairs begin", "Lanes close at night.");
    story.comments = vec![
        (1, 0, "Dee", "Which lanes?".into(), "1"),
        (2, 0, "Eli", "Waiting for a moderator.".into(), "0"),
        (3, 1, "Fay", "The northbound ones.".into(), "1"),
    ];
    let blog = Some("https://bridges.example");
    let path = file(
        &app,
        "bridge.xml",
        &wxr(blog, "https://bridges.example", &[story.clone()]),
    );
    import_with(&app, Platform::WordPress, &path, |_| {}).await.unwrap();
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM comments WHERE status = 'visible'").await,
        2
    );

    story.comments[0].3 = "Which lanes, and for how long?".into();
    story.comments[1].4 = "1";
    story.comments[2].4 = "0";
    let path = file(&app, "bridge.xml", &wxr(blog, "https://bridges.example", &[story]));
    let again = import_with(&app, Platform::WordPress, &path, |_| {}).await.unwrap();
    assert_eq!((again.comments, again.comments_updated), (0, 3), "{again}");
    let forum = app.page("/news/bridge-repairs-begin/comments").await;
    assert!(forum.contains("Which lanes, and for how long?"), "the new words");
    assert!(forum.contains("Waiting for a moderator."), "approved since");
    assert!(!forum.contains("The northbound ones."), "withdrawn since");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM comments").await, 3);
}

/// An old site's uploads served over HTTP, counting requests.
async fn old_site(files: HashMap<String, Vec<u8>>) -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let state = (Arc::new(files), hits.clone());
    type Files = (Arc<HashMap<String, Vec<u8>>>, Arc<AtomicUsize>);
    async fn serve(State((files, hits)): State<Files>, UrlPath(path): UrlPath<String>) -> Result<Vec<u8>, StatusCode> {
        hits.fetch_add(1, Ordering::SeqCst);
        files.get(&path).cloned().ok_or(StatusCode::NOT_FOUND)
    }
    let app = axum::Router::new()
        .route("/{*path}", axum::routing::get(serve))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}"), hits)
}

#[tokio::test]
async fn pictures_are_fetched_from_the_old_site_and_one_that_cannot_be_leaves_its_caption() {
    let app = spawn_app().await;
    let files = HashMap::from([
        ("up/quay.png".to_owned(), png(64, 48)),
        ("up/chart-300x200.png".to_owned(), png(30, 20)),
        ("up/chart-150x150.png".to_owned(), png(15, 15)),
        ("up/broken.png".to_owned(), b"not a picture".to_vec()),
    ]);
    let (site, hits) = old_site(files).await;
    let body = format!(
        "<p>First.</p>\n\n[caption id=\"x\"]<img src=\"{site}/up/quay.png\" alt=\"The quay\"> Boats back at the quay. Photo: Ida Lund[/caption]\n\n\
         <p>Second.</p>\n\n<img src=\"/up/chart-300x200.png\" alt=\"Chart one\">\n\n<img src=\"{site}/up/chart-150x150.png\" alt=\"Chart two\">\n\n\
         [caption id=\"y\"]<img src=\"{site}/up/gone.png\" alt=\"Gone\"> The old pier before the storm. Photo: Jo Berg[/caption]\n\n\
         [caption id=\"z\"]<img src=\"{site}/up/broken.png\" alt=\"Broken\"> A broken file.[/caption]\n\n<p>Last.</p>"
    );
    let items = [Item::post(3, "The quay after the storm", &body)];
    let path = file(&app, "quay.xml", &wxr(Some(&site), &site, &items));

    // Loopback is a private address: refused unless allowed, and said so.
    let refused = import_with(&app, Platform::WordPress, &path, |r| r.download = true)
        .await
        .unwrap();
    assert_eq!(refused.pictures, 0, "{refused}");
    assert!(refused.to_string().contains("--allow-private-addresses"), "{refused}");
    assert_eq!(hits.load(Ordering::SeqCst), 0, "nothing was asked of a private address");

    let app = spawn_app().await;
    let path = file(&app, "quay.xml", &wxr(Some(&site), &site, &items));
    let summary = import_with(&app, Platform::WordPress, &path, |r| {
        r.download = true;
        r.allow_private = true;
    })
    .await
    .unwrap();
    let report = summary.to_string();
    // Two names that look like sizes of one chart are two pictures: no original says otherwise.
    assert_eq!(summary.pictures, 3, "{report}");
    assert!(report.contains("the old site answered 404"), "{report}");
    assert!(report.contains("could not be had"), "{report}");
    let page = app.page("/news/the-quay-after-the-storm").await;
    assert!(
        page.contains("Boats back at the quay."),
        "the fetched picture's caption"
    );
    assert!(
        page.contains("The old pier before the storm. Picture: Jo Berg."),
        "a caption without its picture"
    );
    assert_eq!(page.matches("<img").count(), 3, "{page}");

    // Running it again fetches nothing already in.
    let before = hits.load(Ordering::SeqCst);
    let again = import_with(&app, Platform::WordPress, &path, |r| {
        r.download = true;
        r.allow_private = true;
    })
    .await
    .unwrap();
    assert_eq!(again.pictures, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM images").await, 3);
    assert_eq!(
        hits.load(Ordering::SeqCst) - before,
        2,
        "only the two that failed are tried again"
    );
}

#[tokio::test]
async fn galleries_footnotes_embeds_pages_and_untitled_posts_come_across() {
    let app = spawn_app().await;
    let media = app.dir.path().join("uploads");
    for (name, size) in [("g1.png", 40), ("g2.png", 50), ("b1.png", 60)] {
        std::fs::create_dir_all(&media).unwrap();
        std::fs::write(media.join(name), png(size, size)).unwrap();
    }
    let blog = "https://gallery.example";
    let mut gallery = Item::post(
        20,
        "Photos from the regatta",
        "<p>Scenes from the day.</p>\n\n[gallery columns=\"2\"]\n\nMore soon.",
    );
    gallery.slug = "regatta".into();
    let block_gallery = "<!-- wp:gallery -->\n<figure class=\"wp-block-gallery has-nested-images\"><!-- wp:image {\"id\":31} -->\n\
        <figure class=\"wp-block-image\"><img src=\"https://gallery.example/wp-content/uploads/b1.png\" alt=\"Boats\" class=\"wp-image-31\"/>\
        <figcaption class=\"wp-element-caption\">Boats at the start line</figcaption></figure>\n<!-- /wp:image --></figure>\n<!-- /wp:gallery -->";
    let footnoted = "<!-- wp:paragraph --><p>Turnout rose<sup data-fn=\"aa-1\" class=\"fn\"><a href=\"#aa-1\" id=\"aa-1-link\">1</a></sup>.</p><!-- /wp:paragraph -->\n<!-- wp:footnotes /-->";
    let mut notes = Item::post(21, "Turnout figures", &format!("{block_gallery}\n\n{footnoted}"));
    notes.meta = vec![(
        "footnotes",
        r#"[{"content":"Figures from the <em>county clerk</em>.","id":"aa-1"}]"#.into(),
    )];
    let embeds = "Watch the finish:\n\nhttps://www.youtube.com/watch?v=Fin1sh_2024\n\n<!-- wp:embed {\"url\":\"https://twitter.com/regatta/status/1790000000000000000\"} -->\n\
        <figure class=\"wp-block-embed is-provider-twitter\"><div class=\"wp-block-embed__wrapper\">\nhttps://twitter.com/regatta/status/1790000000000000000\n</div></figure>\n<!-- /wp:embed -->";
    let video = Item::post(22, "The finish", embeds);
    let mut page = Item::post(23, "About us", "<p>We report on the islands.</p>");
    page.kind = "page";
    let mut untitled = Item::post(
        24,
        "",
        "<p>Ferry delayed by fog this morning, the harbour master says, with sailings resuming at noon.</p>",
    );
    untitled.slug = String::new();
    let items = [
        gallery,
        Item::attachment(30, 20, "https://gallery.example/wp-content/uploads/g1.png"),
        Item::attachment(32, 20, "https://gallery.example/wp-content/uploads/g2.png"),
        notes,
        video,
        page,
        untitled,
    ];
    let path = file(&app, "regatta.xml", &wxr(Some(blog), blog, &items));
    let summary = import_with(&app, Platform::WordPress, &path, |r| r.media = Some(media.clone()))
        .await
        .unwrap();
    let report = summary.to_string();
    assert_eq!(summary.articles_created, 5, "{report}");
    assert!(
        report.contains("a WordPress page: the site has no static pages yet"),
        "{report}"
    );
    assert!(report.contains("its headline is made of its first words"), "{report}");

    let regatta = app.page("/news/regatta").await;
    let own = &regatta[..regatta.find("id=\"more-heading\"").unwrap_or(regatta.len())];
    assert_eq!(own.matches("<img").count(), 2, "the post's own pictures: {regatta}");
    let turnout = app.page("/news/turnout-figures").await;
    assert!(
        turnout.contains("Boats at the start line"),
        "the block gallery's picture"
    );
    assert!(turnout.contains("Figures from the <em>county clerk</em>."), "the note");
    assert!(turnout.contains("href=\"#body-1\""), "the marker leads to it");
    let finish = app.get("/news/the-finish").await;
    let csp = finish.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("frame-src https://www.youtube-nocookie.com"), "{csp}");
    let finish = finish.text().await.unwrap();
    assert!(
        finish.contains("href=\"https://www.youtube.com/watch?v=Fin1sh_2024\""),
        "{finish}"
    );
    assert!(finish.contains("data-player=\"https://www.youtube-nocookie.com/embed/Fin1sh_2024\""));
    assert!(finish.contains("href=\"https://x.com/regatta/status/1790000000000000000\""));
    assert!(!finish.contains("<iframe"), "no player loads unasked");

    let untitled: (String,) = sql("SELECT headline FROM articles WHERE slug LIKE 'ferry-delayed%'")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(
        untitled.0,
        "Ferry delayed by fog this morning, the harbour master says, with sailings…"
    );
    let drafts = count(
        &app,
        "SELECT COUNT(*) FROM articles WHERE status = 'draft' AND slug = 'about-us'",
    )
    .await;
    assert_eq!(drafts, 1, "the page waits as a draft");
}

#[tokio::test]
async fn old_numbered_and_slashed_addresses_lead_on_and_never_over_the_sites_own_pages() {
    let app = spawn_app().await;
    let blog = "https://old.example";
    let mut search = Item::post(51, "Search", "<p>How to search our archive.</p>");
    search.slug = "search".into();
    let items = [
        Item::post(50, "Flood defences finished", "<p>The wall is done.</p>"),
        search,
    ];
    let path = file(&app, "old.xml", &wxr(Some(blog), blog, &items));
    import_with(&app, Platform::WordPress, &path, |_| {}).await.unwrap();

    for old in ["/?p=50", "/index.php?p=50", "/?page_id=50&preview=true"] {
        let answer = app.get(old).await;
        assert_eq!(answer.status(), 301, "{old}");
        assert_eq!(answer.headers()["location"], "/news/flood-defences-finished", "{old}");
    }
    assert_eq!(
        app.get("/?p=999").await.status(),
        200,
        "an unknown number is the home page"
    );
    assert_eq!(app.get("/index.php?p=999").await.status(), 404);
    for (slashed, bare) in [
        ("/news/", "/news"),
        ("/author/desk/", "/author/desk"),
        ("/search/?q=wall", "/search?q=wall"),
    ] {
        let answer = app.get(slashed).await;
        assert_eq!(answer.status(), 301, "{slashed}");
        assert_eq!(answer.headers()["location"], bare, "{slashed}");
    }
    // The old post at /search/ does not take the site's search page.
    let search = app.get("/search/").await;
    assert_eq!(search.headers()["location"], "/search");
    assert_eq!(app.get("/no-such-thing/").await.status(), 404);
    let old_post = app.get("/2024/05/01/flood-defences-finished/").await;
    assert_eq!(
        old_post.headers()["location"],
        "/news/flood-defences-finished",
        "one hop"
    );
}

#[tokio::test]
async fn a_file_of_the_wrong_kind_is_named_for_what_it_is() {
    let app = spawn_app().await;
    let cases = [
        ("empty.xml", String::new(), Platform::WordPress, "is empty"),
        (
            "feed.xml",
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>News</title></channel></rss>".into(),
            Platform::WordPress,
            "an RSS feed",
        ),
        (
            "logo.svg",
            "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>".into(),
            Platform::WordPress,
            "an SVG picture",
        ),
        (
            "data.json",
            "{\"posts\": []}".into(),
            Platform::Ghost,
            "not a Ghost export",
        ),
        (
            "ghost.json",
            "{\"db\": [{\"meta\": {}, \"data\": {\"tags\": []}}]}".into(),
            Platform::Ghost,
            "no posts table",
        ),
        (
            "ghost-export.json",
            "{\"db\": [{\"meta\": {}, \"data\": {\"posts\": []}}]}".into(),
            Platform::WordPress,
            "broadsheet import ghost",
        ),
    ];
    for (name, text, platform, says) in cases {
        let path = file(&app, name, &text);
        let err = import_with(&app, platform, &path, |_| {}).await.unwrap_err();
        let message = format!("{err:#}");
        assert!(message.contains(says) && message.contains(name), "{name}: {message}");
    }
    let missing = app.dir.path().join("nowhere.xml");
    let err = import_with(&app, Platform::WordPress, &missing, |_| {})
        .await
        .unwrap_err();
    assert!(format!("{err:#}").contains("no file at") && format!("{err:#}").contains("nowhere.xml"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM articles").await, 0);
}
