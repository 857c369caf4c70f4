//! `confab-bench --url http://127.0.0.1:PORT --pid PID [--quick]`: runs every scenario against
//! a running Confab server (started by `cargo xtask bench`) and prints one Markdown table.

use std::time::Duration;

use confab_bench::scenarios::{self, Pairs};
use confab_bench::stats::ms;
use confab_bench::{rss_kb, Confab};

struct Plan {
    pairs: usize,
    senders: usize,
    time: Duration,
    rates: Vec<f64>,
    group: usize,
    group_messages: usize,
    fill_to: usize,
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(url) = arg(&args, "--url") else {
        eprintln!("usage: confab-bench --url http://127.0.0.1:PORT [--pid PID] [--quick]");
        std::process::exit(2);
    };
    let pid = arg(&args, "--pid").and_then(|p| p.parse().ok());
    let plan = if args.iter().any(|a| a == "--quick") {
        Plan {
            pairs: 10,
            senders: 4,
            time: Duration::from_secs(1),
            rates: vec![50.0],
            group: 20,
            group_messages: 3,
            fill_to: 0,
        }
    } else {
        Plan {
            pairs: 500,
            senders: 32,
            time: Duration::from_secs(10),
            rates: vec![200.0, 2000.0, 5000.0],
            group: 500,
            group_messages: 20,
            fill_to: 100_000,
        }
    };
    if let Err(e) = run(&Confab::new(&url), pid, &plan).await {
        eprintln!("confab-bench: {e}");
        std::process::exit(1);
    }
}

fn row(what: &str, result: &str) {
    println!("| {what} | {result} |");
}

async fn run(c: &Confab, pid: Option<u32>, plan: &Plan) -> Result<(), String> {
    let prefix = format!("b{}x", std::process::id());
    eprintln!("registering {} people…", plan.pairs * 2);
    let pairs: Pairs = scenarios::pairs(c, &prefix, plan.pairs).await?;
    println!("| what | result |\n|---|---|");

    let t = scenarios::throughput(c, &pairs, plan.senders, plan.time).await;
    row(
        &format!("sends accepted, {} senders (closed loop)", plan.senders),
        &format!("{:.0}/s · send {} · {} errors", t.per_sec, t.send.summary(), t.errors),
    );
    let mut sent = t.accepted + pairs.len();

    let before = pid.and_then(rss_kb);
    let on = scenarios::online(c, pairs.iter().flat_map(|(a, b)| [a, b])).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let sockets = pairs.len() * 2;
    if let (Some(b), Some(a)) = (before, pid.and_then(rss_kb)) {
        row(
            &format!("server memory per idle socket ({sockets} open)"),
            &format!("{:.1} KB", a.saturating_sub(b) as f64 / sockets as f64),
        );
    }
    for &rate in &plan.rates {
        let d = scenarios::delivery(c, &pairs, &on, rate, plan.time, &format!("r{rate}")).await;
        sent += d.sent;
        row(
            &format!("send → socket at {rate:.0} msg/s offered, {sockets} sockets"),
            &format!(
                "{} · accepted {:.0}/s · delivered {}/{}",
                d.latency.summary(),
                d.accepted_per_sec,
                d.delivered,
                d.sent
            ),
        );
    }
    drop(on);

    let people: Vec<_> = pairs.iter().flat_map(|(a, b)| [a.clone(), b.clone()]).take(plan.group).collect();
    let f = scenarios::fan_out(c, &people, plan.group_messages, Duration::from_millis(100)).await?;
    sent += plan.group_messages;
    row(
        &format!("{}-member group: send → each member's socket", f.members),
        &format!("{} ({} deliveries)", f.each.summary(), f.each.len()),
    );
    row(
        &format!("{}-member group: send → last member", f.members),
        &format!("p50 {} · p99 {}", ms(f.last.percentile(50.0)), ms(f.last.percentile(99.0))),
    );

    if plan.fill_to > sent {
        eprintln!("sending up to {} messages in all…", plan.fill_to);
        while sent < plan.fill_to {
            sent += scenarios::throughput(c, &pairs, plan.senders, Duration::from_secs(5)).await.accepted;
        }
        if let Some(kb) = pid.and_then(rss_kb) {
            row(&format!("server memory after {sent} messages"), &format!("{:.1} MB", kb as f64 / 1024.0));
        }
    } else if let Some(kb) = pid.and_then(rss_kb) {
        row(&format!("server memory after {sent} messages"), &format!("{:.1} MB", kb as f64 / 1024.0));
    }
    Ok(())
}
