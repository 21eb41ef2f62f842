"""`make bench-suite`: parse throughput, schema validation, reload cost, daemon latency and
control-socket figures, each beside its baseline in the same run (docs/benchmarks.md).

    python3 suite.py --bench BIN --hotswapd BIN --hotswapctl BIN [--results FILE] [--quick]

The Swift measurements come from `hotswap-bench` (Benchmarks/hotswap-bench), the baselines
from baseline_parse.py and baseline_schema.py, the daemon figures from a real hotswapd
started here (daemon.py). Inputs are generated deterministically into a temporary
directory, removed at the end. Prints medians (and p99 where asked), never asserts a speed.
Exits 1 when a measurement could not be made (an error, not a slow result).
"""

import argparse
import ctypes
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

import hotswap

import benchlib as B
from daemon import Daemon, DaemonError, GenerationWatcher, change_latencies, control_request, remove_segment

HERE = os.path.dirname(os.path.abspath(__file__))


class Suite:
    def __init__(self, args):
        self.args = args
        self.q = args.quick
        self.results = {}
        self.summary = []      # (section, figure, ours, baseline, ratio)
        self.failures = []
        self.work = tempfile.mkdtemp(prefix="hotswap-bench.")
        self.data = os.path.join(self.work, "data")

    # ---- helpers -----------------------------------------------------------------------

    def section(self, title):
        print(f"\n== {title}", flush=True)

    def swift(self, *argv, timeout=None):
        return B.run_json([self.args.bench, *map(str, argv)], timeout=timeout)

    def py(self, script, *argv, timeout=None):
        return B.run_json([sys.executable, os.path.join(HERE, script), *map(str, argv)], timeout=timeout)

    def add(self, section, figure, ours, baseline="", ratio=""):
        self.summary.append((section, figure, ours, baseline, ratio))

    def guarded(self, name, fn):
        try:
            fn()
        except TimeoutError as e:
            print(f"   {name}: not measured: {e}", flush=True)
            self.results.setdefault("timeouts", []).append(f"{name}: {e}")
        except Exception as e:  # report and go on with the other sections
            print(f"   {name}: FAILED: {e}", flush=True)
            self.failures.append(f"{name}: {e}")

    # ---- 1. parse throughput -----------------------------------------------------------

    def parse(self):
        self.section("Parse throughput: ~1 MB document, same data in each format (MB = 10^6 bytes)")
        rounds, runs = (1, 3) if self.q else (3, 3)
        ours, theirs = {}, {}
        loader = "?"
        for r in range(rounds):
            # Alternate the two sides so that drift in the machine's load hits both alike.
            o = self.swift("parse", self.data, runs)
            t = self.py("baseline_parse.py", self.data, runs)
            if not t["same_data"]:
                raise RuntimeError("Python reads different data from the three files")
            loader = t["yaml_loader"]
            for fmt in ("json", "yaml", "toml"):
                ours.setdefault(fmt, {"bytes": o[fmt]["bytes"], "times": []})["times"] += o[fmt]["times"]
                theirs.setdefault(fmt, {"bytes": t[fmt]["bytes"], "times": []})["times"] += t[fmt]["times"]
        names = {"json": "json.loads", "yaml": f"yaml.load({loader})", "toml": "tomllib.loads"}
        rows = []
        out = {}
        for fmt in ("json", "yaml", "toml"):
            size = ours[fmt]["bytes"]
            mo, mt = B.median(ours[fmt]["times"]), B.median(theirs[fmt]["times"])
            ro, rt = size / mo / 1e6, size / mt / 1e6
            rows.append([fmt.upper(), f"{size / 1e6:.2f} MB", f"{ro:.1f} MB/s", f"{B.fmt_time(mo)}",
                         names[fmt], f"{rt:.1f} MB/s", B.fmt_ratio(ro / rt)])
            out[fmt] = {"bytes": size, "ours_s": mo, "python_s": mt, "ours_mbps": ro, "python_mbps": rt, "runs": len(ours[fmt]["times"])}
            self.add("parse", f"{fmt.upper()} parse, 1 MB", f"{ro:.1f} MB/s", f"{rt:.1f} MB/s ({names[fmt]})", B.faster(ro / rt))
        print(B.table(rows, ["format", "size", "ours", "ours/run", "Python", "Python", "ours/Python"]))
        print(f"   medians of {rounds * runs} runs per side; ours parses into the value model with origins")
        self.results["parse"] = out

    # ---- 2. schema validation ----------------------------------------------------------

    def schema(self):
        self.section("Schema validation: 10,000-key document (HotswapSchema fixture) vs jsonschema Draft202012Validator")
        rounds, runs = (1, 3) if self.q else (3, 3)
        ours, theirs = {}, {}
        info = {}
        for r in range(rounds):
            o = self.swift("schema", self.data, runs)
            t = self.py("baseline_schema.py", self.data, runs)
            info = t
            for k, v in o.items():
                if isinstance(v, list):
                    ours.setdefault(k, []).extend(v)
            for k in ("validate", "validate_noformat", "stock"):
                theirs.setdefault(k, []).extend(t[k])
        m = {k: B.median(v) for k, v in ours.items()}
        p = {k: B.median(v) for k, v in theirs.items()}
        rows = [
            ["validate, formats asserted", B.fmt_time(m["validate"]), B.fmt_time(p["validate"]), B.fmt_ratio(p["validate"] / m["validate"])],
            ["validate, no format checks", B.fmt_time(m["validate_noformat"]), B.fmt_time(p["validate_noformat"]),
             B.fmt_ratio(p["validate_noformat"] / m["validate_noformat"])],
            ["isValid (stops at first error)", B.fmt_time(m["is_valid"]), "", ""],
            ["apply (coerce, defaults, validate)", B.fmt_time(m["apply"]), "", ""],
            ["compile the schema", B.fmt_time(m["compile"]), "", ""],
            ["stock Draft202012Validator", "", B.fmt_time(p["stock"]), ""],
        ]
        print(B.table(rows, ["10,000 keys", "ours", "jsonschema " + info.get("jsonschema", ""), "Python/ours"]))
        print(f"   jsonschema checked formats {', '.join(info['formats_checked']) or 'none'}; "
              f"not checked (optional packages missing): {', '.join(info['formats_unchecked']) or 'none'}; ours checks all")
        if info["stock_errors"]:
            print(f"   jsonschema rows use an exact decimal multipleOf; the stock validator reports "
                  f"{info['stock_errors']} false errors on this valid document (multipleOf by float division)")
        else:
            print("   jsonschema rows use an exact decimal multipleOf; the stock validator agrees the document is valid")
        self.results["schema"] = {"ours_s": m, "python_s": p, "python_info": {k: info[k] for k in
                                  ("jsonschema", "formats_checked", "formats_unchecked", "stock_errors")}}
        self.add("schema", "validate 10,000 keys (formats on)", B.fmt_time(m["validate"]),
                 B.fmt_time(p["validate"]) + " (jsonschema)", B.faster(p["validate"] / m["validate"]))
        self.add("schema", "validate 10,000 keys (formats off)", B.fmt_time(m["validate_noformat"]),
                 B.fmt_time(p["validate_noformat"]) + " (jsonschema)",
                 B.faster(p["validate_noformat"] / m["validate_noformat"]))

    # ---- 3. reload pipeline, in process ------------------------------------------------

    def reload_inprocess(self):
        self.section("Reload cost in process (library pieces: read, parse YAML, merge, schema apply, encode, publish)")
        stages = ["read", "parse", "merge", "schema", "encode", "publish", "total"]
        out = {}
        for name, runs, timeout in (("app-1mb.yaml", 2 if self.q else 5, self.args.timeout_1mb),
                                    ("app-10mb.yaml", 1 if self.q else 2, self.args.timeout_10mb)):
            instance = f"hsbench-{os.getpid()}-reload"
            try:
                r = self.swift("reload", self.data, runs, instance, name, timeout=timeout)[name]
            except TimeoutError:
                # Only the mean is bounded: the process was stopped before it reported.
                print(f"   {name}: not measured: {runs + 1} reloads (one warm-up) did not finish in {timeout:.0f} s")
                out[name] = {"timeout_s": timeout, "reloads": runs + 1}
                self.add("reload", f"in-process reload {name[4:-5].upper()}", f"> {timeout / (runs + 1):.0f} s (mean)", "",
                         f"{runs + 1} reloads did not finish in {timeout:.0f} s")
                continue
            finally:
                remove_segment(instance)
            med = {s: B.median(r[s]) for s in stages}
            out[name] = {"bytes": r["bytes"], "median_s": med, "runs": runs}
            print(f"   {name} ({r['bytes'] / 1e6:.1f} MB), median of {runs}:")
            print("   " + B.table([[s, B.fmt_time(med[s]), f"{100 * med[s] / med['total']:.0f}%"] for s in stages],
                               ["stage", "time", "share"]).replace("\n", "\n   "))
            self.add("reload", f"in-process reload {name[4:-5].upper()}", B.fmt_time(med["total"]),
                     "", f"encode {100 * med['encode'] / med['total']:.0f}%")
        self.results["reload_inprocess"] = out

    # ---- 4. the daemon -----------------------------------------------------------------

    def daemon(self, app, debounce_ms=0, label="d"):
        return Daemon(self.args.hotswapd, self.work, os.path.join(self.data, app),
                      os.path.join(self.data, "schema.json"), debounce_ms=debounce_ms, label=label)

    def startup(self):
        self.section("Daemon start-up: spawn to READY=1 on our NOTIFY_SOCKET (fresh state directory, first publish included)")
        out = {}
        for app, n, timeout in (("app-small.yaml", 3 if self.q else 10, 60),
                                ("app-1mb.yaml", 1 if self.q else 3, self.args.timeout_1mb)):
            times = []
            rss = None
            for _ in range(n):
                with self.daemon(app, label="start") as d:
                    times.append(d.start(timeout=timeout))
                    rss = d.rss_kib()
            med = B.median(times)
            out[app] = {"median_s": med, "runs": n, "rss_kib": rss}
            size = os.path.getsize(os.path.join(self.data, app))
            print(f"   {app} ({size / 1e6:.2f} MB): median {B.fmt_time(med)} of {n}; VmRSS at READY {rss['VmRSS'] / 1024:.1f} MiB"
                  f" (peak {rss['VmHWM'] / 1024:.1f} MiB)")
            self.add("daemon", f"start-up to READY=1 ({app[4:-5]})", B.fmt_time(med))
        self.results["startup"] = out

    def latency(self):
        self.section("File change to new generation: rename() to a reader blocked in hs_wait seeing it (app-small.yaml)")
        n = 40 if self.q else 200
        out = {}
        for debounce in (0, 100):
            with self.daemon("app-small.yaml", debounce_ms=debounce, label=f"lat{debounce}") as d:
                d.start()
                lat = change_latencies(d, n)
            med, p99 = B.median(lat), B.percentile(lat, 99)
            out[f"debounce_{debounce}"] = {"median_s": med, "p99_s": p99, "min_s": min(lat), "max_s": max(lat), "changes": n}
            print(f"   debounce {debounce:3d} ms: median {B.fmt_time(med)}, p99 {B.fmt_time(p99)} "
                  f"(min {B.fmt_time(min(lat))}, max {B.fmt_time(max(lat))}) over {n} changes")
            self.add("daemon", f"rename -> hs_wait wakes, debounce {debounce} ms", f"{B.fmt_time(med)} (p99 {B.fmt_time(p99)})")
        self.results["change_latency"] = out

    def big_daemon(self, app, changes, timeout):
        """Start-up, RSS, reload through the daemon (file change to visible, debounce 0),
        SIGHUP with unchanged content, and a one-field patch, on a large configuration."""
        tag = app[4:-5]
        out = {}
        with self.daemon(app, label=tag) as d:
            try:
                out["startup_s"] = d.start(timeout=timeout)
            except DaemonError as e:
                if "no READY=1 within" in str(e):
                    raise TimeoutError(f"start-up with {app} took longer than {timeout} s") from None
                raise
            out["rss_ready_kib"] = d.rss_kib()
            print(f"   {app}: start-up {B.fmt_time(out['startup_s'])}; VmRSS at READY {out['rss_ready_kib']['VmRSS'] / 1024:.1f} MiB")
            lat = change_latencies(d, changes, timeout=timeout)
            out["reload_s"] = lat
            out["rss_after_kib"] = d.rss_kib()
            print(f"   {app}: file change -> visible (load, merge, validate, publish, history): median {B.fmt_time(B.median(lat))} "
                  f"of {changes}; VmRSS after {changes} reloads {out['rss_after_kib']['VmRSS'] / 1024:.1f} MiB "
                  f"(peak {out['rss_after_kib']['VmHWM'] / 1024:.1f} MiB)")
            self.add("daemon", f"reload through daemon, {tag}", B.fmt_time(B.median(lat)), "", "file change -> visible")
            self.add("daemon", f"RSS with {tag} config", f"{out['rss_ready_kib']['VmRSS'] / 1024:.1f} MiB",
                     "", f"after reloads {out['rss_after_kib']['VmRSS'] / 1024:.1f} MiB")
            hups = []
            for _ in range(changes):
                d.notify.clear()
                t0 = time.perf_counter_ns()
                d.sighup()
                hups.append((d.notify.wait_for("READY=1", timeout) - t0) / 1e9)
            out["sighup_unchanged_s"] = hups
            print(f"   {app}: SIGHUP -> READY=1, content unchanged (load, merge, validate, compare; nothing published): "
                  f"median {B.fmt_time(B.median(hups))} of {changes}")
            self.add("daemon", f"SIGHUP unchanged -> READY=1, {tag}", B.fmt_time(B.median(hups)))
            p = self.patches(d, changes, timeout)
            out["patch"] = p
            print(f"   {app}: one-field patch -> visible: median {B.fmt_time(p['visible_s'])} of {changes}")
            self.add("control", f"patch one field -> visible, {tag}", B.fmt_time(p["visible_s"]))
        self.results[f"daemon_{tag}"] = out

    def patches(self, d, n, timeout=30.0):
        """A one-field JSON Patch over the control socket; from connect to the response, and
        to a reader seeing the published generation (hs_wait)."""
        watcher = GenerationWatcher(d.reader)
        acks, visible = [], []
        try:
            for i in range(n):
                value = 20_000 + i
                req = {"v": 1, "verb": "patch", "patch": [{"op": "replace", "path": "/server/timeout_ms", "value": value}]}
                t0 = time.perf_counter_ns()
                resp = control_request(d.socket_path, req, timeout=timeout)
                t1 = time.perf_counter_ns()
                if not resp.get("ok") or resp["result"].get("result") != "published":
                    raise DaemonError(f"patch refused: {resp}")
                gen = resp["result"]["generation"]
                while True:
                    t2, g = watcher.next(timeout)
                    if g >= gen:
                        break
                if d.reader.get_int("server.timeout_ms") != value:
                    raise DaemonError("the patched value is not visible")
                acks.append((t1 - t0) / 1e9)
                visible.append((t2 - t0) / 1e9)
        finally:
            watcher.close()
        return {"ack_s": B.median(acks), "visible_s": B.median(visible), "visible_p99_s": B.percentile(visible, 99), "runs": n}

    def control(self):
        self.section("Control socket vs shared memory (daemon on app-small.yaml)")
        n = 60 if self.q else 300
        out = {}
        with self.daemon("app-small.yaml", label="ctl") as d:
            d.start()
            sock = d.socket_path

            def rtt(req, count):
                ts = []
                for _ in range(count):
                    t = time.perf_counter_ns()
                    resp = control_request(sock, req)
                    ts.append((time.perf_counter_ns() - t) / 1e9)
                    if not resp.get("ok"):
                        raise DaemonError(f"{req['verb']} failed: {resp}")
                return ts

            status = rtt({"v": 1, "verb": "status"}, n)
            explain = rtt({"v": 1, "verb": "explain", "path": "server.port"}, n)

            # hs_get_i64 through the segment, from Python: the ctypes function called directly
            # (as little Python as possible around it), and the binding's Reader.get.
            c, h = d.reader._c, d.reader._handle()
            val = ctypes.c_int64()
            ref, path, f = ctypes.byref(val), b"server.port", c.hs_get_i64
            if f(h, path, ref) != 0 or val.value != 8443:
                raise DaemonError("hs_get_i64(server.port) did not read 8443")
            calls = 20_000 if self.q else 100_000

            def direct():
                for _ in range(calls):
                    f(h, path, ref)

            def binding():
                g = d.reader.get
                for _ in range(calls // 10):
                    g("server.port")

            def floor():
                gen = c.hs_generation
                for _ in range(calls):
                    gen(h)

            seg = B.median(B.time_runs(direct, 7)) / calls
            seg_floor = B.median(B.time_runs(floor, 7)) / calls
            seg_api = B.median(B.time_runs(binding, 7)) / (calls // 10)

            def proc(argv, count):
                ts = []
                for _ in range(count):
                    t = time.perf_counter_ns()
                    p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                    ts.append((time.perf_counter_ns() - t) / 1e9)
                    if p.returncode != 0:
                        raise DaemonError(f"{' '.join(argv)} failed: {p.stderr.decode().strip()}")
                return ts

            k = 5 if self.q else 20
            ctl_status = proc([self.args.hotswapctl, "--socket", sock, "status"], k)
            ctl_get = proc([self.args.hotswapctl, "--instance", d.instance, "get", "server.port"], k)
            patch = self.patches(d, 10 if self.q else 50)

        ms, me = B.median(status), B.median(explain)
        rows = [
            ["status over the socket (raw client)", B.fmt_time(ms), B.fmt_time(B.percentile(status, 99)), B.fmt_ratio(ms / seg)],
            ["explain server.port over the socket", B.fmt_time(me), B.fmt_time(B.percentile(explain, 99)), B.fmt_ratio(me / seg)],
            ["hs_get_i64 server.port (ctypes, direct)", B.fmt_time(seg), "", "1x"],
            ["  ctypes floor: hs_generation (ctypes)", B.fmt_time(seg_floor), "", B.fmt_ratio(seg_floor / seg)],
            ["Reader.get('server.port') (binding)", B.fmt_time(seg_api), "", B.fmt_ratio(seg_api / seg)],
            ["hotswapctl status (process)", B.fmt_time(B.median(ctl_status)), "", B.fmt_ratio(B.median(ctl_status) / seg)],
            ["hotswapctl get server.port (process)", B.fmt_time(B.median(ctl_get)), "", B.fmt_ratio(B.median(ctl_get) / seg)],
            ["patch one field: response", B.fmt_time(patch["ack_s"]), "", ""],
            ["patch one field: visible to hs_wait", B.fmt_time(patch["visible_s"]), B.fmt_time(patch["visible_p99_s"]), ""],
        ]
        print(B.table(rows, ["round trip", "median", "p99", "vs hs_get_i64"], left=1))
        print(f"   socket figures: {n} requests each, one connection per request (as hotswapctl); "
              f"hs_get_i64 through ctypes includes Python's call overhead (bench-read has the C figure)")
        out = {"status_s": ms, "status_p99_s": B.percentile(status, 99), "explain_s": me,
               "explain_p99_s": B.percentile(explain, 99), "hs_get_i64_ctypes_s": seg, "ctypes_floor_s": seg_floor, "reader_get_s": seg_api,
               "hotswapctl_status_s": B.median(ctl_status), "hotswapctl_get_s": B.median(ctl_get), "patch": patch}
        self.results["control"] = out
        self.add("control", "status over socket", B.fmt_time(ms), f"{B.fmt_time(seg)} (hs_get_i64, ctypes)",
                 f"socket {B.fmt_ratio(ms / seg)} slower")
        self.add("control", "explain (get) over socket", B.fmt_time(me), f"{B.fmt_time(seg)} (hs_get_i64, ctypes)",
                 f"socket {B.fmt_ratio(me / seg)} slower")
        self.add("control", "hotswapctl get / status (process)", B.fmt_time(B.median(ctl_get)), "", f"status {B.fmt_time(B.median(ctl_status))}")
        self.add("control", "patch one field -> visible, small", B.fmt_time(patch["visible_s"]))

    # ---- run -----------------------------------------------------------------------------

    def run(self):
        started = time.monotonic()
        print(f"bench-suite: {platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
              f"{time.strftime('%Y-%m-%d %H:%M %Z')}; work directory {self.work}")
        try:
            B.note("generating inputs ...")
            manifest = self.swift("gen", self.data)
            self.results["inputs"] = manifest
            self.guarded("parse", self.parse)
            self.guarded("schema", self.schema)
            self.guarded("reload in process", self.reload_inprocess)
            self.guarded("start-up", self.startup)
            self.guarded("change latency", self.latency)
            self.guarded("control socket", self.control)
            self.section("Large configurations through the daemon (debounce 0)")
            self.guarded("daemon 1mb", lambda: self.big_daemon("app-1mb.yaml", 2 if self.q else 5, self.args.timeout_1mb))
            self.guarded("daemon 10mb", lambda: self.big_daemon("app-10mb.yaml", 1 if self.q else 2, self.args.timeout_10mb))
        finally:
            if not self.args.keep:
                shutil.rmtree(self.work, ignore_errors=True)
        self.results["elapsed_s"] = time.monotonic() - started
        self.section(f"Summary (medians; ratios from the same run; {self.results['elapsed_s']:.0f} s)")
        order = ["parse", "schema", "reload", "daemon", "control"]
        rows = sorted(self.summary, key=lambda r: order.index(r[0]))
        print(B.table([list(r) for r in rows], ["area", "figure", "ours", "baseline", "ratio / note"], left=2))
        for t in self.results.get("timeouts", []):
            print(f"   not measured: {t}")
        if self.args.results:
            with open(self.args.results, "w") as f:
                json.dump(self.results, f, indent=1)
            print(f"   raw results: {self.args.results}")
        if self.failures:
            print("bench-suite: some measurements failed:\n  " + "\n  ".join(self.failures))
            return 1
        return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", required=True, help="the hotswap-bench executable")
    ap.add_argument("--hotswapd", required=True)
    ap.add_argument("--hotswapctl", required=True)
    ap.add_argument("--results", help="write the raw results (JSON) here")
    ap.add_argument("--quick", action="store_true", help="fewer runs (a smoke test of the suite)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--timeout-1mb", type=float, default=120, help="seconds allowed for 1 MB reload runs")
    ap.add_argument("--timeout-10mb", type=float, default=90, help="seconds allowed for 10 MB reload runs")
    args = ap.parse_args()
    hotswap.load_library()  # fail early, with the library's own message
    sys.exit(Suite(args).run())


if __name__ == "__main__":
    main()
