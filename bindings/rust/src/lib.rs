//! Safe Rust binding of libhotswap: read the configuration that hotswapd publishes into shared
//! memory, without locks, syscalls or a round trip to the daemon.
//!
//! ```no_run
//! use std::time::Duration;
//!
//! let reader = hotswap::Reader::open("demo")?;
//! let port = reader.get_i64("server.port")?;
//!
//! // Several keys from one and the same generation.
//! let snap = reader.snapshot()?;
//! let (host, port) = (snap.get_str("server.host")?, snap.get_i64("server.port")?);
//!
//! // The fast path for a value read again and again.
//! let key = reader.key("limits.max_connections")?;
//! let max = key.get_i64()?;
//!
//! // Sleep until the daemon publishes something new (no polling).
//! if let Some(generation) = reader.wait(reader.generation(), Some(Duration::from_secs(5)))? {
//!     println!("generation {generation}");
//! }
//! # Ok::<(), hotswap::Error>(())
//! ```
//!
//! Ownership follows the C API: a [`Reader`] may be shared by threads (`Send + Sync`); a
//! [`Key`] or [`Snapshot`] caches state and is used by one thread at a time (`Send`, not
//! `Sync`), and borrows its reader, so the compiler guarantees it is dropped before the reader
//! is closed.

pub mod ffi;

use std::ffi::CStr;
use std::fmt;
use std::marker::PhantomData;
use std::os::raw::{c_char, c_int};
use std::path::Path;
use std::ptr::{self, NonNull};
use std::time::{Duration, Instant};

/// A libhotswap failure, one variant per `HS_E…` code of `hotswap.h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// No value at this path in the snapshot (`HS_ENOTFOUND`).
    NotFound,
    /// The value has another type than the one asked for (`HS_ETYPE`).
    WrongType,
    /// A buffer was too small (`HS_ETOOSMALL`); the wrappers grow their buffers themselves,
    /// so this only comes back from the raw [`ffi`].
    TooSmall,
    /// No segment for this instance (`HS_ENOSEGMENT`).
    NoSegment,
    /// Library, binding and segment disagree on the ABI version (`HS_EABI`).
    Abi,
    /// The segment fails validation (`HS_ECORRUPT`).
    Corrupt,
    /// A malformed path or instance name (`HS_EINVAL`); also a path with a NUL byte.
    InvalidArgument,
    /// Publishes overtook the read more often than the retry bound (`HS_EBUSY`); retrying
    /// later normally succeeds.
    Busy,
    /// Out of memory (`HS_ENOMEM`).
    NoMemory,
    /// This process may not read the segment (`HS_EACCESS`).
    Access,
    /// Another system error (`HS_ESYSTEM`), with the `errno` the call left.
    System(i32),
    /// `hs_wait` timed out (`HS_ETIMEDOUT`); [`Reader::wait`] returns `Ok(None)` instead.
    TimedOut,
    /// Interrupted by a signal (`HS_EINTR`); [`Reader::wait`] resumes by itself.
    Interrupted,
    /// A code this binding does not know (a newer library).
    Unknown(i32),
}

impl Error {
    /// The error for a negative return code. Reads `errno` for `HS_ESYSTEM`, so call it right
    /// after the failed call.
    pub fn from_code(code: c_int) -> Error {
        match code {
            ffi::HS_ENOTFOUND => Error::NotFound,
            ffi::HS_ETYPE => Error::WrongType,
            ffi::HS_ETOOSMALL => Error::TooSmall,
            ffi::HS_ENOSEGMENT => Error::NoSegment,
            ffi::HS_EABI => Error::Abi,
            ffi::HS_ECORRUPT => Error::Corrupt,
            ffi::HS_EINVAL => Error::InvalidArgument,
            ffi::HS_EBUSY => Error::Busy,
            ffi::HS_ENOMEM => Error::NoMemory,
            ffi::HS_EACCESS => Error::Access,
            ffi::HS_ESYSTEM => Error::System(std::io::Error::last_os_error().raw_os_error().unwrap_or(0)),
            ffi::HS_ETIMEDOUT => Error::TimedOut,
            ffi::HS_EINTR => Error::Interrupted,
            other => Error::Unknown(other),
        }
    }

