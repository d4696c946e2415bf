//! The newsroom shaping the site in a browser: an edited homepage with a
//! curated lead and a pinned container, previewed then published; an About
//! page written and put in the footer.

use broadsheet::accounts::Role;
use broadsheet::domain::Timestamp;

use crate::harness::Browser;
use crate::support::fixtures::ArticleSpec;
use crate::support::newsroom::PASSWORD;
use crate::support::spawn_app;

/// `datetime-local` value for `seconds` from now, in the site's time zone.
fn local_in(seconds: i64) -> String {
    Timestamp::now()
        .plus_seconds(seconds)
        .jiff()
        .to_zoned_datetime(jiff::tz::TimeZone::get("Europe/London").unwrap())
        .strftime("%Y-%m-%dT%H:%M")
        .to_string()
}

#[tokio::test]
async fn an_editor_builds_the_homepage_with_a_curated_lead_and_a_pinned_container_then_previews_and_publishes_it() {
    let app = spawn_app().await;
    let world = app.section("world", "World").await;
    let chosen = app.publish(ArticleSpec::new("harbour-reopens", world)).await;
    let talks = app.publish(ArticleSpec::new("ceasefire-talks-resume", world)).await;
    let mut newest = ArticleSpec::new("newest-story", world);
    newest.published_at = Some(Timestamp::now());
    app.publish(newest).await;
    let editor = app.member(Role::Editor).await;
    let desk = Browser::open(&app).await;
    desk.sign_in(&editor.email, PASSWORD).await;

    desk.click("a[href='/newsroom/fronts']").await;
    desk.assert_accessible().await;
    desk.click("a[href='/newsroom/fronts/home']").await;
    assert!(desk.text("#front-state").await.contains("Never edited"));
    desk.assert_accessible().await;

    // The lead: chosen from its list, with the front's own headline and kicker.
    desk.choose("#c0-s0-article", &chosen.to_string()).await;
    desk.click("#save-draft").await;
    desk.click_in_place("#c0-s0 summary").await;
    desk.fill("#c0-s0-headline", "The harbour opens its gates again").await;
    desk.fill("#c0-s0-kicker", "Analysis").await;
    desk.click("#save-draft").await;
    assert_eq!(desk.text(".nr-notice").await, "Saved.");

    // A new container, pinned for an hour, its story dragged in from the shelf, moved up.
    desk.click("button[value='add:stories']").await;
    let added = desk
        .run("return document.querySelectorAll('fieldset[id^=container-]').length - 1;")
        .await;
    let i = added.as_u64().expect("a container index");
    desk.fill(&format!("#c{i}-title"), "Ceasefire talks").await;
    desk.set_value(&format!("#c{i}-until"), &local_in(3600)).await;
    desk.run(&format!(
        "const story = document.querySelector('.nr-shelf [data-article=\"{talks}\"]');
         const slot = document.querySelector('#c{i}-s0');
         const carried = new DataTransfer();
         story.dispatchEvent(new DragEvent('dragstart', {{bubbles: true, dataTransfer: carried}}));
         slot.dispatchEvent(new DragEvent('dragover', {{bubbles: true, cancelable: true, dataTransfer: carried}}));
         slot.dispatchEvent(new DragEvent('drop', {{bubbles: true, cancelable: true, dataTransfer: carried}}));
         return true;"
    ))
    .await;
    assert_eq!(
        desk.value(&format!("#c{i}-s0-article")).await,
        talks.to_string(),
        "dropped into the slot"
    );
    desk.click(&format!("button[value='up:{i}']")).await;
    let moved = i - 1;
    assert_eq!(desk.value(&format!("#c{moved}-title")).await, "Ceasefire talks");
    assert!(
        !app.page("/").await.contains("Ceasefire talks"),
        "readers do not see a draft"
    );

    // The preview shows the draft; readers do not see it yet.
    desk.click("#preview-link").await;
    assert!(desk.text(".preview-banner").await.starts_with("Preview"));
    assert_eq!(
        desk.text(".lead__headline a").await,
        "The harbour opens its gates again"
    );
    desk.visit("/newsroom/fronts/home").await;
    desk.click("#publish-front").await;
    assert_eq!(desk.text(".nr-notice").await, "Published. It is on the site now.");
    desk.close().await;

    let reader = Browser::open(&app).await;
    reader.visit("/").await;
    assert_eq!(
        reader.text(".lead__headline a").await,
        "The harbour opens its gates again"
    );
    assert_eq!(reader.text(".lead__headline .kicker").await, "Analysis");
    let headings = reader.texts(".block__heading").await;
    // Moved above "World", which has nothing left to show: each story appears once.
    assert_eq!(headings, ["Latest", "Ceasefire talks"]);
    reader.assert_accessible().await;
    reader.click(".lead__headline a").await;
    assert_eq!(reader.path().await, "/world/harbour-reopens");
    reader.close().await;
}

