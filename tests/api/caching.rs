use std::io::Read;

use broadsheet::db::sql;

use crate::support::fixtures::ArticleSpec;
use crate::support::{TestApp, spawn_app};

async fn site_with_one_story() -> TestApp {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    app.publish(ArticleSpec::new("story", world)).await;
    app
}

#[tokio::test]
async fn pages_carry_an_etag_and_answer_304_when_it_matches() {
    let app = site_with_one_story().await;

    for path in ["/", "/world", "/world/story", "/rss.xml", "/sitemap.xml"] {
        let first = app.get(path).await;
        assert_eq!(first.status(), 200, "{path}");
        let etag = first.headers()["etag"].to_str().unwrap().to_owned();
        let cache_control = first.headers()["cache-control"].to_str().unwrap().to_owned();
        assert!(
            cache_control.contains("public") && cache_control.contains("s-maxage="),
            "{path}: {cache_control}"
        );

        let again = app.get_with(path, &[("if-none-match", &etag)]).await;
        assert_eq!(again.status(), 304, "{path}");
        assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
        assert!(again.text().await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn articles_answer_304_to_if_modified_since_their_last_change() {
    let app = site_with_one_story().await;

    let first = app.get("/world/story").await;
    let last_modified = first.headers()["last-modified"].to_str().unwrap().to_owned();
    assert_eq!(last_modified, "Mon, 16 Dec 2024 06:04:00 GMT");

    let same = app
        .get_with("/world/story", &[("if-modified-since", &last_modified)])
        .await;
    assert_eq!(same.status(), 304);
    let earlier = app
        .get_with(
            "/world/story",
            &[("if-modified-since", "Sun, 15 Dec 2024 06:04:00 GMT")],
        )
        .await;
    assert_eq!(earlier.status(), 200);
}

#[tokio::test]
async fn pages_are_sent_in_brotli_or_gzip_to_clients_that_take_them() {
    let app = site_with_one_story().await;

    let plain = app.get("/world/story").await.text().await.unwrap();
    let packed = app.get_with("/world/story", &[("accept-encoding", "gzip, br")]).await;
    assert_eq!(packed.headers()["content-encoding"], "br");
    assert_eq!(packed.headers()["vary"], "Accept-Encoding");
    let tag = packed.headers()["etag"].to_str().unwrap().to_owned();
    let bytes = packed.bytes().await.unwrap();
    let mut unpacked = Vec::new();
    brotli::BrotliDecompress(&mut &bytes[..], &mut unpacked).unwrap();
    assert_eq!(String::from_utf8(unpacked).unwrap(), plain);
    assert!(bytes.len() * 3 < plain.len(), "brotli at least thirds the page");

    let zipped = app.get_with("/world/story", &[("accept-encoding", "gzip")]).await;
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    assert_ne!(
        zipped.headers()["etag"].to_str().unwrap(),
        tag,
        "each coding has its own tag"
    );
    let bytes = zipped.bytes().await.unwrap();
    let mut unzipped = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, plain);

    let again = app
        .get_with(
            "/world/story",
            &[("accept-encoding", "gzip, br"), ("if-none-match", &tag)],
        )
        .await;
    assert_eq!(again.status(), 304, "the brotli copy's tag revalidates");
}

#[tokio::test]
async fn an_edit_shows_at_once_and_a_new_story_reaches_every_list_at_once() {
    let app = site_with_one_story().await;
    let before = app.page("/world/story").await;
    assert!(before.contains("Headline of story"));
    assert!(app.page("/").await.contains("Headline of story"));

    sql("UPDATE articles SET headline = $1 WHERE slug = $2")
        .bind("A corrected headline")
        .bind("story")
        .execute(&app.state.db)
        .await
        .unwrap();
    app.changed().await;

    assert!(app.page("/world/story").await.contains("A corrected headline"));
    assert!(app.page("/").await.contains("A corrected headline"));

    let world = broadsheet::site::queries::section_by_slug(&app.state.db, "world")
        .await
        .unwrap()
        .unwrap();
    app.publish(ArticleSpec::new("breaking", world.id)).await;
    for path in ["/", "/world", "/rss.xml", "/sitemaps/articles-1.xml"] {
        assert!(app.page(path).await.contains("breaking"), "{path} lists the new story");
    }
}

#[tokio::test]
async fn every_stylesheet_and_script_a_page_links_is_served() {
    let app = spawn_app().await;
    for page in ["/", "/newsroom/login"] {
        let html = app.page(page).await;
        let links: Vec<&str> = html.split('"').filter(|part| part.starts_with("/static/")).collect();
        assert!(!links.is_empty(), "{page} links its assets");
        for link in links {
            let response = app.get(link).await;
            assert_eq!(response.status(), 200, "{link} on {page}");
            assert_eq!(
                response.headers()["cache-control"],
                "public, max-age=31536000, immutable",
                "{link} is fingerprinted"
            );
        }
    }
}

#[tokio::test]
async fn static_assets_are_fingerprinted_and_cached_for_a_year() {
    let app = spawn_app().await;
    let home = app.page("/").await;
    let css = home
        .split("<link rel=\"stylesheet\" href=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a stylesheet link")
        .to_owned();
    assert!(css.starts_with("/static/site.") && css.ends_with(".css") && css.len() > "/static/site.css".len());

    let response = app.get(&css).await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/css; charset=utf-8");
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let plain = response.bytes().await.unwrap();

    // Sent in brotli to a client that takes it, else gzipped, and the same CSS once unpacked.
    for (accepts, coding) in [("gzip, deflate, br", "br"), ("gzip", "gzip"), ("br;q=0, gzip", "gzip")] {
        let packed = app.get_with(&css, &[("accept-encoding", accepts)]).await;
        assert_eq!(packed.headers()["content-encoding"], coding, "{accepts}");
        assert_eq!(packed.headers()["vary"], "Accept-Encoding");
        let packed = packed.bytes().await.unwrap();
        assert!(
            packed.len() * 3 < plain.len(),
            "{coding}: {} → {} bytes",
            plain.len(),
            packed.len()
        );
        assert_eq!(unpack(coding, &packed), plain.to_vec(), "{coding}");
    }

    let stale = app.get("/static/site.00000000.css").await;
    assert_eq!(stale.status(), 200);
    assert_eq!(stale.headers()["cache-control"], "public, max-age=300");
    assert_eq!(app.get("/static/nothing.css").await.status(), 404);
}

/// A body in a content coding, decoded.
fn unpack(coding: &str, packed: &[u8]) -> Vec<u8> {
    let mut unpacked = Vec::new();
    match coding {
        "gzip" => std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(packed), &mut unpacked).unwrap(),
        "br" => std::io::Read::read_to_end(&mut brotli::Decompressor::new(packed, 4096), &mut unpacked).unwrap(),
        other => panic!("unexpected coding {other}"),
    };
    unpacked
}

#[tokio::test]
async fn pages_not_kept_in_the_cache_are_compressed_too_and_event_streams_are_not() {
    let app = spawn_app().await;
    let article = app.story().await;
    let plain = app.get("/search?q=story").await;
    assert_eq!(plain.status(), 200);
    assert!(plain.headers().get("content-encoding").is_none());
    let plain = plain.text().await.unwrap();
    for (accepts, coding) in [("gzip, deflate, br", "br"), ("gzip", "gzip")] {
        let packed = app.get_with("/search?q=story", &[("accept-encoding", accepts)]).await;
        assert_eq!(packed.status(), 200);
        assert_eq!(packed.headers()["content-encoding"], coding, "{accepts}");
        let packed = packed.bytes().await.unwrap();
        assert!(
            packed.len() * 2 < plain.len(),
            "{coding}: {} → {} bytes",
            plain.len(),
            packed.len()
        );
        let unpacked = String::from_utf8(unpack(coding, &packed)).unwrap();
        assert!(
            unpacked.contains("<h1") && unpacked.trim_end().ends_with("</html>"),
            "{unpacked}"
        );
    }
    // A live stream is sent as it comes: compressing it would hold events back.
    let live = app
        .get_with(&format!("/live/comments/{article}"), &[("accept-encoding", "gzip, br")])
        .await;
    assert_eq!(live.headers()["content-type"], "text/event-stream");
    assert!(live.headers().get("content-encoding").is_none());
}

#[tokio::test]
async fn pages_name_their_surrogate_keys_and_a_change_asks_the_cdn_to_purge_them() {
    // A stand-in for a CDN's purge-by-key API that records what it is asked.
    let (asked, mut purges) = tokio::sync::mpsc::unbounded_channel::<(String, String)>();
    let header = |headers: &axum::http::HeaderMap, name: &str| {
        headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned()
    };
    let cdn = axum::Router::new().route(
        "/service/news/purge",
        axum::routing::post(move |headers: axum::http::HeaderMap| {
            let _ = asked.send((header(&headers, "surrogate-key"), header(&headers, "fastly-key")));
            async { "{\"status\":\"ok\"}" }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, cdn).await });
    let app = crate::support::spawn_app_with(|s| {
        s.cache.cdn_purge_url = format!("http://127.0.0.1:{port}/service/news/purge");
        s.cache.cdn_purge_token = broadsheet::config::Secret::new("purge-token".into());
    })
    .await;
    let mut next = async || {
        tokio::time::timeout(std::time::Duration::from_secs(5), purges.recv())
            .await
            .expect("the CDN is asked to purge")
            .unwrap()
    };

    let world = app.section("world", "World").await;
    assert_eq!(
        next().await.0,
        "site",
        "a new section changes the navigation on every page"
    );
    let story = app.publish(ArticleSpec::new("story", world)).await;
    assert_eq!(
        next().await,
        ("site".to_owned(), "purge-token".to_owned()),
        "a publish purges every page"
    );
    let page = app.get("/world/story").await;
    assert_eq!(page.headers()["surrogate-key"], format!("site article-{story}"));
    assert_eq!(app.get("/").await.headers()["surrogate-key"], "site");

    app.state
        .content_changed(broadsheet::events::Event::ArticleChanged { article: story })
        .await
        .unwrap();
    assert_eq!(
        next().await.0,
        format!("article-{story}"),
        "a change to one article purges its pages only"
    );
}
