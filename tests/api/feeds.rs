use broadsheet::domain::Timestamp;

use crate::support::fixtures::{ArticleSpec, at};
use crate::support::{BASE_URL, TestApp, spawn_app};

async fn newsroom_with_two_sections() -> TestApp {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    let uk = app.section("uk", "UK").await;
    let author = app.author("namita-singh", "Namita Singh").await;
    for (slug, section, time) in [
        ("first-world", world, "2024-12-14T08:00:00Z"),
        ("second-world", world, "2024-12-15T08:00:00Z"),
        ("uk-story", uk, "2024-12-16T08:00:00Z"),
    ] {
        let mut spec = ArticleSpec::new(slug, section);
        spec.authors = vec![author];
        spec.published_at = Some(at(time));
        app.publish(spec).await;
    }
    app
}

async fn body(app: &TestApp, path: &str, content_type: &str) -> String {
    let response = app.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(response.headers()["content-type"], content_type, "{path}");
    response.text().await.unwrap()
}

#[tokio::test]
async fn the_site_rss_feed_parses_and_lists_the_newest_stories_first() {
    let app = newsroom_with_two_sections().await;

    let xml = body(&app, "/rss.xml", "application/rss+xml; charset=utf-8").await;
    let feed = feed_rs::parser::parse(xml.as_bytes()).expect("a valid RSS feed");

    assert_eq!(feed.title.unwrap().content, "The Broadsheet – latest news");
    let links: Vec<String> = feed.entries.iter().map(|e| e.links[0].href.clone()).collect();
    assert_eq!(
        links,
        [
            format!("{BASE_URL}/uk/uk-story"),
            format!("{BASE_URL}/world/second-world"),
            format!("{BASE_URL}/world/first-world")
        ]
    );
    let newest = &feed.entries[0];
    assert_eq!(newest.title.as_ref().unwrap().content, "Headline of uk-story");
    assert_eq!(newest.published.unwrap().to_rfc3339(), "2024-12-16T08:00:00+00:00");
    assert_eq!(newest.authors[0].name.as_deref(), Some("Namita Singh"));
}

#[tokio::test]
async fn atom_feeds_parse_and_section_feeds_hold_only_their_section() {
    let app = newsroom_with_two_sections().await;

    let site = body(&app, "/atom.xml", "application/atom+xml; charset=utf-8").await;
    let site = feed_rs::parser::parse(site.as_bytes()).expect("a valid Atom feed");
    assert_eq!(site.entries.len(), 3);
    assert_eq!(site.updated.unwrap().to_rfc3339(), "2024-12-16T08:00:00+00:00");

    for path in ["/world/atom.xml", "/world/rss.xml"] {
        let xml = app.get(path).await.text().await.unwrap();
        let feed = feed_rs::parser::parse(xml.as_bytes()).expect("a valid section feed");
        let links: Vec<String> = feed.entries.iter().map(|e| e.links[0].href.clone()).collect();
        assert_eq!(links.len(), 2, "{path}");
        assert!(links.iter().all(|l| l.contains("/world/")), "{path}: {links:?}");
    }
    assert_eq!(app.get("/nowhere/rss.xml").await.status(), 404);
}

#[tokio::test]
async fn the_sitemap_index_points_to_sitemaps_that_list_every_public_page() {
    let app = newsroom_with_two_sections().await;

    let index = body(&app, "/sitemap.xml", "application/xml; charset=utf-8").await;
    let index = roxmltree::Document::parse(&index).expect("valid XML");
    let locations: Vec<String> = index
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .map(|n| n.text().unwrap().to_owned())
        .collect();
    assert_eq!(
        locations,
        [
            format!("{BASE_URL}/sitemaps/pages.xml"),
            format!("{BASE_URL}/sitemaps/articles-1.xml")
        ]
    );

    let articles = app.page("/sitemaps/articles-1.xml").await;
    let articles = roxmltree::Document::parse(&articles).expect("valid XML");
    let urls: Vec<&str> = articles
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(urls.len(), 3);
    assert!(urls.contains(&&*format!("{BASE_URL}/world/first-world")));
    assert!(articles.descendants().any(|n| n.has_tag_name("lastmod")));

    let pages = app.page("/sitemaps/pages.xml").await;
    for path in ["/", "/world", "/uk", "/author/namita-singh"] {
        assert!(pages.contains(&format!("<loc>{BASE_URL}{path}</loc>")), "{path}");
    }
    assert_eq!(app.get("/sitemaps/articles-2.xml").await.status(), 404);
}

#[tokio::test]
async fn the_news_sitemap_lists_only_the_last_48_hours() {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    let mut fresh = ArticleSpec::new("fresh-story", world);
    fresh.headline = "Fresh & breaking".into();
    fresh.published_at = Some(Timestamp::now().plus_seconds(-3600));
    app.publish(fresh).await;
    let mut old = ArticleSpec::new("old-story", world);
    old.published_at = Some(Timestamp::now().plus_seconds(-72 * 3600));
    app.publish(old).await;

    let xml = app.page("/news-sitemap.xml").await;
    let doc = roxmltree::Document::parse(&xml).expect("valid XML");

    let news = "http://www.google.com/schemas/sitemap-news/0.9";
    let titles: Vec<&str> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "title" && n.tag_name().namespace() == Some(news))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(titles, ["Fresh & breaking"]);
    assert!(xml.contains("<news:name>The Broadsheet</news:name>"));
    assert!(xml.contains("<news:language>en</news:language>"));
}

#[tokio::test]
async fn robots_txt_names_the_sitemaps() {
    let app = spawn_app().await;

    let robots = body(&app, "/robots.txt", "text/plain; charset=utf-8").await;

    assert!(robots.contains("User-agent: *"));
    assert!(robots.contains(&format!("Sitemap: {BASE_URL}/sitemap.xml")));
    assert!(robots.contains(&format!("Sitemap: {BASE_URL}/news-sitemap.xml")));
    assert!(robots.contains("Disallow: /newsroom/"));
}
