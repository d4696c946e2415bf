//! Search on a fixed corpus: relevance, recency, phrases, hyphens, accents,
//! other scripts, filters, pages, freshness on publish and unpublish, and
//! input that is not a query.

use broadsheet::accounts::Role;
use serde_json::Value;

use crate::support::fixtures::{ArticleSpec, at};
use crate::support::{TestApp, spawn_app};

struct Story {
    slug: &'static str,
    headline: &'static str,
    standfirst: &'static str,
    body: &'static str,
    when: &'static str,
}

const CORPUS: [Story; 7] = [
    Story {
        slug: "ceasefire-talks-resume",
        headline: "Ceasefire talks resume in Geneva",
        standfirst: "Delegations meet for the first time in a month.",
        body: "Negotiators arrived on Monday.\n\nThe front line was quiet overnight.",
        when: "2024-12-16T06:00:00Z",
    },
    Story {
        slug: "winter-harvest",
        headline: "A hard winter for farmers",
        standfirst: "Prices rise as the harvest fails.",
        body: "Growers say a ceasefire would let exports resume.",
        when: "2024-12-15T06:00:00Z",
    },
    Story {
        slug: "cafe-culture",
        headline: "Café culture returns to the high street",
        standfirst: "Independent coffee shops open again.",
        body: "Owners report queues at the door.",
        when: "2024-12-14T06:00:00Z",
    },
    Story {
        slug: "kyiv-power",
        headline: "Київ відновлює електропостачання",
        standfirst: "Power returns to the capital.",
        body: "Engineers worked through the night.",
        when: "2024-12-13T06:00:00Z",
    },
    Story {
        slug: "wellbeing-at-work",
        headline: "Well-being at work is the new perk",
        standfirst: "Employers offer quiet rooms.",
        body: "Staff welcome the change.",
        when: "2024-12-12T06:00:00Z",
    },
    Story {
        slug: "old-ceasefire",
        headline: "Ceasefire talks collapse",
        standfirst: "An earlier round ends without agreement.",
        body: "Both sides blamed each other.",
        when: "2023-01-10T06:00:00Z",
    },
    Story {
        slug: "front-line-report",
        headline: "Report from the line",
        standfirst: "Soldiers describe the front.",
        body: "At the front, the line holds.",
        when: "2024-12-10T06:00:00Z",
    },
];

async fn corpus() -> TestApp {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    let business = app.section("business", "Business").await;
    for story in CORPUS {
        let section = if story.slug == "winter-harvest" {
            business
        } else {
            world
        };
        let mut spec = ArticleSpec::new(story.slug, section);
        spec.headline = story.headline.into();
        spec.standfirst = story.standfirst;
        spec.body = story.body.into();
        spec.published_at = Some(at(story.when));
        app.publish(spec).await;
    }
    app
}

