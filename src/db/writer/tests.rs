//! The writer's job contract (docs/API.md): jobs run in queue order, each in
//! its own savepoint, and answer only after the commit.
use super::*;
use crate::api::error::ErrorCode;
use serde_json::json;

/// The writer's tests store jobs only.
struct NoRecords;

impl Record for () {
    fn bytes(&self) -> usize {
        0
    }
}

impl Sink for NoRecords {
    type Record = ();
    fn append(&mut self, _: &Connection, _: &[&()]) -> rusqlite::Result<()> {
        Ok(())
    }
    fn flush(&mut self, _: &Connection) -> rusqlite::Result<()> {
        Ok(())
    }
    fn failed(&mut self) {}
    fn committed(&mut self) {}
}

fn writer() -> (Writer<NoRecords>, tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.db");
    let conn = crate::db::open(&path).unwrap();
    conn.execute_batch("CREATE TABLE t (x INTEGER)").unwrap();
    (
        Writer::start(conn, NoRecords, Vec::new(), DEFAULT_BYTES),
        dir,
        path,
    )
}

/// A job that stores `x`, then ends as `end` says.
/// Every answer, in order.
fn wait_all(answers: Vec<Answer>) -> Vec<ApiResult> {
    actix_web::rt::System::new().block_on(async {
        let mut got = Vec::new();
        for a in answers {
            got.push(a.wait(Duration::from_secs(5)).await);
        }
        got
    })
}

fn job(x: i64, end: &'static str) -> JobFn {
    Box::new(move |conn: &Connection| {
        conn.execute("INSERT INTO t (x) VALUES (?1)", [x])?;
        match end {
            "ok" => Ok(json!({ "x": x })),
            "panic" => panic!("job {x} panics after writing"),
            code => Err(ApiError::new(ErrorCode::parse(code).unwrap())),
        }
    })
}

fn stored(path: &std::path::Path) -> Vec<i64> {
    let conn = crate::db::open(path).unwrap();
    let mut st = conn.prepare("SELECT x FROM t ORDER BY x").unwrap();
    st.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn a_failing_or_panicking_job_rolls_back_only_itself() {
    let (w, _dir, path) = writer();
    let ends = ["ok", "no-changes", "panic", "ok", "db", "ok"];
    let answers: Vec<Answer> = ends
        .iter()
        .enumerate()
        .map(|(i, end)| {
            let (to, answer) = ticket();
            w.submit(job(i as i64, end), to);
            answer
        })
        .collect();
    let got = wait_all(answers);
    assert_eq!(
        got,
        vec![
            Ok(json!({"x": 0})),
            Err(ApiError::new(ErrorCode::NoChanges)),
            Err(ApiError::db()),
            Ok(json!({"x": 3})),
            Err(ApiError::db()),
            Ok(json!({"x": 5})),
        ]
    );
    assert_eq!(stored(&path), vec![0, 3, 5]);
    // The writer survived the panic and still writes.
    let (to, answer) = ticket();
    w.submit(job(9, "ok"), to);
    let last = actix_web::rt::System::new().block_on(answer.wait(Duration::from_secs(5)));
    assert_eq!(last, Ok(json!({"x": 9})));
    w.shutdown();
    assert_eq!(stored(&path), vec![0, 3, 5, 9]);
}

#[test]
fn a_job_whose_caller_gave_up_never_runs() {
    let (w, _dir, path) = writer();
    // The write lock is held elsewhere, so the writer cannot start a batch
    // before the caller's (short) limit is past.
    let locker = crate::db::open(&path).unwrap();
    locker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let (to, answer) = ticket();
    w.submit(job(1, "ok"), to);
    let got = actix_web::rt::System::new().block_on(answer.wait(Duration::from_millis(200)));
    assert_eq!(got, Err(ApiError::db()));
    locker.execute_batch("COMMIT").unwrap();
    let (to, answer) = ticket();
    w.submit(job(2, "ok"), to);
    let later = actix_web::rt::System::new().block_on(answer.wait(Duration::from_secs(10)));
    assert_eq!(later, Ok(json!({"x": 2})));
    assert_eq!(stored(&path), vec![2]);
    w.shutdown();
}

#[test]
fn jobs_queued_after_shutdown_answer_db() {
    let (w, _dir, path) = writer();
    w.shutdown();
    let (to, answer) = ticket();
    w.submit(job(1, "ok"), to);
    let got = actix_web::rt::System::new().block_on(answer.wait(Duration::from_secs(5)));
    assert_eq!(got, Err(ApiError::db()));
    assert_eq!(stored(&path), Vec::<i64>::new());
}

/// `job(x, end)` followed by storing `x + 100` (the job's answer seen:
/// ok or not), and by a panic after it when `then_ends` is "panic".
fn followed(x: i64, end: &'static str, then_ends: &'static str) -> Write {
    Write {
        run: job(x, end),
        then: Some(Box::new(move |conn: &Connection, answer: &ApiResult| {
            let seen = if answer.is_ok() { 100 } else { 200 };
            conn.execute("INSERT INTO t (x) VALUES (?1)", [x + seen])?;
            if then_ends == "panic" {
                panic!("what follows job {x} panics after writing");
            }
            Ok(())
        })),
    }
}

#[test]
fn what_follows_a_job_sees_its_answer_and_outlives_its_rollback() {
    let (w, _dir, path) = writer();
    let cases = [
        ("ok", "ok"),
        ("no-changes", "ok"),
        ("ok", "panic"),
        ("db", "panic"),
    ];
    let answers: Vec<Answer> = cases
        .iter()
        .enumerate()
        .map(|(i, (end, then_ends))| {
            let (to, answer) = ticket();
            w.submit_write(followed(i as i64, end, then_ends), to);
            answer
        })
        .collect();
    let got = wait_all(answers);
    // A follow-up's failure changes no answer.
    assert_eq!(
        got,
        vec![
            Ok(json!({"x": 0})),
            Err(ApiError::new(ErrorCode::NoChanges)),
            Ok(json!({"x": 2})),
            Err(ApiError::db()),
        ]
    );
    // Job 1's row is rolled back, its follow-up's kept; the panicking
    // follow-ups of jobs 2 and 3 are rolled back alone.
    assert_eq!(stored(&path), vec![0, 2, 100, 201]);
    w.shutdown();
}
