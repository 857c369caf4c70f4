//! `confab-bench --url http://127.0.0.1:PORT [--pid PID] [--matrix URL --matrix-pid PID] [--quick | --sends | --sockets | --delivery | --group | --history | --crowd]`:
//! runs every scenario against a running Confab server (and the same load against a Matrix
//! homeserver when given) and prints one Markdown table with both and the ratio. `--sends`: only
//! the closed-loop sends and the memory after 100,000 messages (a quick A/B of the write path).
//! `--sockets`: a 2 s closed loop, then memory per idle connection only (a quick A/B of what an
//! open socket costs). `--delivery`: the sends and the fill, then memory per idle connection and delivery at 2,000 and
//! 5,000 messages/s offered with every person online, without the group (a quick A/B of the
//! delivery path under load). `--group`: a 2 s closed loop, then 100 messages to the 500-member
//! group, one each 100 ms (a quick A/B of the fan-out). `--crowd`: on a server of 300,000 people
//! (confab-server's `crowd` example), the people search, a list of 5,000 chats and the unread
//! total.

use std::time::Duration;

use confab_bench::client::{SlowWrites, SLOW};
use confab_bench::scenarios::{self, Pairs};
use confab_bench::stats::ms;
use confab_bench::{cpu_ms, rss_kb, Chat, Confab, Matrix};

struct Plan {
    pairs: usize,
    senders: usize,
    time: Duration,
    rates: Vec<f64>,
    group: usize,
    group_messages: usize,
    fill_to: usize,
    /// Where the run stops.
    until: Until,
}

#[derive(PartialEq)]
enum Until {
    /// After the sends and the fill (`--sends`).
    Fill,
    /// After the delivery rates (`--delivery`).
    Delivery,
    /// After every scenario.
    End,
}

/// One line of the table: what was measured, as shown, and the number compared.
struct Measure {
    what: String,
    shown: String,
    value: f64,
    higher_is_better: bool,
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(url) = arg(&args, "--url") else {
        eprintln!(
            "usage: confab-bench --url http://127.0.0.1:PORT [--pid PID] [--matrix URL --matrix-pid PID] [--quick | --sends | --sockets | --delivery | --group | --history | --crowd]"
        );
        std::process::exit(2);
    };
    let has = |flag: &str| args.iter().any(|a| a == flag);
    let plan = if has("--quick") {
        Plan {
            pairs: 10,
            senders: 4,
            time: Duration::from_secs(1),
            rates: vec![50.0],
            group: 20,
            group_messages: 3,
            fill_to: 0,
            until: Until::End,
        }
    } else {
        let full = Plan {
            pairs: 500,
            senders: 32,
            time: Duration::from_secs(10),
            rates: vec![50.0, 200.0, 2000.0, 5000.0],
            group: 500,
            group_messages: 20,
            fill_to: 100_000,
            until: Until::End,
        };
        if has("--delivery") {
            Plan { rates: vec![2000.0, 5000.0], until: Until::Delivery, ..full }
        } else if has("--sockets") {
            // Registration, a short closed loop, then memory per idle connection only.
            Plan { time: Duration::from_secs(2), fill_to: 0, rates: vec![], until: Until::Delivery, ..full }
        } else if has("--sends") {
            Plan { until: Until::Fill, ..full }
        } else if has("--group") {
            // Registration, a short closed loop, then the group's fan-out only.
            Plan { time: Duration::from_secs(2), fill_to: 0, rates: vec![], group_messages: 100, ..full }
        } else {
            full
        }
    };
    let pid = arg(&args, "--pid").and_then(|p| p.parse().ok());
    eprintln!("Confab at {url}");
    if has("--crowd") {
        match crowd(&Confab::new(&url)).await {
            Ok(m) => print_table(&m, None),
            Err(e) => {
                eprintln!("confab-bench: {e}");
                std::process::exit(1);
            }
        }
        return;
    }
    // `--history`: the long conversation only; a full run ends with it, a quick one leaves it out.
    let (history_only, quick) = (has("--history"), has("--quick"));
    let long = (plan.until == Until::End && !quick && !has("--group")) || history_only;
    let mut confab = match if history_only { Ok(Vec::new()) } else { run(&Confab::new(&url), pid, &plan).await } {
        Ok(m) => m,
        Err(e) => {
            eprintln!("confab-bench: {e}");
            std::process::exit(1);
        }
    };
    let peer = match arg(&args, "--matrix") {
        Some(m) if !history_only => {
            eprintln!("Synapse at {m}");
            // The peer gets the same load, except that filling it with 100,000 messages and the
            // rates it cannot reach would take far longer than the rest of the run.
            let peer_plan =
                Plan { fill_to: 0, rates: plan.rates.iter().copied().filter(|r| *r <= 200.0).collect(), ..plan };
            match run(&Matrix::new(&m), arg(&args, "--matrix-pid").and_then(|p| p.parse().ok()), &peer_plan).await {
                Ok(m) => Some(m),
                Err(e) => {
                    eprintln!("confab-bench: the Matrix peer failed: {e}");
                    None
                }
            }
        }
        _ => None,
    };
    if long {
        match long_thread(&Confab::new(&url), plan.senders).await {
            Ok(m) => confab.extend(m),
            Err(e) => {
                eprintln!("confab-bench: {e}");
                std::process::exit(1);
            }
        }
    }
    print_table(&confab, peer.as_deref());
}

