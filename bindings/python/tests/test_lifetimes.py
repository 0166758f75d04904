"""Lifetimes: deterministic close, garbage collection, references between objects."""

import gc
import unittest
import weakref

import support
import pqcha
from pqcha import Region


def all_dead(refs):
    gc.collect()
    return [r for r in refs if r() is not None]


class TestGarbageCollection(unittest.TestCase):
    def test_thousands_of_objects_are_released(self):
        key = pqcha.Key.generate("ML-DSA-44")
        refs = []
        for i in range(1000):
            h = pqcha.Hasher("sha3-256-tree", threads=2)
            h.update(b"x")
            b = pqcha.MemoryBackend()
            b.register("w", Region("r", size=1), b"y")
            p = pqcha.Policy().add_workload("w", None, {"r": "00" * 32})
            v = pqcha.Verifier(trusted_keys=[key], policy=p)
            pub = key.public_key()
            m = pqcha.Manifest()
            refs += [weakref.ref(o) for o in (h, b, p, v, pub, m)]
            if i % 2:
                h.close()  # some closed explicitly, the rest by the collector
                v.close()
        del h, b, p, v, pub, m
        self.assertEqual(all_dead(refs), [])

    def test_attest_verify_loop_releases_everything(self):
        key = pqcha.Key.generate("ML-DSA-44")
        refs = []
        for _ in range(200):
            b = pqcha.MemoryBackend()
            b.register("w", Region("r", size=3), b"abc")
            a = pqcha.Attester(key, b, "w")
            report = a.attest()
            result = pqcha.Verifier(trusted_keys=[key], authenticity_only=True).verify(report)
            self.assertTrue(result.valid)
            refs += [weakref.ref(o) for o in (b, a, result)]
        del b, a, result
        self.assertEqual(all_dead(refs), [])

    def test_reference_cycles(self):
        refs = []
        for _ in range(100):
            k = pqcha.Key.generate("ML-DSA-44")
            b = pqcha.MemoryBackend()
            b.register("w", Region("r", size=1), b"a")
            a = pqcha.Attester(k, b, "w")
            c = pqcha.ContinuousAttester(a, 0.001)
            # Cycles through Python attributes: freed by the collector in any order.
            k.cycle = a  # type: ignore[attr-defined]
            b.cycle = c  # type: ignore[attr-defined]
            c.cycle = c  # type: ignore[attr-defined]
            refs += [weakref.ref(o) for o in (k, b, a, c)]
        del k, b, a, c
        self.assertEqual(all_dead(refs), [])

    def test_python_backend_cycle(self):
        class B(pqcha.PythonBackend):
            def list_regions(self, workload_id):
                return [Region("r", size=1)]

            def read_region(self, workload_id, region):
                yield b"x"

        refs = []
        for _ in range(100):
            b = B()
            b.me = b  # type: ignore[attr-defined]
            b.digest("w", "r")
            refs.append(weakref.ref(b))
        del b
        self.assertEqual(all_dead(refs), [])


class TestReferences(unittest.TestCase):
    def test_attester_keeps_key_and_backend(self):
        key = pqcha.Key.generate("ML-DSA-44")
        backend = pqcha.MemoryBackend()
        backend.register("w", Region("r", size=2), b"ok")
        kref, bref = weakref.ref(key), weakref.ref(backend)
        attester = pqcha.Attester(key, backend, "w")
        key_id = key.id
        key.close()
        backend.close()
        del key, backend
        gc.collect()
        # Closed by their owner, still held by the attester: it keeps working.
        for _ in range(3):
            self.assertEqual(attester.attest().signer_key_id, key_id)
        with self.assertRaises(ValueError):
            attester.key.sign(b"x")  # the Python object is closed for direct use
        del attester
        self.assertEqual(all_dead([kref, bref]), [])

    def test_verifier_keeps_policy(self):
        key = pqcha.Key.generate("ML-DSA-44")
        b = pqcha.MemoryBackend()
        b.register("w", Region("r", size=2), b"ok")
        policy = pqcha.Policy().trust(key).add_workload("w", "in-memory", {"r": pqcha.hexdigest(b"ok")})
        pref = weakref.ref(policy)
        verifier = pqcha.Verifier(policy=policy)
        policy.close()
        del policy
        gc.collect()
        self.assertTrue(verifier.verify(pqcha.Attester(key, b, "w").attest()).valid)
        del verifier
        self.assertEqual(all_dead([pref]), [])

    def test_continuous_keeps_attester(self):
        key = pqcha.Key.generate("ML-DSA-44")
        b = pqcha.MemoryBackend()
        b.register("w", Region("r", size=2), b"ok")
        a = pqcha.Attester(key, b, "w")
        c = pqcha.ContinuousAttester(a, 0.001)
        a.close()
        del a, b, key
        gc.collect()
        self.assertEqual(len(c.run(rounds=2)), 2)

    def test_result_outlives_verifier(self):
        key = pqcha.Key.generate("ML-DSA-44")
        b = pqcha.MemoryBackend()
        b.register("w", Region("r", size=2), b"ok")
        report = pqcha.Attester(key, b, "w").attest()
        result = pqcha.Verifier(trusted_keys=[key], authenticity_only=True).verify(report)
        gc.collect()
        self.assertEqual(result.report, report)
        self.assertEqual(result.to_dict()["verdict"], "valid")

    def test_process_backend_keeps_manifest(self):
        m = pqcha.Manifest()
        mref = weakref.ref(m)
        b = pqcha.ProcessBackend()
        b.set_manifest(m)
        m.close()
        del m
        gc.collect()
        self.assertIsNotNone(mref())
        b.close()
        del b
        self.assertEqual(all_dead([mref]), [])

    def test_close_is_idempotent_and_context_managers(self):
        objects = [
            pqcha.Key.generate("ML-DSA-44"),
            pqcha.Hasher(),
            pqcha.MemoryBackend(),
            pqcha.Policy(),
            pqcha.Verifier(authenticity_only=True),
            pqcha.Manifest(),
        ]
        for o in objects:
            with o as same:
                self.assertIs(same, o)
                self.assertFalse(o.closed)
            self.assertTrue(o.closed)
            o.close()
            o.close()


class TestShutdown(unittest.TestCase):
    def test_objects_alive_at_exit(self):
        code = """
import pqcha, os
K = pqcha.Key.generate("ML-DSA-44")
B = pqcha.MemoryBackend()
B.register("w", pqcha.Region("r", size=3), b"abc")
A = pqcha.Attester(K, B, "w")
C = pqcha.ContinuousAttester(A, 0.001)
C.start()                      # never stopped: the interpreter exits under it
R = pqcha.Verifier(trusted_keys=[K], authenticity_only=True).verify(A.key.public_key().public_pem() and pqcha.Attester(K, B, "w").attest())
class PB(pqcha.PythonBackend):
    def list_regions(self, w):
        return [pqcha.Region("r", size=1)]
    def read_region(self, w, r):
        yield b"x"
P = PB(); P.me = P
P.digest("w", "r")
H = pqcha.Hasher(); H.cycle = [H]
print("ok", R.verdict)
"""
        r = support.run_python(code)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "ok valid")
        self.assertEqual(r.stderr, "")


if __name__ == "__main__":
    unittest.main()