async fn slugs(app: &TestApp, query: &str) -> Vec<String> {
    let response = app.get(&format!("/search.json?{query}")).await;
    assert_eq!(response.status(), 200, "{query}");
    let body: Value = response.json().await.unwrap();
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn results_rank_headlines_first_then_recency_and_read_phrases_hyphens_and_accents() {
    let app = corpus().await;
    assert_eq!(
        slugs(&app, "q=ceasefire").await,
        ["ceasefire-talks-resume", "old-ceasefire", "winter-harvest"],
        "headline matches first, the newer first; a body mention last"
    );
    assert_eq!(slugs(&app, "q=cafe").await, ["cafe-culture"], "accents fold");
    assert_eq!(slugs(&app, "q=CAFÉ+culture").await, ["cafe-culture"]);
    assert_eq!(
        slugs(&app, "q=well-being").await,
        ["wellbeing-at-work"],
        "hyphenated words as a phrase"
    );
    assert_eq!(
        slugs(&app, "q=%22front+line%22").await,
        ["ceasefire-talks-resume"],
        "a quoted phrase, in order"
    );
    assert_eq!(slugs(&app, "q=front+line").await.len(), 2, "both words anywhere");
    assert_eq!(
        slugs(&app, "q=%D0%9A%D0%B8%D1%97%D0%B2").await,
        ["kyiv-power"],
        "Cyrillic"
    );
    assert_eq!(slugs(&app, "q=ceasefire&section=business").await, ["winter-harvest"]);
    assert_eq!(
        slugs(&app, "q=ceasefire&from=2024-01-01&to=2024-12-16").await,
        ["ceasefire-talks-resume", "winter-harvest"]
    );

    let page = app.page("/search?q=ceasefire+delegations").await;
    assert!(page.contains("<mark>"), "matches are highlighted: {page}");
    assert!(page.contains("Ceasefire talks resume in Geneva"));
}

#[tokio::test]
async fn odd_input_gets_a_sensible_answer_and_never_an_error() {
    let app = corpus().await;
    for query in [
        "q=",
        "q=%22",
        "q=***",
        "q=AND+OR+NOT",
        "q=a+NEAR%2F3+b",
        "q=%28%28%28",
        "q=ceasefire&page=999999",
        "q=ceasefire&page=-3",
        "q=ceasefire&page=abc",
        "q=ceasefire&from=yesterday",
        "q=%00%01drop+table",
    ] {
        let response = app.get(&format!("/search?{query}")).await;
        assert_eq!(response.status(), 200, "{query}");
    }
    let huge = "ceasefire+".repeat(5000);
    assert_eq!(app.get(&format!("/search?q={huge}")).await.status(), 200);
    let none = app.page("/search?q=zebra+crossing").await;
    assert!(
        none.contains("No stories match") && none.contains("href=\"/world\""),
        "suggestions: {none}"
    );
    let past = app.page("/search?q=ceasefire&page=5").await;
    assert!(past.contains("No more results"), "{past}");
}

#[tokio::test]
async fn pages_follow_one_another_and_publishing_shows_at_once() {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    for i in 0..23 {
        let mut spec = ArticleSpec::new(format!("storm-{i}"), world);
        spec.headline = format!("Storm update number {i}");
        spec.published_at = Some(at(&format!("2024-11-{:02}T06:00:00Z", i + 1)));
        app.publish(spec).await;
    }
    let first: Value = app.get("/search.json?q=storm").await.json().await.unwrap();
    assert_eq!(first["results"].as_array().unwrap().len(), 10);
    assert_eq!(first["next_page"], 2);
    let third: Value = app.get("/search.json?q=storm&page=3").await.json().await.unwrap();
    assert_eq!(third["results"].as_array().unwrap().len(), 3);
    assert_eq!(third["next_page"], Value::Null);

    // Published through the newsroom: found at once; unpublished: gone at once.
    let (_, editor) = app.signed_in(Role::Editor).await;
    let world = world.to_string();
    let response = editor
        .post_multipart(
            "/newsroom/articles",
            &[
                ("headline", "Volcano erupts near the coast"),
                ("standfirst", "Flights are grounded."),
                ("body", "Ash fell on nearby towns."),
                ("section", world.as_str()),
                ("action", "publish"),
            ],
            None,
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(slugs(&app, "q=volcano").await, ["volcano-erupts-near-the-coast"]);
    let edit = response.headers()["location"]
        .to_str()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let id = edit
        .trim_start_matches("/newsroom/articles/")
        .trim_end_matches("/edit")
        .to_owned();
    assert_eq!(
        editor
            .post(&format!("/newsroom/articles/{id}/unpublish"), &[])
            .await
            .status(),
        303
    );
    assert!(slugs(&app, "q=volcano").await.is_empty());

    if app.on_postgres() {
        // Another instance sees the same index.
        let other = app.second_instance().await;
        assert_eq!(slugs(&other, "q=storm&page=3").await.len(), 3);
    }
}
