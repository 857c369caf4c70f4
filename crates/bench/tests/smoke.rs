//! A short run of every scenario against a real server on 127.0.0.1:0: the load generator
//! itself is tested (every send counted, every delivery seen), not the server's speed.

use std::time::Duration;

use confab_bench::{scenarios, Chat, Confab};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_runs_and_sees_every_delivery() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = confab_server::Config::new("127.0.0.1:0".parse().unwrap(), dir.path());
    config.rates.register_per_ip = confab_server::config::Rate::UNLIMITED;
    config.rates.login_per_ip = confab_server::config::Rate::UNLIMITED;
    config.rates.send_per_account = confab_server::config::Rate::UNLIMITED;
    config.rates.write_per_account = confab_server::config::Rate::UNLIMITED;
    let server = confab_server::spawn(config).await.unwrap();
    let c = Confab::new(&format!("http://{}", server.addr));

    let pairs = scenarios::pairs(&c, "smoke", 4).await.unwrap();
    let t = scenarios::throughput(&c, &pairs, 2, Duration::from_millis(300)).await;
    assert!(t.accepted > 0 && t.errors == 0, "{} accepted, {} errors", t.accepted, t.errors);
    assert_eq!(t.send.len(), t.accepted);
    // A second run sends new messages, not retries of the first run's (the fill to 100,000
    // messages is made of such runs; a retry is answered without writing anything).
    let again = scenarios::throughput(&c, &pairs, 2, Duration::from_millis(300)).await;
    assert!(again.accepted > 0 && again.errors == 0, "{} accepted, {} errors", again.accepted, again.errors);
    // The delivery rows' stall counts come from the server's histograms of batches written and
    // flushed: both are there under the names the load generator reads.
    assert!(c.slow_writes().await.is_some(), "the server's /metrics has both histograms with a 100 ms bucket");

    // The long-thread scenario's read: a page of history, oldest first, and the page before it.
    let (_, page) = c.history_page(&pairs[0].1, &pairs[0].2, None).await.unwrap();
    assert!(page.len() > 1 && page.windows(2).all(|w| w[0] < w[1]), "{page:?}");
    let (_, older) = c.history_page(&pairs[0].1, &pairs[0].2, Some(page[page.len() - 1])).await.unwrap();
    assert_eq!(older.last(), page.get(page.len() - 2), "the page before ends just before the cursor");

    let on = scenarios::online(&c, pairs.iter().flat_map(|(a, b, _)| [a, b])).await.unwrap();
    let d = scenarios::delivery(&c, &pairs, &on, 40.0, Duration::from_millis(500), "smoke").await;
    assert!(d.sent >= 15, "{} sent", d.sent);
    assert_eq!(d.delivered, d.sent, "every accepted send reaches its receiver's socket once");
    drop(on);

    let people: Vec<_> = pairs.iter().flat_map(|(a, b, _)| [a.clone(), b.clone()]).collect();
    let f = scenarios::fan_out(&c, &people, 2, Duration::from_millis(10)).await.unwrap();
    assert_eq!(f.each.len(), 2 * (people.len() - 1), "each of 7 members gets both messages");
    assert_eq!(f.last.len(), 2);
    server.stop().await;
}
