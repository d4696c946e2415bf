use crate::harness::Browser;
use crate::support::spawn_app_with_demo;

const LEAD: &str = "/world/north-korean-troops-kursk-assaults-zelensky";

#[tokio::test]
async fn a_reader_opens_the_homepage_follows_the_lead_story_and_sees_the_captions() {
    let app = spawn_app_with_demo().await;
    let browser = Browser::open(&app).await;

    browser.visit("/").await;
    browser.click(".lead__headline a").await;

    assert_eq!(browser.path().await, LEAD);
    assert_eq!(
        browser.text("h1").await,
        "North Korean troops now joining assaults in Kursk, says Zelensky"
    );
    let captions = browser.texts("figcaption").await;
    assert_eq!(captions.len(), 2, "{captions:?}");
    assert!(
        captions.iter().all(|c| c.ends_with(')')),
        "each caption ends with its credit: {captions:?}"
    );
    assert!(captions[0].contains("(Broadsheet picture desk)"));
    let loaded = browser
        .run("const img = document.querySelector('.article__lead img'); return img.complete && img.naturalWidth > 0;")
        .await;
    assert_eq!(loaded, true, "the lead picture loads");
    let shot = browser.screenshot("lead-article-desktop").await;
    assert!(std::fs::metadata(&shot).map(|m| m.len() > 10_000).unwrap_or(false));
    browser.close().await;
}

#[tokio::test]
async fn the_homepage_and_the_article_page_pass_axe_core_without_violations() {
    let app = spawn_app_with_demo().await;
    let browser = Browser::open(&app).await;

    for path in ["/", LEAD, "/world", "/author/namita-singh", "/no-such-page"] {
        browser.visit(path).await;
        browser.assert_accessible().await;
    }
    browser.close().await;
}

#[tokio::test]
async fn a_reader_who_asks_for_dark_colours_gets_them_legibly_and_a_printed_story_is_short() {
    let app = spawn_app_with_demo().await;
    let browser = Browser::open_in_dark(&app).await;
    for path in ["/", LEAD, "/world", "/newsletters"] {
        browser.visit(path).await;
        let ground = browser
            .run("return getComputedStyle(document.body).backgroundColor")
            .await;
        assert_eq!(ground, "rgb(20, 20, 20)", "{path}: a dark page");
        // axe-core's colour-contrast rule covers every word on the page.
        browser.assert_accessible().await;
    }
    browser.close().await;

    // Printed: the story and its pictures, without navigation, prompts,
    // the appeal or the comments (it took five A4 pages with them).
    let browser = Browser::open(&app).await;
    browser.visit(LEAD).await;
    let pages = browser.printed_pages().await;
    assert!((1..=3).contains(&pages), "{pages} pages");
    browser.close().await;
}

#[tokio::test]
async fn what_is_marked_hidden_stays_hidden_whatever_its_class() {
    let app = spawn_app_with_demo().await;
    let browser = Browser::open(&app).await;
    for path in ["/alerts", LEAD] {
        browser.visit(path).await;
        let shown = browser
            .run(
                "return [...document.querySelectorAll('[hidden]')]
                    .filter(e => getComputedStyle(e).display !== 'none')
                    .map(e => e.outerHTML.slice(0, 80)).join(' | ')",
            )
            .await;
        assert_eq!(shown, "", "{path}: hidden elements on show");
    }
    browser.close().await;
}

