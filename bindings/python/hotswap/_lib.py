"""Finds libhotswap.so and declares the C functions of hotswap.h for ctypes.

ctypes releases the GIL around every call into the library, so a thread blocked in hs_wait
does not stop the other threads of the process.
"""

import ctypes
import ctypes.util
import os
import threading

from ._errors import HotswapError, HS_EABI

# The segment ABI this binding was written for (HS_ABI_VERSION in hotswap.h).
ABI_VERSION = 1

_c_reader_p = ctypes.c_void_p
_c_key_p = ctypes.c_void_p
_c_snapshot_p = ctypes.c_void_p
_c_char_p = ctypes.c_char_p
_c_int = ctypes.c_int
_c_u64 = ctypes.c_uint64
_c_size = ctypes.c_size_t
_c_size_p = ctypes.POINTER(ctypes.c_size_t)
_c_buf = ctypes.c_char_p  # a writable buffer from create_string_buffer

# name: (restype, argtypes). Every function of hotswap.h.
_SIGNATURES = {
    "hs_abi_version": (_c_int, []),
    "hs_strerror": (_c_char_p, [_c_int]),
    "hs_open": (_c_int, [_c_char_p, ctypes.POINTER(_c_reader_p)]),
    "hs_open_path": (_c_int, [_c_char_p, ctypes.POINTER(_c_reader_p)]),
    "hs_close": (None, [_c_reader_p]),
    "hs_generation": (_c_u64, [_c_reader_p]),
    "hs_get_i64": (_c_int, [_c_reader_p, _c_char_p, ctypes.POINTER(ctypes.c_int64)]),
    "hs_get_f64": (_c_int, [_c_reader_p, _c_char_p, ctypes.POINTER(ctypes.c_double)]),
    "hs_get_bool": (_c_int, [_c_reader_p, _c_char_p, ctypes.POINTER(ctypes.c_bool)]),
    "hs_get_str": (_c_int, [_c_reader_p, _c_char_p, _c_buf, _c_size, _c_size_p]),
    "hs_get_json": (_c_int, [_c_reader_p, _c_char_p, _c_buf, _c_size, _c_size_p]),
    "hs_get_type": (_c_int, [_c_reader_p, _c_char_p, ctypes.POINTER(_c_int)]),
    "hs_wait": (_c_int, [_c_reader_p, _c_u64, _c_int]),
    "hs_stat": (_c_u64, [_c_reader_p, _c_int]),
    "hs_key_open": (_c_int, [_c_reader_p, _c_char_p, ctypes.POINTER(_c_key_p)]),
    "hs_key_close": (None, [_c_key_p]),
    "hs_key_get_i64": (_c_int, [_c_key_p, ctypes.POINTER(ctypes.c_int64)]),
    "hs_key_get_f64": (_c_int, [_c_key_p, ctypes.POINTER(ctypes.c_double)]),
    "hs_key_get_bool": (_c_int, [_c_key_p, ctypes.POINTER(ctypes.c_bool)]),
    "hs_key_get_str": (_c_int, [_c_key_p, _c_buf, _c_size, _c_size_p]),
    "hs_key_get_json": (_c_int, [_c_key_p, _c_buf, _c_size, _c_size_p]),
    "hs_key_get_type": (_c_int, [_c_key_p, ctypes.POINTER(_c_int)]),
    "hs_key_generation": (_c_u64, [_c_key_p]),
    "hs_key_stat": (_c_u64, [_c_key_p, _c_int]),
    "hs_snapshot_open": (_c_int, [_c_reader_p, ctypes.POINTER(_c_snapshot_p)]),
    "hs_snapshot_close": (None, [_c_snapshot_p]),
    "hs_snapshot_refresh": (_c_int, [_c_snapshot_p, ctypes.POINTER(_c_int)]),
    "hs_snapshot_generation": (_c_u64, [_c_snapshot_p]),
    "hs_snapshot_get_i64": (_c_int, [_c_snapshot_p, _c_char_p, ctypes.POINTER(ctypes.c_int64)]),
    "hs_snapshot_get_f64": (_c_int, [_c_snapshot_p, _c_char_p, ctypes.POINTER(ctypes.c_double)]),
    "hs_snapshot_get_bool": (_c_int, [_c_snapshot_p, _c_char_p, ctypes.POINTER(ctypes.c_bool)]),
    "hs_snapshot_get_str": (_c_int, [_c_snapshot_p, _c_char_p, _c_buf, _c_size, _c_size_p]),
    "hs_snapshot_get_json": (_c_int, [_c_snapshot_p, _c_char_p, _c_buf, _c_size, _c_size_p]),
    "hs_snapshot_get_type": (_c_int, [_c_snapshot_p, _c_char_p, ctypes.POINTER(_c_int)]),
    "hs_snapshot_stat": (_c_u64, [_c_snapshot_p, _c_int]),
}


def _candidates():
    """Where to look, in order: $HOTSWAP_LIBRARY, the repository's build/lib, the system."""
    env = os.environ.get("HOTSWAP_LIBRARY")
    if env:
        return [env]  # explicit: do not silently fall back to another copy
    here = os.path.dirname(os.path.abspath(__file__))
    repo_build = os.path.normpath(os.path.join(here, "..", "..", "..", "build", "lib", "libhotswap.so"))
    found = [repo_build] if os.path.exists(repo_build) else []
    system = ctypes.util.find_library("hotswap")
    if system:
        found.append(system)
    return found


def load(path=None):
    """Loads libhotswap (from `path`, else from the usual places), declares its functions and
    checks that it reads the segment ABI this binding was written for."""
    paths = [path] if path else _candidates()
    if not paths:
        raise OSError("libhotswap.so not found: set HOTSWAP_LIBRARY to its path, "
                      "build it with `make libhotswap`, or install it")
    errors = []
    for p in paths:
        try:
            lib = ctypes.CDLL(p, use_errno=True)
            break
        except OSError as e:
            errors.append(str(e))
    else:
        raise OSError("cannot load libhotswap: " + "; ".join(errors))
    for name, (restype, argtypes) in _SIGNATURES.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    abi = lib.hs_abi_version()
    if abi != ABI_VERSION:
        raise HotswapError(HS_EABI, f"libhotswap reads segment ABI {abi}, this binding expects {ABI_VERSION}")
    return lib


_lock = threading.Lock()
_loaded = None


def lib():
    """The library, loaded once per process on first use (so that importing the package
    never fails just because the library is missing)."""
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                _loaded = load()
    return _loaded


def strerror(code):
    return lib().hs_strerror(code).decode("utf-8", "replace")
