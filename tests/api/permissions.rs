//! Every route the router registers, called by every kind of caller: the
//! answer is what the route's declared access says, and the README's role
//! table says the same as the code.

use broadsheet::accounts::permission::ROLE_TABLE;
use broadsheet::accounts::sessions::{self, Kind};
use broadsheet::accounts::{Permission, Role};
use broadsheet::http::{Access, Caller, Rule, Verdict};
use reqwest::Method;

use crate::support::newsroom::Member;
use crate::support::{TestApp, spawn_app};

/// A caller as the walk presents them: which cookie and token they carry.
struct Walker {
    caller: Caller,
    member: Option<Member>,
    reader: Option<uuid::Uuid>,
    api_token: Option<String>,
}

impl Walker {
    /// Credentials for one request: a fresh session each time, so a route
    /// that ends sessions (signing out) cannot spoil the next request.
    async fn headers(&self, app: &TestApp) -> Vec<(&'static str, String)> {
        let mut headers = Vec::new();
        if let Some(member) = &self.member {
            let token = sessions::start(&app.state.db, Kind::Staff, member.id, "walk", "127.0.0.1")
                .await
                .unwrap();
            headers.push(("cookie", format!("broadsheet_staff={token}")));
        }
        if let Some(reader) = self.reader {
            let token = sessions::start(&app.state.db, Kind::Reader, reader, "walk", "127.0.0.1")
                .await
                .unwrap();
            headers.push(("cookie", format!("broadsheet_reader={token}")));
        }
        if let Some(token) = &self.api_token {
            headers.push(("authorization", format!("Bearer {token}")));
        }
        headers
    }
}