    /// The `HS_E…` code.
    pub fn code(&self) -> i32 {
        match *self {
            Error::NotFound => ffi::HS_ENOTFOUND,
            Error::WrongType => ffi::HS_ETYPE,
            Error::TooSmall => ffi::HS_ETOOSMALL,
            Error::NoSegment => ffi::HS_ENOSEGMENT,
            Error::Abi => ffi::HS_EABI,
            Error::Corrupt => ffi::HS_ECORRUPT,
            Error::InvalidArgument => ffi::HS_EINVAL,
            Error::Busy => ffi::HS_EBUSY,
            Error::NoMemory => ffi::HS_ENOMEM,
            Error::Access => ffi::HS_EACCESS,
            Error::System(_) => ffi::HS_ESYSTEM,
            Error::TimedOut => ffi::HS_ETIMEDOUT,
            Error::Interrupted => ffi::HS_EINTR,
            Error::Unknown(code) => code,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // SAFETY: hs_strerror never returns NULL and its strings are static.
        let message = unsafe { CStr::from_ptr(ffi::hs_strerror(self.code())) }.to_string_lossy();
        match *self {
            Error::System(errno) if errno != 0 => {
                write!(f, "{message}: {}", std::io::Error::from_raw_os_error(errno))
            }
            _ => f.write_str(&message),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// The type of a value (`HS_TYPE_…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    Null,
    Bool,
    Int,
    Float,
    String,
    /// An RFC 3339 date-time, read with `get_str`.
    DateTime,
    Array,
    Object,
}

impl ValueType {
    fn from_raw(t: c_int) -> Result<ValueType> {
        Ok(match t {
            ffi::HS_TYPE_NULL => ValueType::Null,
            ffi::HS_TYPE_BOOL => ValueType::Bool,
            ffi::HS_TYPE_INT => ValueType::Int,
            ffi::HS_TYPE_FLOAT => ValueType::Float,
            ffi::HS_TYPE_STRING => ValueType::String,
            ffi::HS_TYPE_DATETIME => ValueType::DateTime,
            ffi::HS_TYPE_ARRAY => ValueType::Array,
            ffi::HS_TYPE_OBJECT => ValueType::Object,
            _ => return Err(Error::Corrupt),
        })
    }
}

/// Counters of a reader, key or snapshot (`HS_STAT_…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stat {
    /// Reads that overlapped a publish into the slot they read and were retried.
    Retries,
    /// Reads that gave up with [`Error::Busy`].
    Busy,
    /// Times a larger segment was mapped after the daemon grew it.
    Remaps,
    /// Snapshots only: times the private copy was refreshed.
    Copies,
}

impl Stat {
    fn raw(self) -> c_int {
        match self {
            Stat::Retries => ffi::HS_STAT_RETRIES,
            Stat::Busy => ffi::HS_STAT_BUSY,
            Stat::Remaps => ffi::HS_STAT_REMAPS,
            Stat::Copies => ffi::HS_STAT_COPIES,
        }
    }
}

fn check(rc: c_int) -> Result<()> {
    if rc == ffi::HS_OK {
        Ok(())
    } else {
        Err(Error::from_code(rc))
    }
}

/// Calls `f` with `s` as a NUL-terminated C string, without allocating for short strings
/// (key paths are read on hot paths). A NUL inside `s` would make C read another path.
fn with_cstr<R>(s: &[u8], f: impl FnOnce(*const c_char) -> Result<R>) -> Result<R> {
    const STACK: usize = 128;
    if s.contains(&0) {
        return Err(Error::InvalidArgument);
    }
    if s.len() < STACK {
        let mut buf = [0u8; STACK];
        buf[..s.len()].copy_from_slice(s);
        f(buf.as_ptr().cast())
    } else {
        let mut v = Vec::with_capacity(s.len() + 1);
        v.extend_from_slice(s);
        v.push(0);
        f(v.as_ptr().cast())
    }
}

fn scalar<T: Default>(f: impl FnOnce(*mut T) -> c_int) -> Result<T> {
    let mut v = T::default();
    check(f(&mut v))?;
    Ok(v)
}

/// How often a string read is repeated when each new snapshot needs a larger buffer: every
/// repetition needs a publish in between, so only a pathological writer reaches the bound.
const MAX_ATTEMPTS: usize = 64;

/// Runs a `(buf, cap, len)` call of the C API with a buffer that grows to the length it
/// reports (`HS_ETOOSMALL`), and returns the bytes.
fn read_bytes(mut call: impl FnMut(*mut c_char, usize, *mut usize) -> c_int) -> Result<Vec<u8>> {
    let mut buf: Vec<u8> = Vec::with_capacity(256);
    for _ in 0..MAX_ATTEMPTS {
        let cap = buf.capacity();
        let mut len = 0usize;
        match call(buf.as_mut_ptr().cast(), cap, &mut len) {
            ffi::HS_OK if len < cap => {
                // SAFETY: the library wrote `len` bytes (and a NUL) into the buffer.
                unsafe { buf.set_len(len) };
                return Ok(buf);
            }
            ffi::HS_OK => return Err(Error::Corrupt), // a length that cannot be: refuse it
            ffi::HS_ETOOSMALL => buf.reserve_exact(len.saturating_add(1 + len / 8)),
            rc => return Err(Error::from_code(rc)),
        }
    }
    Err(Error::Busy)
}

fn read_string(call: impl FnMut(*mut c_char, usize, *mut usize) -> c_int) -> Result<String> {
    // The daemon only publishes UTF-8; anything else did not come from it.
    String::from_utf8(read_bytes(call)?).map_err(|_| Error::Corrupt)
}

fn check_abi() -> Result<()> {
    // SAFETY: no arguments, no state.
    if unsafe { ffi::hs_abi_version() } == ffi::HS_ABI_VERSION {
        Ok(())
    } else {
        Err(Error::Abi)
    }
}

/// A read-only view of the segment of one hotswapd instance. Closed on drop.
pub struct Reader {
    raw: NonNull<ffi::hs_reader>,
}

// SAFETY: hotswap.h: "An hs_reader may be shared by any number of threads; every function
// taking an hs_reader is safe to call concurrently, except hs_close", which only Drop calls,
// with exclusive ownership.
unsafe impl Send for Reader {}
unsafe impl Sync for Reader {}

impl Reader {
    /// Opens the segment of `instance` (`/dev/shm/hotswap.<instance>`).
    pub fn open(instance: &str) -> Result<Reader> {
        check_abi()?;
        let mut out = ptr::null_mut();
        // SAFETY: a valid C string and out-pointer.
        with_cstr(instance.as_bytes(), |p| check(unsafe { ffi::hs_open(p, &mut out) }))?;
        Ok(Reader { raw: NonNull::new(out).ok_or(Error::NoMemory)? })
    }

    /// Opens the segment file at `path` (tests, tools, other mount points).
    pub fn open_path<P: AsRef<Path>>(path: P) -> Result<Reader> {
        use std::os::unix::ffi::OsStrExt;
        check_abi()?;
        let mut out = ptr::null_mut();
        // SAFETY: a valid C string and out-pointer.
        with_cstr(path.as_ref().as_os_str().as_bytes(), |p| check(unsafe { ffi::hs_open_path(p, &mut out) }))?;
        Ok(Reader { raw: NonNull::new(out).ok_or(Error::NoMemory)? })
    }

    fn ptr(&self) -> *mut ffi::hs_reader {
        self.raw.as_ptr()
    }

    /// The generation of the current snapshot (they start at 1 and only grow).
    pub fn generation(&self) -> u64 {
        // SAFETY: `self.raw` is open until drop.
        unsafe { ffi::hs_generation(self.ptr()) }
    }

    /// The integer at `path` (a dotted path or a JSON Pointer).
    pub fn get_i64(&self, path: &str) -> Result<i64> {
        with_cstr(path.as_bytes(), |p| scalar(|out| unsafe { ffi::hs_get_i64(self.ptr(), p, out) }))
    }

    /// The float at `path`; an integer is converted to the nearest `f64`.
    pub fn get_f64(&self, path: &str) -> Result<f64> {
        with_cstr(path.as_bytes(), |p| scalar(|out| unsafe { ffi::hs_get_f64(self.ptr(), p, out) }))
    }

    pub fn get_bool(&self, path: &str) -> Result<bool> {
        with_cstr(path.as_bytes(), |p| scalar(|out| unsafe { ffi::hs_get_bool(self.ptr(), p, out) }))
    }

    /// The string (or date-time, as RFC 3339 text) at `path`.
    pub fn get_str(&self, path: &str) -> Result<String> {
        with_cstr(path.as_bytes(), |p| read_string(|b, c, l| unsafe { ffi::hs_get_str(self.ptr(), p, b, c, l) }))
    }

    /// The value at `path` as compact JSON; `""` is the whole document.
    pub fn get_json(&self, path: &str) -> Result<String> {
        with_cstr(path.as_bytes(), |p| read_string(|b, c, l| unsafe { ffi::hs_get_json(self.ptr(), p, b, c, l) }))
    }

    pub fn get_type(&self, path: &str) -> Result<ValueType> {
        let t = with_cstr(path.as_bytes(), |p| scalar(|out| unsafe { ffi::hs_get_type(self.ptr(), p, out) }))?;
        ValueType::from_raw(t)
    }

    /// Blocks until a generation newer than `seen` is published and returns it, or returns
    /// `Ok(None)` when `timeout` passes first (`None` waits forever, zero only checks).
    /// Sleeps on the segment's futex; a signal does not end the wait.
    pub fn wait(&self, seen: u64, timeout: Option<Duration>) -> Result<Option<u64>> {
        // A deadline too far to represent waits forever.
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        loop {
            let ms: c_int = match deadline {
                None => -1,
                // Rounded up, so that the wait never ends before the deadline.
                Some(d) => d
                    .saturating_duration_since(Instant::now())
                    .as_nanos()
                    .div_ceil(1_000_000)
                    .min(c_int::MAX as u128) as c_int,
            };
            // SAFETY: `self.raw` is open until drop.
            match unsafe { ffi::hs_wait(self.ptr(), seen, ms) } {
                ffi::HS_OK => return Ok(Some(self.generation())),
                ffi::HS_ETIMEDOUT => {
                    if let Some(d) = deadline {
                        if Instant::now() >= d {
                            return Ok(None);
                        }
                    }
                }
                ffi::HS_EINTR => {}
                rc => return Err(Error::from_code(rc)),
            }
        }
    }

    /// A resolved key: looked up once, then read by handle (the fast path).
    pub fn key(&self, path: &str) -> Result<Key<'_>> {
        let mut out = ptr::null_mut();
        // SAFETY: a valid C string and out-pointer; the key borrows `self`.
        with_cstr(path.as_bytes(), |p| check(unsafe { ffi::hs_key_open(self.ptr(), p, &mut out) }))?;
        Ok(Key { raw: NonNull::new(out).ok_or(Error::NoMemory)?, path: path.to_owned(), _reader: PhantomData })
    }

    /// A private, consistent copy of the current snapshot.
    pub fn snapshot(&self) -> Result<Snapshot<'_>> {
        let mut out = ptr::null_mut();
        // SAFETY: a valid out-pointer; the snapshot borrows `self`.
        check(unsafe { ffi::hs_snapshot_open(self.ptr(), &mut out) })?;
        Ok(Snapshot { raw: NonNull::new(out).ok_or(Error::NoMemory)?, _reader: PhantomData })
    }

