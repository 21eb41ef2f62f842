"""Small helpers shared by the bench suite's Python scripts: statistics, timing, formatting.

Every figure the suite prints is a median (or a percentile) of several runs. Nothing here is
a test: benchmarks never assert a speed.
"""

import json
import math
import subprocess
import sys
import time


def median(xs):
    s = sorted(xs)
    n = len(s)
    if n == 0:
        return math.nan
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def percentile(xs, p):
    """The p-th percentile by the nearest-rank method (p99 of 200 samples is the 198th)."""
    s = sorted(xs)
    if not s:
        return math.nan
    k = max(1, math.ceil(p / 100 * len(s)))
    return s[k - 1]


def time_runs(fn, runs, warmup=1):
    """Seconds of each of `runs` timed calls of fn(), after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def note(msg):
    """Progress for people, on stderr (stdout of the worker scripts is one JSON object)."""
    print(msg, file=sys.stderr, flush=True)


def run_json(cmd, timeout=None, env=None):
    """Runs a worker (hotswap-bench or a baseline script) and returns the JSON object of its
    last stdout line. Raises TimeoutError when it runs past `timeout` seconds (the worker is
    killed), RuntimeError with its stderr when it fails."""
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        raise TimeoutError(f"{' '.join(map(str, cmd[:3]))} ran longer than {timeout} s")
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({p.returncode}):\n{p.stderr.strip()}")
    lines = [l for l in p.stdout.splitlines() if l.strip()]
    return json.loads(lines[-1])


def fmt_time(seconds):
    """A duration in the unit that suits it: ns, µs, ms or s, three significant digits."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "n/a"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if seconds >= scale or unit == "ns":
            v = seconds / scale
            return f"{v:.3g} {unit}" if v < 100 else f"{v:.0f} {unit}"
    return f"{seconds} s"


def fmt_ratio(x):
    if x is None or math.isnan(x):
        return "n/a"
    return f"{x:.2f}x" if x < 10 else f"{x:.1f}x" if x < 100 else f"{x:.0f}x"


def faster(speedup):
    """`speedup` (ours over the baseline's speed) in words: "2.50x faster" or "1.25x slower"."""
    if speedup is None or math.isnan(speedup):
        return "n/a"
    return fmt_ratio(speedup) + " faster" if speedup >= 1 else fmt_ratio(1 / speedup) + " slower"


def table(rows, headers, left=1):
    """A plain-text table: the first `left` columns left-aligned, the others right-aligned."""
    cols = list(zip(*([headers] + rows))) if rows else [[h] for h in headers]
    widths = [max(len(str(c)) for c in col) for col in cols]
    def line(r):
        cells = [str(c).ljust(w) if i < left else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths))]
        return "  ".join(cells).rstrip()
    out = [line(headers), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    return "\n".join(out)
