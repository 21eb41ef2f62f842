"""Cross-process torn-read stress through the Python binding (issue 3, "Done means").

Several reader processes check the invariant of every snapshot on every read (whole
document, objects, a large string, resolved keys, and multi-key reads through a snapshot)
while the publisher writes invariant-carrying snapshots back to back, as fast as it can, for
a fixed time (so the run takes as long on a busy machine as on an idle one). For a longer
run: HOTSWAP_STRESS_SECONDS (default 8), HOTSWAP_STRESS_READERS (default 3).
"""

import json
import os
import subprocess
import sys
import time
import unittest

from .support import DEADLINE, publisher_path, read_line, remove_segment, unique_instance

HERE = os.path.dirname(os.path.abspath(__file__))
SECONDS = float(os.environ.get("HOTSWAP_STRESS_SECONDS", "8"))
READERS = int(os.environ.get("HOTSWAP_STRESS_READERS", "3"))
RUN_DEADLINE = 300.0  # seconds; only reached when something hangs


class TestTornReadStress(unittest.TestCase):
    def test_reader_processes_never_see_a_torn_snapshot_while_a_writer_publishes_flat_out(self):
        instance = unique_instance("stress")
        self.addCleanup(remove_segment, instance)
        first = subprocess.run([publisher_path(), instance, "--stress", "1"], check=True,
                               capture_output=True, text=True, timeout=DEADLINE)
        first = int(first.stdout)

        readers = []
        for _ in range(READERS):
            p = subprocess.Popen([sys.executable, os.path.join(HERE, "stress_reader.py"), instance,
                                  str(RUN_DEADLINE)],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            self.addCleanup(self._stop, p)
            readers.append(p)
        for p in readers:
            self.assertEqual(read_line(p.stdout, time.monotonic() + DEADLINE, "stress reader"), "ready\n")

        start = time.monotonic()
        writer = subprocess.run([publisher_path(), instance, "--stress", str(2**62), "--seconds", str(SECONDS)],
                                check=True, capture_output=True, text=True, timeout=RUN_DEADLINE)
        write_seconds = time.monotonic() - start
        final = int(writer.stdout)
        publishes = final - first
        self.assertGreater(publishes, 1000)

        results = []
        for p in readers:  # each stops once it has seen the last generation
            p.stdin.write(f"{final}\n")
            p.stdin.flush()
        for p in readers:
            results.append(json.loads(read_line(p.stdout, time.monotonic() + RUN_DEADLINE, "stress reader")))
            self.assertEqual(p.wait(timeout=DEADLINE), 0)

        total = {k: sum(r[k] for r in results)
                 for k in ("reads", "multi_reads", "retries", "busy", "violations", "errors")}
        print(f"\npython stress: {READERS} reader processes, {publishes} publishes in "
              f"{write_seconds:.1f} s ({publishes / write_seconds:.0f}/s): "
              f"reads {total['reads']} (multi-key snapshot reads {total['multi_reads']}), "
              f"retries {total['retries']}, busy {total['busy']}, violations {total['violations']}, "
              f"errors {total['errors']}; generations seen per reader "
              f"{[r['generations'] for r in results]}", file=sys.stderr)
        for r in results:
            self.assertEqual(r["violations"], 0, r["samples"])
            self.assertEqual(r["errors"], 0, r["samples"])
            self.assertTrue(r["finished"], "a reader never saw the last generation")
            # The readers ran while the writer did: they saw many different snapshots.
            self.assertGreater(r["generations"], 1)

    @staticmethod
    def _stop(p):
        if p.poll() is None:
            p.kill()
            p.wait()
        p.stdin.close()
        p.stdout.close()


if __name__ == "__main__":
    unittest.main()
