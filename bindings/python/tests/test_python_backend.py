"""Backends written in Python, run by the C core through pqcha_backend_create_custom."""

import array
import gc
import hashlib
import os
import threading
import unittest
import weakref

import support
import pqcha
from pqcha import Code, Region


class DictBackend(pqcha.PythonBackend):
    """Regions held in a dict; read in chunks of `chunk` bytes."""

    platform = "dict-store"

    def __init__(self, regions, chunk=1000):
        self.regions = regions  # workload -> {id: bytes}
        self.chunk = chunk
        self.reads = 0

    def list_regions(self, workload_id):
        return [Region(rid, size=len(data), description="dict") for rid, data in self.regions.get(workload_id, {}).items()]

    def read_region(self, workload_id, region):
        self.reads += 1
        data = self.regions[workload_id][region.id]
        for i in range(0, len(data), self.chunk):
            yield memoryview(data)[i : i + self.chunk]


class Failing(pqcha.PythonBackend):
    def __init__(self, where="read", exc=None):
        self.where = where
        self.exc = exc or RuntimeError("disk on fire")

    def list_regions(self, workload_id):
        if self.where == "list":
            raise self.exc
        return [Region("r", size=4)]

    def read_region(self, workload_id, region):
        yield b"ab"
        if self.where == "read":
            raise self.exc
        yield b"cd"


class Wrong(pqcha.PythonBackend):
    def __init__(self, chunks):
        self.chunks = chunks

    def list_regions(self, workload_id):
        return [Region("r", size=10)]

    def read_region(self, workload_id, region):
        return iter(self.chunks)


