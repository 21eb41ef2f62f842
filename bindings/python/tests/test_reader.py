"""The Python binding against a real publisher process and the real libhotswap.so."""

import gc
import math
import signal
import threading
import time
import unittest

import hotswap
from hotswap import _loads

from .support import DEADLINE, Publisher, segment_path, unique_instance

DOC = {
    "server": {"host": "example.org", "port": 8080, "tls": True, "ratio": 0.75},
    "limits": {"max": 9223372036854775807, "min": -9223372036854775808, "zero": 0},
    "names": ["a", "b", "ç€𝄞"],
    "nothing": None,
    "empty": {"obj": {}, "arr": [], "str": ""},
    "a.b": {"c/d": "dotted"},
    "nul": "x\u0000y",
    "big": "z" * 100_000,
    "floaty": 2.0,
    "huge": 1e300,
}


class ReaderFixture(unittest.TestCase):
    """Each test gets its own instance, a publisher that has published DOC, and a reader."""

    def setUp(self):
        self.instance = unique_instance(self._testMethodName[5:25])
        self.pub = Publisher(self.instance)
        self.addCleanup(self.pub.__exit__, None, None, None)
        self.gen = self.pub.publish(DOC)
        self.reader = hotswap.Reader(self.instance)
        self.addCleanup(self.reader.close)


class TestTypes(ReaderFixture):
    def test_get_returns_the_python_type_of_each_value(self):
        cases = [
            ("server.port", 8080, int),
            ("server.ratio", 0.75, float),
            ("server.tls", True, bool),
            ("server.host", "example.org", str),
            ("nothing", None, type(None)),
            ("limits.max", 2**63 - 1, int),
            ("limits.min", -2**63, int),
            ("names", ["a", "b", "ç€𝄞"], list),
            ("names.2", "ç€𝄞", str),
            ("server", DOC["server"], dict),
            ("empty.obj", {}, dict),
            ("empty.arr", [], list),
            ("empty.str", "", str),
            ("nul", "x\u0000y", str),
            ("floaty", 2.0, float),
            ("huge", 1e300, float),
            ("/a.b/c~1d", "dotted", str),
            ("", DOC, dict),
        ]
        for path, want, typ in cases:
            with self.subTest(path=path):
                got = self.reader.get(path)
                self.assertIs(type(got), typ)
                self.assertEqual(got, want)

    def test_type_reports_the_hs_type_of_each_value(self):
        cases = [("server.port", hotswap.Type.INT), ("server.ratio", hotswap.Type.FLOAT),
                 ("server.tls", hotswap.Type.BOOL), ("server.host", hotswap.Type.STRING),
                 ("nothing", hotswap.Type.NULL), ("names", hotswap.Type.ARRAY),
                 ("server", hotswap.Type.OBJECT)]
        for path, want in cases:
            with self.subTest(path=path):
                self.assertEqual(self.reader.type(path), want)

    def test_typed_getters_follow_the_c_conversions(self):
        self.assertEqual(self.reader.get_int("server.port"), 8080)
        self.assertEqual(self.reader.get_float("server.port"), 8080.0)  # integers widen
        self.assertIs(self.reader.get_bool("server.tls"), True)
        self.assertEqual(self.reader.get_str("server.host"), "example.org")
        self.assertEqual(self.reader.get_json("server.port"), "8080")
        self.assertEqual(self.reader.get_json("names"), '["a","b","ç€𝄞"]')

    def test_strings_longer_than_the_first_buffer_are_read_whole(self):
        self.assertEqual(self.reader.get("big"), DOC["big"])
        self.assertEqual(self.reader.get_str("big"), DOC["big"])
        self.assertEqual(self.reader.to_dict(), DOC)

    def test_mapping_style_access(self):
        self.assertEqual(self.reader["server.port"], 8080)
        self.assertIn("server.host", self.reader)
        self.assertNotIn("server.nope", self.reader)

    def test_non_finite_floats_are_read_as_python_floats(self):
        gen = self.pub.publish('{"inf":1e999,"ninf":-1e999}')
        self.assertEqual(self.reader.wait(self.gen, timeout=DEADLINE), gen)
        self.assertEqual(self.reader.get("inf"), math.inf)
        self.assertEqual(self.reader.get("ninf"), -math.inf)

    def test_json_with_the_c_spelling_of_non_finite_floats_decodes(self):
        # hotswap.h: non-finite floats appear as nan, inf, -inf in JSON text. Pure decoding
        # test: the words inside strings must stay untouched.
        cases = [
            (b'[inf,-inf,1.5]', [math.inf, -math.inf, 1.5]),
            (b'{"inf":"inf","nan":["nan",-inf]}', {"inf": "inf", "nan": ["nan", -math.inf]}),
            (b'{"s":"say \\"inf\\"","v":inf}', {"s": 'say "inf"', "v": math.inf}),
        ]
        for text, want in cases:
            with self.subTest(text=text):
                self.assertEqual(_loads(text), want)
        self.assertTrue(math.isnan(_loads(b'{"x":nan}')["x"]))


