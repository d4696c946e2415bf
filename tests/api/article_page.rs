use broadsheet::articles::Status;

use crate::support::fixtures::{ArticleSpec, at};
use crate::support::spawn_app;

#[tokio::test]
async fn an_article_page_shows_headline_standfirst_byline_in_order_and_the_time_in_the_site_time_zone() {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    let first = app.author("namita-singh", "Namita Singh").await;
    let second = app.author("kit-adler", "Kit Adler").await;
    let third = app.author("jo-rees", "Jo Rees").await;
    let mut spec = ArticleSpec::new("kursk-assaults", world);
    spec.headline = "North Korean troops join assaults in Kursk".into();
    spec.standfirst = "Kyiv estimates about 11,000 soldiers are in the region.";
    spec.authors = vec![first, second, third];
    app.publish(spec).await;

    let html = app.page("/world/kursk-assaults").await;

    assert!(html.contains("<h1 class=\"article__headline\">North Korean troops join assaults in Kursk</h1>"));
    assert!(html.contains("Kyiv estimates about 11,000 soldiers are in the region."));
    let byline = html
        .split("class=\"byline\"")
        .nth(1)
        .expect("a byline")
        .split("</p>")
        .next()
        .unwrap();
    let namita = byline
        .find("href=\"/author/namita-singh\"")
        .expect("first author linked");
    let kit = byline.find("href=\"/author/kit-adler\"").expect("second author linked");
    let jo = byline.find("href=\"/author/jo-rees\"").expect("third author linked");
    assert!(namita < kit && kit < jo, "authors appear in byline order");
    assert!(
        byline.contains(", <a") && byline.contains(" and <a"),
        "names are joined as a sentence: {byline}"
    );
    assert!(html.contains("<time datetime=\"2024-12-16T06:04:00Z\">Monday 16 December 2024 06:04 GMT</time>"));
    assert!(!html.contains("Updated"), "an unchanged article shows no update line");
}

#[tokio::test]
async fn summer_times_are_shown_in_british_summer_time() {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    let mut spec = ArticleSpec::new("summer-story", world);
    spec.published_at = Some(at("2024-07-01T11:30:00Z"));
    app.publish(spec).await;

    let html = app.page("/world/summer-story").await;

    assert!(html.contains("Monday 1 July 2024 12:30 BST"));
}

#[tokio::test]
async fn a_change_after_publication_is_shown_as_an_update() {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    let mut spec = ArticleSpec::new("updated-story", world);
    spec.updated_at = Some(at("2024-12-16T09:40:00Z"));
    app.publish(spec).await;

    let html = app.page("/world/updated-story").await;

    assert!(html.contains("Updated <time datetime=\"2024-12-16T09:40:00Z\">Monday 16 December 2024 09:40 GMT</time>"));
}