#[tokio::test]
async fn the_article_reads_on_a_360_pixel_phone_without_sideways_scrolling() {
    let app = spawn_app_with_demo().await;
    let browser = Browser::open(&app).await;
    browser.resize(360, 780).await;

    for path in ["/", LEAD] {
        browser.visit(path).await;
        let fits = browser
            .run("return document.documentElement.scrollWidth <= window.innerWidth;")
            .await;
        assert_eq!(fits, true, "{path} fits a 360 px screen");
    }
    let body_size = browser
        .run("return parseFloat(getComputedStyle(document.querySelector('.article__body p')).fontSize);")
        .await;
    assert!(
        body_size.as_f64().unwrap_or(0.0) >= 16.0,
        "body text is readable: {body_size}"
    );
    browser.screenshot("lead-article-phone").await;
    browser.close().await;

    // A section's list shows small thumbnails; a phone fetches small files
    // for them (a fresh browser: one that holds a picture's larger file already may use it).
    let browser = Browser::open(&app).await;
    browser.resize(360, 780).await;
    browser.visit("/world").await;
    browser
        .run("document.querySelectorAll('.cards--list img').forEach(i => i.loading = 'eager'); return true;")
        .await;
    browser
        .wait_until(
            "[...document.querySelectorAll('.cards--list img')].every(i => i.complete && i.currentSrc)",
            10,
        )
        .await;
    let widths = browser
        .run(
            "return [...document.querySelectorAll('.cards--list img')]
                .map(i => parseInt(i.currentSrc.split('/').pop()));",
        )
        .await;
    let widths: Vec<i64> = widths
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|w| w.as_i64())
        .collect();
    assert!(!widths.is_empty(), "the list has pictures");
    assert!(widths.iter().all(|&w| w <= 480), "thumbnail files: {widths:?}");
    let formats = browser
        .run("return [...document.querySelectorAll('.cards--list img')].map(i => i.currentSrc.split('.').pop());")
        .await;
    assert!(
        formats.as_array().unwrap().iter().all(|f| f == "webp"),
        "the browser took the WebP copies: {formats}"
    );

    // The home page on a phone: compact rows, many headlines to a screen.
    browser.visit("/").await;
    let rows = browser
        .run(
            "return [...document.querySelectorAll('.cards--compact .card')].map(c => c.getBoundingClientRect().height);",
        )
        .await;
    let rows: Vec<f64> = rows.as_array().unwrap().iter().filter_map(|h| h.as_f64()).collect();
    assert!(rows.len() > 10, "the home page has its cards");
    assert!(rows.iter().all(|&h| h < 150.0), "each card is a compact row: {rows:?}");
    let height = browser.run("return document.documentElement.scrollHeight;").await;
    eprintln!("home page on a 360 px phone: {height} px");
    assert!(
        height.as_f64().unwrap() < 8000.0,
        "the home page is {height} px tall on a phone"
    );

    // On a wide screen, a denser grid: four stories to a row.
    browser.resize(1366, 900).await;
    browser.visit("/").await;
    let per_row = browser
        .run(
            "const cards = [...[...document.querySelectorAll('.cards--front')].find(c => c.children.length >= 4).children];
             const top = cards[0].getBoundingClientRect().top;
             return cards.filter(c => Math.abs(c.getBoundingClientRect().top - top) < 2).length;",
        )
        .await;
    assert_eq!(per_row, 4, "stories to a row on a 1366 px screen");
    browser.close().await;
}

#[tokio::test]
async fn an_embed_loads_its_player_only_when_asked_and_a_long_unbroken_headline_fits_a_phone() {
    use crate::support::exports::{Item, file, import_with, wxr};
    let app = crate::support::spawn_app().await;
    let long = "Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaftsvorstand";
    let items = [
        Item::post(
            1,
            "Launch day",
            "Watch it:\n\nhttps://youtu.be/Launch_Day1\n\nMore later.",
        ),
        Item::post(2, long, "<p>A long word.</p>"),
    ];
    let path = file(
        &app,
        "embeds.xml",
        &wxr(Some("https://old.example"), "https://old.example", &items),
    );
    import_with(&app, broadsheet::imports::Platform::WordPress, &path, |_| {})
        .await
        .unwrap();
    let browser = Browser::open(&app).await;
    browser.visit("/news/launch-day").await;
    assert!(
        !browser.has("iframe").await,
        "nothing of the provider's loads by itself"
    );
    assert_eq!(browser.text(".embed__link").await, "Watch the video on YouTube");
    browser.click_in_place(".embed__load").await;
    let player = browser.run("return document.querySelector('.embed iframe').src;").await;
    assert_eq!(player, "https://www.youtube-nocookie.com/embed/Launch_Day1");
    browser.assert_accessible().await;

    browser.resize(360, 780).await;
    let slug: (String,) = broadsheet::db::sql("SELECT slug FROM articles WHERE headline LIKE 'Donau%'")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    for path in [format!("/news/{}", slug.0), format!("/search?q={long}")] {
        browser.visit(&path).await;
        let fits = browser
            .run("return document.documentElement.scrollWidth <= window.innerWidth;")
            .await;
        assert_eq!(fits, true, "{path} fits a 360 px screen");
    }
    assert_eq!(
        browser.text(".search__headline a").await,
        long,
        "the whole word is found when typed whole"
    );
    browser.close().await;
}
