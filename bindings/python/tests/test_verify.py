"""Verifying: verdicts, every check, drift with spans and tensors; policies and manifests."""

import json
import os
import unittest

import support
import pqcha
from pqcha import Code, Region

NOW = 1_800_000_000


class Fixture:
    """A key, a memory backend with two regions, and a policy that expects them."""

    def __init__(self):
        self.key = pqcha.Key.generate()
        self.data = os.urandom(300000)
        self.backend = pqcha.MemoryBackend()
        self.backend.register("llm", Region("weights", size=len(self.data)), self.data)
        self.backend.register("llm", Region("config", size=4), b"conf")
        self.policy = pqcha.Policy().trust(self.key.public_key())
        self.policy.add_workload(
            "llm",
            "in-memory",
            {
                "weights": pqcha.hexdigest(self.data, "sha3-256-tree"),
                "config": {"sha3-256-tree": pqcha.hexdigest(b"conf"), "k12": pqcha.hexdigest(b"conf", "k12")},
            },
        )
        self.attester = pqcha.Attester(self.key, self.backend, "llm", time=NOW)


class TestVerdicts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.f = Fixture()

    def attest(self, nonce=None, **kw):
        return pqcha.Attester(self.f.key, self.f.backend, "llm", time=NOW, **kw).attest(nonce)

    def test_valid(self):
        n = support.nonce()
        report = self.attest(n)
        result = pqcha.Verifier(policy=self.f.policy, nonce=n, now=NOW + 10).verify(report)
        self.assertEqual(result.verdict, "valid")
        self.assertTrue(result.valid)
        self.assertIsNone(result.error)
        self.assertEqual(result.code, 0)
        self.assertIs(result.raise_for_verdict(), result)
        names = [c.name for c in result.checks]
        for expected in ("envelope", "trust", "signature", "nonce", "region:weights", "region:config"):
            self.assertIn(expected, names)
        self.assertEqual({c.status for c in result.checks}, {"pass", "skipped"})
        self.assertEqual(result.check("nonce").status, "pass")
        self.assertEqual(result.check("evidence").status, "skipped")  # the policy requires none
        self.assertTrue(all(c.error is None for c in result.checks))
        self.assertEqual(result.drifted_regions, [])
        self.assertEqual(result.spans, [])
        self.assertEqual(result.missing_tensors, [])
        self.assertEqual(result.report, report)
        weights = result.check("region:weights")
        self.assertIn(pqcha.hexdigest(self.f.data, "sha3-256-tree"), weights.found)
        self.assertIsNone(result.check("nope"))
        d = result.to_dict()
        self.assertEqual(d["verdict"], "valid")
        self.assertEqual(json.loads(result.to_json()), d)
        self.assertEqual(repr(result), "<pqcha.Result valid>")

    def test_verify_accepts_str_bytes_and_buffers(self):
        report = self.attest()
        v = pqcha.Verifier(policy=self.f.policy, now=NOW)
        for form in (report, report.envelope, report.envelope.encode(), bytearray(report.envelope.encode()),
                     memoryview(report.envelope.encode())):
            r = v.verify(form)
            self.assertTrue(r.valid, (type(form), r.error))
            self.assertEqual(r.report, report)

    def test_wrong_key(self):
        other = pqcha.Key.generate()
        report = pqcha.Attester(other, self.f.backend, "llm", time=NOW).attest()
        result = pqcha.Verifier(policy=self.f.policy, now=NOW).verify(report)
        self.assertEqual(result.verdict, "rejected")
        self.assertIsInstance(result.error, pqcha.VerificationError)
        self.assertEqual(result.error.code, Code.UNTRUSTED_KEY)
        self.assertIn(other.id, str(result.error))
        self.assertEqual(result.check("trust").status, "fail")
        self.assertEqual(result.check("signature").status, "skipped")
        self.assertIsNone(result.report)  # never decoded from an untrusted signer
        with self.assertRaises(pqcha.VerificationError) as cm:
            result.raise_for_verdict()
        self.assertEqual(cm.exception.code, Code.UNTRUSTED_KEY)

    def test_trusted_keys_without_policy(self):
        report = self.attest()
        self.assertTrue(pqcha.Verifier(trusted_keys=[self.f.key], now=NOW, authenticity_only=True).verify(report).valid)
        result = pqcha.Verifier(trusted_keys=[pqcha.Key.generate("ML-DSA-87")], now=NOW, authenticity_only=True).verify(report)
        self.assertEqual(result.error.code, Code.UNTRUSTED_KEY)
        # A report's embedded signer is never trusted by itself.
        self.assertEqual(pqcha.Verifier(now=NOW, authenticity_only=True).verify(report).error.code, Code.UNTRUSTED_KEY)

    def test_wrong_nonce(self):
        report = self.attest(support.nonce())
        result = pqcha.Verifier(policy=self.f.policy, nonce=support.nonce(), now=NOW).verify(report)
        self.assertEqual(result.verdict, "rejected")
        self.assertEqual(result.error.code, Code.NONCE_MISMATCH)
        check = result.check("nonce")
        self.assertEqual((check.status, check.found), ("fail", report.nonce))
        self.assertEqual(check.error.code, Code.NONCE_MISMATCH)

    def test_expired_and_not_yet_valid(self):
        report = self.attest(ttl=60)
        result = pqcha.Verifier(policy=self.f.policy, now=NOW + 61 + 60).verify(report)
        self.assertEqual(result.verdict, "rejected")
        self.assertEqual(result.error.code, Code.EXPIRED)
        result = pqcha.Verifier(policy=self.f.policy, now=NOW - 3600).verify(report)
        self.assertEqual(result.error.code, Code.NOT_YET_VALID)
        result = pqcha.Verifier(policy=self.f.policy, now=NOW + 61, max_skew=0).verify(report)
        self.assertEqual(result.error.code, Code.EXPIRED)
        long_lived = self.attest(ttl=7200)
        result = pqcha.Verifier(policy=self.f.policy, now=NOW).verify(long_lived)
        self.assertEqual(result.error.code, Code.LIFETIME_TOO_LONG)
        self.assertTrue(pqcha.Verifier(policy=self.f.policy, now=NOW, max_lifetime=7200).verify(long_lived).valid)

    def test_tampered_memory_is_drift_naming_the_region(self):
        b = pqcha.MemoryBackend()
        changed = bytearray(self.f.data)
        changed[123456] ^= 0xFF
        b.register("llm", Region("weights", size=len(changed)), changed)
        b.register("llm", Region("config", size=4), b"conf")
        report = pqcha.Attester(self.f.key, b, "llm", time=NOW).attest()
        result = pqcha.Verifier(policy=self.f.policy, now=NOW).verify(report)
        self.assertEqual(result.verdict, "drift")
        self.assertFalse(result.valid)
        self.assertEqual(result.error.code, Code.MEMORY_DRIFT)
        self.assertEqual(result.drifted_regions, ["weights"])
        check = result.check("region:weights")
        self.assertEqual(check.status, "fail")
        self.assertIn(pqcha.hexdigest(self.f.data, "sha3-256-tree"), check.expected)
        self.assertIn(pqcha.hexdigest(bytes(changed), "sha3-256-tree"), check.found)
        self.assertIn("region:weights", str(result.error))
        self.assertEqual(result.report, report)  # authentic: its contents may be read
        self.assertEqual(result.to_dict()["verdict"], "drift")

    def test_policy_violations(self):
        b = pqcha.MemoryBackend()
        b.register("llm", Region("weights", size=len(self.f.data)), self.f.data)
        report = pqcha.Attester(self.f.key, b, "llm", time=NOW).attest()
        self.assertEqual(pqcha.Verifier(policy=self.f.policy, now=NOW).verify(report).error.code, Code.MISSING_REGION)
        b.register("llm", Region("config", size=4), b"conf")
        b.register("llm", Region("extra", size=1), b"x")
        report = pqcha.Attester(self.f.key, b, "llm", time=NOW).attest()
        self.assertEqual(
            pqcha.Verifier(policy=self.f.policy, now=NOW).verify(report).error.code, Code.UNEXPECTED_REGION
        )
        other = pqcha.Attester(self.f.key, self.f.backend, "llm", time=NOW)
        report = pqcha.Attester(self.f.key, b, "unknown-workload", time=NOW)
        b.register("unknown-workload", Region("r", size=1), b"r")
        result = pqcha.Verifier(policy=self.f.policy, now=NOW).verify(report.attest())
        self.assertEqual(result.error.code, Code.UNKNOWN_WORKLOAD)
        self.assertTrue(pqcha.Verifier(policy=self.f.policy, now=NOW).verify(other.attest()).valid)

    def test_malformed_and_tampered_envelopes(self):
        v = pqcha.Verifier(policy=self.f.policy, now=NOW)
        for junk in (b"", b"{", b"[]", "not json"):
            result = v.verify(junk)
            self.assertEqual(result.verdict, "malformed", junk)
            self.assertIsInstance(result.error, pqcha.FormatError)
            self.assertIsNone(result.report)
        report = self.attest()
        env = json.loads(report.envelope)
        sig = bytearray(__import__("base64").b64decode(env["signatures"][0]["sig"]))
        sig[100] ^= 1
        env["signatures"][0]["sig"] = __import__("base64").b64encode(bytes(sig)).decode()
        result = v.verify(json.dumps(env))
        self.assertEqual(result.verdict, "rejected")
        self.assertEqual(result.error.code, Code.BAD_SIGNATURE)

    def test_verifier_arguments(self):
        # Like `pqcha verify`, checking no memory at all must be asked for by name.
        with self.assertRaises(pqcha.ArgumentError) as cm:
            pqcha.Verifier(trusted_keys=[self.f.key])
        self.assertEqual(cm.exception.code, Code.INVALID_ARGUMENT)
        self.assertIn("authenticity_only=True", str(cm.exception))
        with self.assertRaises(pqcha.FormatError) as cm:
            pqcha.Verifier(nonce="ABCD", authenticity_only=True)
        self.assertEqual(cm.exception.code, Code.BAD_HEX)
        with self.assertRaises(pqcha.ArgumentError):
            pqcha.Verifier(now=-1, authenticity_only=True)
        with self.assertRaises(pqcha.ArgumentError):
            pqcha.Verifier(max_skew=10**9, authenticity_only=True)
        with self.assertRaises(TypeError):
            pqcha.Verifier(trusted_keys=["not a key"], authenticity_only=True)  # type: ignore[list-item]

    def test_verify_from_threads(self):
        import threading

        report = self.attest()
        v = pqcha.Verifier(policy=self.f.policy, now=NOW)
        verdicts = []

        def work():
            for _ in range(5):
                verdicts.append(v.verify(report).verdict)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(verdicts, ["valid"] * 20)