#[tokio::test]
async fn figures_have_alt_text_captions_credits_and_responsive_sizes_and_only_later_ones_wait_to_load() {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    let lead = app
        .picture(
            "Soldiers on a frozen road",
            "A road near the front line.",
            "Agency photo",
        )
        .await;
    let later = app
        .picture("Trenches under snow", "A defensive position.", "Staff photographer")
        .await;
    let mut spec = ArticleSpec::new("with-pictures", world);
    spec.images = vec![(lead, 0), (later, 2)];
    app.publish(spec).await;

    let html = app.page("/world/with-pictures").await;

    let lead_figure = html.split("class=\"article__lead\"").nth(1).expect("a lead figure");
    assert!(lead_figure.contains("alt=\"Soldiers on a frozen road\""));
    assert!(lead_figure.contains("A road near the front line. <span class=\"figure__credit\">(Agency photo)</span>"));
    assert!(lead_figure.contains(&format!("/media/{lead}/320.jpg 320w")));
    assert!(lead_figure.contains(&format!("/media/{lead}/1600.jpg 1600w")));
    let lead_img = lead_figure.split("<img").nth(1).unwrap().split('>').next().unwrap();
    assert!(
        !lead_img.contains("loading=\"lazy\""),
        "the first picture loads at once"
    );
    let body = html.split("class=\"article__body\"").nth(1).unwrap();
    let second = body.find("The second paragraph.").unwrap();
    let third = body.find("The third paragraph.").unwrap();
    let figure = body
        .find("alt=\"Trenches under snow\"")
        .expect("the second figure is in the body");
    assert!(
        second < figure && figure < third,
        "the figure stands after the second paragraph"
    );
    assert!(body.contains("loading=\"lazy\""));

    let image = app.get(&format!("/media/{lead}/640.jpg")).await;
    assert_eq!(image.status(), 200);
    assert_eq!(image.headers()["content-type"], "image/jpeg");
    assert!(image.headers()["cache-control"].to_str().unwrap().contains("immutable"));

    // Browsers that take WebP are offered it, about a third lighter.
    assert!(html.contains(&format!(
        "<source type=\"image/webp\" srcset=\"/media/{lead}/320.webp 320w"
    )));
    let webp = app.get(&format!("/media/{lead}/640.webp")).await;
    assert_eq!(webp.status(), 200);
    assert_eq!(webp.headers()["content-type"], "image/webp");
    let webp = webp.bytes().await.unwrap();
    assert!(webp.starts_with(b"RIFF") && &webp[8..12] == b"WEBP");
    let jpeg = image.bytes().await.unwrap();
    assert!(
        webp.len() < jpeg.len(),
        "{} bytes of WebP against {} of JPEG",
        webp.len(),
        jpeg.len()
    );
    let decoded = image::load_from_memory(&webp).unwrap();
    assert_eq!(decoded.width(), 640);

    // A picture stored before WebP copies existed gets its copy on first request, kept after.
    let copy = app.media_dir().join(lead.to_string()).join("640.webp");
    std::fs::remove_file(&copy).unwrap();
    let made = app.get(&format!("/media/{lead}/640.webp")).await;
    assert_eq!(made.status(), 200);
    assert_eq!(made.headers()["content-type"], "image/webp");
    assert!(made.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    assert!(made.bytes().await.unwrap().starts_with(b"RIFF"));
    assert!(copy.exists(), "the copy is kept");
    assert_eq!(app.get(&format!("/media/{lead}/641.webp")).await.status(), 404);
}

#[tokio::test]
async fn related_links_stand_inside_the_body_and_the_footnote_section_and_tags_at_the_foot() {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    let ukraine = app.tag("ukraine", "Ukraine").await;
    let other = app.publish(ArticleSpec::new("zelensky-nato", world)).await;
    let mut spec = ArticleSpec::new("main-story", world);
    spec.footnote = "Additional reporting by agencies";
    spec.tags = vec![ukraine];
    let main = app.publish(spec).await;
    app.relate(main, &[(other, 1)]).await;

    let html = app.page("/world/main-story").await;

    let body = html.split("class=\"article__body\"").nth(1).unwrap();
    let first = body.find("The first paragraph.").unwrap();
    let related = body
        .find("href=\"/world/zelensky-nato\"")
        .expect("a related link in the body");
    let second = body.find("The second paragraph.").unwrap();
    assert!(first < related && related < second);
    assert!(html.contains("<p class=\"article__footnote\">Additional reporting by agencies</p>"));
    assert!(html.contains("href=\"/tag/ukraine\" rel=\"tag\">Ukraine</a>"));
    assert!(html.contains("<p class=\"article__section\"><a href=\"/world\">World</a></p>"));

    // After the story, more from its section (never the story itself).
    let more = &html[html.find("id=\"more-heading\"").expect("more from the section")..];
    let more = &more[..more.find("</section>").unwrap()];
    assert!(more.starts_with("id=\"more-heading\">More from <a href=\"/world\">World</a>"));
    assert!(more.contains("href=\"/world/zelensky-nato\""));
    assert!(!more.contains("href=\"/world/main-story\""));
    assert!(html.find("id=\"more-heading\"").unwrap() < html.find("id=\"comments\"").unwrap());
}

#[tokio::test]
async fn markdown_bodies_are_rendered_and_anything_dangerous_is_removed() {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    let mut spec = ArticleSpec::new("markdown", world);
    spec.headline = "Tags like <script>alert(1)</script> stay text".into();
    spec.body = "Some *emphasis* and a [link](https://example.org).\n\n<script>alert('x')</script>\n\n[bad](javascript:alert(1)) <img src=x onerror=alert(1)>".into();
    app.publish(spec).await;

    let html = app.page("/world/markdown").await;

    assert!(html.contains("<em>emphasis</em>"));
    assert!(html.contains("href=\"https://example.org\""));
    assert!(
        html.contains("Tags like &#60;script&#62;alert(1)&#60;/script&#62; stay text")
            || html.contains("Tags like &lt;script&gt;")
    );
    assert!(!html.contains("alert('x')</script>"));
    assert!(!html.contains("javascript:"));
    assert!(!html.contains("onerror"));
}

#[tokio::test]
async fn drafts_and_scheduled_articles_are_not_public() {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    let mut draft = ArticleSpec::new("a-draft", world);
    draft.status = Status::Draft;
    draft.published_at = None;
    app.publish(draft).await;
    let mut scheduled = ArticleSpec::new("scheduled", world);
    scheduled.status = Status::Scheduled;
    scheduled.published_at = Some(at("2099-01-01T00:00:00Z"));
    app.publish(scheduled).await;

    assert_eq!(app.get("/world/a-draft").await.status(), 404);
    assert_eq!(app.get("/world/scheduled").await.status(), 404);
    let home = app.page("/").await;
    assert!(!home.contains("a-draft") && !home.contains("/world/scheduled"));
}

#[tokio::test]
async fn an_article_asked_for_under_the_wrong_section_redirects_to_its_canonical_address() {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    app.section("uk", "UK").await;
    app.publish(ArticleSpec::new("moved", world)).await;

    let response = app.get("/uk/moved").await;

    assert_eq!(response.status(), 301);
    assert_eq!(response.headers()["location"], "/world/moved");
}
