use broadsheet::accounts::Role;

use crate::support::spawn_app;

/// The id in a `/newsroom/pages/{id}?done=…` redirect.
fn page_id(response: &reqwest::Response) -> String {
    let location = response.headers()["location"].to_str().unwrap();
    location
        .trim_start_matches("/newsroom/pages/")
        .split('?')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn an_admin_writes_an_about_page_that_readers_reach_at_its_own_address_and_in_the_sitemap() {
    let app = spawn_app().await;
    app.section("world", "World").await;
    let (_, admin) = app.signed_in(Role::Admin).await;

    let created = admin
        .post(
            "/newsroom/pages",
            &[
                ("title", "About us"),
                ("slug", "about"),
                ("description", "Who we are and how we work."),
                (
                    "body",
                    "We are an **independent** newsroom.\r\n\r\nWrite to us any time.",
                ),
            ],
        )
        .await;
    assert_eq!(created.status(), 303);
    let id = page_id(&created);
    assert_eq!(app.get("/about").await.status(), 404, "a draft is not on the site");

    let editor = admin.page(&format!("/newsroom/pages/{id}")).await;
    assert!(editor.contains("Version 1"), "{editor}");
    let saved = admin
        .post(
            &format!("/newsroom/pages/{id}"),
            &[
                ("title", "About us"),
                ("description", "Who we are and how we work."),
                (
                    "body",
                    "We are an **independent** newsroom.\r\n\r\nWrite to us any time.",
                ),
                ("published", "on"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);

    let about = app.page("/about").await;
    assert!(
        about.contains("<h1 class=\"standing-page__title\">About us</h1>"),
        "{about}"
    );
    assert!(about.contains("<strong>independent</strong>"));
    assert!(about.contains(r#"<meta name="description" content="Who we are and how we work.">"#));
    let sitemap = app.page("/sitemaps/pages.xml").await;
    assert!(sitemap.contains("/about</loc>"), "{sitemap}");

    // An old tab saving over version 1 is told, and its text is kept.
    let stale = admin
        .post(
            &format!("/newsroom/pages/{id}"),
            &[
                ("title", "About us"),
                ("description", ""),
                ("body", "We are an **independent** newsroom.\r\n\r\nCall us too."),
                ("published", "on"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(stale.status(), 409);
    let stale = stale.text().await.unwrap();
    assert!(stale.contains("Someone else saved this page"));
    assert!(stale.contains("Call us too."), "the text is kept");
    assert!(stale.contains("<ins>+ Call us too.</ins>"), "{stale}");
    assert!(
        !stale.contains("<del>- We are"),
        "CRLF from the browser does not mark unchanged lines"
    );
    assert!(
        app.page("/about").await.contains("Write to us any time."),
        "nothing overwritten"
    );

    // The address cannot be taken twice, by a page or a section.
    let clash = admin
        .post("/newsroom/pages", &[("title", "World"), ("slug", "world")])
        .await;
    assert_eq!(clash.status(), 422);
    assert!(clash.text().await.unwrap().contains("/world is already a section"));
    let section = admin
        .post("/newsroom/sections", &[("name", "About"), ("slug", "about")])
        .await;
    assert_eq!(section.status(), 422);
    assert!(
        section
            .text()
            .await
            .unwrap()
            .contains("The page /about already has this address")
    );
    let audit = admin.page("/newsroom/audit").await;
    assert!(audit.contains("created a page") && audit.contains("saved a page"));
}

#[tokio::test]
async fn the_footer_and_the_section_navigation_are_the_menus_the_newsroom_sets() {
    let app = spawn_app().await;
    app.section("world", "World").await;
    app.section("sport", "Sport").await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let home = app.page("/").await;
    assert!(
        home.contains(r#"<li><a href="/world">World</a></li>"#),
        "sections until edited"
    );
    assert!(
        home.contains(r#"<li><a href="/rss.xml">RSS</a></li>"#),
        "feeds in the footer until edited"
    );

    let menus = admin.page("/newsroom/menus").await;
    assert!(menus.contains(r#"value="/world""#) && menus.contains("Not edited yet"));
    let saved = admin
        .post(
            "/newsroom/menus/footer",
            &[
                ("order", "2"),
                ("label", "RSS"),
                ("link", "/rss.xml"),
                ("order", "1"),
                ("label", "About us"),
                ("link", "/about"),
                ("order", "3"),
                ("label", "Our owners"),
                ("link", "https://trust.example/owners"),
                ("order", "4"),
                ("label", ""),
                ("link", ""),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);
    let saved = admin
        .post(
            "/newsroom/menus/main",
            &[
                ("order", "1"),
                ("label", "Sport first"),
                ("link", "/sport"),
                ("order", "2"),
                ("label", "World"),
                ("link", "/world"),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);

    let page = app.page("/sport").await;
    let footer = page.split("<footer").nth(1).unwrap();
    let about = footer
        .find(r#"<a href="/about">About us</a>"#)
        .expect("About in the footer");
    let rss = footer.find(r#"<a href="/rss.xml">RSS</a>"#).expect("RSS in the footer");
    assert!(about < rss, "in the order given");
    assert!(footer.contains("https://trust.example/owners"));
    assert!(!footer.contains("Sitemap"), "what was left out is gone");
    let nav = page.split("aria-label=\"Sections\"").nth(1).unwrap();
    assert!(nav.find("Sport first").unwrap() < nav.find("World").unwrap());
    assert!(nav.contains(r#"<a href="/sport" aria-current="page">Sport first</a>"#));

    // A link that leads nowhere usable is refused, and what was typed stays.
    let bad = admin
        .post(
            "/newsroom/menus/footer",
            &[("order", "1"), ("label", "Tip us off"), ("link", "javascript:alert(1)")],
        )
        .await;
    assert_eq!(bad.status(), 422);
    let bad = bad.text().await.unwrap();
    assert!(bad.contains("must lead to a path on this site"), "{bad}");
    assert!(bad.contains(r#"value="Tip us off""#));
    assert!(app.page("/").await.contains("About us"), "the saved footer stands");

    // Emptied, a menu is the site's own again.
    let emptied = admin
        .post("/newsroom/menus/main", &[("order", "1"), ("label", ""), ("link", "")])
        .await;
    assert_eq!(emptied.status(), 303);
    assert!(app.page("/").await.contains(r#"<li><a href="/world">World</a></li>"#));
    assert!(admin.page("/newsroom/audit").await.contains("changed a menu"));
}