class TestManifestDrift(unittest.TestCase, support.TempDir):
    """Drift localised to byte spans and tensors through a manifest reference."""

    def setUp(self):
        self.dir = self.make_tempdir()
        self.model = support.safetensors_bytes([("embed", 16384), ("layer.0", 32768), ("head", 1000)])
        self.path = support.write(os.path.join(self.dir, "model.safetensors"), self.model)
        self.key = pqcha.Key.generate("ML-DSA-44")

    def test_manifest_contents(self):
        m = pqcha.Manifest.from_files([self.path])
        self.assertEqual(len(m), 1)
        f = m.files[0]
        self.assertEqual((f.name, f.size, f.format), ("model.safetensors", len(self.model), "safetensors"))
        self.assertEqual(f.digest, support.tree_digest(self.model).hex())
        self.assertEqual([t.name for t in f.tensors], ["embed", "layer.0", "head"])
        self.assertEqual([(t.dtype, t.size) for t in f.tensors], [("F32", 65536), ("F32", 131072), ("F32", 4000)])
        self.assertEqual(f.tensors[1].offset, f.tensors[0].offset + 65536)
        again = pqcha.Manifest.parse(m.to_json())
        self.assertEqual(again.files, m.files)
        path = os.path.join(self.dir, "manifest.json")
        m.save(path)
        self.assertEqual(pqcha.Manifest.load(path).files, m.files)

    def test_manifest_rejections(self):
        bad = support.write(os.path.join(self.dir, "bad.safetensors"), self.model[:-10])
        with self.assertRaises(pqcha.FormatError) as cm:
            pqcha.Manifest.from_files([bad])
        self.assertIn("bad.safetensors", str(cm.exception))
        with self.assertRaises(pqcha.FileError) as cm:
            pqcha.Manifest.from_files([os.path.join(self.dir, "missing.bin")])
        self.assertEqual(cm.exception.code, Code.NOT_FOUND)
        m = pqcha.Manifest.from_files([self.path])
        with self.assertRaises(pqcha.BackendError) as cm:
            m.add_file(self.path)
        self.assertEqual(cm.exception.code, Code.REGION_EXISTS)
        with self.assertRaises(pqcha.FormatError) as cm:
            pqcha.Manifest.parse("{}")
        self.assertEqual(cm.exception.code, Code.MISSING_FIELD)

    def test_drift_spans_name_the_tensor(self):
        m = pqcha.Manifest.from_files([self.path], threads=1)
        policy = pqcha.Policy().trust(self.key).add_workload("llm", "in-memory", manifest=m)
        b = pqcha.MemoryBackend()
        b.register("llm", Region("model.safetensors", size=len(self.model)), self.model)
        v = pqcha.Verifier(policy=policy)
        a = pqcha.Attester(self.key, b, "llm")
        self.assertTrue(v.verify(a.attest()).valid)

        tampered = bytearray(self.model)
        layer = m.files[0].tensors[1]
        tampered[layer.offset + 70000] ^= 0x01
        b.update("llm", "model.safetensors", tampered)
        result = v.verify(a.attest())
        self.assertEqual(result.verdict, "drift")
        self.assertEqual(result.drifted_regions, ["model.safetensors"])
        self.assertGreaterEqual(len(result.spans), 1)
        span = result.spans[0]
        self.assertEqual(span.region, "model.safetensors")
        self.assertLessEqual(span.offset, layer.offset + 70000)
        self.assertGreater(span.offset + span.length, layer.offset + 70000)
        self.assertIn("layer.0", span.tensors)
        self.assertGreaterEqual(span.tensor_total, len(span.tensors))
        details = result.to_dict()["driftDetails"]
        self.assertEqual(details[0]["region"], "model.safetensors")


