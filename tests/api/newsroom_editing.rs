//! Writing, saving, publishing, scheduling, correcting and restoring articles in the newsroom.

use std::time::Duration;

use broadsheet::accounts::Role;
use broadsheet::articles::queries;
use broadsheet::db::sql;
use broadsheet::domain::SectionId;

use crate::support::newsroom::{Session, png, version_on};
use crate::support::{TestApp, spawn_app};

/// The editor's fields for a complete article.
fn fields(section: &SectionId, headline: &str, body: &str) -> Vec<(String, String)> {
    vec![
        ("headline".into(), headline.into()),
        ("standfirst".into(), "A sentence that sums it up.".into()),
        ("body".into(), body.into()),
        ("section".into(), section.to_string()),
        ("tags".into(), "Ukraine, Front line".into()),
    ]
}

async fn submit(
    session: &Session<'_>,
    path: &str,
    fields: &[(String, String)],
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let mut all: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    all.extend_from_slice(extra);
    session.post_multipart(path, &all, None).await
}

/// Creates a draft through the editor and returns its edit path.
async fn draft(session: &Session<'_>, section: &SectionId, headline: &str) -> String {
    let response = submit(
        session,
        "/newsroom/articles",
        &fields(section, headline, "First paragraph.\n\nSecond paragraph."),
        &[("action", "save")],
    )
    .await;
    assert_eq!(response.status(), 303, "the draft is saved");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    location.split('?').next().unwrap().to_owned()
}

fn id_in(edit_path: &str) -> String {
    edit_path
        .trim_start_matches("/newsroom/articles/")
        .trim_end_matches("/edit")
        .to_owned()
}

async fn world(app: &TestApp) -> SectionId {
    app.section("world", "World").await
}

