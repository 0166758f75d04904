"""The attester, its reports, and the continuous attester with callbacks."""

import datetime
import json
import os
import threading
import unittest

import support
import pqcha
from pqcha import Code, Region


def memory_backend(data=b"weights" * 1000):
    b = pqcha.MemoryBackend()
    b.register("llm", Region("weights", size=len(data), description="the weights", address=0x7F00), data)
    b.register("llm", Region("config", size=5), b"conf!")
    return b


class TestAttester(unittest.TestCase, support.TempDir):
    @classmethod
    def setUpClass(cls):
        cls.key = pqcha.Key.generate()

    def test_report_contents(self):
        data = os.urandom(200000)
        b = memory_backend(data)
        n = support.nonce()
        a = pqcha.Attester(
            self.key, b, "llm", ttl=120, sequence=7, time=1_800_000_000, expected={"config": "ab" * 32}
        )
        r = a.attest(n)
        self.assertEqual(r.workload_id, "llm")
        self.assertEqual(r.platform, "in-memory")
        self.assertEqual(r.signer_key_id, self.key.id)
        self.assertEqual(r.signer_algorithm, "ML-DSA-65")
        self.assertEqual(r.nonce, n)
        self.assertEqual(r.sequence, 7)
        self.assertEqual(r.issued_at, 1_800_000_000)
        self.assertEqual(r.expires_at, 1_800_000_120)
        self.assertEqual(r.issued_at_datetime, datetime.datetime(2027, 1, 15, 8, 0, tzinfo=datetime.timezone.utc))
        self.assertEqual(r.expires_at_datetime.tzinfo, datetime.timezone.utc)
        self.assertTrue(r.id.startswith("urn:uuid:"))
        w = r.region("weights")
        self.assertEqual((w.size, w.description, w.address, w.protection), (len(data), "the weights", 0x7F00, "RO"))
        self.assertEqual(w.algorithm, "sha3-256-tree")
        self.assertEqual(w.digest, support.tree_digest(data).hex())
        self.assertEqual(w.expected, "")
        self.assertEqual(w.taken_at, 1_800_000_000)
        self.assertEqual(r.region("config").expected, "ab" * 32)
        self.assertIsNone(w.mapped_file)
        with self.assertRaises(KeyError):
            r.region("nope")
        self.assertEqual(str(r), r.envelope)
        self.assertIsNone(r.evidence)
        self.assertIsNone(r.evidence_platform)
        # The sequence advances with each report.
        self.assertEqual(a.attest().sequence, 8)
        self.assertFalse(r.is_expired(now=1_800_000_119))
        self.assertTrue(r.is_expired(now=1_800_000_120))

    def test_payload_and_round_trip(self):
        r = pqcha.Attester(self.key, memory_backend(), "llm").attest()
        payload = r.payload()
        self.assertEqual(payload["predicateType"], "https://pqcha.dev/attestation/memory/v1")
        self.assertEqual(payload["predicate"]["workloadId"], "llm")
        again = pqcha.Report.from_envelope(r.envelope.encode())
        self.assertEqual(again, r)
        self.assertEqual(hash(again), hash(r))
        self.assertEqual(again.regions, r.regions)

    def test_reports_pickle(self):
        import pickle

        r = pqcha.Attester(self.key, memory_backend(), "llm").attest()
        back = pickle.loads(pickle.dumps(r))
        self.assertEqual(back, r)
        self.assertEqual(back.regions, r.regions)
        self.assertEqual(pickle.loads(pickle.dumps(r)).workload_id, "llm")

    def test_digest_algorithms(self):
        data = os.urandom(100000)
        for alg in ("sha3-256", "sha3-256-tree", "k12"):
            r = pqcha.Attester(self.key, memory_backend(data), "llm", digest=alg, threads=0).attest()
            self.assertEqual(r.region("weights").algorithm, alg)
            self.assertEqual(r.region("weights").digest, pqcha.hexdigest(data, alg))
        with self.assertRaises(pqcha.FormatError) as cm:
            pqcha.Attester(self.key, memory_backend(), "llm", digest="sha3-256-segments")
        self.assertEqual(cm.exception.code, Code.UNSUPPORTED_ALGORITHM)

    def test_rejections(self):
        b = memory_backend()
        with self.assertRaises(pqcha.FileError) as cm:
            pqcha.Attester(self.key.public_key(), b, "llm")
        self.assertEqual(cm.exception.code, Code.NOT_PRIVATE_KEY)
        with self.assertRaises(pqcha.FormatError) as cm:
            pqcha.Attester(self.key, b, "bad\x01id")
        self.assertEqual(cm.exception.code, Code.BAD_IDENTIFIER)
        with self.assertRaises(pqcha.FormatError) as cm:
            pqcha.Attester(self.key, b, "llm", ttl=0)
        self.assertEqual(cm.exception.code, Code.OUT_OF_RANGE)
        with self.assertRaises(pqcha.FormatError) as cm:
            pqcha.Attester(self.key, b, "llm", expected={"config": "XYZ"})
        self.assertEqual(cm.exception.code, Code.BAD_HEX)
        a = pqcha.Attester(self.key, b, "llm")
        for bad in ("ABCDEF0123456789", "00", "zz" * 16, "0" * 15):
            with self.assertRaises(pqcha.FormatError) as cm:
                a.attest(bad)
            self.assertEqual(cm.exception.code, Code.BAD_HEX, bad)
        with self.assertRaises(pqcha.FormatError) as cm:
            pqcha.Attester(self.key, b, "empty-workload").attest()
        self.assertEqual(cm.exception.code, Code.EMPTY_REPORT)
        with self.assertRaises(TypeError):
            pqcha.Attester(b, self.key, "llm")  # type: ignore[arg-type]

    def test_report_size(self):
        a = pqcha.Attester(self.key, memory_backend(), "llm")
        size = a.report_size()
        self.assertGreater(size, 100)
        self.assertGreaterEqual(size, len(json.dumps(a.attest().payload(), separators=(",", ":"))) - 200)

    def test_save_report(self):
        d = self.make_tempdir()
        r = pqcha.Attester(self.key, memory_backend(), "llm").attest()
        path = os.path.join(d, "report.json")
        r.save(path)
        self.assertEqual(pqcha.Report.load(path), r)
        with self.assertRaises(pqcha.FileError) as cm:
            r.save(path, force=False)
        self.assertEqual(cm.exception.code, Code.FILE_EXISTS)
        r.save(path)

    def test_decode_rejections(self):
        for junk, code in ((b"", Code.JSON_SYNTAX), (b"{}", Code.MISSING_FIELD), (b"nope", Code.JSON_SYNTAX)):
            with self.assertRaises(pqcha.FormatError) as cm:
                pqcha.Report.from_envelope(junk)
            self.assertEqual(cm.exception.code, code, junk)

    def test_attest_from_threads_is_serialised(self):
        a = pqcha.Attester(self.key, memory_backend(), "llm")
        seqs = []
        lock = threading.Lock()

        def work():
            for _ in range(3):
                r = a.attest()
                with lock:
                    seqs.append(r.sequence)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(sorted(seqs), list(range(12)))


