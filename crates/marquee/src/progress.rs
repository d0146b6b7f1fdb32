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
        Box::new(Lines {
            started: Mutex::new(std::time::Instant::now()),
            total: AtomicU64::new(0),
            done: AtomicU64::new(0),
            what: Mutex::new(String::new()),
        })
    }
}

struct Bar(Mutex<Option<ProgressBar>>);

impl Progress for Bar {
    fn start(&self, total: u64, what: &str) {
        // Without a total (rows of a stream): a count and a rate.
        let (bar, template) = match total {
            0 => (ProgressBar::new_spinner(), "{prefix:>16} {spinner} {human_pos} rows ({per_sec}) {wide_msg}"),
            _ => (ProgressBar::new(total), "{prefix:>16} [{bar:30}] {pos}/{len} ({per_sec}, {eta} left) {wide_msg}"),
        };
        bar.set_style(ProgressStyle::with_template(template).expect("the template is valid").progress_chars("=> "));
        bar.set_prefix(what.to_string());
        *self.0.lock().expect("progress lock") = Some(bar);
    }

    fn advance(&self, item: &str) {
        self.advance_by(1, item);
    }

    fn advance_by(&self, count: u64, item: &str) {
        if let Some(bar) = self.0.lock().expect("progress lock").as_ref() {
            bar.set_message(item.to_string());
            bar.inc(count);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.0.lock().expect("progress lock").take() {
            bar.finish_and_clear();
        }
    }
}

/// One line per tenth of the work (and the first and last item), for logs and CI; without a
/// total, one line per million rows with the rate so far.
struct Lines {
    started: Mutex<std::time::Instant>,
    total: AtomicU64,
    done: AtomicU64,
    what: Mutex<String>,
}

impl Progress for Lines {
    fn start(&self, total: u64, what: &str) {
        self.total.store(total, Ordering::Relaxed);
        self.done.store(0, Ordering::Relaxed);
        *self.what.lock().expect("progress lock") = what.to_string();
        *self.started.lock().expect("progress lock") = std::time::Instant::now();
        match total {
            0 => eprintln!("{what}: reading"),
            _ => eprintln!("{what}: {total} item(s)"),
        }
    }

    fn advance(&self, item: &str) {
        self.advance_by(1, item);
    }

    fn advance_by(&self, count: u64, item: &str) {
        let done = self.done.fetch_add(count, Ordering::Relaxed) + count;
        let total = self.total.load(Ordering::Relaxed);
        if total == 0 {
            const STEP: u64 = 1_000_000;
            if done / STEP > (done - count) / STEP {
                let seconds = self.started.lock().expect("progress lock").elapsed().as_secs_f64().max(0.001);
                let what = self.what.lock().expect("progress lock");
                eprintln!("{what}: {done} rows ({:.0} rows/s)", done as f64 / seconds);
            }
            return;
        }
        let step = (total / 10).max(1);
        if done == 1 || done == total || done.is_multiple_of(step) {
            let what = self.what.lock().expect("progress lock");
            eprintln!("{what}: {done}/{total} {item}");
        }
    }

    fn finish(&self) {}
}