#[tokio::test]
async fn an_editor_writes_a_draft_with_a_picture_and_publishing_puts_it_everywhere_at_once() {
    let app = spawn_app().await;
    let section = world(&app).await;
    let (_, editor) = app.signed_in(Role::Editor).await;
    assert!(!app.page("/").await.contains("Harbour reopens"), "nothing yet");

    let mut form = fields(
        &section,
        "Harbour reopens after storm",
        "The harbour reopened on Monday.\n\nShips queued outside.",
    );
    form.push(("picture_alt".into(), "Boats in a harbour at dawn".into()));
    form.push(("picture_caption".into(), "The harbour at first light.".into()));
    form.push(("picture_credit".into(), "Staff photographer".into()));
    form.push(("action".into(), "save".into()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let response = editor
        .post_multipart("/newsroom/articles", &pairs, Some(("picture", png(1400, 800))))
        .await;
    assert_eq!(response.status(), 303);
    let edit = response.headers()["location"]
        .to_str()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();

    let page = editor.page(&edit).await;
    assert!(page.contains("Boats in a harbour at dawn"), "the picture is attached");
    assert!(
        page.contains("value=\"harbour-reopens-after-storm\""),
        "the slug comes from the headline"
    );
    assert_eq!(
        app.get("/world/harbour-reopens-after-storm").await.status(),
        404,
        "a draft is not public"
    );

    let mut publish = fields(
        &section,
        "Harbour reopens after storm",
        "The harbour reopened on Monday.\n\nShips queued outside.",
    );
    for (k, v) in form_state(&page) {
        publish.push((k, v));
    }
    let response = submit(&editor, &edit.replace("/edit", ""), &publish, &[("action", "publish")]).await;
    assert_eq!(response.status(), 303);
    assert!(
        response.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with("done=published")
    );

    let article = app.page("/world/harbour-reopens-after-storm").await;
    assert!(article.contains("Boats in a harbour at dawn") && article.contains("The harbour at first light."));
    assert!(app.page("/").await.contains("Harbour reopens after storm"));
    assert!(app.page("/world").await.contains("Harbour reopens after storm"));
    assert!(app.page("/rss.xml").await.contains("Harbour reopens after storm"));
    assert!(
        app.page("/tag/front-line")
            .await
            .contains("Harbour reopens after storm")
    );
}

/// The hidden and repeated fields of an editor page (version, pictures) a browser would send back.
fn form_state(page: &str) -> Vec<(String, String)> {
    let mut out = vec![("version".to_owned(), version_on(page))];
    for part in page.split("name=\"image_id\" value=\"").skip(1) {
        out.push(("image_id".into(), part.split('"').next().unwrap().into()));
        out.push(("image_after".into(), "0".into()));
    }
    out
}

#[tokio::test]
async fn a_missing_headline_or_taken_slug_is_shown_at_the_field_and_nothing_typed_is_lost() {
    let app = spawn_app().await;
    let section = world(&app).await;
    let (_, editor) = app.signed_in(Role::Editor).await;
    draft(&editor, &section, "Taken headline").await;

    let empty = submit(
        &editor,
        "/newsroom/articles",
        &fields(&section, "", "A body I worked hard on."),
        &[("action", "save")],
    )
    .await;
    assert_eq!(empty.status(), 422);
    let page = empty.text().await.unwrap();
    assert!(page.contains("A headline is required."));
    assert!(
        page.contains("A body I worked hard on."),
        "the body is still in the form"
    );
    assert!(page.contains("aria-invalid=\"true\" aria-describedby=\"headline-error\""));

    let taken = submit(
        &editor,
        "/newsroom/articles",
        &fields(&section, "Another story", "Second body."),
        &[("slug", "taken-headline"), ("action", "save")],
    )
    .await;
    assert_eq!(taken.status(), 422);
    let page = taken.text().await.unwrap();
    assert!(page.contains("Another article already uses this slug."));
    assert!(page.contains("slug-error"));

    let bad = submit(
        &editor,
        "/newsroom/articles",
        &fields(&section, "Third", "Third body."),
        &[("slug", "Bad Slug!"), ("action", "save")],
    )
    .await;
    assert_eq!(bad.status(), 422);
    assert!(
        bad.text()
            .await
            .unwrap()
            .contains("a slug may contain only lowercase letters")
    );
}

#[tokio::test]
async fn when_two_people_save_the_same_article_the_later_save_is_a_conflict_showing_both_versions() {
    let app = spawn_app().await;
    let section = world(&app).await;
    let (_, alice) = app.signed_in(Role::Editor).await;
    let (_, bob) = app.signed_in(Role::Editor).await;
    let edit = draft(&alice, &section, "Shared story").await;
    let action = edit.replace("/edit", "");
    let version = version_on(&alice.page(&edit).await);

    let first = submit(
        &alice,
        &action,
        &fields(&section, "Shared story", "Alice's paragraph."),
        &[("version", &version), ("action", "save")],
    )
    .await;
    assert_eq!(first.status(), 303);
    let second = submit(
        &bob,
        &action,
        &fields(&section, "Shared story", "Bob's paragraph."),
        &[("version", &version), ("action", "save")],
    )
    .await;

    assert_eq!(second.status(), 409);
    let page = second.text().await.unwrap();
    assert!(page.contains("Someone else saved this article while you were editing"));
    assert!(
        page.contains("<del>- Alice&#39;s paragraph.</del>") || page.contains("<del>- Alice&#x27;s paragraph.</del>"),
        "theirs is shown"
    );
    assert!(
        page.contains("Bob&#39;s paragraph.") || page.contains("Bob&#x27;s paragraph."),
        "mine is kept"
    );
    let stored = app.state.db.clone();
    let id = id_in(&edit).parse().unwrap();
    let article = queries::by_id(&stored, id).await.unwrap().unwrap();
    assert_eq!(article.body, "Alice's paragraph.", "nothing was overwritten");

    let resolved = submit(
        &bob,
        &action,
        &fields(&section, "Shared story", "Bob's merged paragraph."),
        &[("version", &version_on(&page)), ("action", "save")],
    )
    .await;
    assert_eq!(resolved.status(), 303, "saving again after seeing the conflict works");
    let history = bob.page(&format!("{action}/history")).await;
    assert!(history.contains(">3 (current)<") || history.contains("3 (current)"));
}

#[tokio::test]
async fn a_scheduled_article_goes_live_at_its_time_and_only_then() {
    let app = spawn_app().await;
    let section = world(&app).await;
    let (_, editor) = app.signed_in(Role::Editor).await;
    let edit = draft(&editor, &section, "Scheduled story").await;
    let page = editor.page(&edit).await;
    let at = broadsheet::domain::Timestamp::now().plus_seconds(3);
    let local = at
        .jiff()
        .to_zoned_datetime(jiff::tz::TimeZone::get("Europe/London").unwrap())
        .strftime("%Y-%m-%dT%H:%M:%S")
        .to_string();

    let response = submit(
        &editor,
        &edit.replace("/edit", ""),
        &fields(&section, "Scheduled story", "Body."),
        &[
            ("version", &version_on(&page)),
            ("publish_at", &local),
            ("action", "schedule"),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);

    assert_eq!(
        app.get("/world/scheduled-story").await.status(),
        404,
        "not before its time"
    );
    let mut live = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if app.get("/world/scheduled-story").await.status() == 200 {
            live = true;
            break;
        }
    }
    assert!(live, "published within seconds of its time");
    assert!(app.page("/").await.contains("Scheduled story"));
}

#[tokio::test]
async fn scheduling_in_the_past_or_by_a_writer_is_refused() {
    let app = spawn_app().await;
    let section = world(&app).await;
    let (_, editor) = app.signed_in(Role::Editor).await;
    let edit = draft(&editor, &section, "Past story").await;
    let page = editor.page(&edit).await;

    let past = submit(
        &editor,
        &edit.replace("/edit", ""),
        &fields(&section, "Past story", "Body."),
        &[
            ("version", &version_on(&page)),
            ("publish_at", "2020-01-01T09:00"),
            ("action", "schedule"),
        ],
    )
    .await;
    assert_eq!(past.status(), 422);
    assert!(past.text().await.unwrap().contains("Choose a time in the future"));

    let (_, writer) = app.signed_in(Role::Writer).await;
    let own = draft(&writer, &section, "Writer story").await;
    let page = writer.page(&own).await;
    assert!(!page.contains("value=\"publish\""), "writers get no Publish button");
    let publish = submit(
        &writer,
        &own.replace("/edit", ""),
        &fields(&section, "Writer story", "Body."),
        &[("version", &version_on(&page)), ("action", "publish")],
    )
    .await;
    assert_eq!(publish.status(), 403);
    assert_eq!(app.get("/world/writer-story").await.status(), 404);
    let submitted = submit(
        &writer,
        &own.replace("/edit", ""),
        &fields(&section, "Writer story", "Body."),
        &[("version", &version_on(&page)), ("action", "submit")],
    )
    .await;
    assert_eq!(submitted.status(), 303);
    assert!(writer.page("/newsroom?status=review").await.contains("Writer story"));
}

#[tokio::test]
async fn writers_cannot_touch_other_peoples_articles() {
    let app = spawn_app().await;
    let section = world(&app).await;
    let (_, editor) = app.signed_in(Role::Editor).await;
    let edit = draft(&editor, &section, "Editor's story").await;
    let (_, writer) = app.signed_in(Role::Writer).await;

    assert_eq!(writer.get(&edit).await.status(), 403);
    let attempt = submit(
        &writer,
        &edit.replace("/edit", ""),
        &fields(&section, "Hijacked", "Body."),
        &[("version", "1"), ("action", "save")],
    )
    .await;
    assert_eq!(attempt.status(), 403);
}

#[tokio::test]
async fn a_correction_shows_openly_on_the_article_and_moves_its_modified_date() {
    let app = spawn_app().await;
    let section = world(&app).await;
    let (_, editor) = app.signed_in(Role::Editor).await;
    let edit = draft(&editor, &section, "Story to correct").await;
    let page = editor.page(&edit).await;
    let action = edit.replace("/edit", "");
    submit(
        &editor,
        &action,
        &fields(&section, "Story to correct", "Body."),
        &[("version", &version_on(&page)), ("action", "publish")],
    )
    .await;
    sql("UPDATE articles SET published_at = $1, updated_at = $1 WHERE slug = 'story-to-correct'")
        .bind(broadsheet::domain::Timestamp::parse("2024-12-16T06:04:00Z").unwrap())
        .execute(&app.state.db)
        .await
        .unwrap();
    app.changed().await;

    let response = editor
        .post(
            &format!("{action}/notes"),
            &[
                ("kind", "correction"),
                ("note", "An earlier version misstated the number of ships."),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);

    let article = app.page("/world/story-to-correct").await;
    assert!(article.contains("Corrections and updates"));
    assert!(article.contains("An earlier version misstated the number of ships."));
    assert!(
        !article.contains("\"dateModified\":\"2024-12-16T06:04:00Z\""),
        "dateModified moved"
    );
    assert!(article.contains("Updated <time"));
}

#[tokio::test]
async fn history_shows_what_changed_and_an_old_version_can_be_restored() {
    let app = spawn_app().await;
    let section = world(&app).await;
    let (_, editor) = app.signed_in(Role::Editor).await;
    let edit = draft(&editor, &section, "Original headline").await;
    let action = edit.replace("/edit", "");
    let page = editor.page(&edit).await;
    submit(
        &editor,
        &action,
        &fields(
            &section,
            "Rewritten headline",
            "First paragraph.\n\nA new second paragraph.",
        ),
        &[("version", &version_on(&page)), ("action", "save")],
    )
    .await;

    let diff = editor.page(&format!("{action}/history/2")).await;
    assert!(diff.contains("<del>- Original headline</del>"));
    assert!(diff.contains("<ins>+ Rewritten headline</ins>"));
    assert!(diff.contains("<ins>+ A new second paragraph.</ins>"));

    let restored = editor.post(&format!("{action}/history/1/restore"), &[]).await;
    assert_eq!(restored.status(), 303);
    let page = editor.page(&edit).await;
    assert!(page.contains("value=\"Original headline\""));
    assert!(editor.page(&format!("{action}/history")).await.contains("3 (current)"));
}

#[tokio::test]
async fn unpublishing_takes_an_article_off_the_site_at_once() {
    let app = spawn_app().await;
    let section = world(&app).await;
    let (_, editor) = app.signed_in(Role::Editor).await;
    let edit = draft(&editor, &section, "Short-lived story").await;
    let action = edit.replace("/edit", "");
    let page = editor.page(&edit).await;
    submit(
        &editor,
        &action,
        &fields(&section, "Short-lived story", "Body."),
        &[("version", &version_on(&page)), ("action", "publish")],
    )
    .await;
    assert_eq!(app.get("/world/short-lived-story").await.status(), 200);

    assert_eq!(editor.post(&format!("{action}/unpublish"), &[]).await.status(), 303);

    assert_eq!(app.get("/world/short-lived-story").await.status(), 404);
    assert!(!app.page("/").await.contains("Short-lived story"));
}

#[tokio::test]
async fn text_written_when_the_session_had_ended_is_kept_for_after_signing_in() {
    let app = spawn_app().await;
    let section = world(&app).await;
    let editor_member = app.member(Role::Editor).await;
    let editor = app.sign_in(&editor_member).await;
    let edit = draft(&editor, &section, "Long read").await;
    let version = version_on(&editor.page(&edit).await);
    editor.post("/newsroom/logout", &[]).await;

    let response = submit(
        &editor,
        &edit.replace("/edit", ""),
        &fields(&section, "Long read", "Three hours of careful writing."),
        &[("version", &version), ("action", "save")],
    )
    .await;

    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/newsroom/login?expired=1&next="));
    // Signed out, the form is kept for this browser (by a cookie it is given).
    let kept =
        crate::support::cookie_set(&response, "broadsheet_kept").expect("the browser is given its kept-forms cookie");
    let login = app.page(&location).await;
    assert!(login.contains("what you were writing has been kept"));
    let next = login
        .split("name=\"next\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    let mut again = app.sign_in(&editor_member).await;
    assert!(
        !again.page(&next).await.contains("Three hours of careful writing."),
        "not from another browser"
    );
    again.cookie = format!("{}; {kept}", again.cookie);
    let page = again.page(&next).await;
    assert!(page.contains("Three hours of careful writing."));
    assert!(page.contains("Your session had ended before you saved"));
    assert_eq!(
        app.get(&next).await.status(),
        303,
        "without a session the editor is not shown"
    );
    assert!(
        !again.page(&next).await.contains("Three hours of careful writing."),
        "the kept text is handed back once"
    );
}

#[tokio::test]
async fn uploads_that_are_too_large_not_pictures_or_broken_are_refused_with_the_reason_and_the_text_kept() {
    let app = spawn_app().await;
    let section = world(&app).await;
    let (_, editor) = app.signed_in(Role::Editor).await;
    let images_before = sql("SELECT COUNT(*) FROM images")
        .fetch_count(&app.state.db)
        .await
        .unwrap();
    let mut form = fields(&section, "Story with a picture", "My careful paragraph.");
    form.push(("picture_alt".into(), "Something".into()));
    form.push(("action".into(), "save".into()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();

    let huge = editor
        .post_multipart(
            "/newsroom/articles",
            &pairs,
            Some(("picture", vec![0u8; 21 * 1024 * 1024])),
        )
        .await;
    assert_eq!(huge.status(), 413);
    let page = huge.text().await.unwrap();
    assert!(page.contains("larger than the 20 MB limit"));
    assert!(page.contains("My careful paragraph."));

    let text = editor
        .post_multipart(
            "/newsroom/articles",
            &pairs,
            Some(("picture", b"just some text, not a picture".to_vec())),
        )
        .await;
    assert_eq!(text.status(), 415);
    assert!(text.text().await.unwrap().contains("not a picture we can use"));

    let mut broken = png(100, 100);
    broken.truncate(80);
    let broken = editor
        .post_multipart("/newsroom/articles", &pairs, Some(("picture", broken)))
        .await;
    assert_eq!(broken.status(), 400);
    assert!(broken.text().await.unwrap().contains("damaged or incomplete"));

    let images_after = sql("SELECT COUNT(*) FROM images")
        .fetch_count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(images_before, images_after, "nothing was stored");
    let articles = sql("SELECT COUNT(*) FROM articles")
        .fetch_count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(articles, 0, "no half-saved article either");
}

#[tokio::test]
async fn a_picture_with_too_many_pixels_is_refused_before_it_is_decoded() {
    let app = spawn_app().await;
    let (_, editor) = app.signed_in(Role::Editor).await;
    // A PNG header claiming 20000×20000 pixels with almost no data: a decompression bomb.
    let mut bomb = png(1, 1);
    bomb[16..20].copy_from_slice(&20_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&20_000u32.to_be_bytes());
    let crc = crc32(&bomb[12..29]);
    bomb[29..33].copy_from_slice(&crc.to_be_bytes());

    let response = editor
        .post_multipart("/newsroom/images", &[("alt", "Bomb")], Some(("picture", bomb)))
        .await;

    assert_eq!(response.status(), 413);
    assert!(response.text().await.unwrap().contains("20000×20000 pixels"));
}

#[tokio::test]
async fn a_jpeg_cut_short_is_refused_and_a_huge_picture_is_stored_at_the_served_widths() {
    let app = spawn_app().await;
    let (_, editor) = app.signed_in(Role::Editor).await;
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode_image(&image::RgbImage::from_fn(900, 600, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 120])
        }))
        .unwrap();
    jpeg.truncate(jpeg.len() / 3);
    let response = editor
        .post_multipart(
            "/newsroom/images",
            &[("alt", "Half a picture")],
            Some(("picture", jpeg)),
        )
        .await;
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("incomplete"));
    assert_eq!(
        sql("SELECT COUNT(*) FROM images")
            .fetch_count(&app.state.db)
            .await
            .unwrap(),
        0
    );

    // 7071×7071 (just inside 50 million pixels), a few kilobytes as a PNG.
    let mut huge = Vec::new();
    image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(7071, 7071, image::Rgb([200, 30, 30])))
        .write_to(&mut std::io::Cursor::new(&mut huge), image::ImageFormat::Png)
        .unwrap();
    let response = editor
        .post_multipart("/newsroom/images", &[("alt", "A red square")], Some(("picture", huge)))
        .await;
    assert_eq!(response.status(), 303);
    let (id, width, widths): (broadsheet::domain::ImageId, i64, String) = sql("SELECT id, width, widths FROM images")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!((width, widths.as_str()), (7071, "320 640 960 1280 1920"));
    let largest = image::open(app.media_dir().join(id.to_string()).join("1920.jpg")).unwrap();
    assert_eq!((largest.width(), largest.height()), (1920, 1920));
}

#[tokio::test]
async fn the_preview_draws_unsaved_text_with_the_public_article_template() {
    let app = spawn_app().await;
    let section = world(&app).await;
    let (_, editor) = app.signed_in(Role::Editor).await;

    let response = submit(
        &editor,
        "/newsroom/articles/preview",
        &fields(&section, "Preview headline", "An *unsaved* paragraph."),
        &[],
    )
    .await;

    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(page.contains("<h1 class=\"article__headline\">Preview headline</h1>"));
    assert!(page.contains("An <em>unsaved</em> paragraph."));
    assert!(page.contains("Preview: this is how the article will look"));
    assert!(page.contains("<meta name=\"robots\" content=\"noindex\">"));
    assert_eq!(
        sql("SELECT COUNT(*) FROM articles")
            .fetch_count(&app.state.db)
            .await
            .unwrap(),
        0,
        "nothing saved"
    );
}

#[tokio::test]
async fn the_article_list_filters_by_state_section_and_author_and_searches_headlines() {
    let app = spawn_app().await;
    let section = world(&app).await;
    let uk = app.section("uk", "UK").await;
    let (_, editor) = app.signed_in(Role::Editor).await;
    draft(&editor, &section, "Kursk assault").await;
    draft(&editor, &uk, "Flood wall vote").await;

    let all = editor.page("/newsroom").await;
    assert!(all.contains("Kursk assault") && all.contains("Flood wall vote"));
    let found = editor.page("/newsroom?q=kursk").await;
    assert!(found.contains("Kursk assault") && !found.contains("Flood wall vote"));
    let by_section = editor.page(&format!("/newsroom?section={uk}")).await;
    assert!(!by_section.contains("Kursk assault") && by_section.contains("Flood wall vote"));
    let published = editor.page("/newsroom?status=published").await;
    assert!(published.contains("No articles match."));
    let odd = editor.page("/newsroom?q=100%25_sure").await;
    assert!(
        odd.contains("No articles match."),
        "LIKE wildcards in a search are taken literally"
    );
}

#[tokio::test]
async fn every_action_lands_in_the_audit_log() {
    let app = spawn_app().await;
    let section = world(&app).await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let edit = draft(&admin, &section, "Audited story").await;
    let page = admin.page(&edit).await;
    submit(
        &admin,
        &edit.replace("/edit", ""),
        &fields(&section, "Audited story", "Body."),
        &[("version", &version_on(&page)), ("action", "publish")],
    )
    .await;

    let audit = admin.page("/newsroom/audit").await;
    for action in ["signed in", "created", "saved", "published"] {
        assert!(audit.contains(&format!("<td>{action}</td>")), "{action} is logged");
    }
    assert!(audit.contains("article: Audited story"));
}

/// CRC-32 as PNG chunks use it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[tokio::test]
async fn location_and_other_metadata_are_stripped_from_uploaded_pictures() {
    let app = spawn_app().await;
    let (_, editor) = app.signed_in(Role::Editor).await;
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode_image(&image::RgbImage::from_pixel(800, 600, image::Rgb([40, 90, 160])))
        .unwrap();
    // An EXIF block with a GPS position, right after the start-of-image marker.
    let payload = b"Exif\0\0GPSLatitude 50.4501 N GPSLongitude 30.5234 E";
    let mut segment = vec![0xFF, 0xE1];
    segment.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    segment.extend_from_slice(payload);
    jpeg.splice(2..2, segment);

    let response = editor
        .post_multipart("/newsroom/images", &[("alt", "A blue card")], Some(("picture", jpeg)))
        .await;
    assert_eq!(response.status(), 303);

    let (id,): (broadsheet::domain::ImageId,) = sql("SELECT id FROM images").fetch_one(&app.state.db).await.unwrap();
    for width in [320, 640, 800] {
        let stored = std::fs::read(app.media_dir().join(id.to_string()).join(format!("{width}.jpg"))).unwrap();
        let text = String::from_utf8_lossy(&stored);
        assert!(
            !text.contains("Exif") && !text.contains("GPSLatitude"),
            "{width}.jpg carries no metadata"
        );
    }
}

#[tokio::test]
async fn a_schedule_kept_while_the_server_was_down_is_published_when_it_starts_again() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _database) = crate::support::test_database(&dir);
    {
        // The site is down: the schedule is written straight to the database.
        let state = broadsheet::startup::prepare(crate::support::settings_for(&dir, url.clone(), false))
            .await
            .unwrap();
        let mut change = broadsheet::change::Change::begin(&state, broadsheet::audit::Actor::system("Test"))
            .await
            .unwrap();
        let section = broadsheet::site::write::create_section(
            &mut change,
            broadsheet::site::write::NewSection {
                slug: broadsheet::domain::Slug::parse("world").unwrap(),
                name: "World",
                description: "",
                position: 0,
            },
        )
        .await
        .unwrap();
        let content = broadsheet::articles::ArticleContent {
            slug: broadsheet::domain::Slug::parse("while-you-were-away").unwrap(),
            headline: broadsheet::articles::Headline::parse("While you were away").unwrap(),
            standfirst: String::new(),
            body: "Body.".into(),
            footnote: String::new(),
            section,
            featured: false,
            comments: Default::default(),
            kind: Default::default(),
            authors: vec![],
            tags: vec![],
            images: vec![],
            related: vec![],
        };
        let new = broadsheet::articles::write::NewArticle {
            content,
            status: broadsheet::articles::Status::Scheduled,
            published_at: Some(broadsheet::domain::Timestamp::now().plus_seconds(1)),
            updated_at: None,
        };
        broadsheet::articles::write::create(&mut change, &new).await.unwrap();
        change.commit().await.unwrap();
        state.db.close().await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;

    let app = broadsheet::Application::build(crate::support::settings_for(&dir, url, false))
        .await
        .unwrap();
    let state = app.state();
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until(std::future::pending()));
    let mut published = false;
    for _ in 0..50 {
        if reqwest::get(format!("{address}/world/while-you-were-away"))
            .await
            .unwrap()
            .status()
            == 200
        {
            published = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(published, "published soon after the restart");
    let log = broadsheet::audit::recent(&state.db, None, 10, 0).await.unwrap();
    assert_eq!(
        log.iter()
            .filter(|e| e.action == "published" && e.actor_name == "Scheduler")
            .count(),
        1,
        "published once"
    );
}

#[tokio::test]
async fn admins_add_sections_and_editors_manage_author_profiles_with_photos() {
    let app = spawn_app().await;
    let (_, admin) = app.signed_in(Role::Admin).await;
    let (_, editor) = app.signed_in(Role::Editor).await;

    let created = admin
        .post(
            "/newsroom/sections",
            &[("name", "Long Reads"), ("description", "Stories worth the time.")],
        )
        .await;
    assert_eq!(created.status(), 303);
    assert!(
        app.page("/").await.contains("href=\"/long-reads\""),
        "the new section is in the navigation at once"
    );
    let reserved = admin
        .post("/newsroom/sections", &[("name", "Newsroom"), ("slug", "newsroom")])
        .await;
    assert_eq!(reserved.status(), 422);
    assert!(reserved.text().await.unwrap().contains("is used by the site itself"));

    let response = editor
        .post_multipart(
            "/newsroom/authors",
            &[
                ("name", "Ada Byline"),
                ("job_title", "Science correspondent"),
                ("bio", "Covers physics."),
            ],
            Some(("photo", png(600, 600))),
        )
        .await;
    assert_eq!(response.status(), 303);
    let page = app.page("/author/ada-byline").await;
    assert!(page.contains("Science correspondent") && page.contains("Covers physics."));
    assert!(page.contains("alt=\"Portrait of Ada Byline\""));
}

#[tokio::test]
async fn a_save_the_database_cannot_store_gets_the_error_page_and_is_not_blamed_on_a_field() {
    let app = spawn_app().await;
    let section = world(&app).await;
    let (_, editor) = app.signed_in(Role::Editor).await;
    let edit = draft(&editor, &section, "Ceasefire talks resume").await;
    let page = editor.page(&edit).await;
    let version = version_on(&page);
    // Every save writes a revision; without the table the database refuses it.
    sql("ALTER TABLE article_revisions RENAME TO article_revisions_away")
        .execute(&app.state.db)
        .await
        .unwrap();

    let response = submit(
        &editor,
        &format!("/newsroom/articles/{}", id_in(&edit)),
        &fields(&section, "Ceasefire talks resume in Geneva", "New first paragraph."),
        &[("action", "save"), ("version", &version)],
    )
    .await;

    assert_eq!(response.status(), 500);
    let html = response.text().await.unwrap();
    assert!(html.contains("Something went wrong on our side"), "{html}");
    assert!(
        !html.contains("nr-field__error"),
        "a failure of ours is not shown as a mistake in the form"
    );
    sql("ALTER TABLE article_revisions_away RENAME TO article_revisions")
        .execute(&app.state.db)
        .await
        .unwrap();
    let article = queries::by_id(&app.state.db, id_in(&edit).parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        article.headline, "Ceasefire talks resume",
        "the failed save changed nothing"
    );
}

#[tokio::test]
async fn a_new_writer_has_their_own_byline_chosen_for_them_at_once() {
    let app = spawn_app().await;
    let (_, writer) = app.signed_in(Role::Writer).await;
    let form = writer.page("/newsroom/articles/new").await;
    assert!(form.contains(" selected>Test writer</option>"), "{form}");
    assert_eq!(app.get("/author/test-writer").await.status(), 200, "their author page");
    // A second member of the same name gets a byline of their own, not the first one's.
    let (_, namesake) = app.signed_in(Role::Writer).await;
    let form = namesake.page("/newsroom/articles/new").await;
    let chosen = form.split(" selected>Test writer</option>").next().unwrap();
    let mine = chosen
        .rsplit("value=\"")
        .next()
        .unwrap()
        .trim_end_matches('"')
        .to_owned();
    let first = writer.page("/newsroom/articles/new").await;
    assert!(
        !first.contains(&format!("value=\"{mine}\" selected")),
        "two members, two bylines"
    );
    assert_eq!(app.get("/author/test-writer-2").await.status(), 200);
}

#[tokio::test]
async fn an_editor_sees_what_waits_for_review_and_sends_a_story_back_with_a_note() {
    let app = spawn_app().await;
    let section = world(&app).await;
    let (editor_member, editor) = app.signed_in(Role::Editor).await;
    assert!(
        !editor.page("/newsroom").await.contains("id=\"review-count\""),
        "nothing waits yet"
    );
    // The editor asks to be emailed about stories sent for review; a writer cannot.
    assert!(
        editor
            .page("/newsroom/account")
            .await
            .contains("Email me when a story is sent for review")
    );
    let asked = editor
        .post("/newsroom/account/review-emails", &[("review_emails", "on")])
        .await;
    assert_eq!(asked.status(), 303);
    assert!(
        editor
            .page("/newsroom/account")
            .await
            .contains("name=\"review_emails\" value=\"on\" checked")
    );
    let (_, writer) = app.signed_in(Role::Writer).await;
    assert!(!writer.page("/newsroom/account").await.contains("review_emails"));
    assert_eq!(
        writer
            .post("/newsroom/account/review-emails", &[("review_emails", "on")])
            .await
            .status(),
        403
    );
    let own = draft(&writer, &section, "Story for review").await;
    let page = writer.page(&own).await;
    let submitted = submit(
        &writer,
        &own.replace("/edit", ""),
        &fields(&section, "Story for review", "Body."),
        &[("version", &version_on(&page)), ("action", "submit")],
    )
    .await;
    assert_eq!(submitted.status(), 303);
    let email = app.email_to(&editor_member.email).await;
    assert!(
        email.contains("Story for review") && email.contains(&format!("/newsroom/articles/{}/edit", id_in(&own))),
        "{email}"
    );
    let desk = editor.page("/newsroom/account").await;
    assert!(
        desk.contains("href=\"/newsroom?status=review\">1<span class=\"visually-hidden\"> waiting for review</span>"),
        "every newsroom page shows the count: {desk}"
    );
    assert!(
        !writer.page("/newsroom").await.contains("id=\"review-count\""),
        "writers publish nothing"
    );

    let id = id_in(&own);
    let empty = editor
        .post(&format!("/newsroom/articles/{id}/send-back"), &[("note", " ")])
        .await;
    assert_eq!(empty.status(), 400, "a note is needed");
    let sent = editor
        .post(
            &format!("/newsroom/articles/{id}/send-back"),
            &[("note", "Check the casualty figure with the agency first.")],
        )
        .await;
    assert_eq!(sent.status(), 303);
    let again = editor
        .post(&format!("/newsroom/articles/{id}/send-back"), &[("note", "Twice?")])
        .await;
    assert_eq!(again.status(), 409, "only a story in review goes back");
    assert!(!editor.page("/newsroom").await.contains("id=\"review-count\""));
    let page = writer.page(&own).await;
    assert!(
        page.contains("Check the casualty figure with the agency first."),
        "{page}"
    );
    assert!(page.contains("Draft"));
}
