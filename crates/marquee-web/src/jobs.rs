//! Long work started from the admin (imports): each runs as a task of its own and reports its
//! progress here, where the admin's job page reads it. Jobs live in the memory of the server
//! that runs them; the most recent are kept after they end.

use marquee_import::Progress;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Ended jobs kept for their pages.
const KEPT: usize = 20;

#[derive(Default)]
pub struct Jobs {
    next: AtomicU64,
    jobs: Mutex<Vec<Arc<Job>>>,
    /// Held by the job running: imports write in one transaction each, so they take turns
    /// rather than wait on the database's lock.
    turn: tokio::sync::Mutex<()>,
}

impl Jobs {
    /// Waits for the jobs started before this one to end; the job shows it is waiting.
    pub async fn turn(&self, job: &Job) -> tokio::sync::MutexGuard<'_, ()> {
        match self.turn.try_lock() {
            Ok(turn) => turn,
            Err(_) => {
                job.start(0, "waiting for the import before it");
                self.turn.lock().await
            }
        }
    }

    /// Registers a job started by `user_id`.
    pub fn start(&self, user_id: i64, title: String) -> Arc<Job> {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let job = Arc::new(Job { id, user_id, title, started_at: marquee_store::now(), state: Mutex::default() });
        let mut jobs = self.jobs.lock().expect("jobs lock");
        jobs.push(job.clone());
        // Forget the oldest ended jobs past the kept number; running ones stay.
        while jobs.len() > KEPT {
            match jobs.iter().position(|j| j.snapshot().outcome.is_some()) {
                Some(oldest) => {
                    jobs.remove(oldest);
                }
                None => break,
            }
        }
        job
    }

    pub fn get(&self, id: u64) -> Option<Arc<Job>> {
        self.jobs.lock().expect("jobs lock").iter().find(|j| j.id == id).cloned()
    }

    /// The jobs, newest first.
    pub fn list(&self) -> Vec<Arc<Job>> {
        self.jobs.lock().expect("jobs lock").iter().rev().cloned().collect()
    }
}

pub struct Job {
    pub id: u64,
    pub user_id: i64,
    pub title: String,
    pub started_at: i64,
    state: Mutex<JobState>,
}

/// How a job ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The summary line and the lines under it (warnings, skipped rows).
    Done {
        summary: String,
        details: Vec<String>,
    },
    Failed {
        message: String,
    },
}

#[derive(Clone, Debug, Default)]
pub struct JobState {
    /// The step running now ("diary", "title.basics", …).
    pub step: String,
    /// Items in the step; 0 when not known ahead (rows of a stream).
    pub total: u64,
    pub done: u64,
    /// Items per second in this step so far.
    pub rate: f64,
    pub item: String,
    step_started: Option<Instant>,
    pub outcome: Option<Outcome>,
}

impl Job {
    pub fn snapshot(&self) -> JobState {
        let mut state = self.state.lock().expect("job lock").clone();
        if let Some(started) = state.step_started {
            let seconds = started.elapsed().as_secs_f64();
            if seconds > 0.0 {
                state.rate = state.done as f64 / seconds;
            }
        }
        state
    }

    pub fn end(&self, outcome: Outcome) {
        self.state.lock().expect("job lock").outcome = Some(outcome);
    }
}

impl Progress for Job {
    fn start(&self, total: u64, what: &str) {
        let mut state = self.state.lock().expect("job lock");
        state.step = what.to_string();
        state.total = total;
        state.done = 0;
        state.item.clear();
        state.step_started = Some(Instant::now());
    }

    fn advance(&self, item: &str) {
        self.advance_by(1, item);
    }

    fn advance_by(&self, count: u64, item: &str) {
        let mut state = self.state.lock().expect("job lock");
        state.done += count;
        if !item.is_empty() {
            state.item.clear();
            state.item.push_str(item);
        }
    }

    fn finish(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_reports_its_step_count_and_outcome() {
        let jobs = Jobs::default();
        let job = jobs.start(1, "Letterboxd".into());
        job.start(3, "diary");
        job.advance("Heat");
        job.advance_by(1, "");
        let state = job.snapshot();
        assert_eq!((state.step.as_str(), state.total, state.done, state.item.as_str()), ("diary", 3, 2, "Heat"));
        assert!(state.outcome.is_none());
        job.end(Outcome::Failed { message: "no".into() });
        assert_eq!(jobs.get(job.id).unwrap().snapshot().outcome, Some(Outcome::Failed { message: "no".into() }));
    }

    #[tokio::test]
    async fn imports_take_turns_and_a_waiting_one_says_so() {
        let jobs = Jobs::default();
        let (first, second) = (jobs.start(1, "first".into()), jobs.start(1, "second".into()));
        let turn = jobs.turn(&first).await;
        assert_eq!(first.snapshot().step, "", "the first runs at once");
        let waiting = tokio::time::timeout(std::time::Duration::from_millis(50), jobs.turn(&second)).await;
        assert!(waiting.is_err(), "the second waits while the first runs");
        assert_eq!(second.snapshot().step, "waiting for the import before it");
        drop(turn);
        let _turn = jobs.turn(&second).await;
    }

    #[test]
    fn only_the_most_recent_ended_jobs_are_kept() {
        let jobs = Jobs::default();
        let running = jobs.start(1, "running".into());
        for n in 0..30 {
            jobs.start(1, format!("job {n}")).end(Outcome::Done { summary: String::new(), details: Vec::new() });
        }
        let kept = jobs.list();
        assert_eq!(kept.len(), KEPT);
        assert!(kept.iter().any(|j| j.id == running.id), "a running job is never forgotten");
        assert_eq!(kept[0].title, "job 29");
    }
}
