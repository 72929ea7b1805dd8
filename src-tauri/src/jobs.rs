//! The shell's job table: the long operation running on each environment (keyed by its
//! folder) and the handle that cancels it. One job per environment at a time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use berth::engine::Cancel;

/// Every running long operation, by the folder of the environment it works on.
#[derive(Debug, Default, Clone)]
pub struct Jobs(Arc<Mutex<HashMap<String, Cancel>>>);

/// A running job; it leaves the table when dropped (done, failed or cancelled).
#[derive(Debug)]
pub struct Job {
    table: Jobs,
    key: String,
    cancel: Cancel,
}

impl Jobs {
    /// Register a job on `folder`, or say which job is already running there.
    pub fn start(&self, folder: &str, what: &str) -> Result<Job, berth::json::Error> {
        let mut table = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if table.contains_key(folder) {
            return Err(berth::json::Error::message(format!(
                "cannot {what} '{folder}': another operation is still running on it; wait for it \
                 to finish or cancel it first"
            )));
        }
        let cancel = Cancel::new();
        table.insert(folder.to_owned(), cancel.clone());
        Ok(Job {
            table: self.clone(),
            key: folder.to_owned(),
            cancel,
        })
    }

    /// Cancel the job on `folder`; false when none runs.
    pub fn cancel(&self, folder: &str) -> bool {
        let table = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match table.get(folder) {
            Some(cancel) => {
                cancel.cancel();
                true
            }
            None => false,
        }
    }
}

impl Job {
    /// The token the core operation watches.
    pub fn cancel(&self) -> &Cancel {
        &self.cancel
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        let mut table = self.table.0.lock().unwrap_or_else(|e| e.into_inner());
        table.remove(&self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_job_per_environment_and_it_leaves_when_done() {
        let jobs = Jobs::default();
        let job = jobs.start("/p", "start").unwrap();
        let second = jobs.start("/p", "rebuild").unwrap_err();
        assert!(
            second.message.contains("another operation"),
            "{}",
            second.message
        );
        assert!(
            jobs.start("/q", "start").is_ok(),
            "other environments run in parallel"
        );
        assert!(jobs.cancel("/p"));
        assert!(job.cancel().is_cancelled());
        drop(job);
        assert!(!jobs.cancel("/p"), "a finished job is gone");
        assert!(jobs.start("/p", "start").is_ok());
    }
}
