//! Test helpers: a real publisher process (bindings/testpublisher) and unique instance names.
//! Nothing sleeps: tests wait for a line from the publisher, a process exit, or a futex wake
//! through `Reader::wait`, each with a deadline that only decides failure.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::Duration;

pub const DEADLINE: Duration = Duration::from_secs(30);

pub fn publisher_path() -> PathBuf {
    let path = std::env::var_os("HOTSWAP_PUBLISHER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../build/bindings/publisher"));
    assert!(path.exists(), "test publisher {} not found: run `make test-bindings` or set HOTSWAP_PUBLISHER", path.display());
    path
}

/// An instance name that no other test, nor a parallel test run, uses.
pub fn unique_instance(tag: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("rstest-{}-{}-{}", std::process::id(), tag, NEXT.fetch_add(1, Ordering::Relaxed))
}

pub fn segment_path(instance: &str) -> String {
    format!("/dev/shm/hotswap.{instance}")
}

pub fn remove_segment(instance: &str) {
    let status = Command::new(publisher_path()).args([instance, "--remove"]).status().expect("run publisher --remove");
    assert!(status.success(), "publisher --remove failed");
}

/// Removes the segment of an instance when dropped, so a failing test leaves nothing behind.
pub struct RemoveOnDrop(pub String);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        remove_segment(&self.0);
    }
}

/// Runs the publisher to completion and returns the generation it printed last.
pub fn run_publisher(args: &[&str]) -> u64 {
    let out = Command::new(publisher_path()).args(args).output().expect("run publisher");
    assert!(out.status.success(), "publisher {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().parse().expect("a generation")
}

/// `publisher INSTANCE --stdin`: each `publish` sends one JSON document and returns the
/// generation the publisher printed once the snapshot was live. Removes the segment on drop.
pub struct Publisher {
    pub instance: String,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
}

impl Publisher {
    pub fn start(tag: &str) -> Publisher {
        let instance = unique_instance(tag);
        let mut child = Command::new(publisher_path())
            .args([instance.as_str(), "--stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start publisher");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().unwrap();
        // A thread turns the pipe into a channel, so that reads can have a deadline.
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Publisher { instance, child, stdin, lines }
    }

    /// Starts publishing `json` (one line) without waiting; finish with `published`.
    pub fn send(&mut self, json: &str) {
        assert!(!json.contains('\n'));
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{json}").and_then(|_| stdin.flush()).expect("write to publisher");
    }

    pub fn published(&mut self) -> u64 {
        let line = self.lines.recv_timeout(DEADLINE).expect("the publisher printed no generation in time");
        line.trim().parse().expect("a generation")
    }

    pub fn publish(&mut self, json: &str) -> u64 {
        self.send(json);
        self.published()
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        drop(self.stdin.take()); // end of input: the publisher exits
        let _ = self.child.wait();
        remove_segment(&self.instance);
    }
}