    /// A counter of path reads on this reader (keys and snapshots count separately).
    pub fn stat(&self, counter: Stat) -> u64 {
        // SAFETY: `self.raw` is open until drop.
        unsafe { ffi::hs_stat(self.ptr(), counter.raw()) }
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        // SAFETY: keys and snapshots borrow the reader, so none is alive; we own the handle.
        unsafe { ffi::hs_close(self.ptr()) }
    }
}

impl fmt::Debug for Reader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reader").field("generation", &self.generation()).finish()
    }
}

/// A key path resolved once and then read by handle. It finds its value again by itself when
/// a new generation is published or the segment is replaced; the path need not exist yet.
/// Closed on drop.
pub struct Key<'r> {
    raw: NonNull<ffi::hs_key>,
    path: String,
    _reader: PhantomData<&'r Reader>,
}

// SAFETY: an hs_key may move between threads, as long as one thread uses it at a time, which
// the missing `Sync` guarantees.
unsafe impl Send for Key<'_> {}

impl Key<'_> {
    fn ptr(&self) -> *mut ffi::hs_key {
        self.raw.as_ptr()
    }

    /// The path this key reads.
    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn get_i64(&self) -> Result<i64> {
        // SAFETY (for every call below): `self.raw` is open until drop, used by one thread.
        scalar(|out| unsafe { ffi::hs_key_get_i64(self.ptr(), out) })
    }

    pub fn get_f64(&self) -> Result<f64> {
        scalar(|out| unsafe { ffi::hs_key_get_f64(self.ptr(), out) })
    }

    pub fn get_bool(&self) -> Result<bool> {
        scalar(|out| unsafe { ffi::hs_key_get_bool(self.ptr(), out) })
    }

    pub fn get_str(&self) -> Result<String> {
        read_string(|b, c, l| unsafe { ffi::hs_key_get_str(self.ptr(), b, c, l) })
    }

    pub fn get_json(&self) -> Result<String> {
        read_string(|b, c, l| unsafe { ffi::hs_key_get_json(self.ptr(), b, c, l) })
    }

    pub fn get_type(&self) -> Result<ValueType> {
        ValueType::from_raw(scalar(|out| unsafe { ffi::hs_key_get_type(self.ptr(), out) })?)
    }

    /// The generation of the last successful read (0 before any).
    pub fn generation(&self) -> u64 {
        unsafe { ffi::hs_key_generation(self.ptr()) }
    }

    pub fn stat(&self, counter: Stat) -> u64 {
        unsafe { ffi::hs_key_stat(self.ptr(), counter.raw()) }
    }
}

