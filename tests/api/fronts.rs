use broadsheet::accounts::Role;
use broadsheet::domain::Timestamp;

use crate::support::fixtures::ArticleSpec;
use crate::support::spawn_app;

/// The `datetime-local` value `seconds` from now, in the site's time zone.
fn local_in(seconds: i64) -> String {
    Timestamp::now()
        .plus_seconds(seconds)
        .jiff()
        .to_zoned_datetime(jiff::tz::TimeZone::get("Europe/London").unwrap())
        .strftime("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// Every story link drawn in cards on a page, in order.
fn card_links(page: &str) -> Vec<String> {
    page.replace("class=\"lead__headline\"", "class=\"card__headline\"")
        .split("class=\"card__headline\"")
        .skip(1)
        .filter_map(|part| part.split("href=\"").nth(1))
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_automatic_homepage_shows_each_story_once() {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    let sport = app.section("sport", "Sport").await;
    for n in 0..5 {
        app.publish(ArticleSpec::new(format!("world-{n}"), world)).await;
        app.publish(ArticleSpec::new(format!("sport-{n}"), sport)).await;
    }
    let home = app.page("/").await;
    let links = card_links(&home);
    let mut unique = links.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(links.len(), unique.len(), "no story twice: {links:?}");
    assert_eq!(links.len(), 10, "all ten stories are on the front: {links:?}");
}

#[tokio::test]
async fn an_editor_places_a_lead_with_its_own_headline_previews_and_publishes_the_front() {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    let opinion = app.section("opinion", "Opinion").await;
    let columnist = app.author("ada-kern", "Ada Kern").await;
    let older = app.publish(ArticleSpec::new("older-story", world)).await;
    let mut newest = ArticleSpec::new("newest-story", world);
    newest.published_at = Some(Timestamp::now());
    app.publish(newest).await;
    let mut column = ArticleSpec::new("a-column", opinion);
    column.authors = vec![columnist];
    app.publish(column).await;
    let (_, editor) = app.signed_in(Role::Editor).await;

    let form = editor.page("/newsroom/fronts/home").await;
    assert!(form.contains("Never edited"), "{form}");
    let older = older.to_string();
    let until = local_in(3600);
    let fields = [
        ("version", "0"),
        ("containers", "2"),
        ("c0-kind", "lead"),
        ("c0-title", ""),
        ("c0-source", ""),
        ("c0-size", "1"),
        ("c0-slots", "1"),
        ("c0-s0-article", older.as_str()),
        ("c0-s0-headline", "The story behind the story"),
        ("c0-s0-kicker", "Analysis"),
        ("c1-kind", "opinion"),
        ("c1-title", "Comment"),
        ("c1-source", "/opinion"),
        ("c1-size", "3"),
        ("c1-until", until.as_str()),
        ("c1-slots", "0"),
        ("action", "save"),
    ];
    let saved = editor.post("/newsroom/fronts/home", &fields).await;
    assert_eq!(saved.status(), 303);
    assert!(
        !app.page("/").await.contains("The story behind the story"),
        "a draft is not what readers see"
    );
    let preview = editor.page("/newsroom/fronts/home/preview").await;
    assert!(preview.contains("Preview: readers do not see this front"));
    assert!(preview.contains("The story behind the story"));
    assert!(preview.contains(r#"<meta name="robots" content="noindex">"#));

    let mut publish = fields.to_vec();
    publish[0] = ("version", "1");
    *publish.last_mut().unwrap() = ("action", "publish");
    let published = editor.post("/newsroom/fronts/home", &publish).await;
    assert_eq!(published.status(), 303);
    let home = app.page("/").await;
    let lead = home.split("class=\"lead\"").nth(1).expect("a lead");
    assert!(lead.contains(r#"<span class="kicker">Analysis</span>"#), "{lead}");
    assert!(lead.contains(r#"<a href="/world/older-story">The story behind the story</a>"#));
    let comment = home.split(">Comment</a></h2>").nth(1).expect("the opinion container");
    assert!(comment.contains(r#"<p class="card__byline">Ada Kern</p>"#), "{comment}");
    assert!(!home.contains("newest-story"), "only what the front holds: {home}");
    let list = editor.page("/newsroom/fronts").await;
    assert!(list.contains("published"));

    // A stale form (still at version 1) is refused rather than saved over version 2.
    let stale = editor.post("/newsroom/fronts/home", &fields).await;
    assert_eq!(stale.status(), 409);
    assert!(stale.text().await.unwrap().contains("Someone else saved this front"));
    let audit = app.signed_in(Role::Admin).await.1.page("/newsroom/audit").await;
    assert!(audit.contains("published a front"));
}

#[tokio::test]
async fn a_pinned_story_and_a_pinned_container_leave_the_front_when_their_time_is_up() {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    let pinned = app.publish(ArticleSpec::new("pinned-story", world)).await;
    let mut newest = ArticleSpec::new("newest-story", world);
    newest.published_at = Some(Timestamp::now());
    app.publish(newest).await;
    let (_, editor) = app.signed_in(Role::Editor).await;
    let pinned = pinned.to_string();
    let until = local_in(3);
    let fields = [
        ("version", "0"),
        ("containers", "2"),
        ("c0-kind", "lead"),
        ("c0-size", "1"),
        ("c0-slots", "1"),
        ("c0-s0-article", pinned.as_str()),
        ("c0-s0-until", until.as_str()),
        ("c1-kind", "links"),
        ("c1-title", "Election night"),
        ("c1-size", "1"),
        ("c1-until", until.as_str()),
        (
            "c1-links",
            "Results map | /world/results\nHow to vote | https://vote.example/",
        ),
        ("action", "publish"),
    ];
    assert_eq!(editor.post("/newsroom/fronts/home", &fields).await.status(), 303);
    let home = app.page("/").await;
    let lead = home.split("class=\"lead\"").nth(1).unwrap();
    assert!(lead.contains("/world/pinned-story"), "{lead}");
    assert!(home.contains(r#"<a href="https://vote.example/">How to vote</a>"#));

    tokio::time::sleep(std::time::Duration::from_millis(3500)).await;
    let home = app.page("/").await;
    let lead = home.split("class=\"lead\"").nth(1).unwrap();
    assert!(
        lead.contains("/world/newest-story"),
        "the lead is filled automatically again: {lead}"
    );
    assert!(!home.contains("Election night"), "the pinned container is gone");
}

#[tokio::test]
async fn a_section_front_leads_with_the_chosen_story_and_lists_the_rest_once() {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    let chosen = app.publish(ArticleSpec::new("chosen", world)).await;
    for n in 0..3 {
        let mut spec = ArticleSpec::new(format!("later-{n}"), world);
        spec.published_at = Some(Timestamp::now());
        app.publish(spec).await;
    }
    let (_, editor) = app.signed_in(Role::Editor).await;
    let chosen = chosen.to_string();
    let fields = [
        ("version", "0"),
        ("containers", "1"),
        ("c0-kind", "lead"),
        ("c0-source", "/world"),
        ("c0-size", "1"),
        ("c0-slots", "1"),
        ("c0-s0-article", chosen.as_str()),
        ("action", "publish"),
    ];
    assert_eq!(editor.post("/newsroom/fronts/world", &fields).await.status(), 303);
    let page = app.page("/world").await;
    let lead = page.split("class=\"lead\"").nth(1).unwrap();
    assert!(lead.contains("/world/chosen"));
    assert_eq!(
        page.matches("href=\"/world/chosen\"").count(),
        1,
        "not listed again below"
    );
    assert!(page.contains("/world/later-2"));
}
