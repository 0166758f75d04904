"""Hardware evidence plumbing: sources (no TEE here) and the evidence verifier's inputs."""

import os
import unittest

import support
import pqcha
from pqcha import Code, Region

ROOTS = os.path.join(os.path.dirname(os.path.dirname(support.PACKAGE_ROOT)), "share", "pqcha", "roots")


class TestEvidenceSource(unittest.TestCase, support.TempDir):
    def absent_source(self):
        d = self.make_tempdir()
        return pqcha.EvidenceSource(
            "amd-sev-snp", tsm_root=os.path.join(d, "no-tsm"), device=os.path.join(d, "no-sev-guest")
        )

    def test_absent_tee(self):
        source = self.absent_source()
        self.assertIn("no-tsm", source.describe())
        with self.assertRaises(pqcha.BackendError) as cm:
            source.probe()
        self.assertEqual(cm.exception.code, Code.DEVICE_NOT_PRESENT)
        self.assertIn("no-sev-guest", str(cm.exception))
        with self.assertRaises(pqcha.BackendError) as cm:
            source.get(bytes(64))
        self.assertEqual(cm.exception.code, Code.DEVICE_NOT_PRESENT)
        with self.assertRaises(ValueError):
            source.get(b"short")

    def test_attester_with_absent_evidence_fails_before_measuring(self):
        class Counting(pqcha.PythonBackend):
            reads = 0

            def list_regions(self, workload_id):
                return [Region("r", size=1)]

            def read_region(self, workload_id, region):
                Counting.reads += 1
                yield b"x"

        a = pqcha.Attester(pqcha.Key.generate("ML-DSA-44"), Counting(), "w", evidence=self.absent_source())
        with self.assertRaises(pqcha.BackendError) as cm:
            a.attest()
        self.assertEqual(cm.exception.code, Code.DEVICE_NOT_PRESENT)
        self.assertEqual(Counting.reads, 0)
        a.set_evidence(None)
        self.assertIsNone(a.attest().evidence)

    def test_bad_settings(self):
        with self.assertRaises(pqcha.ArgumentError):
            pqcha.EvidenceSource("sgx")
        with self.assertRaises(pqcha.ArgumentError):
            pqcha.EvidenceSource(privlevel=4)
        with self.assertRaises(pqcha.ArgumentError):
            pqcha.Attester(pqcha.Key.generate("ML-DSA-44"), pqcha.MemoryBackend(), "w",
                           evidence=pqcha.EvidenceSource(), evidence_binding="nonsense")


class TestEvidenceVerifier(unittest.TestCase):
    def test_roots_and_rejections(self):
        if not os.path.isdir(ROOTS):
            self.skipTest("the shipped roots are not next to this package")
        roots = []
        for name in sorted(os.listdir(ROOTS)):
            with open(os.path.join(ROOTS, name), "rb") as f:
                roots.append(f.read())
        ev = pqcha.EvidenceVerifier(roots=roots, time=1_800_000_000)
        with self.assertRaises(pqcha.FormatError) as cm:
            ev.add_roots(b"junk")
        self.assertEqual(cm.exception.code, Code.BAD_CERTIFICATE)
        with self.assertRaises(pqcha.FormatError) as cm:
            ev.add_collateral("tcb_info", b"{}")
        self.assertEqual(cm.exception.code, Code.BAD_CERTIFICATE)
        with self.assertRaises(KeyError):
            ev.add_collateral("nope", b"x")
        with self.assertRaises(pqcha.FormatError):
            ev.set_policy("{")
        # A verifier keeps it alive.
        v = pqcha.Verifier(evidence_verifier=ev, authenticity_only=True)
        ev.close()
        self.assertEqual(v.verify(b"{}").verdict, "malformed")


if __name__ == "__main__":
    unittest.main()
