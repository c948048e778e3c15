//! The answer of one write job: a one-shot slot shared by the caller (who
//! awaits it without holding a thread) and whoever holds the job (the
//! blocking thread that prepares it, then the writer). It also carries the
//! race that decides, once, whether the writer runs the job or the caller
//! gave up on it, so an abandoned write can never be stored after its
//! caller was told `db`.
use crate::api::error::{ApiError, ApiResult};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

const PENDING: u8 = 0;
const TAKEN: u8 = 1;
const ABANDONED: u8 = 2;

#[derive(Default)]
struct Slot {
    answer: Option<ApiResult>,
    answered: bool,
    waker: Option<Waker>,
}

#[derive(Default)]
struct Ticket {
    state: AtomicU8,
    slot: Mutex<Slot>,
}

/// The caller's side: a future of the job's answer.
pub struct Answer(Arc<Ticket>);

/// The job's side. Dropping it unanswered (a panic while preparing, a
/// writer that stopped) answers `db`, so a caller never waits in vain.
pub struct Responder(Arc<Ticket>);

pub fn ticket() -> (Responder, Answer) {
    let t = Arc::new(Ticket::default());
    (Responder(t.clone()), Answer(t))
}

impl Responder {
    pub fn answer(self, answer: ApiResult) {
        self.set(answer);
    }

    /// Claims the job for running; false when the caller gave up on it.
    pub(super) fn take(&self) -> bool {
        let s = &self.0.state;
        s.compare_exchange(PENDING, TAKEN, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    fn set(&self, answer: ApiResult) {
        let waker = {
            let mut slot = self.0.slot.lock().unwrap_or_else(|e| e.into_inner());
            if slot.answered {
                return;
            }
            slot.answered = true;
            slot.answer = Some(answer);
            slot.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        self.set(Err(ApiError::db()));
    }
}

impl Future for Answer {
    type Output = ApiResult;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<ApiResult> {
        let mut slot = self.0.slot.lock().unwrap_or_else(|e| e.into_inner());
        match slot.answer.take() {
            Some(answer) => Poll::Ready(answer),
            None if slot.answered => Poll::Ready(Err(ApiError::db())),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl Answer {
    /// The answer. A job that has not started after `limit` is abandoned
    /// (it will never run) and answers `db`; one already started is waited
    /// for, since its batch answers as soon as it commits or fails.
    pub async fn wait(mut self, limit: Duration) -> ApiResult {
        if let Ok(answer) = actix_web::rt::time::timeout(limit, &mut self).await {
            return answer;
        }
        let s = &self.0.state;
        if s.compare_exchange(PENDING, ABANDONED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            tracing::error!("db writer too slow; write abandoned before it ran");
            return Err(ApiError::db());
        }
        self.await
    }
}
