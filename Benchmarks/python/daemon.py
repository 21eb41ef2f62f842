"""A hotswapd started for a benchmark: its own temporary configuration directory, state
directory, control socket, notify socket (it speaks the sd_notify protocol to us as it would
to systemd) and a unique instance name; `close()` stops it and removes the segment and its
lock file from /dev/shm.

Also the two clients the benchmarks use: a raw control-socket client speaking the JSON line
protocol of docs/control-protocol.md, and the segment reader of bindings/python (ctypes over
libhotswap).
"""

import itertools
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

import hotswap

_ids = itertools.count()


class DaemonError(RuntimeError):
    pass


class Notifications:
    """The daemon's sd_notify datagrams, each stamped on arrival (perf_counter_ns) by a thread
    that drains the socket, so that the daemon never finds it full."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.2)
        self.messages = queue.Queue()
        self._stop = False
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self):
        while not self._stop:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            self.messages.put((time.perf_counter_ns(), data.decode("utf-8", "replace").split("\n")))

    def wait_for(self, assignment, timeout, alive=None):
        """Waits for a datagram containing `assignment` (e.g. READY=1); returns its arrival
        time. Earlier datagrams are consumed. Raises DaemonError on timeout or when
        `alive()` says the daemon died."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise DaemonError(f"no {assignment} within {timeout} s")
            try:
                t, lines = self.messages.get(timeout=min(left, 0.5))
            except queue.Empty:
                if alive is not None and not alive():
                    raise DaemonError(f"daemon exited before {assignment}")
                continue
            if assignment in lines:
                return t

    def clear(self):
        while True:
            try:
                self.messages.get_nowait()
            except queue.Empty:
                return

    def close(self):
        self._stop = True
        self._thread.join()
        self.sock.close()


class Daemon:
    """One hotswapd process on a copy of `app_file` (YAML) validated by `schema_file`."""

    def __init__(self, hotswapd, workdir, app_file, schema_file, debounce_ms=0, label="d"):
        self.instance = f"hsbench-{os.getpid()}-{next(_ids)}-{label}"
        self.dir = os.path.join(workdir, self.instance)
        os.makedirs(self.dir)
        self.app = os.path.join(self.dir, "app.yaml")
        shutil.copyfile(app_file, self.app)
        shutil.copyfile(schema_file, os.path.join(self.dir, "schema.json"))
        self.socket_path = os.path.join(self.dir, "ctl.sock")
        self.state_dir = os.path.join(self.dir, "state")
        self.config = os.path.join(self.dir, "hotswapd.yaml")
        with open(self.config, "w") as f:
            f.write(
                f"instance: {self.instance}\n"
                "schema: schema.json\n"
                "sources:\n"
                "  - file: app.yaml\n"
                f"watch: {{ debounce_ms: {debounce_ms} }}\n"
                "history: { size: 50 }\n"
                "log_level: warning\n")
        self.hotswapd = hotswapd
        self.proc = None
        self.notify = None
        self.reader = None
        self.log_path = os.path.join(self.dir, "hotswapd.log")

    def start(self, timeout=60):
        """Starts the daemon and waits for READY=1; returns the seconds from just before the
        process is spawned to READY=1 arriving on our notify socket."""
        self.notify = Notifications(os.path.join(self.dir, "notify.sock"))
        env = dict(os.environ, NOTIFY_SOCKET=self.notify.path)
        log = open(self.log_path, "wb")
        t0 = time.perf_counter_ns()
        self.proc = subprocess.Popen(
            [self.hotswapd, "--config", self.config, "--state-dir", self.state_dir, "--socket", self.socket_path],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env)
        log.close()
        try:
            t1 = self.notify.wait_for("READY=1", timeout, alive=lambda: self.proc.poll() is None)
        except DaemonError as e:
            raise DaemonError(f"{self.instance}: {e}\n{self.log_tail()}") from None
        self.reader = hotswap.Reader(self.instance)
        return (t1 - t0) / 1e9

    def log_tail(self, n=20):
        try:
            with open(self.log_path, "rb") as f:
                return "\n".join(f.read().decode("utf-8", "replace").splitlines()[-n:])
        except OSError:
            return ""

    def rss_kib(self):
        """VmRSS and VmHWM (peak) of the daemon, in KiB, from /proc/<pid>/status."""
        out = {}
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    out[key] = int(value.split()[0])
        return out

    def sighup(self):
        self.proc.send_signal(signal.SIGHUP)

    def close(self):
        if self.reader is not None:
            self.reader.close()
            self.reader = None
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.notify is not None:
            self.notify.close()
        remove_segment(self.instance)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def remove_segment(instance):
    """Removes an instance's segment and its writer lock file from /dev/shm, if present."""
    for p in (f"/dev/shm/hotswap.{instance}", f"/dev/shm/.hotswap.{instance}.lock"):
        try:
            os.unlink(p)
        except FileNotFoundError:
            pass