class TestPythonBackend(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.key = pqcha.Key.generate("ML-DSA-44")

    def test_lists_and_digests(self):
        data = os.urandom(5 * support.LEAF + 1)
        b = DictBackend({"w": {"a": data, "b": b"small"}})
        self.assertEqual(b.name, "python")
        self.assertEqual(b.platform, "dict-store")
        # Through the library (the subclass's own list_regions is the plain method).
        self.assertEqual([r.id for r in pqcha.Backend.list_regions(b, "w")], ["a", "b"])
        self.assertEqual(pqcha.Backend.list_regions(b, "none"), [])
        self.assertEqual(b.digest("w", "a", "sha3-256-tree", 3), support.tree_digest(data))
        self.assertEqual(b.digest("w", "b"), hashlib.sha3_256(b"small").digest())

    def test_attest_and_verify(self):
        data = os.urandom(300000)
        b = DictBackend({"w": {"a": data, "b": b"small"}}, chunk=4096)
        n = support.nonce()
        report = pqcha.Attester(self.key, b, "w", threads=2).attest(n)
        self.assertEqual(report.platform, "dict-store")
        self.assertEqual([r.id for r in report.regions], ["a", "b"])
        policy = pqcha.Policy().trust(self.key).add_workload(
            "w", "dict-store", {"a": pqcha.hexdigest(data, "sha3-256-tree"), "b": pqcha.hexdigest(b"small")}
        )
        result = pqcha.Verifier(policy=policy, nonce=n).verify(report)
        self.assertTrue(result.valid, result.error)

    def test_chunk_types(self):
        raw = bytes(range(256)) * 40
        arr = array.array("B", raw[:1000])

        class Mixed(pqcha.PythonBackend):
            def list_regions(self, workload_id):
                return [Region("m", size=len(raw))]

            def read_region(self, workload_id, region):
                yield arr
                yield bytearray(raw[1000:2000])
                yield b""
                yield memoryview(raw)[2000:5000]
                yield raw[5000:]

        self.assertEqual(Mixed().digest("w", "m"), hashlib.sha3_256(raw).digest())

    def test_exception_in_read_region(self):
        b = Failing("read")
        with support.stderr_captured() as err:
            with self.assertRaises(pqcha.BackendError) as cm:
                b.digest("w", "r")
        self.assertEqual(cm.exception.code, Code.BACKEND_IO)
        self.assertIs(cm.exception.__cause__, b.exc)
        self.assertIn("RuntimeError: disk on fire", str(cm.exception))
        self.assertEqual(err, [b""], "nothing may be printed from the callback")
        # Through the attester too, and the backend still works afterwards.
        with support.stderr_captured() as err:
            with self.assertRaises(pqcha.BackendError) as cm:
                pqcha.Attester(self.key, b, "w").attest()
        self.assertEqual(cm.exception.code, Code.BACKEND_IO)
        self.assertIsInstance(cm.exception.__cause__, RuntimeError)
        self.assertEqual(err, [b""])
        b.where = "none"
        self.assertEqual(b.digest("w", "r"), hashlib.sha3_256(b"abcd").digest())

    def test_exception_in_list_regions(self):
        b = Failing("list", ValueError("bad config"))
        with support.stderr_captured() as err:
            with self.assertRaises(pqcha.BackendError) as cm:
                pqcha.Backend.list_regions(b, "w")
            with self.assertRaises(pqcha.BackendError) as cm2:
                pqcha.Attester(self.key, b, "w").attest()
        self.assertEqual(cm.exception.code, Code.BACKEND_IO)
        self.assertIs(cm.exception.__cause__, b.exc)
        self.assertIs(cm2.exception.__cause__, b.exc)
        self.assertEqual(err, [b""])

    def test_pqcha_error_keeps_its_code(self):
        b = Failing("read", pqcha.error_for(Code.NO_SUCH_PROCESS, "worker 7 exited"))
        with self.assertRaises(pqcha.BackendError) as cm:
            pqcha.Attester(self.key, b, "w").attest()
        self.assertIs(cm.exception, b.exc)
        self.assertEqual(cm.exception.code, Code.NO_SUCH_PROCESS)

    def test_keyboard_interrupt_propagates(self):
        b = Failing("read", KeyboardInterrupt())
        with self.assertRaises(KeyboardInterrupt):
            b.digest("w", "r")

    def test_wrong_number_of_bytes(self):
        for chunks in ([b"12345"], [b"12345", b"678901"], [b"12345678901"], []):
            with self.assertRaises(pqcha.BackendError) as cm:
                Wrong(chunks).digest("w", "r")
            self.assertEqual(cm.exception.code, Code.REGION_CHANGED, chunks)
            with self.assertRaises(pqcha.BackendError) as cm:
                pqcha.Attester(self.key, Wrong(chunks), "w").attest()
            self.assertEqual(cm.exception.code, Code.REGION_CHANGED, chunks)
        self.assertEqual(Wrong([b"12345", b"67890"]).digest("w", "r"), hashlib.sha3_256(b"1234567890").digest())

    def test_bad_values_from_the_subclass(self):
        class BadRegion(pqcha.PythonBackend):
            def list_regions(self, workload_id):
                return [Region("bad\x01id", size=1)]

            def read_region(self, workload_id, region):
                yield b"x"

        with self.assertRaises(pqcha.FormatError) as cm:
            pqcha.Backend.list_regions(BadRegion(), "w")
        self.assertEqual(cm.exception.code, Code.BAD_IDENTIFIER)

        class NotRegions(BadRegion):
            def list_regions(self, workload_id):
                return ["r"]

        with self.assertRaises(pqcha.BackendError) as cm:
            pqcha.Backend.list_regions(NotRegions(), "w")
        self.assertIsInstance(cm.exception.__cause__, TypeError)

        class TextChunks(BadRegion):
            def list_regions(self, workload_id):
                return [Region("r", size=1)]

            def read_region(self, workload_id, region):
                yield "x"

        with self.assertRaises(pqcha.BackendError) as cm:
            TextChunks().digest("w", "r")
        self.assertIsInstance(cm.exception.__cause__, TypeError)

        class Unimplemented(pqcha.PythonBackend):
            pass

        with self.assertRaises(pqcha.BackendError) as cm:
            pqcha.Backend.list_regions(Unimplemented(), "w")
        self.assertIsInstance(cm.exception.__cause__, NotImplementedError)

    def test_bad_platform(self):
        class BadPlatform(DictBackend):
            platform = "no spaces\x01"

        with self.assertRaises(pqcha.FormatError) as cm:
            BadPlatform({}).digest("w", "r")
        self.assertEqual(cm.exception.code, Code.BAD_IDENTIFIER)

    def test_generator_closed_when_the_read_stops_early(self):
        closed = []

        class TooMuch(pqcha.PythonBackend):
            def list_regions(self, workload_id):
                return [Region("r", size=4)]

            def read_region(self, workload_id, region):
                try:
                    while True:
                        yield b"xx"
                finally:
                    closed.append(True)

        with self.assertRaises(pqcha.BackendError) as cm:
            TooMuch().digest("w", "r")
        self.assertEqual(cm.exception.code, Code.REGION_CHANGED)
        self.assertEqual(closed, [True])


class TestConcurrency(unittest.TestCase):
    def _probe(self, concurrent):
        state = {"active": 0, "max": 0}
        lock = threading.Lock()

        class Probe(pqcha.PythonBackend):
            concurrent_reads = concurrent

            def list_regions(self, workload_id):
                return [Region("r%02d" % i, size=1000) for i in range(16)]

            def read_region(self, workload_id, region):
                with lock:
                    state["active"] += 1
                    state["max"] = max(state["max"], state["active"])
                try:
                    yield bytes(1000)
                finally:
                    with lock:
                        state["active"] -= 1

        return Probe(), state

    def test_never_concurrent_by_default(self):
        b, state = self._probe(False)
        self.assertFalse(b.reads_concurrently)
        a = pqcha.Attester(pqcha.Key.generate("ML-DSA-44"), b, "w", threads=8)
        a.attest()
        # Several threads attesting with one backend: still one read at a time.
        threads = [threading.Thread(target=pqcha.Attester(a.key, b, "w", threads=4).attest) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(state["max"], 1)

    def test_concurrent_when_declared(self):
        b, _ = self._probe(True)
        self.assertTrue(b.reads_concurrently)
        report = pqcha.Attester(pqcha.Key.generate("ML-DSA-44"), b, "w", threads=4).attest()
        self.assertEqual(len(report.regions), 16)


class TestLifetime(unittest.TestCase):
    def test_released_when_dropped(self):
        b = DictBackend({"w": {"a": b"abc"}})
        b.digest("w", "a")
        ref = weakref.ref(b)
        del b
        gc.collect()
        self.assertIsNone(ref())

    def test_attester_keeps_it_alive(self):
        b = DictBackend({"w": {"a": b"abc"}})
        ref = weakref.ref(b)
        a = pqcha.Attester(pqcha.Key.generate("ML-DSA-44"), b, "w")
        b.close()  # closed by its owner: the attester still holds the library object
        del b
        gc.collect()
        self.assertIsNotNone(ref())
        self.assertEqual(a.attest().regions[0].id, "a")
        a.close()
        del a
        gc.collect()
        self.assertIsNone(ref())

    def test_closed_backend_refuses_use(self):
        b = DictBackend({})
        b.close()
        with self.assertRaises(ValueError):
            b.digest("w", "a")
        with self.assertRaises(ValueError):
            pqcha.Attester(pqcha.Key.generate("ML-DSA-44"), b, "w")


if __name__ == "__main__":
    unittest.main()
