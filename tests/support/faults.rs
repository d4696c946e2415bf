//! Faults a test can cause: a PostgreSQL server of its own that it stops and
//! starts (initdb from the installed server binaries, on a free port), and a
//! small filesystem of its own that it fills to the brim.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether this run is the PostgreSQL one (`BROADSHEET_TEST_DATABASE`).
pub fn postgres_run() -> bool {
    std::env::var("BROADSHEET_TEST_DATABASE").is_ok_and(|v| v.starts_with("postgres"))
}

/// The installed server's binaries (Debian keeps them per version).
fn server_bin(name: &str) -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin").join(name)))
        .filter(|p| p.exists())
        .collect();
    versions.sort();
    versions.pop()
}

/// Runs a server binary; as root, as the `postgres` user (the server refuses root).
fn as_server_user(program: &Path, args: &[&str]) -> std::process::Output {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"));
    let mut command = if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    };
    command.args(args).output().expect("a PostgreSQL server binary runs")
}

/// A PostgreSQL server only this test talks to.
pub struct PrivatePostgres {
    _dir: tempfile::TempDir,
    data: PathBuf,
    pub port: u16,
}

impl PrivatePostgres {
    /// A fresh cluster, started; `None` (said loudly) where the server binaries are missing.
    pub fn start() -> Option<Self> {
        let Some(initdb) = server_bin("initdb") else {
            eprintln!("SKIPPED: no PostgreSQL server binaries under /usr/lib/postgresql");
            return None;
        };
        let dir = tempfile::tempdir().expect("a temporary folder");
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        let _ = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir.path())
            .status();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let out = as_server_user(
            &initdb,
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));
        let server = Self { _dir: dir, data, port };
        server.resume();
        Some(server)
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn pg_ctl(&self, args: &[&str]) {
        let pg_ctl = server_bin("pg_ctl").expect("pg_ctl is installed");
        let mut all = vec!["-D", self.data.to_str().unwrap(), "-w"];
        all.extend_from_slice(args);
        let out = as_server_user(&pg_ctl, &all);
        assert!(
            out.status.success(),
            "pg_ctl {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Stops the server the way an operator's fast shutdown does (sessions are cut).
    pub fn stop(&self) {
        self.pg_ctl(&["-m", "fast", "stop"]);
    }

    /// Starts it again on the same port.
    pub fn resume(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} -c fsync=off",
            self.port,
            self.data.display()
        );
        let log = self.data.join("server.log");
        self.pg_ctl(&["-o", &options, "-l", log.to_str().unwrap(), "start"]);
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        if let Some(pg_ctl) = server_bin("pg_ctl") {
            let _ = as_server_user(&pg_ctl, &["-D", self.data.to_str().unwrap(), "-m", "immediate", "stop"]);
        }
    }
}

/// A tmpfs of a few megabytes mounted for one test (needs root, as CI runs).
pub struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    /// `None` (said loudly) where mounting is not allowed.
    pub fn mount(megabytes: u32) -> Option<Self> {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status();
        if !status.is_ok_and(|s| s.success()) {
            eprintln!("SKIPPED: cannot mount a tmpfs here (this test needs root, as CI runs)");
            return None;
        }
        Some(Self { dir })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fills what is left with one file; returns its path (remove it to make room).
    pub fn fill(&self) -> PathBuf {
        use std::io::Write;
        let filler = self.path().join("filler");
        let mut file = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 64 * 1024];
        while file.write_all(&block).is_ok() {}
        let _ = file.flush();
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.dir.path()).status();
    }
}
