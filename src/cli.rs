//! The `broadsheet` command: serve the site (the default), migrate, load demo content.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{self, Settings};
use crate::startup::{self, Application};
use crate::{demo, telemetry};

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
            Command::Settings => {
                for (key, value) in config::flatten(&settings) {
                    let shown = if key == "database.url" {
                        redact_url(&value)
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
        state.site.name,
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
