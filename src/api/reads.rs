//! Fairness between reports (docs/API.md "Reports under load"): stats, leads
//! and clicks run at most [`PER_USER`] at a time per user and [`TOTAL`]
//! at a time in all, each on the report pool (two connections per slot:
//! its own and the spare that reads the other half of a period), so one
//! user's reports never hold what another's, a light call or a postback
//! needs, and two cores are not shared by more reports than they can run.
//! A report waits for a slot in turn, at most [`WAIT`], then answers
//! `busy`. The wait holds neither a thread nor a connection: it is
//! awaited before the report's blocking work starts.
use super::error::{ApiError, ApiResult, ErrorCode};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Reports of one user at a time: a dashboard's page asks for two.
pub const PER_USER: usize = 2;
/// Reports at a time in all: enough for two users' dashboards at once;
/// more only share the same cores.
pub const TOTAL: usize = 4;
/// Longest wait for a slot before `busy`.
pub const WAIT: Duration = Duration::from_secs(2);
/// A report's default time budget (`--read-timeout-ms`).
pub const BUDGET_MS: u64 = 10_000;

type Users = Arc<Mutex<HashMap<i64, Arc<Semaphore>>>>;

pub struct Reads {
    total: Arc<Semaphore>,
    /// Each user with a report running or waiting: that user's slots.
    users: Users,
    wait: Duration,
    /// How long one report may run (src/db/budget.rs).
    pub budget: Duration,
}

/// A report's right to run; the slots go back when it is dropped.
pub struct Slot {
    user: i64,
    users: Users,
    permits: Option<(OwnedSemaphorePermit, OwnedSemaphorePermit)>,
}

impl Reads {
    pub fn new(budget: Duration, wait: Duration) -> Reads {
        Reads {
            total: Arc::new(Semaphore::new(TOTAL)),
            users: Default::default(),
            wait,
            budget,
        }
    }

    /// Waits (first come, first served) for one of `user`'s slots and one
    /// of all; `busy` after the wait.
    pub async fn enter(&self, user: i64) -> ApiResult<Slot> {
        let own = {
            let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
            let own = users.entry(user).or_insert_with(|| {
                // A user's slots are taken before one of all, so a user
                // with many reports waiting holds at most PER_USER of all.
                Arc::new(Semaphore::new(PER_USER))
            });
            own.clone()
        };
        let both = async {
            let mine = own.acquire_owned().await.ok()?;
            let all = self.total.clone().acquire_owned().await.ok()?;
            Some((mine, all))
        };
        let got = actix_web::rt::time::timeout(self.wait, both).await;
        let slot = Slot {
            user,
            users: self.users.clone(),
            permits: got.ok().flatten(),
        };
        match slot.permits {
            Some(_) => Ok(slot),
            // Dropping the slot forgets the user if nobody else waits.
            None => Err(ApiError::new(ErrorCode::Busy)),
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.permits = None;
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        // Only the map holds the user's slots: nobody runs or waits.
        if users
            .get(&self.user)
            .is_some_and(|s| Arc::strong_count(s) == 1)
        {
            users.remove(&self.user);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run<F: std::future::Future>(f: F) -> F::Output {
        actix_web::rt::System::new().block_on(f)
    }

    fn busy(r: ApiResult<Slot>) -> bool {
        matches!(r, Err(e) if e.code == ErrorCode::Busy)
    }

    #[test]
    fn a_user_past_their_slots_waits_then_is_busy_while_others_run() {
        run(async {
            let reads = Reads::new(Duration::from_secs(1), Duration::from_millis(50));
            let mine: Vec<Slot> =
                vec![reads.enter(1).await.unwrap(), reads.enter(1).await.unwrap()];
            assert!(busy(reads.enter(1).await));
            let other = reads.enter(2).await.unwrap();
            // A slot given back is the next waiter's.
            drop(mine);
            let again = reads.enter(1).await.unwrap();
            drop((other, again));
            assert!(reads.users.lock().unwrap().is_empty());
        })
    }

    #[test]
    fn all_slots_taken_make_everyone_wait() {
        run(async {
            let reads = Reads::new(Duration::from_secs(1), Duration::from_millis(50));
            let mut held = Vec::new();
            for user in 1..=TOTAL as i64 {
                held.push(reads.enter(user).await.unwrap());
            }
            assert!(busy(reads.enter(99).await));
            held.pop();
            let slot = reads.enter(99).await.unwrap();
            drop((held, slot));
            assert!(reads.users.lock().unwrap().is_empty());
        })
    }
}
