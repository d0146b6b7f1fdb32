//! Progress on the terminal: a bar with counts and rate on a TTY, plain lines otherwise.

use indicatif::{ProgressBar, ProgressStyle};
use marquee_import::Progress;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

pub fn for_terminal() -> Box<dyn Progress> {
    if std::io::stderr().is_terminal() {
        Box::new(Bar(Mutex::new(None)))
    } else {
        Box::new(Lines { total: AtomicU64::new(0), done: AtomicU64::new(0), what: Mutex::new(String::new()) })
    }
}

struct Bar(Mutex<Option<ProgressBar>>);

impl Progress for Bar {
    fn start(&self, total: u64, what: &str) {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{prefix:>10} [{bar:30}] {pos}/{len} ({per_sec}, {eta} left) {wide_msg}")
                .expect("the template is valid")
                .progress_chars("=> "),
        );
        bar.set_prefix(what.to_string());
        *self.0.lock().expect("progress lock") = Some(bar);
    }

    fn advance(&self, item: &str) {
        if let Some(bar) = self.0.lock().expect("progress lock").as_ref() {
            bar.set_message(item.to_string());
            bar.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.0.lock().expect("progress lock").take() {
            bar.finish_and_clear();
        }
    }
}

/// One line per tenth of the work (and the first and last item), for logs and CI.
struct Lines {
    total: AtomicU64,
    done: AtomicU64,
    what: Mutex<String>,
}

impl Progress for Lines {
    fn start(&self, total: u64, what: &str) {
        self.total.store(total, Ordering::Relaxed);
        self.done.store(0, Ordering::Relaxed);
        *self.what.lock().expect("progress lock") = what.to_string();
        eprintln!("{what}: {total} item(s)");
    }

    fn advance(&self, item: &str) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let total = self.total.load(Ordering::Relaxed).max(1);
        let step = (total / 10).max(1);
        if done == 1 || done == total || done.is_multiple_of(step) {
            let what = self.what.lock().expect("progress lock");
            eprintln!("{what}: {done}/{total} {item}");
        }
    }

    fn finish(&self) {}
}
