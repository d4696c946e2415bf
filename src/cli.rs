//! The `broadsheet` command: serve the site (the default), migrate, load demo content.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::accounts::staff::{self, NewStaff};
use crate::accounts::{Role, password};
use crate::audit::Actor;
use crate::change::Change;
use crate::config::{self, Settings};
use crate::error::AppError;
use crate::startup::{self, Application};
use crate::{demo, imports, telemetry};

#[derive(Parser)]
#[command(
    name = "broadsheet",
    version,
    about = "Broadsheet: a news website in one binary, on SQLite or PostgreSQL."
)]
#[command(after_help = config::settings_help())]
pub struct Cli {
    /// Settings file (TOML). Defaults to ./broadsheet.toml when it exists.
    #[arg(long, short, env = "BROADSHEET_CONFIG", global = true, value_name = "FILE")]
    config: Option<PathBuf>,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the site (the default): migrates, loads demo content into an empty site, listens.
    Serve,
    /// Create or update the database schema, then exit.
    Migrate,
    /// Load the demo content into an empty database, then exit.
    Demo,
    /// Print the settings in effect (secrets hidden), then exit.
    Settings,
    /// Manage newsroom staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Copy the SQLite database (consistently, while the site serves) and the media into a new folder.
    Backup {
        /// A folder that does not exist yet (or is empty).
        dir: std::path::PathBuf,
    },
    /// Bring in an archive from another platform. Safe to run again: what was
    /// imported before is updated, never duplicated.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Write the whole site (articles, live blogs, comments, pictures, sections,
    /// authors, tags, old addresses) into a new folder, for `import broadsheet`.
    Export { dir: PathBuf },
    /// Newsletter subscribers in and out, as CSV (email,name,newsletters,consent_date).
    #[command(subcommand)]
    Subscribers(SubscribersCommand),
    /// Put a backup folder's database and media in place (stop the site first).
    Restore {
        dir: std::path::PathBuf,
        /// Replace an existing database (it is kept beside as <file>.before-restore-<time>).
        #[arg(long)]
        replace: bool,
    },
}

#[derive(Subcommand)]
enum SubscribersCommand {
    /// Subscribe the rows of a CSV file: each needs an email, the newsletters
    /// (their addresses, separated by spaces) and the date consent was given.
    Import { file: PathBuf },
    /// Write every subscriber, with their newsletters, as CSV to standard output.
    Export,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// A WordPress export (Tools → Export → All content), a WXR .xml file.
    Wordpress {
        file: PathBuf,
        #[command(flatten)]
        from: ImportFrom,
    },
    /// A Ghost export (Settings → Advanced → Export), a .json file.
    Ghost {
        file: PathBuf,
        #[command(flatten)]
        from: ImportFrom,
    },
    /// A folder written by `broadsheet export` (into an empty site it gives back the same site).
    Broadsheet { dir: PathBuf },
}

