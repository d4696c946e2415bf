use crate::support::fixtures::{ArticleSpec, at};
use crate::support::{spawn_app, spawn_app_with_demo};

#[tokio::test]
async fn the_demo_homepage_leads_with_the_kursk_story_then_each_sections_latest() {
    let app = spawn_app_with_demo().await;

    let html = app.page("/").await;

    let lead = html.split("class=\"lead\"").nth(1).expect("a lead story");
    assert!(lead.contains("href=\"/world/north-korean-troops-kursk-assaults-zelensky\""));
    for section in [
        "World", "UK", "Politics", "Business", "Climate", "Science", "Sport", "Culture", "Opinion",
    ] {
        assert!(
            html.contains(&format!("<a href=\"/{}\">{section}</a></h2>", section.to_lowercase())),
            "a block for {section}"
        );
    }
}

#[tokio::test]
async fn the_demo_lead_article_reads_as_specified() {
    let app = spawn_app_with_demo().await;

    let html = app.page("/world/north-korean-troops-kursk-assaults-zelensky").await;

    assert!(html.contains("href=\"/author/namita-singh\" rel=\"author\">Namita Singh</a>"));
    assert!(html.contains("Monday 16 December 2024 06:04 GMT"));
    assert!(html.contains("11,000"));
    assert!(html.contains("Additional reporting by agencies"));
    assert_eq!(html.matches("<figcaption>").count(), 2, "two captioned photos");
    assert!(
        html.contains("href=\"/world/zelensky-territory-nato-membership\""),
        "the related story is linked"
    );
}

#[tokio::test]
async fn section_pages_list_newest_first_and_paginate() {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    let uk = app.section("uk", "UK").await;
    for n in 0..25 {
        let mut spec = ArticleSpec::new(format!("world-story-{n:02}"), world);
        spec.published_at = Some(at(&format!("2024-12-{:02}T08:00:00Z", n + 1)));
        app.publish(spec).await;
    }
    let mut fresh = ArticleSpec::new("uk-story", uk);
    fresh.published_at = Some(broadsheet::domain::Timestamp::now());
    app.publish(fresh).await;

    let first = app.page("/world").await;
    let second = app.page("/world?page=2").await;

    assert_eq!(first.matches("class=\"card\"").count(), 20);
    assert!(
        first.find("world-story-24").unwrap() < first.find("world-story-23").unwrap(),
        "newest first"
    );
    assert!(!first.contains("uk-story"), "only the section's own stories");
    assert!(
        first.contains("datetime=\"2024-12-25T08:00:00Z\">25 December 2024</time>"),
        "an older story's card gives its date"
    );
    let uk_page = app.page("/uk").await;
    let fresh = uk_page.split("<p class=\"card__time\"><time").nth(1).unwrap();
    let text = fresh.split('>').nth(1).unwrap().split('<').next().unwrap();
    assert!(
        text.contains(':') && text.contains(", ") && !text.ends_with(|c: char| c.is_ascii_digit()),
        "a story of the last day gives its time and day: {text}"
    );
    assert!(first.contains("Page 1 of 2") && first.contains("href=\"/world?page=2\" rel=\"next\""));
    assert_eq!(second.matches("class=\"card\"").count(), 5);
    assert!(second.contains("world-story-00"));
    assert!(second.contains("<link rel=\"canonical\" href=\"https://news.example/world?page=2\">"));
    assert_eq!(app.get("/world?page=3").await.status(), 404);
}

#[tokio::test]
async fn tag_pages_list_the_tagged_stories() {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    let ukraine = app.tag("ukraine", "Ukraine").await;
    let mut tagged = ArticleSpec::new("tagged", world);
    tagged.tags = vec![ukraine];
    app.publish(tagged).await;
    app.publish(ArticleSpec::new("untagged", world)).await;

    let html = app.page("/tag/ukraine").await;

    assert!(html.contains("<h1 class=\"listing-header__title\">Ukraine</h1>"));
    assert!(html.contains("/world/tagged") && !html.contains("/world/untagged"));
}

#[tokio::test]
async fn author_pages_show_bio_photo_and_their_articles() {
    let app = spawn_app_with_demo().await;

    let html = app.page("/author/namita-singh").await;

    assert!(html.contains("<h1 class=\"listing-header__title\">Namita Singh</h1>"));
    assert!(html.contains("International news reporter"));
    assert!(html.contains("class=\"listing-header__photo\"><picture><source type=\"image/webp\""));
    assert!(html.contains("/world/north-korean-troops-kursk-assaults-zelensky"));
    assert!(html.contains("/world/zelensky-territory-nato-membership"));
}

#[tokio::test]
async fn every_demo_page_linked_from_the_homepage_opens() {
    let app = spawn_app_with_demo().await;
    let home = app.page("/").await;
    let mut links: Vec<&str> = home
        .split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| href.starts_with('/') && !href.starts_with("//"))
        .collect();
    links.sort_unstable();
    links.dedup();
    assert!(links.len() > 30, "the homepage links widely: {}", links.len());

    for link in links {
        assert_eq!(app.get(link).await.status(), 200, "GET {link}");
    }
}