# The server section comes first in every generated application file, so the first
# two-space-indented timeout_ms is server.timeout_ms (services' members are indented four).
_SERVER_TIMEOUT = re.compile(rb"^(  timeout_ms: )\d+$", re.M)


def with_server_timeout(text, value):
    """The application file `text` (bytes) with server.timeout_ms set to `value`."""
    out, n = _SERVER_TIMEOUT.subn(rb"\g<1>" + str(value).encode(), text, count=1)
    if n != 1:
        raise DaemonError("server.timeout_ms not found in the application file")
    return out


class GenerationWatcher:
    """A thread blocked in hs_wait on the daemon's segment. Each wake-up is stamped
    (perf_counter_ns) and queued with the new generation."""

    def __init__(self, reader):
        self._c = reader._c
        self._h = reader._handle()
        self.events = queue.Queue()
        self._stop = False
        self._seen = self._c.hs_generation(self._h)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop:
            rc = self._c.hs_wait(self._h, self._seen, 200)
            if rc == 0:
                t = time.perf_counter_ns()
                g = self._c.hs_generation(self._h)
                self._seen = g
                self.events.put((t, g))

    def next(self, timeout):
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            raise DaemonError(f"no new generation within {timeout} s") from None

    def close(self):
        self._stop = True
        self._thread.join()


def change_latencies(daemon, count, timeout=30.0, first_value=10_000):
    """Rewrites the application file `count` times (write a temporary file, rename it over
    the original, as editors and deploy tools do) and returns, for each change, the seconds
    from just before rename() to a reader blocked in hs_wait seeing the new generation. Each
    change is checked: the reader must read the new server.timeout_ms."""
    with open(daemon.app, "rb") as f:
        text = f.read()
    tmp = daemon.app + ".tmp"
    watcher = GenerationWatcher(daemon.reader)
    out = []
    try:
        for i in range(count):
            value = first_value + i
            with open(tmp, "wb") as f:
                f.write(with_server_timeout(text, value))
            t0 = time.perf_counter_ns()
            os.rename(tmp, daemon.app)
            t1, _ = watcher.next(timeout)
            out.append((t1 - t0) / 1e9)
            got = daemon.reader.get_int("server.timeout_ms")
            if got != value:
                raise DaemonError(f"after change {i}: server.timeout_ms is {got}, expected {value}")
    finally:
        watcher.close()
    return out


def control_request(path, request, timeout=30.0):
    """One request over the control socket (connect, one JSON line, read the one-line
    response, close), as hotswapctl does. Returns the decoded response."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.settimeout(timeout)
        s.connect(path)
        s.sendall(json.dumps(request).encode() + b"\n")
        chunks = []
        while True:
            b = s.recv(65536)
            if not b:
                break
            chunks.append(b)
            if b.endswith(b"\n"):
                break
    finally:
        s.close()
    data = b"".join(chunks)
    if not data:
        raise DaemonError(f"no response to {request.get('verb')}")
    return json.loads(data)
