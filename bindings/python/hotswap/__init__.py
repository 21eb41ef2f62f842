"""Python binding of libhotswap: read the configuration hotswapd publishes in shared memory.

    import hotswap

    with hotswap.Reader("demo") as r:
        port = r.get("server.port")            # int, float, bool, str, None, dict or list
        gen = r.wait(timeout=5.0)              # the next generation, or None on timeout
        with r.snapshot() as s:                # several keys from one generation
            host, port = s.get("server.host"), s.get("server.port")

The binding is a thin layer of ctypes over the C library, which it finds through
$HOTSWAP_LIBRARY, else the repository's build/lib/libhotswap.so, else the system's library
path. Every read goes straight to the library (get() makes two calls: the value's type, then
the value); nothing is cached in Python except the buffer size the last string read needed.
"""

import ctypes
import enum
import itertools
import json
import math
import os
import re
import threading
import time
import weakref

from . import _lib
from ._errors import (
    HS_OK, HS_ETOOSMALL, HS_EINVAL, HS_EBUSY, HS_ESYSTEM,
    HS_ETIMEDOUT, HS_EINTR,
    HotswapError, NotFound, WrongType, NoSegment, AbiMismatch, Corrupt, InvalidArgument,
    Busy, OutOfMemory, PermissionDenied, SystemFailure, error_for,
)

__all__ = [
    "Reader", "Key", "Snapshot", "Type", "load_library",
    "HotswapError", "NotFound", "WrongType", "NoSegment", "AbiMismatch", "Corrupt",
    "InvalidArgument", "Busy", "OutOfMemory", "PermissionDenied", "SystemFailure",
]

ABI_VERSION = _lib.ABI_VERSION


def load_library(path=None):
    """Loads libhotswap from `path` (or the usual places) and checks its ABI. Readers load it
    on first use anyway; call this to fail early or to test a given copy."""
    return _lib.load(path)


class Type(enum.IntEnum):
    """The type of a value (HS_TYPE_... in hotswap.h)."""
    NULL = 0
    BOOL = 1
    INT = 2
    FLOAT = 3
    STRING = 4
    DATETIME = 5
    ARRAY = 6
    OBJECT = 7


_MISSING = object()
_tokens = itertools.count()
# How many times a read is repeated when the snapshot changes under it: a longer string than
# the buffer, or a type that changed between hs_get_type and the typed read. Each repetition
# needs a new publish in between, so this bound is reached only under a pathological writer.
_MAX_ATTEMPTS = 64
_INITIAL_CAP = 256
_STAT_NAMES = {"retries": 1, "busy": 2, "remaps": 3}

# libhotswap writes non-finite floats as the bare words nan, inf, -inf (hotswap.h, TYPES);
# Python's json module spells them NaN, Infinity, -Infinity. Strings are matched first so that
# the words inside them are left alone.
_NONFINITE = re.compile(r'"(?:[^"\\]|\\.)*"|(-?inf|nan)\b')
_NONFINITE_WORDS = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def _loads(data):
    text = data.decode("utf-8")
    try:
        return json.loads(text)
    except ValueError:
        fixed = _NONFINITE.sub(lambda m: _NONFINITE_WORDS[m.group(1)] if m.group(1) else m.group(0), text)
        return json.loads(fixed)


def _raise(rc, path=None):
    errno = ctypes.get_errno() if rc == HS_ESYSTEM else 0
    raise error_for(rc, _lib.strerror(rc), path, errno)


def _encode_path(path):
    if isinstance(path, str):
        b = path.encode("utf-8")
    elif isinstance(path, bytes):
        b = path
    else:
        raise TypeError(f"a key path is a str, not {type(path).__name__}")
    if b"\0" in b:
        # C would silently read only up to the NUL: a different path.
        raise InvalidArgument(HS_EINVAL, "key path contains a NUL character", path)
    return b


