//! The answer of one write job: a one-shot channel from whoever holds the
//! job (the blocking thread that prepares it, then the writer) to the
//! caller, who awaits it without holding a thread. It also carries the
//! race that decides, once, whether the writer runs the job or the caller
//! gave up on it, so an abandoned write can never be stored after its
//! caller was told `db`.
use crate::api::error::{ApiError, ApiResult};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

const PENDING: u8 = 0;
const TAKEN: u8 = 1;
const ABANDONED: u8 = 2;

/// The caller's side.
pub struct Answer {
    rx: oneshot::Receiver<ApiResult>,
    claim: Arc<AtomicU8>,
}

/// The job's side. Dropping it unanswered (a panic while preparing, a
/// writer that stopped) closes the channel, which the caller reads as
/// `db`, so a caller never waits in vain.
pub struct Responder {
    tx: oneshot::Sender<ApiResult>,
    claim: Arc<AtomicU8>,
}

pub fn ticket() -> (Responder, Answer) {
    let (tx, rx) = oneshot::channel();
    let claim = Arc::new(AtomicU8::new(PENDING));
    (
        Responder {
            tx,
            claim: claim.clone(),
        },
        Answer { rx, claim },
    )
}

impl Responder {
    pub fn answer(self, answer: ApiResult) {
        // An error means the caller is gone: nobody is left to tell.
        let _ = self.tx.send(answer);
    }

    /// Claims the job for running; false when the caller gave up on it.
    pub(super) fn take(&self) -> bool {
        self.claim
            .compare_exchange(PENDING, TAKEN, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
}

/// A closed channel (the job dropped unanswered) answers `db`.
fn received(r: Result<ApiResult, oneshot::error::RecvError>) -> ApiResult {
    r.unwrap_or_else(|_| Err(ApiError::db()))
}

impl Answer {
    /// Gives up a job the writer has not started: true when it will now
    /// never run (logged), false when it already started.
    fn abandon(&self) -> bool {
        let abandoned = self
            .claim
            .compare_exchange(PENDING, ABANDONED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok();
        if abandoned {
            tracing::error!("db writer too slow; write abandoned before it ran");
        }
        abandoned
    }

    /// The answer. A job that has not started after `limit` is abandoned
    /// (it will never run) and answers `db`; one already started is waited
    /// for, since its batch answers as soon as it commits or fails.
    pub async fn wait(mut self, limit: Duration) -> ApiResult {
        if let Ok(r) = actix_web::rt::time::timeout(limit, &mut self.rx).await {
            return received(r);
        }
        if self.abandon() {
            return Err(ApiError::db());
        }
        received(self.rx.await)
    }

    /// [`Answer::wait`] for a blocking thread (inside `web::block`).
    pub fn wait_blocking(mut self, limit: Duration) -> ApiResult {
        let deadline = std::time::Instant::now() + limit;
        loop {
            match self.rx.try_recv() {
                Ok(r) => return r,
                Err(oneshot::error::TryRecvError::Closed) => return Err(ApiError::db()),
                Err(oneshot::error::TryRecvError::Empty) => {}
            }
            let started = self.claim.load(Ordering::Acquire) == TAKEN;
            if started {
                return received(self.rx.blocking_recv());
            }
            if std::time::Instant::now() >= deadline {
                if self.abandon() {
                    return Err(ApiError::db());
                }
                return received(self.rx.blocking_recv());
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}