impl Drop for Key<'_> {
    fn drop(&mut self) {
        // SAFETY: we own the handle; the reader outlives us (borrow).
        unsafe { ffi::hs_key_close(self.ptr()) }
    }
}

impl fmt::Debug for Key<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key").field("path", &self.path).field("generation", &self.generation()).finish()
    }
}

/// A private copy of one generation of the document: every read through it comes from that
/// generation, so values read together never mix two generations. [`Snapshot::refresh`]
/// moves it to the current one. Closed on drop.
pub struct Snapshot<'r> {
    raw: NonNull<ffi::hs_snapshot>,
    _reader: PhantomData<&'r Reader>,
}

// SAFETY: as for Key: movable between threads, used by one at a time (no `Sync`).
unsafe impl Send for Snapshot<'_> {}

impl Snapshot<'_> {
    fn ptr(&self) -> *mut ffi::hs_snapshot {
        self.raw.as_ptr()
    }

    /// Moves the copy to the current generation; `true` when it changed. On error the
    /// previous copy stays intact and readable.
    pub fn refresh(&mut self) -> Result<bool> {
        let mut changed: c_int = 0;
        // SAFETY (for every call in this impl): `self.raw` is open until drop, one thread.
        check(unsafe { ffi::hs_snapshot_refresh(self.ptr(), &mut changed) })?;
        Ok(changed != 0)
    }

    /// The generation this copy holds.
    pub fn generation(&self) -> u64 {
        unsafe { ffi::hs_snapshot_generation(self.ptr()) }
    }

    pub fn get_i64(&self, path: &str) -> Result<i64> {
        with_cstr(path.as_bytes(), |p| scalar(|out| unsafe { ffi::hs_snapshot_get_i64(self.ptr(), p, out) }))
    }

    pub fn get_f64(&self, path: &str) -> Result<f64> {
        with_cstr(path.as_bytes(), |p| scalar(|out| unsafe { ffi::hs_snapshot_get_f64(self.ptr(), p, out) }))
    }

    pub fn get_bool(&self, path: &str) -> Result<bool> {
        with_cstr(path.as_bytes(), |p| scalar(|out| unsafe { ffi::hs_snapshot_get_bool(self.ptr(), p, out) }))
    }

    pub fn get_str(&self, path: &str) -> Result<String> {
        with_cstr(path.as_bytes(), |p| {
            read_string(|b, c, l| unsafe { ffi::hs_snapshot_get_str(self.ptr(), p, b, c, l) })
        })
    }

    pub fn get_json(&self, path: &str) -> Result<String> {
        with_cstr(path.as_bytes(), |p| {
            read_string(|b, c, l| unsafe { ffi::hs_snapshot_get_json(self.ptr(), p, b, c, l) })
        })
    }

    pub fn get_type(&self, path: &str) -> Result<ValueType> {
        let t = with_cstr(path.as_bytes(), |p| scalar(|out| unsafe { ffi::hs_snapshot_get_type(self.ptr(), p, out) }))?;
        ValueType::from_raw(t)
    }

    pub fn stat(&self, counter: Stat) -> u64 {
        unsafe { ffi::hs_snapshot_stat(self.ptr(), counter.raw()) }
    }
}

