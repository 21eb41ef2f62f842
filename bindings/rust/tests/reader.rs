//! The Rust binding against a real publisher process and the real libhotswap.so.

mod common;

use common::{segment_path, unique_instance, Publisher, DEADLINE};
use hotswap::{Error, Reader, Stat, ValueType};
use std::thread;
use std::time::{Duration, Instant};

const DOC: &str = r#"{"server":{"host":"example.org","port":8080,"tls":true,"ratio":0.75},"limits":{"max":9223372036854775807,"min":-9223372036854775808},"names":["a","b","ç€𝄞"],"nothing":null,"a.b":{"c/d":"dotted"},"nul":"x\u0000y","empty":""}"#;

fn fixture(tag: &str) -> (Publisher, u64, Reader) {
    let mut publisher = Publisher::start(tag);
    let generation = publisher.publish(DOC);
    let reader = Reader::open(&publisher.instance).expect("open the published instance");
    (publisher, generation, reader)
}

#[test]
fn typed_getters_read_each_type() {
    let (_p, generation, r) = fixture("types");
    assert_eq!(r.generation(), generation);
    assert_eq!(r.get_i64("server.port"), Ok(8080));
    assert_eq!(r.get_i64("limits.max"), Ok(i64::MAX));
    assert_eq!(r.get_i64("limits.min"), Ok(i64::MIN));
    assert_eq!(r.get_f64("server.ratio"), Ok(0.75));
    assert_eq!(r.get_f64("server.port"), Ok(8080.0)); // integers widen
    assert_eq!(r.get_bool("server.tls"), Ok(true));
    assert_eq!(r.get_str("server.host").as_deref(), Ok("example.org"));
    assert_eq!(r.get_str("names.2").as_deref(), Ok("ç€𝄞"));
    assert_eq!(r.get_str("nul").as_deref(), Ok("x\0y"));
    assert_eq!(r.get_str("empty").as_deref(), Ok(""));
    assert_eq!(r.get_str("/a.b/c~1d").as_deref(), Ok("dotted"));
    assert_eq!(r.get_json("names").as_deref(), Ok(r#"["a","b","ç€𝄞"]"#));
    assert_eq!(r.get_json("nothing").as_deref(), Ok("null"));
    let types = [
        ("server", ValueType::Object),
        ("names", ValueType::Array),
        ("nothing", ValueType::Null),
        ("server.tls", ValueType::Bool),
        ("server.port", ValueType::Int),
        ("server.ratio", ValueType::Float),
        ("server.host", ValueType::String),
    ];
    for (path, want) in types {
        assert_eq!(r.get_type(path), Ok(want), "{path}");
    }
}

#[test]
fn values_longer_than_the_first_buffer_are_read_whole() {
    let mut p = Publisher::start("long");
    let long = "L".repeat(200_000);
    p.publish(&format!(r#"{{"long":"{long}"}}"#));
    let r = Reader::open(&p.instance).unwrap();
    assert_eq!(r.get_str("long").unwrap(), long);
    assert_eq!(r.get_json("").unwrap(), format!(r#"{{"long":"{long}"}}"#));
    assert_eq!(r.key("long").unwrap().get_str().unwrap(), long);
    assert_eq!(r.snapshot().unwrap().get_str("long").unwrap(), long);
}

#[test]
fn errors_map_to_their_variants() {
    let (_p, _, r) = fixture("errors");
    assert_eq!(r.get_i64("server.nope"), Err(Error::NotFound));
    assert_eq!(r.get_i64("server.host"), Err(Error::WrongType));
    assert_eq!(r.get_bool("server.port"), Err(Error::WrongType));
    assert_eq!(r.get_str("server.port"), Err(Error::WrongType));
    assert_eq!(r.get_f64("nothing"), Err(Error::WrongType));
    assert_eq!(r.get_i64("a..b"), Err(Error::InvalidArgument));
    assert_eq!(r.get_i64("a\0b"), Err(Error::InvalidArgument));
    assert_eq!(Error::NotFound.code(), -1);
    assert!(!Error::WrongType.to_string().is_empty());
}

#[test]
fn opening_a_missing_or_invalid_instance_fails_cleanly() {
    assert_eq!(Reader::open(&unique_instance("absent")).err(), Some(Error::NoSegment));
    assert_eq!(Reader::open_path(segment_path(&unique_instance("absent"))).err(), Some(Error::NoSegment));
    for name in ["", "a/b", &"x".repeat(201)] {
        assert_eq!(Reader::open(name).err(), Some(Error::InvalidArgument), "{name:?}");
    }
}

#[test]
fn open_path_reads_the_same_segment() {
    let (p, generation, _r) = fixture("path");
    let r = Reader::open_path(segment_path(&p.instance)).unwrap();
    assert_eq!(r.generation(), generation);
    assert_eq!(r.get_i64("server.port"), Ok(8080));
}

#[test]
fn wait_returns_the_generation_published_after_seen() {
    let (mut p, generation, r) = fixture("wait");
    p.send(r#"{"v":1}"#);
    assert_eq!(r.wait(generation, Some(DEADLINE)), Ok(Some(generation + 1)));
    assert_eq!(p.published(), generation + 1);
    assert_eq!(r.get_i64("v"), Ok(1));
}

#[test]
fn wait_in_another_thread_wakes_on_publish() {
    let (mut p, generation, r) = fixture("waitthread");
    // The reader is shared by reference with the waiting thread (Reader: Sync).
    let woke = thread::scope(|s| {
        let waiter = s.spawn(|| r.wait(generation, Some(DEADLINE)));
        let published = p.publish(r#"{"v":2}"#);
        assert_eq!(published, generation + 1);
        waiter.join().unwrap()
    });
    assert_eq!(woke, Ok(Some(generation + 1)));
}

#[test]
fn wait_times_out_with_none_no_earlier_than_the_timeout() {
    let (_p, generation, r) = fixture("timeout");
    assert_eq!(r.wait(generation, Some(Duration::ZERO)), Ok(None));
    assert_eq!(r.wait(generation - 1, Some(Duration::ZERO)), Ok(Some(generation)));
    let start = Instant::now();
    assert_eq!(r.wait(generation, Some(Duration::from_millis(50))), Ok(None));
    assert!(start.elapsed() >= Duration::from_millis(50));
}

#[test]
fn a_key_follows_new_generations_and_paths_that_appear_later() {
    let (mut p, generation, r) = fixture("key");
    let port = r.key("server.port").unwrap();
    let later = r.key("later.value").unwrap();
    assert_eq!(port.path(), "server.port");
    assert_eq!(port.get_i64(), Ok(8080));
    assert_eq!(port.generation(), generation);
    assert_eq!(later.get_i64(), Err(Error::NotFound));
    let next = p.publish(r#"{"server":{"port":"text"},"later":{"value":7}}"#);
    assert_eq!(port.get_type(), Ok(ValueType::String));
    assert_eq!(port.get_str().as_deref(), Ok("text"));
    assert_eq!(port.get_i64(), Err(Error::WrongType));
    assert_eq!(port.generation(), next);
    assert_eq!(later.get_i64(), Ok(7));
    assert_eq!(later.get_f64(), Ok(7.0));
    assert_eq!(r.key("a..b").err(), Some(Error::InvalidArgument));
}

#[test]
fn a_snapshot_keeps_its_generation_until_refreshed() {
    let (mut p, generation, r) = fixture("snapshot");
    let mut snap = r.snapshot().unwrap();
    let next = p.publish(r#"{"server":{"host":"new.example","port":9090}}"#);
    assert_eq!(r.get_i64("server.port"), Ok(9090));
    assert_eq!(snap.generation(), generation);
    assert_eq!(snap.get_str("server.host").as_deref(), Ok("example.org"));
    assert_eq!(snap.get_i64("server.port"), Ok(8080));
    assert_eq!(snap.refresh(), Ok(true));
    assert_eq!(snap.generation(), next);
    assert_eq!(snap.get_str("server.host").as_deref(), Ok("new.example"));
    assert_eq!(snap.get_i64("server.port"), Ok(9090));
    assert_eq!(snap.get_bool("server.tls"), Err(Error::NotFound));
    assert_eq!(snap.refresh(), Ok(false));
    assert_eq!(snap.stat(Stat::Copies), 2);
}

#[test]
fn an_open_reader_follows_the_segment_when_it_grows() {
    let (mut p, _, r) = fixture("grow");
    let key = r.key("blob").unwrap();
    let mut snap = r.snapshot().unwrap();
    let blob = "g".repeat(3 << 20); // far beyond the first segment's slots
    let generation = p.publish(&format!(r#"{{"blob":"{blob}"}}"#));
    assert_eq!(r.generation(), generation);
    assert_eq!(r.get_str("blob").unwrap(), blob);
    assert_eq!(key.get_str().unwrap(), blob);
    assert_eq!(snap.refresh(), Ok(true));
    assert_eq!(snap.get_str("blob").unwrap(), blob);
    assert!(r.stat(Stat::Remaps) >= 1);
}