/// Messages in the long conversation of [`long_thread`].
const LONG_THREAD: usize = 200_000;

/// What reading history costs as a conversation grows: one conversation filled to
/// [`LONG_THREAD`] messages (one pair, `senders` sending at once), then a page (50) of it at its
/// newest end and halfway back, beside a page of a conversation of one message (medians of 20).
async fn long_thread(c: &Confab, senders: usize) -> Result<Vec<Measure>, String> {
    let pairs = scenarios::pairs(c, &format!("h{}x", std::process::id()), 2).await?;
    let one_pair = vec![pairs[0].clone()];
    let mut sent = 1;
    while sent < LONG_THREAD {
        let fill = scenarios::throughput(c, &one_pair, senders, Duration::from_secs(5)).await;
        sent += fill.accepted;
        eprintln!("  one conversation: {sent} messages ({:.0}/s)", fill.per_sec);
        if fill.accepted == 0 {
            return Err(format!("the server accepted none of the last 5 s of sends ({} errors)", fill.errors));
        }
    }
    let median = |reader, target, before| median_of_20(move || c.history_page(reader, target, before));
    let (reader, long) = (&pairs[0].1, pairs[0].2.as_str());
    let (newest, page) = median(reader, long, None).await?;
    let newest_id = page.last().copied().ok_or("the long conversation's page is empty")?;
    let (halfway, page) = median(reader, long, Some(newest_id - sent as i64 / 2)).await?;
    if page.len() != 50 {
        return Err(format!("halfway back, a page held {} messages", page.len()));
    }
    let (short, _) = median(&pairs[1].1, pairs[1].2.as_str(), None).await?;
    let mut out = Vec::new();
    let what = |at: &str| format!("history page (50), {at}, p50");
    measure(&mut out, what("conversation of 1 message"), ms(short), short.as_secs_f64(), false);
    measure(&mut out, what(&format!("newest of {sent}")), ms(newest), newest.as_secs_f64(), false);
    measure(&mut out, what(&format!("halfway back in {sent}")), ms(halfway), halfway.as_secs_f64(), false);
    // Search for a word in ~1/32 of the long conversation's messages (the load's texts are
    // `t{run}-{sender}-{n}`: sender 5's, and every 5th of a run): by a member, whose first page
    // fills at once, and by someone outside it, none of whose messages hold it.
    let search = |reader| median_of_20(move || c.search(reader, "5"));
    let (member, found) = search(reader).await?;
    if found != 20 {
        return Err(format!("the member's search found {found} messages on its first page, not 20"));
    }
    let (outsider, found) = search(&pairs[1].1).await?;
    if found != 0 {
        return Err(format!("someone outside the long conversation found {found} of its messages"));
    }
    let what = |who: &str| format!("search a word common in {sent} messages, {who}, p50");
    measure(&mut out, what("a member"), ms(member), member.as_secs_f64(), false);
    measure(&mut out, what("not a member"), ms(outsider), outsider.as_secs_f64(), false);
    Ok(out)
}

/// Chats `--crowd` starts, with the people numbered 1 to this.
const CROWD_CHATS: usize = 5_000;