class TestPolicy(unittest.TestCase, support.TempDir):
    def setUp(self):
        self.key = pqcha.Key.generate("ML-DSA-44")

    def test_build_write_parse(self):
        p = pqcha.Policy().trust(self.key)
        p.add_workload("a", "file", {"r": "00" * 32}, allow_extra_regions=True)
        p.add_workload("b", None, {"s": {"sha3-256": "11" * 32, "k12": "22" * 32}})
        self.assertFalse(p.finished)
        text = p.to_json()
        self.assertTrue(p.finished)
        doc = json.loads(text)
        self.assertEqual(doc["workloads"]["a"]["regions"]["r"], {"sha3-256-tree": "00" * 32})
        self.assertTrue(doc["workloads"]["a"]["allowExtraRegions"])
        self.assertEqual(doc["workloads"]["b"]["regions"]["s"], {"k12": "22" * 32, "sha3-256": "11" * 32})
        q = pqcha.Policy.parse(text)
        self.assertTrue(q.finished)
        self.assertEqual(q.to_json(), text)
        self.assertTrue(q.has_workload("a"))
        self.assertFalse(q.has_workload("c"))
        self.assertEqual([k.id for k in q.trusted_keys], [self.key.id])
        self.assertFalse(q.trusted_keys[0].has_private)
        path = os.path.join(self.make_tempdir(), "policy.json")
        q.save(path)
        self.assertEqual(pqcha.Policy.load(path).to_json(), text)

    def test_rejections(self):
        with self.assertRaises(pqcha.FormatError) as cm:
            pqcha.Policy().finish()
        self.assertEqual(cm.exception.code, Code.BAD_POLICY)
        with self.assertRaises(pqcha.FormatError) as cm:
            pqcha.Policy().add_workload("w", None, {"r": "XY"})
        self.assertEqual(cm.exception.code, Code.BAD_HEX)
        with self.assertRaises(pqcha.FormatError) as cm:
            pqcha.Policy().add_workload("w", None, {"r": {"md5": "00" * 16}})
        self.assertEqual(cm.exception.code, Code.UNSUPPORTED_ALGORITHM)
        with self.assertRaises(pqcha.VerificationError) as cm:
            pqcha.Policy().add_region("nope", "r", "00" * 32)
        self.assertEqual(cm.exception.code, Code.UNKNOWN_WORKLOAD)
        with self.assertRaises(pqcha.FormatError) as cm:
            pqcha.Policy.parse('{"version": 2}')
        self.assertIn(cm.exception.code, (Code.BAD_POLICY, Code.MISSING_FIELD))
        with self.assertRaises(pqcha.FormatError) as cm:
            pqcha.Policy.parse("{")
        self.assertEqual(cm.exception.code, Code.JSON_SYNTAX)
        with self.assertRaises(pqcha.FileError) as cm:
            pqcha.Policy.load("/nonexistent/policy.json")
        self.assertEqual(cm.exception.code, Code.NOT_FOUND)
        self.assertIn("/nonexistent/policy.json", str(cm.exception))

    def test_frozen_while_a_verifier_uses_it(self):
        p = pqcha.Policy().trust(self.key).add_workload("w", None, {"r": "00" * 32})
        v = pqcha.Verifier(policy=p)
        self.assertTrue(p.finished)
        with self.assertRaises(ValueError):
            p.add_workload("x", None, {"r": "00" * 32})
        with self.assertRaises(ValueError):
            p.trust(pqcha.Key.generate("ML-DSA-44"))
        v.close()
        p.add_workload("x", None, {"r": "00" * 32})  # free again
        self.assertFalse(p.finished)

    def test_evidence_requirements(self):
        p = pqcha.Policy().add_workload("w", None, {"r": "00" * 32})
        with self.assertRaises(pqcha.FormatError):
            p.set_workload_evidence("w", "{not json")
        with self.assertRaises(pqcha.VerificationError) as cm:
            p.set_workload_evidence("nope", {"platform": "amd-sev-snp"})
        self.assertEqual(cm.exception.code, Code.UNKNOWN_WORKLOAD)


if __name__ == "__main__":
    unittest.main()