/// Where an import from another platform finds its pictures and what it calls the old site.
#[derive(clap::Args)]
struct ImportFrom {
    /// The folder holding the old site's pictures (wp-content/uploads or
    /// content/images, or a folder above it). Pictures not found there are
    /// fetched from their addresses on the old site.
    #[arg(long, value_name = "DIR")]
    media: Option<PathBuf>,
    /// Do not fetch pictures from the old site (those not in --media are left out).
    #[arg(long)]
    no_download: bool,
    /// Let picture fetches reach private and local addresses (an old site on
    /// your own network). Refused otherwise.
    #[arg(long)]
    allow_private_addresses: bool,
    /// A name for the old site, for an export that does not say which site
    /// it is; give the same name at every import from that site.
    #[arg(long, value_name = "NAME")]
    source: Option<String>,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a staff account. The password is asked for twice at a terminal,
    /// or read from the first line of standard input when that is a pipe.
    Add {
        #[arg(long)]
        email: String,
        /// Name shown in the newsroom (defaults to the part of the email before @).
        #[arg(long)]
        name: Option<String>,
        /// admin, editor, writer or moderator.
        #[arg(long, default_value = "writer")]
        role: String,
    },
    /// Set a staff member's password (for an admin locked out with no one to
    /// reset it). Read as for `add`; every session of theirs ends.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(err) => return fail(err),
    };
    telemetry::init(&settings.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => return fail(err.into()),
    };
    let outcome = runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(settings).await,
            Command::Migrate => {
                startup::prepare(settings).await?;
                println!("The database is up to date.");
                Ok(())
            }
            Command::Demo => {
                let state = startup::prepare(settings).await?;
                if demo::load_if_empty(&state).await? {
                    println!("Demo content loaded.");
                } else {
                    println!("The database already has articles; the demo content was not loaded.");
                }
                Ok(())
            }
            Command::User(UserCommand::Add { email, name, role }) => {
                let role: Role = role
                    .parse()
                    .map_err(|e: AppError| anyhow::anyhow!("{}", e.report().detail))?;
                let password = read_password()?;
                let state = startup::prepare(settings).await?;
                let name = name.unwrap_or_else(|| email.split('@').next().unwrap_or(&email).to_owned());
                let new = NewStaff {
                    email: crate::domain::Email::parse(&email).map_err(|e| anyhow::anyhow!("{}", e.report().detail))?,
                    name: &name,
                    role,
                    password: password::Hashed::new(&password)
                        .await
                        .map_err(|e| anyhow::anyhow!("{}", e.report().detail))?,
                };
                let mut change = Change::begin(&state, Actor::system("Command line")).await?;
                let member = staff::create(&mut change, new)
                    .await
                    .map_err(|e| anyhow::anyhow!("{}", e.report().detail))?;
                change.commit().await?;
                println!(
                    "Created {} ({}) as {}. Sign in at /newsroom/login.",
                    member.name, member.email, role
                );
                Ok(())
            }
            Command::User(UserCommand::ResetPassword { email }) => {
                let password = read_password()?;
                let state = startup::prepare(settings).await?;
                let member = staff::by_email(&state.db, &email)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("No staff account has the email {email}."))?;
                let hashed = password::Hashed::new(&password)
                    .await
                    .map_err(|e| anyhow::anyhow!("{}", e.report().detail))?;
                let mut change = Change::begin(&state, Actor::system("Command line")).await?;
                staff::set_password(&mut change, &member, &hashed, None, "from the command line")
                    .await
                    .map_err(|e| anyhow::anyhow!("{}", e.report().detail))?;
                change.commit().await?;
                println!(
                    "The password of {} ({}) is set, and every session of theirs has ended.",
                    member.name, member.email
                );
                Ok(())
            }
            Command::Import(command) => {
                let (platform, file, from) = match command {
                    ImportCommand::Wordpress { file, from } => (imports::Platform::WordPress, file, Some(from)),
                    ImportCommand::Ghost { file, from } => (imports::Platform::Ghost, file, Some(from)),
                    ImportCommand::Broadsheet { dir } => (imports::Platform::Broadsheet, dir, None),
                };
                let state = startup::prepare(settings).await?;
                let request = imports::Request {
                    platform,
                    file: &file,
                    media: from.as_ref().and_then(|f| f.media.clone()),
                    source: from.as_ref().and_then(|f| f.source.clone()),
                    download: from.as_ref().is_some_and(|f| !f.no_download),
                    allow_private: from.as_ref().is_some_and(|f| f.allow_private_addresses),
                    progress: true,
                };
                let summary = imports::run(&state, request).await?;
                print!("{summary}");
                Ok(())
            }
            Command::Subscribers(SubscribersCommand::Import { file }) => {
                let state = startup::prepare(settings).await?;
                let summary = crate::newsletters::csv::import(&state, &file, true).await?;
                print!("{summary}");
                Ok(())
            }
            Command::Subscribers(SubscribersCommand::Export) => {
                let state = startup::prepare(settings).await?;
                let count = crate::newsletters::csv::export(&state, std::io::stdout()).await?;
                eprintln!("Exported {count} subscribers.");
                Ok(())
            }
            Command::Export { dir } => {
                let state = startup::prepare(settings).await?;
                let done = imports::archive::export(&state, &dir).await?;
                println!(
                    "Exported {} articles and {} pictures into {}.",
                    done.articles,
                    done.pictures,
                    dir.display()
                );
                Ok(())
            }
            Command::Backup { dir } => {
                let copied = crate::ops::backup::backup(&settings, &dir).await?;
                println!(
                    "Backed up the database ({} bytes) and {} media files into {}.",
                    copied.database_bytes,
                    copied.media_files,
                    dir.display()
                );
                Ok(())
            }
            Command::Restore { dir, replace } => {
                let copied = crate::ops::backup::restore(&settings, &dir, replace).await?;
                println!(
                    "Restored the database ({} bytes) and {} media files from {}. Start the site with `broadsheet serve`.",
                    copied.database_bytes,
                    copied.media_files,
                    dir.display()
                );
                Ok(())
            }
            Command::Settings => {
                for (key, value) in config::flatten(&settings) {
                    // Secrets print as "(set, hidden)"; the database's address is
                    // useful to see, with its password taken out.
                    let shown = if key == "database.url" {
                        redact_url(settings.database.url.expose())
                    } else {
                        value
                    };
                    println!("{key} = {shown}");
                }
                Ok(())
            }
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => fail(err),
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = Application::build(settings).await?;
    let state = app.state();
    tracing::info!(
        "Broadsheet is serving {} at http://{}:{} ({:?})",
        state.site.name(),
        state
            .settings
            .server
            .bind
            .rsplit_once(':')
            .map(|(host, _)| host)
            .unwrap_or("127.0.0.1"),
        app.port(),
        state.db.backend()
    );
    app.run_until(shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// Asks twice at a terminal; reads one line from a pipe.
fn read_password() -> anyhow::Result<String> {
    use std::io::{BufRead, IsTerminal};
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Password again: ")?;
        anyhow::ensure!(first == second, "the two passwords differ");
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let password = line.trim_end_matches(['\n', '\r']).to_owned();
        anyhow::ensure!(!password.is_empty(), "no password on standard input");
        Ok(password)
    }
}

/// One line on standard error, no backtrace, and a failing exit code.
fn fail(err: anyhow::Error) -> ExitCode {
    eprintln!("error: {err:#}");
    ExitCode::FAILURE
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}