class TestErrors(ReaderFixture):
    def test_missing_key_raises_not_found_which_is_also_a_key_error(self):
        with self.assertRaises(hotswap.NotFound) as cm:
            self.reader.get("server.nope")
        self.assertEqual(cm.exception.code, -1)
        self.assertEqual(cm.exception.path, "server.nope")
        self.assertIsInstance(cm.exception, KeyError)
        self.assertIsInstance(cm.exception, hotswap.HotswapError)
        with self.assertRaises(KeyError):
            self.reader["names.9"]

    def test_get_with_a_default_returns_it_for_a_missing_key_only(self):
        self.assertEqual(self.reader.get("server.nope", 42), 42)
        self.assertIsNone(self.reader.get("nothing", 42))  # null is a value, not missing

    def test_wrong_type_raises_wrong_type(self):
        for call in (lambda: self.reader.get_int("server.host"),
                     lambda: self.reader.get_bool("server.port"),
                     lambda: self.reader.get_str("server.port"),
                     lambda: self.reader.get_int("server.ratio"),
                     lambda: self.reader.get_float("nothing")):
            with self.assertRaises(hotswap.WrongType) as cm:
                call()
            self.assertEqual(cm.exception.code, -2)
            self.assertIsInstance(cm.exception, TypeError)

    def test_malformed_paths_raise_invalid_argument(self):
        for path in ("a..b", "/a~2b", "a\u0000b"):
            with self.subTest(path=path), self.assertRaises(hotswap.InvalidArgument) as cm:
                self.reader.get(path)
            self.assertEqual(cm.exception.code, -7)

    def test_opening_a_missing_instance_raises_no_segment(self):
        with self.assertRaises(hotswap.NoSegment) as cm:
            hotswap.Reader(unique_instance("absent"))
        self.assertEqual(cm.exception.code, -4)
        with self.assertRaises(hotswap.NoSegment):
            hotswap.Reader(path="/dev/shm/hotswap." + unique_instance("absent"))

    def test_invalid_instance_names_raise_invalid_argument(self):
        for name in ("", "a/b", "x" * 201):
            with self.subTest(name=name), self.assertRaises(hotswap.InvalidArgument):
                hotswap.Reader(name)

    def test_a_file_that_is_not_a_segment_is_refused(self):
        path = segment_path(unique_instance("notseg"))
        with open(path, "wb") as f:
            f.write(b"\x7fELF" + bytes(8192))
        self.addCleanup(lambda: __import__("os").unlink(path))
        with self.assertRaises((hotswap.Corrupt, hotswap.AbiMismatch)):
            hotswap.Reader(path=path)

    def test_a_closed_reader_raises_instead_of_crashing(self):
        key = self.reader.key("server.port")
        snap = self.reader.snapshot()
        self.reader.close()
        self.reader.close()  # idempotent
        for call in (lambda: self.reader.get("server.port"), lambda: self.reader.generation,
                     lambda: self.reader.wait(timeout=0), key.get, lambda: snap.get("server.port")):
            with self.assertRaises(hotswap.InvalidArgument):
                call()

    def test_loading_a_missing_library_raises_os_error(self):
        with self.assertRaises(OSError):
            hotswap.load_library("/nonexistent/libhotswap.so")

    def test_every_error_code_has_a_message(self):
        for code in range(-13, 0):
            with self.subTest(code=code):
                err = hotswap._errors.error_for(code, hotswap._lib.strerror(code))
                self.assertEqual(err.code, code)
                self.assertTrue(str(err))


