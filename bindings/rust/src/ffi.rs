//! The raw C API of `hotswap.h`, declared by hand (no bindgen: the crate has no dependencies).
//!
//! Everything here is `unsafe` to call; the safe wrappers are in the crate root. Keep this file
//! in step with `Sources/CHotswap/include/hotswap.h`: same names, same argument types.

#![allow(non_camel_case_types)]

use std::marker::{PhantomData, PhantomPinned};
use std::os::raw::{c_char, c_int};

/// The segment format this binding was written for (`HS_ABI_VERSION`).
pub const HS_ABI_VERSION: c_int = 1;

pub const HS_OK: c_int = 0;
pub const HS_ENOTFOUND: c_int = -1;
pub const HS_ETYPE: c_int = -2;
pub const HS_ETOOSMALL: c_int = -3;
pub const HS_ENOSEGMENT: c_int = -4;
pub const HS_EABI: c_int = -5;
pub const HS_ECORRUPT: c_int = -6;
pub const HS_EINVAL: c_int = -7;
pub const HS_EBUSY: c_int = -8;
pub const HS_ENOMEM: c_int = -9;
pub const HS_EACCESS: c_int = -10;
pub const HS_ESYSTEM: c_int = -11;
pub const HS_ETIMEDOUT: c_int = -12;
pub const HS_EINTR: c_int = -13;

pub const HS_TYPE_NULL: c_int = 0;
pub const HS_TYPE_BOOL: c_int = 1;
pub const HS_TYPE_INT: c_int = 2;
pub const HS_TYPE_FLOAT: c_int = 3;
pub const HS_TYPE_STRING: c_int = 4;
pub const HS_TYPE_DATETIME: c_int = 5;
pub const HS_TYPE_ARRAY: c_int = 6;
pub const HS_TYPE_OBJECT: c_int = 7;

pub const HS_STAT_RETRIES: c_int = 1;
pub const HS_STAT_BUSY: c_int = 2;
pub const HS_STAT_REMAPS: c_int = 3;
pub const HS_STAT_COPIES: c_int = 4;

/// Opaque C handles: zero-sized, not constructible, neither `Send`, `Sync` nor `Unpin`.
#[repr(C)]
pub struct hs_reader {
    _private: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}
#[repr(C)]
pub struct hs_key {
    _private: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}
#[repr(C)]
pub struct hs_snapshot {
    _private: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

extern "C" {
    pub fn hs_abi_version() -> c_int;
    pub fn hs_strerror(code: c_int) -> *const c_char;

    pub fn hs_open(instance: *const c_char, out: *mut *mut hs_reader) -> c_int;
    pub fn hs_open_path(path: *const c_char, out: *mut *mut hs_reader) -> c_int;
    pub fn hs_close(r: *mut hs_reader);
    pub fn hs_generation(r: *mut hs_reader) -> u64;

    pub fn hs_get_i64(r: *mut hs_reader, path: *const c_char, out: *mut i64) -> c_int;
    pub fn hs_get_f64(r: *mut hs_reader, path: *const c_char, out: *mut f64) -> c_int;
    pub fn hs_get_bool(r: *mut hs_reader, path: *const c_char, out: *mut bool) -> c_int;
    pub fn hs_get_str(r: *mut hs_reader, path: *const c_char, buf: *mut c_char, cap: usize, len: *mut usize) -> c_int;
    pub fn hs_get_json(r: *mut hs_reader, path: *const c_char, buf: *mut c_char, cap: usize, len: *mut usize) -> c_int;
    pub fn hs_get_type(r: *mut hs_reader, path: *const c_char, out: *mut c_int) -> c_int;

    pub fn hs_wait(r: *mut hs_reader, seen_generation: u64, timeout_ms: c_int) -> c_int;
    pub fn hs_stat(r: *mut hs_reader, counter: c_int) -> u64;

    pub fn hs_key_open(r: *mut hs_reader, path: *const c_char, out: *mut *mut hs_key) -> c_int;
    pub fn hs_key_close(k: *mut hs_key);
    pub fn hs_key_get_i64(k: *mut hs_key, out: *mut i64) -> c_int;
    pub fn hs_key_get_f64(k: *mut hs_key, out: *mut f64) -> c_int;
    pub fn hs_key_get_bool(k: *mut hs_key, out: *mut bool) -> c_int;
    pub fn hs_key_get_str(k: *mut hs_key, buf: *mut c_char, cap: usize, len: *mut usize) -> c_int;
    pub fn hs_key_get_json(k: *mut hs_key, buf: *mut c_char, cap: usize, len: *mut usize) -> c_int;
    pub fn hs_key_get_type(k: *mut hs_key, out: *mut c_int) -> c_int;
    pub fn hs_key_generation(k: *mut hs_key) -> u64;
    pub fn hs_key_stat(k: *mut hs_key, counter: c_int) -> u64;

    pub fn hs_snapshot_open(r: *mut hs_reader, out: *mut *mut hs_snapshot) -> c_int;
    pub fn hs_snapshot_close(s: *mut hs_snapshot);
    pub fn hs_snapshot_refresh(s: *mut hs_snapshot, changed: *mut c_int) -> c_int;
    pub fn hs_snapshot_generation(s: *mut hs_snapshot) -> u64;
    pub fn hs_snapshot_get_i64(s: *mut hs_snapshot, path: *const c_char, out: *mut i64) -> c_int;
    pub fn hs_snapshot_get_f64(s: *mut hs_snapshot, path: *const c_char, out: *mut f64) -> c_int;
    pub fn hs_snapshot_get_bool(s: *mut hs_snapshot, path: *const c_char, out: *mut bool) -> c_int;
    pub fn hs_snapshot_get_str(s: *mut hs_snapshot, path: *const c_char, buf: *mut c_char, cap: usize, len: *mut usize) -> c_int;
    pub fn hs_snapshot_get_json(s: *mut hs_snapshot, path: *const c_char, buf: *mut c_char, cap: usize, len: *mut usize) -> c_int;
    pub fn hs_snapshot_get_type(s: *mut hs_snapshot, path: *const c_char, out: *mut c_int) -> c_int;
    pub fn hs_snapshot_stat(s: *mut hs_snapshot, counter: c_int) -> u64;
}
