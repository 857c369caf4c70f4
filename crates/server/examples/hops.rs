//! What one call to sqlx's SQLite driver costs beyond its statement: 200,000 small INSERTs, one
//! call each, then the same INSERTs ten to a call (a statement list). sqlx runs every call on
//! its SQLite thread and waits for the answer; the difference per statement is that round trip,
//! which is why the send path joins its statements (see `store::messages::insert_new`).
//!
//! `cargo run --profile serve -p confab-server --example hops`

use sqlx::any::AnyPoolOptions;
use sqlx::Executor;
use std::time::Instant;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/t.db?mode=rwc", dir.path().display());
    let pool = AnyPoolOptions::new().max_connections(1).connect(&url).await.unwrap();
    let mut c = pool.acquire().await.unwrap();
    c.execute("PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b TEXT)").await.unwrap();
    let n = 20000;
    let t = Instant::now();
    sqlx::query("BEGIN").execute(&mut *c).await.unwrap();
    for i in 0..n {
        for _ in 0..10 {
            sqlx::query("INSERT INTO t (a, b) VALUES ($1, $2)")
                .bind(i as i64)
                .bind("hello")
                .execute(&mut *c)
                .await
                .unwrap();
        }
    }
    sqlx::query("COMMIT").execute(&mut *c).await.unwrap();
    let sep = t.elapsed();
    let multi = (0..10).map(|_| "INSERT INTO t (a, b) VALUES ($1, $2)").collect::<Vec<_>>().join("; ");
    let t = Instant::now();
    sqlx::query("BEGIN").execute(&mut *c).await.unwrap();
    for i in 0..n {
        sqlx::query(&multi).bind(i as i64).bind("hello").execute(&mut *c).await.unwrap();
    }
    sqlx::query("COMMIT").execute(&mut *c).await.unwrap();
    let one = t.elapsed();
    // A commit with synchronous = FULL (what a batch of sends ends with): the fsync.
    sqlx::query("PRAGMA synchronous = FULL").execute(&mut *c).await.unwrap();
    let commits = 300;
    let t = Instant::now();
    for i in 0..commits {
        sqlx::query("BEGIN").execute(&mut *c).await.unwrap();
        sqlx::query("INSERT INTO t (a, b) VALUES ($1, 'x')").bind(i as i64).execute(&mut *c).await.unwrap();
        sqlx::query("COMMIT").execute(&mut *c).await.unwrap();
    }
    println!("a commit with synchronous = FULL: {:.2} ms", t.elapsed().as_secs_f64() * 1e3 / commits as f64);
    println!(
        "separate: {:.1} us/statement; multi: {:.1} us/statement",
        sep.as_secs_f64() * 1e6 / (n * 10) as f64,
        one.as_secs_f64() * 1e6 / (n * 10) as f64
    );
}
