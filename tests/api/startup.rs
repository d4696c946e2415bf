//! The binary itself: help, settings, and clear failures at start.

use std::process::{Command, Output};

use crate::support::{settings_for, test_database};

fn broadsheet(args: &[&str], env: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_broadsheet"));
    command
        .args(args)
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn help_lists_the_subcommands_and_every_setting() {
    let output = broadsheet(&["--help"], &[]);
    let help = String::from_utf8_lossy(&output.stdout);

    assert!(output.status.success());
    for command in ["serve", "migrate", "demo", "settings"] {
        assert!(help.contains(command), "--help mentions {command}");
    }
    for (key, _) in broadsheet::config::SETTINGS_HELP {
        assert!(help.contains(key), "--help lists {key}");
        assert!(
            help.contains(&broadsheet::config::env_name(key)),
            "--help names the variable for {key}"
        );
    }
}

#[test]
fn settings_come_from_a_toml_file_and_environment_variables_override_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("site.toml");
    std::fs::write(
        &file,
        "[site]\nname = \"The Morning Ledger\"\ntimezone = \"Europe/Paris\"\n",
    )
    .unwrap();

    let output = broadsheet(
        &["settings", "--config", file.to_str().unwrap()],
        &[
            ("BROADSHEET_SITE__TIMEZONE", "Asia/Tokyo"),
            ("DATABASE_URL", "postgres://writer:s3cret@db.internal/news"),
            ("BROADSHEET_DONATIONS__STRIPE_SECRET_KEY", "sk_live_topsecret"),
            ("BROADSHEET_MAIL__SMTP_URL", "smtp://user:mailsecret@mail.example"),
        ],
    );
    let shown = String::from_utf8_lossy(&output.stdout);
    for secret in ["sk_live_topsecret", "mailsecret"] {
        assert!(!shown.contains(secret), "{secret} printed:\n{shown}");
    }
    assert!(shown.contains("donations.stripe_secret_key = (set, hidden)"), "{shown}");

    assert!(output.status.success(), "{}", stderr(&output));
    assert!(shown.contains("site.name = The Morning Ledger"));
    assert!(shown.contains("site.timezone = Asia/Tokyo"));
    assert!(shown.contains("database.url = postgres://writer:***@db.internal/news"));
    assert!(!shown.contains("s3cret"));
}

#[test]
fn a_bad_setting_is_refused_with_one_clear_line() {
    let output = broadsheet(&["settings"], &[("BROADSHEET_SITE__TIMEZONE", "Mars/Olympus")]);

    assert!(!output.status.success());
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.contains("site.timezone") && message.contains("Mars/Olympus"),
        "{message}"
    );
}

#[test]
fn an_unreachable_postgres_gives_one_clear_line_and_a_failing_exit() {
    let output = broadsheet(
        &["migrate"],
        &[("DATABASE_URL", "postgres://postgres@127.0.0.1:1/news")],
    );

    assert!(!output.status.success());
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.starts_with("error: cannot reach PostgreSQL at 127.0.0.1:1/news"),
        "{message}"
    );
    assert!(!message.contains("panicked"));
}

#[test]
fn a_data_directory_that_cannot_be_created_gives_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("data");
    std::fs::write(&blocker, "a file where the data folder should be").unwrap();
    let url = format!("sqlite://{}/broadsheet.db", blocker.display());

    let output = broadsheet(&["migrate"], &[("DATABASE_URL", &url)]);

    assert!(!output.status.success());
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(message.contains("cannot create the data directory"), "{message}");
}

#[test]
fn a_read_only_data_directory_gives_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let db = data.join("broadsheet.db");
    let url = format!("sqlite://{}", db.display());
    // Root ignores file permissions, so there the folder is mounted read-only in a
    // private mount namespace instead.
    let output = if is_root() {
        let script = format!(
            "mount --bind -o ro '{0}' '{0}' && exec '{1}' migrate",
            data.display(),
            env!("CARGO_BIN_EXE_broadsheet")
        );
        Command::new("unshare")
            .args(["-m", "sh", "-c", &script])
            .env("DATABASE_URL", &url)
            .env("RUST_LOG", "warn")
            .current_dir(dir.path())
            .output()
            .expect("unshare runs")
    } else {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o555)).unwrap();
        broadsheet(&["migrate"], &[("DATABASE_URL", &url)])
    };

    assert!(!output.status.success());
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.contains(&db.display().to_string()),
        "the message names the database: {message}"
    );
    assert!(!message.contains("panicked"));
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false)
}

#[tokio::test]
async fn migrate_and_demo_commands_prepare_a_database_that_serve_then_uses() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _database) = test_database(&dir);
    let media = dir.path().join("media");
    let env = [
        ("DATABASE_URL", url.as_str()),
        ("BROADSHEET_MEDIA__DIR", media.to_str().unwrap()),
    ];

    let migrate = broadsheet(&["migrate"], &env);
    assert!(migrate.status.success(), "{}", stderr(&migrate));
    let demo = broadsheet(&["demo"], &env);
    assert!(demo.status.success(), "{}", stderr(&demo));
    assert!(String::from_utf8_lossy(&demo.stdout).contains("Demo content loaded."));
    let again = broadsheet(&["demo"], &env);
    assert!(String::from_utf8_lossy(&again.stdout).contains("already has articles"));

    let settings = settings_for(&dir, url, false);
    let state = broadsheet::startup::prepare(settings).await.unwrap();
    let count = broadsheet::articles::queries::count(&state.db, broadsheet::articles::StoryFilter::All)
        .await
        .unwrap();
    assert!(count >= 20, "the demo articles are in the database: {count}");
}

#[tokio::test]
async fn the_first_admin_is_created_from_the_command_line_with_the_password_on_standard_input() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let (url, _database) = test_database(&dir);
    let mut child = Command::new(env!("CARGO_BIN_EXE_broadsheet"))
        .args([
            "user",
            "add",
            "--email",
            "chief@news.example",
            "--name",
            "Chief Editor",
            "--role",
            "admin",
        ])
        .env("DATABASE_URL", &url)
        .env("BROADSHEET_MEDIA__DIR", dir.path().join("media"))
        .env("RUST_LOG", "warn")
        .current_dir(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long enough password\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("Created Chief Editor (chief@news.example) as admin"));

    let settings = settings_for(&dir, url, false);
    let state = broadsheet::startup::prepare(settings).await.unwrap();
    let row = broadsheet::accounts::staff::by_email(&state.db, "chief@news.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.role, "admin");
    assert!(broadsheet::accounts::password::verify("a long enough password", &row.password_hash).await);

    let again = broadsheet(
        &["user", "add", "--email", "chief@news.example", "--role", "admin"],
        &[("DATABASE_URL", "sqlite:///nonexistent/dir/x.db")],
    );
    assert!(!again.status.success());
}

#[test]
fn a_port_in_use_is_said_at_once_before_anything_is_written() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let bind = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("site.db");
    let url = format!("sqlite://{}", database.display());
    let output = broadsheet(
        &["serve"],
        &[
            ("BROADSHEET_SERVER__BIND", bind.as_str()),
            ("DATABASE_URL", url.as_str()),
        ],
    );
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains(&format!("cannot listen on {bind}")),
        "{}",
        stderr(&output)
    );
    assert!(!database.exists(), "no database was made or migrated first");
}