class TestWait(ReaderFixture):
    def test_wait_returns_the_generation_published_after_seen(self):
        self.pub.send({"v": 1})
        self.assertEqual(self.reader.wait(self.gen, timeout=DEADLINE), self.gen + 1)
        self.assertEqual(self.pub.published(), self.gen + 1)
        self.assertEqual(self.reader.get("v"), 1)

    def test_wait_blocked_in_another_thread_wakes_on_publish(self):
        result = []
        waiter = threading.Thread(target=lambda: result.append(self.reader.wait(self.gen, timeout=DEADLINE)))
        waiter.start()
        gen = self.pub.publish({"v": 2})
        waiter.join(DEADLINE)
        self.assertFalse(waiter.is_alive())
        # Whether the waiter went to sleep before the publish or only got there after it,
        # it returns the new generation.
        self.assertEqual(result, [gen])

    def test_wait_returns_at_once_when_seen_is_already_old(self):
        self.assertEqual(self.reader.wait(self.gen - 1, timeout=0), self.gen)

    def test_wait_times_out_with_none_no_earlier_than_the_timeout(self):
        self.assertIsNone(self.reader.wait(timeout=0))
        start = time.monotonic()
        self.assertIsNone(self.reader.wait(self.gen, timeout=0.05))
        self.assertGreaterEqual(time.monotonic() - start, 0.05)


    def test_a_signal_handler_runs_during_wait_and_may_end_it(self):
        # hs_wait returns HS_EINTR when a signal arrives; the binding goes back to Python so
        # the handler runs, and an exception it raises (KeyboardInterrupt, say) ends the wait.
        class Interrupted(Exception):
            pass

        def handler(signum, frame):
            raise Interrupted()

        previous = signal.signal(signal.SIGALRM, handler)
        self.addCleanup(signal.signal, signal.SIGALRM, previous)
        self.addCleanup(signal.setitimer, signal.ITIMER_REAL, 0)
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        with self.assertRaises(Interrupted):
            self.reader.wait(self.gen, timeout=DEADLINE)