#[tokio::test]
async fn an_admin_writes_an_about_page_and_adds_it_to_the_footer_menu() {
    let app = spawn_app().await;
    app.section("world", "World").await;
    let admin = app.member(Role::Admin).await;
    let desk = Browser::open(&app).await;
    desk.sign_in(&admin.email, PASSWORD).await;

    desk.click("a[href='/newsroom/pages']").await;
    desk.click("a[href='/newsroom/pages/new']").await;
    desk.assert_accessible().await;
    desk.fill("#field-title", "About us").await;
    desk.fill("#field-slug", "about").await;
    desk.fill("#field-description", "Who we are and how we work").await;
    desk.fill(
        "#field-body",
        "We are an independent newsroom.\n\nWrite to the editor at any time.",
    )
    .await;
    desk.click_in_place("input[name=published]").await;
    desk.click("button[type=submit].nr-button").await;
    assert_eq!(desk.text(".nr-notice").await, "Created.");
    desk.assert_accessible().await;

    desk.click("a[href='/newsroom/menus']").await;
    desk.assert_accessible().await;
    // The footer starts as the feeds and the sitemap, then three blank rows.
    assert_eq!(desk.value("#footer-label-1").await, "RSS");
    desk.fill("#footer-label-4", "About us").await;
    desk.fill("#footer-link-4", "/about").await;
    desk.fill("#footer-order-4", "0").await;
    desk.click("#save-footer").await;
    assert_eq!(desk.text(".nr-notice").await, "Saved.");
    desk.close().await;

    let reader = Browser::open(&app).await;
    reader.visit("/world").await;
    let footer = reader.texts(".site-footer__links a").await;
    assert_eq!(footer.first().map(String::as_str), Some("About us"), "{footer:?}");
    reader.click(".site-footer__links a[href='/about']").await;
    assert_eq!(reader.path().await, "/about");
    assert_eq!(reader.text("h1").await, "About us");
    reader.assert_accessible().await;
    reader.close().await;
}

#[tokio::test]
async fn an_admin_renames_the_site_and_readers_see_its_accent_colour() {
    let app = spawn_app().await;
    app.story().await;
    let admin = app.member(Role::Admin).await;
    let desk = Browser::open(&app).await;
    desk.sign_in(&admin.email, PASSWORD).await;
    desk.click("a[href='/newsroom/site']").await;
    desk.assert_accessible().await;
    desk.fill("#site-name", "The Evening Post").await;
    desk.fill("#site-accent", "#0b5394").await;
    desk.click("button[type=submit].nr-button").await;
    assert_eq!(desk.text(".nr-notice").await, "Saved.");
    assert!(desk.text(".nr-header__brand").await.starts_with("The Evening Post"));
    desk.close().await;

    let reader = Browser::open(&app).await;
    reader.visit("/").await;
    assert_eq!(reader.text(".masthead__title").await, "The Evening Post");
    let colour = reader
        .run("return getComputedStyle(document.querySelector('.card__section a')).color;")
        .await;
    assert_eq!(
        colour, "rgb(11, 83, 148)",
        "the accent is applied despite the content security policy"
    );
    reader.assert_accessible().await;
    reader.close().await;
}