impl Drop for Snapshot<'_> {
    fn drop(&mut self) {
        // SAFETY: we own the handle; the reader outlives us (borrow).
        unsafe { ffi::hs_snapshot_close(self.ptr()) }
    }
}

impl fmt::Debug for Snapshot<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot").field("generation", &self.generation()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_code_round_trips_and_has_a_message() {
        for code in -13..=-1 {
            let e = Error::from_code(code);
            assert_eq!(e.code(), code, "{e:?}");
            assert!(!matches!(e, Error::Unknown(_)), "{code} should be known");
            assert!(!e.to_string().is_empty());
        }
        assert_eq!(Error::from_code(-99), Error::Unknown(-99));
    }

    #[test]
    fn paths_with_a_nul_byte_are_refused_before_reaching_c() {
        assert_eq!(with_cstr(b"a\0b", |_| Ok(())), Err(Error::InvalidArgument));
    }

    #[test]
    fn long_paths_are_passed_whole() {
        let long = "k".repeat(300);
        let seen = with_cstr(long.as_bytes(), |p| Ok(unsafe { CStr::from_ptr(p) }.to_bytes().len())).unwrap();
        assert_eq!(seen, 300);
    }

    #[test]
    fn read_bytes_grows_the_buffer_to_the_reported_length() {
        let value = vec![b'x'; 5000];
        let mut calls = 0;
        let got = read_bytes(|buf, cap, len| {
            calls += 1;
            unsafe { *len = value.len() };
            if cap <= value.len() {
                return ffi::HS_ETOOSMALL;
            }
            unsafe {
                ptr::copy_nonoverlapping(value.as_ptr(), buf.cast::<u8>(), value.len());
                *buf.add(value.len()) = 0;
            }
            ffi::HS_OK
        })
        .unwrap();
        assert_eq!(got, value);
        assert_eq!(calls, 2);
    }

    #[test]
    fn read_bytes_gives_up_on_a_value_that_always_outgrows_the_buffer() {
        let got = read_bytes(|_, cap, len| {
            unsafe { *len = cap + 1 };
            ffi::HS_ETOOSMALL
        });
        assert_eq!(got, Err(Error::Busy));
    }
}