class TestKeysAndSnapshots(ReaderFixture):
    def test_a_key_follows_new_generations(self):
        key = self.reader.key("server.port")
        self.assertEqual(key.get(), 8080)
        self.assertEqual(key.generation, self.gen)
        gen = self.pub.publish({"server": {"port": "now a string"}})
        self.assertEqual(key.get(), "now a string")
        self.assertEqual(key.type(), hotswap.Type.STRING)
        self.assertEqual(key.generation, gen)
        self.pub.publish({"server": {}})
        with self.assertRaises(hotswap.NotFound):
            key.get()
        self.assertEqual(key.get(default="gone"), "gone")

    def test_a_key_may_name_a_path_that_appears_later(self):
        key = self.reader.key("later.value")
        with self.assertRaises(hotswap.NotFound):
            key.get_int()
        self.pub.publish({"later": {"value": 7}})
        self.assertEqual(key.get_int(), 7)
        self.assertEqual(key.get_float(), 7.0)

    def test_typed_key_getters(self):
        self.assertEqual(self.reader.key("server.host").get_str(), "example.org")
        self.assertIs(self.reader.key("server.tls").get_bool(), True)
        self.assertEqual(self.reader.key("names").get_json(), '["a","b","ç€𝄞"]')
        self.assertEqual(self.reader.key("big").get(), DOC["big"])
        with self.assertRaises(hotswap.WrongType):
            self.reader.key("server.host").get_int()
        with self.assertRaises(hotswap.InvalidArgument):
            self.reader.key("a..b")

    def test_a_snapshot_keeps_its_generation_until_refreshed(self):
        with self.reader.snapshot() as snap:
            self.assertEqual(snap.generation, self.gen)
            self.assertEqual(snap.to_dict(), DOC)
            gen = self.pub.publish({"server": {"host": "new.example", "port": 9090}})
            self.assertEqual(self.reader.get("server.port"), 9090)
            # Still the old generation, for every key read through it.
            self.assertEqual((snap.get("server.host"), snap.get("server.port")), ("example.org", 8080))
            self.assertEqual(snap.generation, self.gen)
            self.assertTrue(snap.refresh())
            self.assertEqual(snap.generation, gen)
            self.assertEqual((snap.get("server.host"), snap.get("server.port")), ("new.example", 9090))
            self.assertFalse(snap.refresh())
            self.assertEqual(snap.stats()["copies"], 2)
            with self.assertRaises(hotswap.NotFound):
                snap.get("names")

    def test_threads_may_share_a_reader_a_key_and_a_snapshot(self):
        key = self.reader.key("server.port")
        snap = self.reader.snapshot()
        failures = []

        def read():
            for _ in range(300):
                got = (self.reader.get("server.host"), key.get(), snap.get("server.port"), snap.get("names.1"))
                if got != ("example.org", 8080, 8080, "b"):
                    failures.append(got)

        threads = [threading.Thread(target=read) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(DEADLINE)
        self.assertEqual(failures, [])

    def test_closing_the_reader_closes_its_keys_and_snapshots_first(self):
        key = self.reader.key("server.port")
        snap = self.reader.snapshot()
        key.close()
        self.assertEqual(len(self.reader._owned), 1)
        self.reader.close()
        self.assertIsNone(key._h)
        self.assertIsNone(snap._h)
        self.assertEqual(self.reader._owned, {})
        key.close()  # idempotent, and nothing is closed twice
        snap.close()

    def test_a_reference_cycle_of_reader_keys_and_snapshots_is_collected(self):
        r = hotswap.Reader(self.instance)
        r.cycle = [r, r.key("server.port"), r.snapshot()]  # reader -> key -> reader
        owned = r._owned
        self.assertEqual(len(owned), 2)
        del r
        gc.collect()
        self.assertEqual(owned, {})


class TestSegment(ReaderFixture):
    def test_open_by_path_reads_the_same_segment(self):
        with hotswap.Reader.open_path(segment_path(self.instance)) as r:
            self.assertEqual(r.generation, self.gen)
            self.assertEqual(r.get("server.port"), 8080)
            self.assertIn("path=", repr(r))

    def test_an_open_reader_follows_the_segment_when_it_grows(self):
        key = self.reader.key("blob")
        snap = self.reader.snapshot()
        blob = "g" * (3 << 20)  # far beyond the first segment's slots
        gen = self.pub.publish({"blob": blob})
        self.assertEqual(self.reader.generation, gen)
        self.assertEqual(self.reader.get("blob"), blob)
        self.assertEqual(key.get(), blob)
        self.assertTrue(snap.refresh())
        self.assertEqual(snap.get("blob"), blob)
        self.assertGreaterEqual(self.reader.stats()["remaps"], 1)

    def test_context_manager_closes_the_reader(self):
        with hotswap.Reader(self.instance) as r:
            self.assertEqual(r.get("server.tls"), True)
        self.assertIn("closed", repr(r))


if __name__ == "__main__":
    unittest.main()
