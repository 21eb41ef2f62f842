"""One reader process of the torn-read stress test (test_stress.py starts several).

    stress_reader.py INSTANCE DEADLINE_SECONDS

Prints "ready" once its reader, keys and snapshot are open, then reads as fast as it can,
checking the invariant of the publisher's stress snapshots (bindings/testpublisher) on every
read, until the test, once the writer is done, sends the last generation on stdin and the
reader has seen it. Prints one JSON line of counts and exits.

A stress snapshot of value v carries v in every field and is published as generation v:
    {"gen":v,"check":{"a":v,"b":v,"f":v+0.5,"s":"g<v>"},"list":[v,v,v],"odd":v%2==1,
     "big":"<v as 20 digits>|" * K}
"""

import json
import os
import select
import sys
import time

sys.path.insert(0, os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")))

import hotswap  # noqa: E402

UNIT = 21


def big_value(big):
    """The value a "big" string encodes, or None when its units disagree (a torn string)."""
    if not big or len(big) % UNIT:
        return None
    unit = big[:UNIT]
    if unit[-1] != "|" or big != unit * (len(big) // UNIT):
        return None
    return int(unit[:-1])


def check_of(check):
    """The value the "check" object encodes, or None when its fields disagree."""
    v = check.get("a")
    if type(v) is not int:
        return None
    if check.get("b") != v or check.get("f") != v + 0.5 or check.get("s") != f"g{v}":
        return None
    return v


def doc_value(doc):
    """The value a whole stress document encodes, or None when any field disagrees."""
    v = doc.get("gen")
    if (type(v) is not int or check_of(doc.get("check", {})) != v or doc.get("list") != [v, v, v]
            or doc.get("odd") is not (v % 2 == 1) or big_value(doc.get("big")) != v):
        return None
    return v


class Counts:
    def __init__(self):
        self.reads = 0           # values returned by the library, each checked
        self.multi_reads = 0     # multi-key reads (a snapshot refresh and 9 keys from it)
        self.busy = 0            # HS_EBUSY: gave up after the retry bound (allowed, counted)
        self.violations = 0      # a read that mixed generations or went backwards
        self.errors = 0          # any other exception
        self.samples = []
        self.generations = set()

    def violation(self, what):
        self.violations += 1
        if len(self.samples) < 5:
            self.samples.append(what)


def main():
    instance, deadline = sys.argv[1], time.monotonic() + float(sys.argv[2])
    final = None  # the last generation, once the writer is done
    c = Counts()
    r = hotswap.Reader(instance)
    key_a = r.key("check.a")
    key_big = r.key("big")
    snap = r.snapshot()
    print("ready", flush=True)

    # Each source reads "current" anew, and current only grows: its values never go back.
    last = {"doc": 0, "snap": 0, "check": 0, "big": 0, "key_a": 0, "key_big": 0, "gen": 0}

    def saw(source, v, what):
        if v is None:
            c.violation(f"{source}: fields disagree: {what!r:.200}")
            return
        if v < last[source]:
            c.violation(f"{source}: went back from {last[source]} to {v}")
        last[source] = v
        c.generations.add(v)

    seen = 0
    rounds = 0
    while (final is None or seen < final) and time.monotonic() < deadline:
        rounds += 1
        if final is None and rounds % 64 == 0 and select.select([sys.stdin], [], [], 0)[0]:
            final = int(sys.stdin.readline())
        try:
            doc = r.to_dict()                               # the whole document in one read
            c.reads += 1
            saw("doc", doc_value(doc), doc)

            snap.refresh()                                  # several keys from one generation
            g = snap.generation
            vals = [snap.get(p) for p in ("gen", "check.a", "check.b", "list.0", "list.2")]
            f, s, odd, big = snap.get("check.f"), snap.get("check.s"), snap.get("odd"), snap.get("big")
            c.reads += 9
            c.multi_reads += 1
            ok = (vals == [g] * 5 and f == g + 0.5 and s == f"g{g}" and odd is (g % 2 == 1)
                  and big_value(big) == g)
            saw("snap", g if ok else None, (g, vals, f, s, odd, big[:UNIT]))

            check = r.get("check")                          # an object in one read
            c.reads += 1
            saw("check", check_of(check), check)

            big = r.get("big")                              # a large string in one read
            c.reads += 1
            saw("big", big_value(big), big[:3 * UNIT])

            a = key_a.get()                                 # resolved keys
            big = key_big.get()
            c.reads += 2
            saw("key_a", a if type(a) is int else None, a)
            saw("key_big", big_value(big), big[:3 * UNIT])

            gen = r.get_int("gen")
            c.reads += 1
            saw("gen", gen, gen)
            seen = max(seen, gen, g)
        except hotswap.Busy:
            c.busy += 1
        except Exception as e:  # reported and counted: the test fails on any
            c.errors += 1
            if len(c.samples) < 5:
                c.samples.append(f"{type(e).__name__}: {e}")

    retries = (r.stats()["retries"] + key_a.stats()["retries"] + key_big.stats()["retries"]
               + snap.stats()["retries"])
    remaps = r.stats()["remaps"]
    r.close()
    print(json.dumps({
        "reads": c.reads, "multi_reads": c.multi_reads, "retries": retries, "busy": c.busy,
        "violations": c.violations, "errors": c.errors, "samples": c.samples,
        "generations": len(c.generations), "finished": final is not None and seen >= final, "remaps": remaps,
    }), flush=True)


if __name__ == "__main__":
    main()
