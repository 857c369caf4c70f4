//! A server's worth of people, for `confab-bench --crowd`: `PEOPLE` people (300,000 unless
//! given) written straight into the store in `DIR` (a new data directory, so that their ids are
//! 1, 2, …), each with a user name such as `alice17` and a display name such as "Alice Wong".
//! Nobody can sign in as them (they have no password); the bench makes a person of its own and
//! starts chats with the first 5,000 of them.
//!
//! `cargo run --profile serve -p confab-server --example crowd -- DIR [PEOPLE]`, then start
//! confab-server on `DIR` and run `confab-bench --url … --crowd`.

use confab_server::store::{users, Store};
use sqlx::Executor;

/// First names and surnames, put together by the person's number (the bench searches for them).
const FIRST: [&str; 16] = [
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "oscar", "peggy",
    "trent", "victor", "walter",
];
const LAST: [&str; 16] = [
    "Wong", "Smith", "Garcia", "Okafor", "Müller", "Rossi", "Tanaka", "Kim", "Novak", "Silva", "Cohen", "Dubois",
    "Larsen", "Singh", "Ali", "王",
];

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: crowd DIR [PEOPLE]");
        std::process::exit(2);
    };
    let people: usize = args.get(1).map(|p| p.parse()).transpose()?.unwrap_or(300_000);
    std::fs::create_dir_all(dir)?;
    let store = Store::open(std::path::Path::new(dir), None).await?;
    let mut conn = store.writer().await?;
    // Set-up data: not worth a flush per person.
    conn.execute("PRAGMA synchronous = OFF").await?;
    let started = std::time::Instant::now();
    for i in 0..people {
        let first = FIRST[i % FIRST.len()];
        let last = LAST[(i / FIRST.len()) % LAST.len()];
        let display = format!("{} {last}", capitalised(first));
        users::insert(&mut conn, &format!("{first}{i}"), &display, "", 0).await?;
        if (i + 1) % 50_000 == 0 {
            eprintln!("{} people ({:.0}/s)", i + 1, (i + 1) as f64 / started.elapsed().as_secs_f64());
        }
    }
    drop(conn);
    store.close().await;
    eprintln!("{people} people in {dir}");
    Ok(())
}
