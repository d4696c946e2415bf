use crate::support::fixtures::{ArticleSpec, at};
use crate::support::{BASE_URL, spawn_app};

/// The parsed JSON-LD block of a page.
fn json_ld(html: &str) -> serde_json::Value {
    let block = html
        .split("<script type=\"application/ld+json\">")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .expect("a JSON-LD block");
    serde_json::from_str(block).expect("JSON-LD parses")
}

fn meta<'a>(html: &'a str, attribute: &str, name: &str) -> Option<&'a str> {
    let marker = format!("<meta {attribute}=\"{name}\" content=\"");
    html.split(&marker).nth(1)?.split('"').next()
}

#[tokio::test]
async fn article_pages_carry_news_article_json_ld_with_every_required_field() {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    let namita = app.author("namita-singh", "Namita Singh").await;
    let photo = app.picture("Soldiers on a road", "Near the front.", "Agency").await;
    let mut spec = ArticleSpec::new("kursk", world);
    spec.headline = "Troops join assaults in Kursk </script><script>alert(1)</script>".into();
    spec.authors = vec![namita];
    spec.images = vec![(photo, 0)];
    spec.updated_at = Some(at("2024-12-16T09:40:00Z"));
    app.publish(spec).await;

    let html = app.page("/world/kursk").await;
    let data = json_ld(&html);

    assert_eq!(data["@context"], "https://schema.org");
    assert_eq!(data["@type"], "NewsArticle");
    assert_eq!(
        data["headline"],
        "Troops join assaults in Kursk </script><script>alert(1)</script>"
    );
    assert_eq!(data["datePublished"], "2024-12-16T06:04:00Z");
    assert_eq!(data["dateModified"], "2024-12-16T09:40:00Z");
    assert_eq!(data["author"][0]["name"], "Namita Singh");
    assert_eq!(data["author"][0]["url"], format!("{BASE_URL}/author/namita-singh"));
    assert_eq!(data["image"][0], format!("{BASE_URL}/media/{photo}/1600.jpg"));
    assert_eq!(data["publisher"]["name"], "The Broadsheet");
    assert!(data["publisher"]["logo"]["url"].as_str().unwrap().ends_with(".png"));
    assert_eq!(data["isAccessibleForFree"], true);
    assert_eq!(data["mainEntityOfPage"]["@id"], format!("{BASE_URL}/world/kursk"));
}

#[tokio::test]
async fn article_pages_have_open_graph_twitter_cards_and_a_canonical_link() {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    let photo = app.picture("A harbour at night", "", "").await;
    let mut spec = ArticleSpec::new("harbour", world);
    spec.headline = "Harbour lights".into();
    spec.images = vec![(photo, 0)];
    app.publish(spec).await;

    let html = app.page("/world/harbour").await;

    assert!(html.contains(&format!("<link rel=\"canonical\" href=\"{BASE_URL}/world/harbour\">")));
    assert_eq!(meta(&html, "property", "og:type"), Some("article"));
    assert_eq!(meta(&html, "property", "og:title"), Some("Harbour lights"));
    assert_eq!(
        meta(&html, "property", "og:url"),
        Some(&*format!("{BASE_URL}/world/harbour"))
    );
    assert_eq!(
        meta(&html, "property", "og:image"),
        Some(&*format!("{BASE_URL}/media/{photo}/1600.jpg"))
    );
    assert_eq!(meta(&html, "name", "twitter:card"), Some("summary_large_image"));
    assert_eq!(meta(&html, "name", "twitter:title"), Some("Harbour lights"));
    assert_eq!(
        meta(&html, "property", "article:published_time"),
        Some("2024-12-16T06:04:00Z")
    );
}
