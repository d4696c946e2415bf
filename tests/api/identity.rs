use broadsheet::accounts::Role;

use crate::support::{spawn_app, spawn_app_with};

#[tokio::test]
async fn an_admin_renames_the_site_and_sets_its_look_and_every_page_follows_at_once() {
    let app = spawn_app().await;
    app.story().await;
    let logo = app.picture("The Evening Post in black letters", "", "").await;
    let share = app.picture("The Evening Post's front door at dusk", "", "").await;
    let other = if app.on_postgres() {
        Some(app.second_instance().await)
    } else {
        None
    };
    let (_, admin) = app.signed_in(Role::Admin).await;
    assert!(app.page("/").await.contains("<title>The Broadsheet</title>"));

    // Too light an accent is refused, with its contrast, and what was typed stays.
    let light = admin
        .post(
            "/newsroom/site",
            &[
                ("name", "The Evening Post"),
                ("tagline", "News by nightfall"),
                ("language", "en-US"),
                ("timezone", "America/New_York"),
                ("accent", "#ffcc00"),
            ],
        )
        .await;
    assert_eq!(light.status(), 422);
    let light = light.text().await.unwrap();
    assert!(
        light.contains("too light to read") && light.contains("at least 4.5:1"),
        "{light}"
    );
    assert!(light.contains(r#"value="The Evening Post""#));
    assert!(
        app.page("/").await.contains("<title>The Broadsheet</title>"),
        "nothing saved"
    );

    let (logo, share) = (logo.to_string(), share.to_string());
    let desk = app.author("news-desk", "News desk").await.to_string();
    let saved = admin
        .post(
            "/newsroom/site",
            &[
                ("name", "The Evening Post"),
                ("tagline", "News by nightfall"),
                ("language", "en-US"),
                ("timezone", "America/New_York"),
                ("accent", "#0B5394"),
                ("logo", logo.as_str()),
                ("share", share.as_str()),
                ("author", desk.as_str()),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);
    let home = app.page("/").await;
    assert!(home.contains("<title>The Evening Post</title>"), "{home}");
    assert!(home.contains(r#"<html lang="en-US">"#));
    assert!(home.contains("News by nightfall"));
    assert!(home.contains(r#"alt="The Evening Post""#), "the logo in the masthead");
    let theme = home
        .split(r#"<link rel="stylesheet" href="/theme.css"#)
        .nth(1)
        .expect("the theme stylesheet is linked")
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let css = app.get(&format!("/theme.css{theme}")).await;
    assert_eq!(css.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert!(css.text().await.unwrap().contains("--accent: #0b5394"));
    assert!(home.contains(&format!(
        r#"<link rel="apple-touch-icon" href="/apple-touch-icon.png?v={logo}">"#
    )));
    let icon = app.get(&format!("/apple-touch-icon.png?v={logo}")).await;
    assert_eq!(icon.headers()["content-type"], "image/png");
    let icon = image::load_from_memory(&icon.bytes().await.unwrap()).expect("a PNG");
    assert_eq!((icon.width(), icon.height()), (180, 180), "a square made from the logo");
    let story = app.page("/world/story").await;
    assert!(story.contains("The Evening Post"));
    assert!(story.contains("EST") || story.contains("EDT"), "times told in New York");
    let shared = story
        .split(r#"<meta property="og:image" content=""#)
        .nth(1)
        .expect("a story with no picture shares the site's picture");
    assert!(shared.split('"').next().unwrap().contains(&share), "{shared}");
    assert!(story.contains("front door at dusk"), "with its alt text");
    assert!(app.page("/rss.xml").await.contains("The Evening Post"));
    // A writer with no byline of their own starts a story signed by the default one.
    let (writer, _) = app.signed_in(Role::Writer).await;
    let fields = [("role", "writer"), ("author", "")];
    let unlinked = admin.post(&format!("/newsroom/staff/{}", writer.id), &fields).await;
    assert_eq!(unlinked.status(), 303);
    let writer = app.sign_in(&writer).await;
    let new = writer.page("/newsroom/articles/new").await;
    assert!(
        new.contains(&format!(r#"value="{desk}" selected"#)),
        "the default byline is chosen"
    );
    if let Some(other) = &other {
        assert!(
            other.page("/").await.contains("<title>The Evening Post</title>"),
            "the other instance follows"
        );
    }
    let audit = admin.page("/newsroom/audit").await;
    assert!(audit.contains("changed the site&#39;s identity") || audit.contains("changed the site's identity"));
}

#[tokio::test]
async fn a_name_set_in_the_settings_file_wins_and_the_newsroom_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broadsheet.toml");
    std::fs::write(&file, "[site]\nname = \"The Harbour Gazette\"\n").unwrap();
    let loaded = broadsheet::config::Settings::load(Some(&file)).unwrap();
    assert_eq!(loaded.site_fixed, ["name"]);

    let app = spawn_app_with(|s| {
        s.site.name = "The Harbour Gazette".into();
        s.site_fixed = vec!["name".into()];
    })
    .await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let page = admin.page("/newsroom/site").await;
    assert!(
        page.contains("set in the settings file or the environment (site.name)"),
        "{page}"
    );
    let saved = admin
        .post(
            "/newsroom/site",
            &[
                ("name", "Something Else"),
                ("tagline", "Tides and trade"),
                ("language", "en-GB"),
                ("timezone", "Europe/London"),
                ("accent", ""),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);
    let home = app.page("/").await;
    assert!(home.contains("<title>The Harbour Gazette</title>"), "the file wins");
    assert!(
        home.contains("Tides and trade"),
        "what the file leaves open is the newsroom's"
    );
}
