//! Reader threads check the invariant of the publisher's stress snapshots on every read, through
//! the safe wrappers (path reads, keys, multi-key snapshot reads), while a publisher process
//! writes them back to back. A stress snapshot of value v is generation v and reads
//!     {"gen":v,"check":{"a":v,"b":v,"f":v+0.5,"s":"g<v>"},"list":[v,v,v],"odd":v%2==1,
//!      "big":"<v as 20 digits>|" * K}
//! The writer runs for a fixed time: HOTSWAP_STRESS_SECONDS (default 3).

mod common;

use common::{publisher_path, run_publisher, unique_instance, RemoveOnDrop};
use hotswap::{Error, Reader, Stat};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

const UNIT: usize = 21;

/// The value a "big" string encodes, or None when its units disagree.
fn big_value(big: &str) -> Option<u64> {
    if big.is_empty() || big.len() % UNIT != 0 {
        return None;
    }
    let unit = &big[..UNIT];
    if !unit.ends_with('|') || big.as_bytes().chunks(UNIT).any(|c| c != unit.as_bytes()) {
        return None;
    }
    unit[..UNIT - 1].parse().ok()
}

#[derive(Default, Debug)]
struct Counts {
    reads: u64,
    multi_reads: u64,
    busy: u64,
    violations: u64,
    retries: u64,
    generations_seen: u64,
    first_violation: Option<String>,
}

/// Reads until it has seen `final_generation` (0 until the writer is done), or `stop`.
fn read_until(r: &Reader, final_generation: &AtomicU64, stop: &AtomicBool) -> Counts {
    let mut c = Counts::default();
    let mut snap = r.snapshot().unwrap();
    let key_a = r.key("check.a").unwrap();
    let key_big = r.key("big").unwrap();
    let mut last = [0u64; 4]; // per source: values never go back
    let mut seen = 0;
    let violation = |c: &mut Counts, what: String| {
        c.violations += 1;
        c.first_violation.get_or_insert(what);
    };
    while !stop.load(Ordering::Relaxed) {
        let last_generation = final_generation.load(Ordering::Relaxed);
        if last_generation != 0 && seen >= last_generation {
            break;
        }
        let round = (|| -> Result<(), Error> {
            // Multi-key read: every key from the snapshot's one generation.
            if snap.refresh()? {
                c.generations_seen += 1;
            }
            let g = snap.generation();
            let ints = ["gen", "check.a", "check.b", "list.0", "list.1", "list.2"].map(|p| snap.get_i64(p));
            let f = snap.get_f64("check.f")?;
            let s = snap.get_str("check.s")?;
            let odd = snap.get_bool("odd")?;
            let big = snap.get_str("big")?;
            c.reads += 10;
            c.multi_reads += 1;
            let ok = ints.iter().all(|v| *v == Ok(g as i64))
                && f == g as f64 + 0.5
                && s == format!("g{g}")
                && odd == (g % 2 == 1)
                && big_value(&big) == Some(g);
            if !ok || g < last[0] {
                violation(&mut c, format!("snapshot {g}: {ints:?} {f} {s} {odd} {}", &big[..UNIT.min(big.len())]));
            }
            last[0] = g;

            // Single reads, each consistent on its own.
            let big = r.get_str("big")?;
            let kb = key_big.get_str()?;
            let a = key_a.get_i64()? as u64;
            c.reads += 3;
            for (i, v) in [(1, big_value(&big)), (2, big_value(&kb)), (3, Some(a))] {
                match v {
                    Some(v) if v >= last[i] => last[i] = v,
                    _ => violation(&mut c, format!("source {i}: {v:?} after {}", last[i])),
                }
            }
            seen = seen.max(g).max(a);
            Ok(())
        })();
        match round {
            Ok(()) => {}
            Err(Error::Busy) => c.busy += 1,
            Err(e) => panic!("read failed: {e}"),
        }
    }
    c.retries = r.stat(Stat::Retries) + snap.stat(Stat::Retries) + key_a.stat(Stat::Retries) + key_big.stat(Stat::Retries);
    c
}

#[test]
fn reader_threads_never_see_a_torn_snapshot_while_a_writer_publishes_flat_out() {
    let seconds: f64 = std::env::var("HOTSWAP_STRESS_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(3.0);
    let instance = unique_instance("stress");
    let _cleanup = RemoveOnDrop(instance.clone());
    let first = run_publisher(&[&instance, "--stress", "1"]);
    let final_generation = AtomicU64::new(0);
    // Each reader thread opens its own Reader too, so both sharing and separate mappings run.
    let shared = Reader::open(&instance).unwrap();
    let stop = AtomicBool::new(false);

    let start = Instant::now();
    let results = thread::scope(|s| {
        let readers: Vec<_> = (0..2)
            .map(|i| {
                let (shared, stop, final_generation) = (&shared, &stop, &final_generation);
                let instance = instance.clone();
                s.spawn(move || {
                    if i == 0 {
                        read_until(shared, final_generation, stop)
                    } else {
                        read_until(&Reader::open(&instance).unwrap(), final_generation, stop)
                    }
                })
            })
            .collect();
        let writer = Command::new(publisher_path())
            .args([instance.as_str(), "--stress", "1000000000000", "--seconds", &seconds.to_string()])
            .output()
            .expect("run the stress publisher");
        let last: u64 = String::from_utf8_lossy(&writer.stdout).trim().parse().unwrap_or(0);
        if !writer.status.success() || last == 0 {
            stop.store(true, Ordering::Relaxed);
            panic!("stress publisher failed: {}", String::from_utf8_lossy(&writer.stderr));
        }
        final_generation.store(last, Ordering::Relaxed);
        // Readers stop once they saw the last generation; the deadline only catches a hang.
        let deadline = Instant::now() + Duration::from_secs(120);
        while readers.iter().any(|h| !h.is_finished()) && Instant::now() < deadline {
            thread::park_timeout(Duration::from_millis(100));
        }
        stop.store(true, Ordering::Relaxed);
        readers.into_iter().map(|h| h.join().unwrap()).collect::<Vec<_>>()
    });
    let elapsed = start.elapsed();
    let publishes = final_generation.load(Ordering::Relaxed) - first;

    let sum = |f: fn(&Counts) -> u64| results.iter().map(f).sum::<u64>();
    eprintln!(
        "rust stress: 2 reader threads, {publishes} publishes in {:.1} s: reads {} (multi-key snapshot reads {}), \
         retries {}, busy {}, violations {}; generations seen per thread {:?}",
        elapsed.as_secs_f64(),
        sum(|c| c.reads),
        sum(|c| c.multi_reads),
        sum(|c| c.retries),
        sum(|c| c.busy),
        sum(|c| c.violations),
        results.iter().map(|c| c.generations_seen).collect::<Vec<_>>()
    );
    assert!(publishes > 1000, "the writer published only {publishes} snapshots");
    for c in &results {
        assert_eq!(c.violations, 0, "{:?}", c.first_violation);
        assert!(c.generations_seen > 1, "the readers ran while the writer did");
    }
}
