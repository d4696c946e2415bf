//! A progress bar on standard error while a file is read: how far through
//! the file, and how many posts so far. Drawn only on a terminal.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Shared by the reading thread (bytes) and the importer (posts).
#[derive(Clone, Default)]
pub struct Counters {
    pub bytes: Arc<AtomicU64>,
    pub posts: Arc<AtomicU64>,
    /// Pictures fetched from the old site.
    pub pictures: Arc<AtomicU64>,
}

pub struct Bar {
    task: Option<tokio::task::JoinHandle<()>>,
    stop: Arc<tokio::sync::Notify>,
}

impl Bar {
    pub fn start(label: &'static str, total: u64, counters: Counters, wanted: bool) -> Self {
        Self::counting(label, "posts", total, counters, wanted)
    }

    /// A bar that counts `noun` (subscribers, rows …) in `counters.posts`.
    pub fn counting(label: &'static str, noun: &'static str, total: u64, counters: Counters, wanted: bool) -> Self {
        let stop = Arc::new(tokio::sync::Notify::new());
        let task = (wanted && std::io::stderr().is_terminal()).then(|| {
            let stop = stop.clone();
            tokio::spawn(async move {
                loop {
                    draw(label, noun, total, &counters);
                    tokio::select! {
                        () = stop.notified() => break,
                        () = tokio::time::sleep(Duration::from_millis(200)) => {}
                    }
                }
                draw(label, noun, total, &counters);
                eprintln!();
            })
        });
        Self { task, stop }
    }

    pub async fn finish(mut self) {
        if let Some(task) = self.task.take() {
            self.stop.notify_one();
            let _ = task.await;
        }
    }
}

fn draw(label: &str, noun: &str, total: u64, counters: &Counters) {
    const WIDTH: u64 = 30;
    let done = counters.bytes.load(Ordering::Relaxed).min(total);
    let filled = (done * WIDTH).checked_div(total).unwrap_or(WIDTH);
    let percent = (done * 100).checked_div(total).unwrap_or(100);
    let bar: String = (0..WIDTH).map(|i| if i < filled { '#' } else { '-' }).collect();
    let posts = counters.posts.load(Ordering::Relaxed);
    let pictures = match counters.pictures.load(Ordering::Relaxed) {
        0 => String::new(),
        n => format!(", {n} pictures fetched"),
    };
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\r{label:<10} [{bar}] {percent:>3}%  {posts} {noun}{pictures}");
    let _ = err.flush();
}