class _NoLock:
    """The guard of a Reader: readers are thread-safe in C, so reads need no lock."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


_NO_LOCK = _NoLock()


def _scalar(fn, args, ctype, path):
    out = ctype()
    rc = fn(*args, ctypes.byref(out))
    if rc != HS_OK:
        _raise(rc, path)
    return out.value


class _Handle:
    """The shared machinery of Reader, Key and Snapshot: typed reads through a family of six
    C functions (`_ops`) that differ only in their leading arguments (`_args`)."""

    _kind = "handle"
    _h = None
    _guard = _NO_LOCK
    # A snapshot reads one generation: a value cannot change type between two of its reads.
    _consistent = False
    # The buffer size the last string read needed (a hint; racing updates are harmless).
    _cap = _INITIAL_CAP

    def _handle(self):
        h = self._h
        if h is None:
            raise InvalidArgument(HS_EINVAL, f"{self._kind} is closed")
        return h

    def _bytes(self, fn, args, path):
        n = ctypes.c_size_t()
        for _ in range(_MAX_ATTEMPTS):
            cap = self._cap
            buf = ctypes.create_string_buffer(cap)
            rc = fn(*args, buf, cap, ctypes.byref(n))
            if rc == HS_OK:
                return ctypes.string_at(buf, n.value)
            if rc != HS_ETOOSMALL:
                _raise(rc, path)
            # Room for what this snapshot needs and some growth, so that a steadily growing
            # value does not cost two calls on every read.
            self._cap = n.value + 1 + n.value // 8
        raise Busy(HS_EBUSY, "the value kept growing faster than it could be copied", path)

    def _typed(self, args, path):
        """Reads the value as the Python type its HS_TYPE calls for."""
        ops = self._ops
        for _ in range(_MAX_ATTEMPTS):
            t = _scalar(ops["type"], args, ctypes.c_int, path)
            try:
                if t == Type.INT:
                    return _scalar(ops["i64"], args, ctypes.c_int64, path)
                if t == Type.STRING or t == Type.DATETIME:
                    return self._bytes(ops["str"], args, path).decode("utf-8")
                if t == Type.FLOAT:
                    return _scalar(ops["f64"], args, ctypes.c_double, path)
                if t == Type.BOOL:
                    return _scalar(ops["bool"], args, ctypes.c_bool, path)
                if t == Type.NULL:
                    return None
                return _loads(self._bytes(ops["json"], args, path))
            except (WrongType, NotFound):
                # A new generation changed or removed the value between the two reads. Ask
                # for the type again.
                if self._consistent:
                    raise
        raise Busy(HS_EBUSY, "the value kept changing type", path)


class _PathReads(_Handle):
    """Reads by key path (Reader and Snapshot)."""

    def _args(self, path):
        return (self._handle(), _encode_path(path))

    def get(self, path, default=_MISSING):
        """The value at `path` as int, float, bool, str (strings and date-times), None (null),
        dict or list. A missing value raises NotFound, or returns `default` when given."""
        try:
            with self._guard:
                return self._typed(self._args(path), path)
        except NotFound:
            if default is _MISSING:
                raise
            return default

    def __getitem__(self, path):
        with self._guard:
            return self._typed(self._args(path), path)

    def __contains__(self, path):
        try:
            self.type(path)
            return True
        except NotFound:
            return False

    def get_int(self, path):
        """The integer at `path`; WrongType for any other type."""
        with self._guard:
            return _scalar(self._ops["i64"], self._args(path), ctypes.c_int64, path)

    def get_float(self, path):
        """The float at `path`; an integer is converted to the nearest float."""
        with self._guard:
            return _scalar(self._ops["f64"], self._args(path), ctypes.c_double, path)

    def get_bool(self, path):
        with self._guard:
            return _scalar(self._ops["bool"], self._args(path), ctypes.c_bool, path)

    def get_str(self, path):
        """The string (or date-time, as RFC 3339 text) at `path`."""
        with self._guard:
            return self._bytes(self._ops["str"], self._args(path), path).decode("utf-8")

    def get_json(self, path=""):
        """The value at `path` as compact JSON text; "" is the whole document."""
        with self._guard:
            return self._bytes(self._ops["json"], self._args(path), path).decode("utf-8")

    def type(self, path):
        """The Type of the value at `path`."""
        with self._guard:
            return Type(_scalar(self._ops["type"], self._args(path), ctypes.c_int, path))

    def to_dict(self):
        """The whole document (normally a dict), read from one generation."""
        with self._guard:
            return _loads(self._bytes(self._ops["json"], self._args(""), ""))


def _stats(fn, h, names):
    return {name: fn(h, code) for name, code in names.items()}


class Reader(_PathReads):
    """A read-only view of the segment of one hotswapd instance.

    A Reader may be shared by threads; every method is thread-safe except close(), which must
    not run while another thread uses the reader or one of its keys or snapshots. Closing a
    reader closes its keys and snapshots first.
    """

    _kind = "reader"

    def __init__(self, instance=None, *, path=None):
        """Opens the segment of `instance` (/dev/shm/hotswap.<instance>), or the segment file
        `path`. Raises NoSegment, PermissionDenied, AbiMismatch, Corrupt, InvalidArgument."""
        if (instance is None) == (path is None):
            raise TypeError("Reader() takes an instance name or path=, not both")
        self.instance = instance
        self.path = os.fspath(path) if path is not None else None
        # The C handles of this reader's keys and snapshots, which hs_close requires closed
        # first. The reader owns them (token -> (close function, handle)), not the Python
        # objects, so that even when a reference cycle is collected and the finalizers run
        # in any order, the reader closes them before itself. _children finds the live
        # Python objects, to mark them closed.
        self._owned = {}
        self._children = weakref.WeakSet()
        self._children_lock = threading.Lock()
        self._c = _lib.lib()
        h = ctypes.c_void_p()
        if instance is not None:
            name = instance.encode("utf-8") if isinstance(instance, str) else instance
            if b"\0" in name:
                raise InvalidArgument(HS_EINVAL, "instance name contains a NUL character", instance)
            rc = self._c.hs_open(name, ctypes.byref(h))
        else:
            rc = self._c.hs_open_path(os.fsencode(self.path), ctypes.byref(h))
        if rc != HS_OK:
            _raise(rc, instance if instance is not None else self.path)
        self._h = h.value
        self._ops = {
            "type": self._c.hs_get_type, "i64": self._c.hs_get_i64, "f64": self._c.hs_get_f64,
            "bool": self._c.hs_get_bool, "str": self._c.hs_get_str, "json": self._c.hs_get_json,
        }

    @classmethod
    def open_path(cls, path):
        """Opens the segment file `path` (tests, tools, other mount points)."""
        return cls(path=path)

    @property
    def generation(self):
        """The generation of the current snapshot (generations start at 1 and only grow)."""
        return self._c.hs_generation(self._handle())

    def wait(self, seen=None, timeout=None):
        """Blocks until a generation newer than `seen` (default: the current one) is
        published, and returns it; returns None when `timeout` seconds pass first (None
        waits forever, 0 only checks). Sleeps on the segment's futex: no polling. Signals
        interrupt the wait only to run their Python handlers; then it goes on."""
        h = self._handle()
        if seen is None:
            seen = self._c.hs_generation(h)
        deadline = None if timeout is None else time.monotonic() + max(0.0, timeout)
        while True:
            if deadline is None:
                ms = -1
            else:
                # Rounded up, so that a timeout never ends before the deadline.
                ms = min(max(0, math.ceil((deadline - time.monotonic()) * 1000)), 2**31 - 1)
            rc = self._c.hs_wait(h, seen, ms)
            if rc == HS_OK:
                return self._c.hs_generation(h)
            if rc == HS_ETIMEDOUT:
                if deadline is None or time.monotonic() >= deadline:
                    return None
            elif rc != HS_EINTR:
                # HS_EINTR: going round the loop lets Python run the signal's handler, which
                # may raise (KeyboardInterrupt); otherwise the wait resumes.
                _raise(rc)

    def key(self, path):
        """A resolved key: looked up once, then read by handle (the fast path)."""
        return Key(self, path)

    def snapshot(self):
        """A private, consistent copy of the current snapshot; see Snapshot."""
        return Snapshot(self)

    def stats(self):
        """Counters of path reads on this reader: retries, busy, remaps."""
        return _stats(self._c.hs_stat, self._handle(), _STAT_NAMES)

    def _adopt(self, child, close_fn, h):
        token = next(_tokens)
        with self._children_lock:
            self._owned[token] = (close_fn, h)
            self._children.add(child)
        return token

    def _release(self, token):
        """Closes the C handle of one key or snapshot, once."""
        with self._children_lock:
            entry = self._owned.pop(token, None)
        if entry is not None:
            entry[0](entry[1])

    def close(self):
        """Closes the keys and snapshots of this reader, then unmaps the segment. Idempotent."""
        with self._children_lock:
            children = list(self._children)
            self._children.clear()
        for child in children:
            child.close()
        with self._children_lock:
            leftovers = list(self._owned.values())  # children being finalized right now
            self._owned.clear()
        for close_fn, h in leftovers:
            close_fn(h)
        h, self._h = self._h, None
        if h is not None:
            self._c.hs_close(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if getattr(self, "_h", None) is not None:
            self.close()

    def __repr__(self):
        where = f"instance={self.instance!r}" if self.instance is not None else f"path={self.path!r}"
        state = f"generation={self.generation}" if self._h is not None else "closed"
        return f"<hotswap.Reader {where} {state}>"


class _Child(_Handle):
    """A per-thread C object of a reader (hs_key, hs_snapshot). The C side may be used by one
    thread at a time; the lock lets Python threads share the object anyway."""

    def __init__(self, reader, open_fn, close_fn, *open_args):
        self._reader = reader  # keeps the reader open while this object exists
        self._c = reader._c
        self._lock = self._guard = threading.Lock()
        h = ctypes.c_void_p()
        rc = open_fn(reader._handle(), *open_args, ctypes.byref(h))
        if rc != HS_OK:
            _raise(rc, open_args[0].decode("utf-8", "replace") if open_args else None)
        self._token = reader._adopt(self, close_fn, h.value)
        self._h = h.value

    def close(self):
        """Closes the C handle (the reader owns it and closes it once). Idempotent."""
        with self._lock:
            self._h = None
            self._reader._release(self._token)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if getattr(self, "_h", None) is not None:
            self.close()


class Key(_Child):
    """A key path resolved once and then read by handle: the fastest way to read the same
    value repeatedly. It finds the value again by itself when a new generation is published
    or the segment is replaced. The path need not exist yet (reads raise NotFound until it
    does)."""

    _kind = "key"

    def __init__(self, reader, path):
        self.path = path
        c = reader._c
        super().__init__(reader, c.hs_key_open, c.hs_key_close, _encode_path(path))
        self._ops = {
            "type": c.hs_key_get_type, "i64": c.hs_key_get_i64, "f64": c.hs_key_get_f64,
            "bool": c.hs_key_get_bool, "str": c.hs_key_get_str, "json": c.hs_key_get_json,
        }

    def get(self, default=_MISSING):
        """The value as int, float, bool, str, None, dict or list (see Reader.get)."""
        try:
            with self._lock:
                return self._typed((self._handle(),), self.path)
        except NotFound:
            if default is _MISSING:
                raise
            return default

    def _read_scalar(self, what, ctype):
        with self._lock:
            return _scalar(self._ops[what], (self._handle(),), ctype, self.path)

    def _read_bytes(self, what):
        with self._lock:
            return self._bytes(self._ops[what], (self._handle(),), self.path)

    def get_int(self):
        return self._read_scalar("i64", ctypes.c_int64)

    def get_float(self):
        return self._read_scalar("f64", ctypes.c_double)

    def get_bool(self):
        return self._read_scalar("bool", ctypes.c_bool)

    def get_str(self):
        return self._read_bytes("str").decode("utf-8")

    def get_json(self):
        return self._read_bytes("json").decode("utf-8")

    def type(self):
        return Type(self._read_scalar("type", ctypes.c_int))

    @property
    def generation(self):
        """The generation the last successful read came from (0 before any read)."""
        with self._lock:
            return self._c.hs_key_generation(self._handle())

    def stats(self):
        with self._lock:
            return _stats(self._c.hs_key_stat, self._handle(), _STAT_NAMES)

    def __repr__(self):
        return f"<hotswap.Key {self.path!r}{'' if self._h is not None else ' closed'}>"


class Snapshot(_Child, _PathReads):
    """A private copy of one generation of the document: every read through it comes from
    that generation, so values read together are always consistent. refresh() moves it to
    the current generation (a single load when nothing changed)."""

    _kind = "snapshot"
    _consistent = True

    def __init__(self, reader):
        c = reader._c
        super().__init__(reader, c.hs_snapshot_open, c.hs_snapshot_close)
        self._ops = {
            "type": c.hs_snapshot_get_type, "i64": c.hs_snapshot_get_i64,
            "f64": c.hs_snapshot_get_f64, "bool": c.hs_snapshot_get_bool,
            "str": c.hs_snapshot_get_str, "json": c.hs_snapshot_get_json,
        }

    @property
    def generation(self):
        """The generation this copy holds."""
        with self._lock:
            return self._c.hs_snapshot_generation(self._handle())

    def refresh(self):
        """Moves the copy to the current generation; returns True when it changed. On error
        the previous copy stays intact and readable."""
        changed = ctypes.c_int()
        with self._lock:
            rc = self._c.hs_snapshot_refresh(self._handle(), ctypes.byref(changed))
        if rc != HS_OK:
            _raise(rc)
        return changed.value != 0

    def stats(self):
        """Counters of this snapshot: retries, busy, remaps, copies."""
        with self._lock:
            return _stats(self._c.hs_snapshot_stat, self._handle(), dict(_STAT_NAMES, copies=4))

    def __repr__(self):
        state = f"generation={self.generation}" if self._h is not None else "closed"
        return f"<hotswap.Snapshot {state}>"
