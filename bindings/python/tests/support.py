"""Test helpers: a real publisher process (bindings/testpublisher) and unique instances.

Nothing here sleeps: every wait is on a real event (a line from the publisher, a process
exit, a futex wake through hs_wait) with a generous deadline that only decides failure.
"""

import itertools
import json
import os
import select
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
DEADLINE = 30.0  # seconds; only ever reached when something is broken

_counter = itertools.count()


def publisher_path():
    path = os.environ.get("HOTSWAP_PUBLISHER") or os.path.join(REPO, "build", "bindings", "publisher")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"test publisher {path} not found: run `make test-bindings` "
                           "or set HOTSWAP_PUBLISHER")
    return path


def unique_instance(tag):
    """An instance name no other test (or parallel test run) uses."""
    return f"pytest-{os.getpid()}-{tag}-{next(_counter)}"


def segment_path(instance):
    return f"/dev/shm/hotswap.{instance}"


def remove_segment(instance):
    subprocess.run([publisher_path(), instance, "--remove"], check=True, timeout=DEADLINE)


def read_line(stream, deadline, what):
    """One line from a child's pipe, or a failure when `deadline` (monotonic) passes."""
    fd = stream.fileno()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no line from {what} before the deadline")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            line = stream.readline()
            if not line:
                raise AssertionError(f"{what} closed its output")
            return line


class Publisher:
    """`publisher INSTANCE --stdin`: each publish() sends one JSON document and returns the
    generation the publisher printed once the snapshot was live."""

    def __init__(self, instance):
        self.instance = instance
        self.proc = subprocess.Popen([publisher_path(), instance, "--stdin"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, bufsize=1)

    def send(self, doc):
        """Starts publishing `doc` without waiting for it; finish with published()."""
        text = doc if isinstance(doc, str) else json.dumps(doc)
        assert "\n" not in text
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def published(self):
        return int(read_line(self.proc.stdout, time.monotonic() + DEADLINE, "publisher"))

    def publish(self, doc):
        self.send(doc)
        return self.published()

    def close(self):
        if self.proc.stdin:
            self.proc.stdin.close()
        rc = self.proc.wait(timeout=DEADLINE)
        self.proc.stdout.close()
        return rc

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            assert self.close() == 0, "publisher failed"
        finally:
            remove_segment(self.instance)