/// A concrete path for a route's pattern: ids that match nothing, so an
/// allowed caller gets the route's own answer (usually 404) and nothing changes.
fn sample(pattern: &str) -> String {
    const NO_ID: &str = "00000000-0000-7000-8000-000000000000";
    if pattern == "/media" {
        return "/media/nothing.jpg".into();
    }
    pattern
        .split('/')
        .map(|segment| match segment {
            "{id}" | "{entry}" | "{article}" | "{subscriber}" | "{newsletter}" => NO_ID,
            "{number}" | "{position}" => "1",
            "{key}" => "no-such-invitation",
            "{signature}" => "not-a-signature",
            "{action}" => "no-such-action",
            "{version}" => "1",
            "{decision}" => "approve",
            "{menu}" => "main",
            "{front}" => "home",
            "{token}" => "not-a-token",
            "{file}" => "nothing.txt",
            "{section}" => "no-such-section",
            "{slug}" => "no-such-slug",
            other => {
                assert!(
                    !other.starts_with('{'),
                    "the walk has no sample for {other} in {pattern}"
                );
                other
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// What the answer amounts to, as far as access goes.
fn verdict_of(response: &reqwest::Response) -> Verdict {
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match status {
        401 => Verdict::SignIn,
        403 => Verdict::Refused,
        // The access check sends browsers to sign in and come back (signing
        // out also lands on the sign-in page, without the way back).
        300..=399
            if location.starts_with("/newsroom/login?next=") || location.starts_with("/account/login?return_to=") =>
        {
            Verdict::SignIn
        }
        _ => Verdict::Allowed,
    }
}

/// A form kept for after signing in is the route's own business: it must
/// not be refused outright, and what it answers depends on the form sent.
fn keeps_form(access: Access, caller: Caller) -> bool {
    matches!(
        (access, caller),
        (
            Access::ReaderKeepingForm | Access::StaffKeepingForm(_),
            Caller::Anonymous
        ) | (Access::StaffKeepingForm(_), Caller::Reader)
            | (Access::ReaderKeepingForm, Caller::Staff(_))
    )
}

async fn walkers(app: &TestApp) -> Vec<Walker> {
    let reader = app.register("Walking Reader").await;
    let me = reader.me().await;
    let reader_id: uuid::Uuid = me["id"].as_str().unwrap().parse().unwrap();
    let mut walkers = vec![
        Walker {
            caller: Caller::Anonymous,
            member: None,
            reader: None,
            api_token: None,
        },
        Walker {
            caller: Caller::Reader,
            member: None,
            reader: Some(reader_id),
            api_token: None,
        },
    ];
    for role in Role::ALL {
        let (member, session) = app.signed_in(role).await;
        let api_token = session.api_token().await;
        walkers.push(Walker {
            caller: Caller::Staff(role),
            member: Some(member),
            reader: None,
            api_token: Some(api_token),
        });
    }
    walkers
}

async fn call(app: &TestApp, rule: &Rule, path: &str, walker: &Walker) -> reqwest::Response {
    let method = Method::from_bytes(rule.method.as_str().as_bytes()).unwrap();
    let mut request = app
        .client
        .request(method.clone(), app.url(path))
        .timeout(std::time::Duration::from_secs(10));
    for (name, value) in walker.headers(app).await {
        request = request.header(name, value);
    }
    if method != Method::GET {
        request = request
            .header("content-type", "application/x-www-form-urlencoded")
            .body("");
    }
    request.send().await.expect("the request is answered")
}

#[tokio::test]
async fn every_route_answers_each_kind_of_caller_as_its_declared_access_says() {
    let app = spawn_app().await;
    let table = broadsheet::http::route_table(&app.state);
    assert!(table.len() > 100, "the table holds every route: {}", table.len());
    let walkers = walkers(&app).await;

    let mut wrong = Vec::new();
    for rule in &table {
        let path = sample(rule.path);
        for walker in &walkers {
            let response = call(&app, rule, &path, walker).await;
            let status = response.status().as_u16();
            let got = verdict_of(&response);
            // A public route's own refusals (a wrong password) are its business.
            let ok = if keeps_form(rule.access, walker.caller) || rule.access.is_public() {
                got != Verdict::Refused && status < 500
            } else {
                got == rule.access.verdict(walker.caller) && status < 500
            };
            if !ok {
                wrong.push(format!(
                    "{} {} ({:?}) as {:?}: {status}, expected {:?}",
                    rule.method,
                    rule.path,
                    rule.access,
                    walker.caller,
                    rule.access.verdict(walker.caller)
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} answers differ from the table:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[tokio::test]
async fn the_readme_role_table_says_what_the_permissions_allow() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let header = readme
        .lines()
        .position(|l| l.starts_with("| who may"))
        .expect("the README has the role table");
    let columns: Vec<Role> = readme
        .lines()
        .nth(header)
        .unwrap()
        .split('|')
        .map(str::trim)
        .skip(2)
        .filter(|c| !c.is_empty())
        .map(|c| c.parse().expect("a role column"))
        .collect();
    let rows: Vec<(String, Vec<bool>)> = readme
        .lines()
        .skip(header + 2)
        .take_while(|l| l.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            (
                cells[1].to_owned(),
                cells[2..2 + columns.len()].iter().map(|c| *c == "✓").collect(),
            )
        })
        .collect();

    assert_eq!(
        rows.iter().map(|(text, _)| text.as_str()).collect::<Vec<_>>(),
        ROLE_TABLE.iter().map(|(text, _)| *text).collect::<Vec<_>>(),
        "the README lists the code's rows, in the same order"
    );
    for ((text, ticks), (_, permission)) in rows.iter().zip(ROLE_TABLE) {
        let allowed: Vec<bool> = columns.iter().map(|role| permission.allows(*role)).collect();
        assert_eq!(ticks, &allowed, "README row \"{text}\" ({permission:?})");
    }
}

#[tokio::test]
async fn a_writer_neither_reads_another_writers_draft_nor_its_history() {
    let app = spawn_app().await;
    let section = app.section("world", "World").await;
    let (_, author) = app.signed_in(Role::Writer).await;
    let draft = author.draft(section, "A scoop still being written").await;
    let (_, colleague) = app.signed_in(Role::Writer).await;
    let colleague_token = colleague.api_token().await;
    let (_, editor) = app.signed_in(Role::Editor).await;

    for path in [
        format!("/newsroom/articles/{draft}/edit"),
        format!("/newsroom/articles/{draft}/history"),
        format!("/newsroom/articles/{draft}/history/1"),
    ] {
        let refused = colleague.get(&path).await;
        assert_eq!(refused.status(), 403, "{path}");
        assert!(!refused.text().await.unwrap().contains("A scoop still being written"));
        assert_eq!(editor.get(&path).await.status(), 200, "editors see it: {path}");
        assert_eq!(author.get(&path).await.status(), 200, "the author sees it: {path}");
    }
    let api = app
        .client
        .get(app.url(&format!("/api/v1/admin/articles/{draft}")))
        .bearer_auth(&colleague_token)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 403);
    assert!(!api.text().await.unwrap().contains("still being written"));
    assert!(Permission::PublishArticles.allows(Role::Editor));
}