/// On a server of many people (the data directory of the `crowd` example of confab-server): a
/// new person starts chats with the first [`CROWD_CHATS`] of them, then searches for people
/// (words of the example's names), and reads their list and their unread total (medians of 20).
async fn crowd(c: &Confab) -> Result<Vec<Measure>, String> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let me = c.register(&format!("crowd{}", std::process::id())).await?;
    let next = std::sync::Arc::new(AtomicUsize::new(1));
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let (c, me, next) = (c.clone(), me.clone(), next.clone());
            tokio::spawn(async move {
                loop {
                    let to = next.fetch_add(1, Ordering::Relaxed);
                    if to > CROWD_CHATS {
                        return Ok::<(), String>(());
                    }
                    c.send(&me, &format!("u{to}"), &scenarios::client_msg_id(&format!("crowd-{to}"))).await?;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    let mut out = Vec::new();
    for (keyword, at_least) in [("a", 20), ("al", 20), ("ali", 20), ("alice", 20), ("alice wong", 20), ("zzz", 0)] {
        let (took, found) = median_of_20(|| c.people(&me, keyword)).await?;
        if found < at_least || (at_least == 0 && found > 0) {
            return Err(format!(
                "the people search for {keyword:?} found {found}; is this the crowd example's server?"
            ));
        }
        let what = format!("people search {keyword:?}, p50 ({found} found)");
        measure(&mut out, what, ms(took), took.as_secs_f64(), false);
    }
    for page in [1, CROWD_CHATS / 20 / 2] {
        let (took, len) = median_of_20(|| c.conversations(&me, page)).await?;
        if len != 20 {
            return Err(format!("page {page} of the list held {len} chats"));
        }
        let what = format!("conversation list, page {page} of 20 in {CROWD_CHATS} chats, p50");
        measure(&mut out, what, ms(took), took.as_secs_f64(), false);
    }
    let (took, _) = median_of_20(|| c.unread_total(&me)).await?;
    measure(&mut out, format!("unread total over {CROWD_CHATS} chats, p50"), ms(took), took.as_secs_f64(), false);
    Ok(out)
}

/// The median time of 20 calls of `call`, and what the last call gave.
async fn median_of_20<T, F, Fut>(mut call: F) -> Result<(Duration, T), String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(Duration, T), String>>,
{
    let mut took = confab_bench::stats::Latencies::default();
    let (t, mut last) = call().await?;
    took.push(t);
    for _ in 1..20 {
        let (t, got) = call().await?;
        took.push(t);
        last = got;
    }
    Ok((took.percentile(50.0), last))
}

fn print_table(confab: &[Measure], peer: Option<&[Measure]>) {
    match peer {
        None => {
            println!("| what | Confab |\n|---|---|");
            for m in confab {
                println!("| {} | {} |", m.what, m.shown);
            }
        }
        Some(peer) => {
            println!("| what | Confab | Synapse | Confab is |\n|---|---|---|---|");
            for m in confab {
                let other = peer.iter().find(|p| p.what == m.what);
                let ratio = other.filter(|p| p.value > 0.0 && m.value > 0.0).map(|p| {
                    let r = if m.higher_is_better { m.value / p.value } else { p.value / m.value };
                    format!("{r:.1}× {}", if r >= 1.0 { "better" } else { "worse" })
                });
                println!(
                    "| {} | {} | {} | {} |",
                    m.what,
                    m.shown,
                    other.map(|p| p.shown.as_str()).unwrap_or("—"),
                    ratio.as_deref().unwrap_or("—")
                );
            }
        }
    }
}

/// Whether a scenario's long tail came from a stalled batch of sends, and which part of it: the
/// batches that took over [`SLOW`] to write and to flush between two readings (nothing when the
/// server does not say).
fn stalls(before: Option<SlowWrites>, after: Option<SlowWrites>) -> String {
    let (Some(before), Some(after)) = (before, after) else { return String::new() };
    let slow = after - before;
    let ms = (SLOW.parse::<f64>().unwrap_or(0.0) * 1000.0).round();
    format!(" · batches over {ms} ms: {} writing, {} flushing", slow.written, slow.flushed)
}

fn measure(out: &mut Vec<Measure>, what: String, shown: String, value: f64, higher_is_better: bool) {
    eprintln!("  {what}: {shown}");
    out.push(Measure { what, shown, value, higher_is_better });
}

async fn run<C: Chat>(c: &C, pid: Option<u32>, plan: &Plan) -> Result<Vec<Measure>, String> {
    let mut out = Vec::new();
    let prefix = format!("b{}x", std::process::id());
    eprintln!("registering {} people…", plan.pairs * 2);
    let pairs: Pairs = scenarios::pairs(c, &prefix, plan.pairs).await?;

    let cpu_before = pid.and_then(cpu_ms);
    let t = scenarios::throughput(c, &pairs, plan.senders, plan.time).await;
    let what = format!("sends accepted, {} senders (closed loop)", plan.senders);
    measure(&mut out, what, format!("{:.0}/s ({} errors)", t.per_sec, t.errors), t.per_sec, true);
    let what = format!("send answered, p99, {} senders", plan.senders);
    let p99 = t.send.percentile(99.0);
    measure(&mut out, what, ms(p99), p99.as_secs_f64(), false);
    if let (Some(b), Some(a)) = (cpu_before, pid.and_then(cpu_ms)) {
        let per = a.saturating_sub(b) as f64 / t.accepted.max(1) as f64;
        measure(&mut out, "server CPU per accepted send".into(), format!("{per:.2} ms"), per, false);
    }
    let mut sent = t.accepted + pairs.len();
    // The memory a server settles at with this much history, before any overload below (a
    // burst of thousands of connections leaves the allocator's high-water mark behind).
    while sent < plan.fill_to {
        let fill = scenarios::throughput(c, &pairs, plan.senders, Duration::from_secs(5)).await;
        sent += fill.accepted;
        eprintln!("  filling: {sent} messages ({:.0}/s)", fill.per_sec);
        // A server that stopped answering would keep the fill going for ever.
        if fill.accepted == 0 {
            return Err(format!(
                "the server accepted none of the last 5 s of sends ({} errors); stopping",
                fill.errors
            ));
        }
    }
    if plan.fill_to > 0 {
        if let Some(kb) = pid.and_then(rss_kb) {
            let shown = format!("{:.1} MB ({sent} messages)", kb as f64 / 1024.0);
            measure(&mut out, "server memory after 100,000 messages".into(), shown, kb as f64, false);
        }
    }
    if plan.until == Until::Fill {
        return Ok(out);
    }

    let before = pid.and_then(rss_kb);
    let on = scenarios::online(c, pairs.iter().flat_map(|(a, b, _)| [a, b])).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let sockets = pairs.len() * 2;
    if let (Some(b), Some(a)) = (before, pid.and_then(rss_kb)) {
        let kb = a.saturating_sub(b) as f64 / sockets as f64;
        measure(
            &mut out,
            format!("server memory per idle connection ({sockets} open)"),
            format!("{kb:.1} KB"),
            kb,
            false,
        );
    }
    for &rate in &plan.rates {
        let slow_before = c.slow_writes().await;
        let d = scenarios::delivery(c, &pairs, &on, rate, plan.time, &format!("r{rate}")).await;
        sent += d.sent;
        let p99 = d.latency.percentile(99.0);
        let stalls = stalls(slow_before, c.slow_writes().await);
        measure(
            &mut out,
            format!("send → delivered at {rate:.0} msg/s offered, {sockets} connections"),
            format!(
                "{} · accepted {:.0}/s · delivered {} of {} accepted ({} offered){stalls}",
                d.latency.summary(),
                d.accepted_per_sec,
                d.delivered,
                d.accepted,
                d.sent
            ),
            if d.delivered == d.accepted { p99.as_secs_f64() } else { 0.0 },
            false,
        );
    }
    drop(on);
    if plan.until == Until::Delivery {
        return Ok(out);
    }

    let people: Vec<_> = pairs.iter().flat_map(|(a, b, _)| [a.clone(), b.clone()]).take(plan.group).collect();
    let slow_before = c.slow_writes().await;
    let f = scenarios::fan_out(c, &people, plan.group_messages, Duration::from_millis(100)).await?;
    let stalls = stalls(slow_before, c.slow_writes().await);
    sent += plan.group_messages;
    let p99 = f.each.percentile(99.0);
    measure(
        &mut out,
        format!("{}-member group: send → each member", f.members),
        format!("{} ({} deliveries){stalls}", f.each.summary(), f.each.len()),
        p99.as_secs_f64(),
        false,
    );
    let last = f.last.percentile(99.0);
    measure(
        &mut out,
        format!("{}-member group: send → last member, p99", f.members),
        ms(last),
        last.as_secs_f64(),
        false,
    );

    if let Some(kb) = pid.and_then(rss_kb) {
        let shown = format!("{:.1} MB ({sent} messages)", kb as f64 / 1024.0);
        measure(&mut out, "server memory at the end (after the overload)".into(), shown, kb as f64, false);
    }
    Ok(out)
}