class TestContinuous(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.key = pqcha.Key.generate("ML-DSA-44")

    def attester(self, backend=None):
        return pqcha.Attester(self.key, backend or memory_backend(), "llm")

    def test_run_rounds(self):
        got = []
        with pqcha.ContinuousAttester(self.attester(), interval=0.001) as c:
            reports = c.run(rounds=3, on_report=got.append)
            self.assertEqual([r.sequence for r in reports], [0, 1, 2])
            self.assertEqual([r.round for r in reports], [0, 1, 2])
            self.assertEqual(got, reports)
            self.assertEqual(c.reports, reports)
            self.assertEqual(c.report_count, 3)
            self.assertEqual(c.error_count, 0)
            self.assertFalse(c.running)
            more = c.run(rounds=2)
            self.assertEqual([r.sequence for r in more], [3, 4])
            self.assertEqual(len(c.reports), 5)

    def test_nonce_and_retention(self):
        n = support.nonce()
        c = pqcha.ContinuousAttester(self.attester(), interval=0.001, nonce=n, retention=2)
        reports = c.run(rounds=4)
        self.assertEqual([r.sequence for r in reports], [2, 3])
        self.assertEqual({r.nonce for r in reports}, {n})
        self.assertEqual(c.report_count, 2)
        with self.assertRaises(pqcha.FormatError) as cm:
            c.set_nonce("XYZ")
        self.assertEqual(cm.exception.code, Code.BAD_HEX)

    def test_errors_go_to_on_error(self):
        class Flaky(pqcha.PythonBackend):
            calls = 0

            def list_regions(self, workload_id):
                return [Region("r", size=2)]

            def read_region(self, workload_id, region):
                Flaky.calls += 1
                if Flaky.calls == 2:
                    raise OSError("transient")
                yield b"ok"

        errors = []
        with support.stderr_captured() as err:
            c = pqcha.ContinuousAttester(self.attester(Flaky()), interval=0.001)
            reports = c.run(rounds=3, on_error=errors.append)
        self.assertEqual(err, [b""])
        self.assertEqual(len(reports), 2)
        self.assertEqual(len(errors), 1)
        self.assertIsInstance(errors[0], pqcha.BackendError)
        self.assertEqual(errors[0].code, Code.BACKEND_IO)
        self.assertEqual(errors[0].round, 1)
        self.assertIsInstance(errors[0].__cause__, OSError)
        self.assertEqual(c.error_count, 1)
        self.assertIs(c.last_error, errors[0])

    def test_callback_exception_stops_the_run_and_is_reraised(self):
        c = pqcha.ContinuousAttester(self.attester(), interval=0.001)

        def on_report(report):
            if report.sequence == 1:
                raise ValueError("consumer failed")

        with support.stderr_captured() as err:
            with self.assertRaises(ValueError):
                c.run(rounds=100, on_report=on_report)
        self.assertEqual(err, [b""])
        self.assertLessEqual(len(c.reports), 3)
        # The attester is free again.
        self.assertEqual(c.attester.attest().workload_id, "llm")

    def test_stop_from_a_callback(self):
        c = pqcha.ContinuousAttester(self.attester(), interval=0.001)

        def on_report(report):
            if report.sequence == 2:
                c.stop()

        reports = c.run(on_report=on_report)  # no limit: ends by stop()
        self.assertEqual([r.sequence for r in reports], [0, 1, 2])

    def test_background_start_join(self):
        c = pqcha.ContinuousAttester(self.attester(), interval=0.001)
        seen = threading.Event()
        c.start(rounds=3, on_report=lambda r: seen.set())
        self.assertTrue(c.running)
        with self.assertRaises(ValueError):
            c.attester.attest()  # the attester is the run's
        with self.assertRaises(ValueError):
            c.start(rounds=1)
        reports = c.join()
        self.assertTrue(seen.is_set())
        self.assertEqual([r.sequence for r in reports], [0, 1, 2])
        self.assertFalse(c.running)
        with self.assertRaises(ValueError):
            c.join()

    def test_background_run_with_a_python_backend(self):
        # The library's thread calls the Python backend and the callbacks.
        class Counter(pqcha.PythonBackend):
            def list_regions(self, workload_id):
                return [Region("r", size=3)]

            def read_region(self, workload_id, region):
                yield b"abc"

        threads = set()
        c = pqcha.ContinuousAttester(self.attester(Counter()), interval=0.001)
        c.start(rounds=3, on_report=lambda r: threads.add(threading.get_ident()))
        reports = c.join()
        self.assertEqual([r.region("r").digest for r in reports], [pqcha.hexdigest(b"abc")] * 3)
        self.assertNotIn(threading.get_ident(), threads)

    def test_background_stop(self):
        c = pqcha.ContinuousAttester(self.attester(), interval=0.001)
        first = threading.Event()
        c.start(on_report=lambda r: first.set())
        self.assertTrue(first.wait(60))
        c.stop()
        reports = c.join()
        self.assertGreaterEqual(len(reports), 1)

    def test_context_manager_stops_a_background_run(self):
        with pqcha.ContinuousAttester(self.attester(), interval=0.001) as c:
            c.start()
        self.assertFalse(c.running)
        self.assertTrue(c.closed)

    def test_arguments(self):
        with self.assertRaises(pqcha.FormatError) as cm:
            pqcha.ContinuousAttester(self.attester(), interval=0)
        self.assertEqual(cm.exception.code, Code.OUT_OF_RANGE)
        c = pqcha.ContinuousAttester(self.attester(), interval=0.001)
        with self.assertRaises(ValueError):
            c.run(rounds=0)
        with self.assertRaises(ValueError):
            c.run(duration=-1)
        self.assertEqual(len(c.run(rounds=1, duration=60)), 1)


if __name__ == "__main__":
    unittest.main()
