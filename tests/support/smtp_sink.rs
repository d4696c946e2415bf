//! Postfix's smtp-sink as the mail relay: a real SMTP server that is not
//! ours. It keeps each message it takes as a file, with the envelope in
//! X-Mail-Args / X-Rcpt-Args headers added on top.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use mail_parser::MessageParser;

pub struct Sink {
    pub port: u16,
    pub dir: tempfile::TempDir,
    child: Child,
}

/// One message as the relay took it.
pub struct Taken {
    pub envelope_from: String,
    pub recipient: String,
    pub raw: String,
}

impl Taken {
    pub fn header(&self, name: &str) -> Option<String> {
        let message = MessageParser::default().parse(self.raw.as_bytes())?;
        message.header_raw(name).map(|v| v.trim().to_owned())
    }

    /// The decoded text and HTML parts.
    pub fn bodies(&self) -> (String, String) {
        let message = MessageParser::default().parse(self.raw.as_bytes()).expect("a message");
        let text = message.body_text(0).map(|t| t.into_owned()).unwrap_or_default();
        let html = message.body_html(0).map(|t| t.into_owned()).unwrap_or_default();
        (text, html)
    }
}

impl Sink {
    pub async fn start() -> Sink {
        Self::start_on(free_port()).await
    }

    /// A sink on a given port (one a site was told to use before the sink was there).
    pub async fn start_on(port: u16) -> Sink {
        let dir = tempfile::tempdir().unwrap();
        let mut command = Command::new("/usr/sbin/smtp-sink");
        // As root it must drop to another user, who must be able to write the folder.
        let root = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| o.stdout == b"0\n")
            .unwrap_or(false);
        if root {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
            command.args(["-u", "nobody"]);
        }
        let template = format!("{}/m.", dir.path().display());
        let child = command
            .args(["-d", &template, &format!("127.0.0.1:{port}"), "256"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("smtp-sink runs (scripts/setup installs Postfix's test tools)");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Sink { port, dir, child }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn files(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.dir.path())
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    }

    /// Every message taken so far.
    pub fn taken(&self) -> Vec<Taken> {
        let mut out = Vec::new();
        for path in self.files() {
            let raw = std::fs::read_to_string(&path).unwrap_or_default();
            let arg = |name: &str| {
                raw.lines()
                    .find_map(|l| l.strip_prefix(name))
                    .map(|v| v.trim().trim_start_matches('<').trim_end_matches('>').to_owned())
                    .unwrap_or_default()
            };
            out.push(Taken {
                envelope_from: arg("X-Mail-Args:"),
                recipient: arg("X-Rcpt-Args:"),
                raw: raw.clone(),
            });
        }
        out
    }

    /// Waits until at least `count` messages were taken.
    pub async fn wait_for(&self, count: usize) -> Vec<Taken> {
        for _ in 0..600 {
            let taken = self.taken();
            // A file is complete once the multipart message's closing boundary is written.
            let complete = |t: &Taken| {
                t.raw
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .is_some_and(|l| l.starts_with("--") && l.trim_end().ends_with("--"))
            };
            if taken.len() >= count && taken.iter().all(complete) {
                return taken;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the sink took {} messages, not {count}", self.taken().len());
    }
}

/// A port nothing listens on (yet).
pub fn free_port() -> u16 {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    probe.local_addr().unwrap().port()
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
