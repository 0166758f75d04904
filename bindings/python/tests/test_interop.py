"""Interop with the pqcha CLI ($PQCHA_CLI): reports, keys and policies cross both ways."""

import datetime
import json
import os
import subprocess
import unittest

import support
import pqcha

CLI = support.cli()
NOW = 1_800_000_000
NOW_TEXT = datetime.datetime.fromtimestamp(NOW, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def run(*args):
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=300)


@unittest.skipIf(CLI is None, "PQCHA_CLI is not set to the pqcha executable: interop with the CLI not tested")
class TestInterop(unittest.TestCase, support.TempDir):
    def setUp(self):
        self.dir = self.make_tempdir()
        self.data = os.urandom(3 * support.LEAF + 17)
        self.file = support.write(os.path.join(self.dir, "weights.bin"), self.data)

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_python_report_verifies_with_the_cli(self):
        key = pqcha.Key.generate()
        key.save_public(self.path("pub.pem"))
        backend = pqcha.FileBackend()
        backend.add("llm", "weights", self.file)
        n = support.nonce()
        report = pqcha.Attester(key, backend, "llm", time=NOW).attest(n)
        report.save(self.path("report.json"))
        policy = pqcha.Policy().add_workload("llm", "file", {"weights": pqcha.hexdigest_file(self.file, "sha3-256-tree")})
        policy.save(self.path("policy.json"))

        r = run("verify", "--trust", self.path("pub.pem"), "--policy", self.path("policy.json"),
                "--nonce", n, "--now", NOW_TEXT, "--json", self.path("report.json"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        cli_result = json.loads(r.stdout)
        self.assertEqual(cli_result["verdict"], "valid")
        # The same result JSON from Python, byte for byte.
        result = pqcha.Verifier(trusted_keys=[key], policy=policy, nonce=n, now=NOW).verify(report)
        self.assertEqual(result.to_json(), r.stdout.strip())

        r = run("verify", "--trust", self.path("pub.pem"), "--authenticity-only", "--now", NOW_TEXT,
                self.path("report.json"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        # Drift: exit 1 from the CLI, "drift" in Python, the same JSON.
        changed = bytearray(self.data)
        changed[5] ^= 1
        support.write(self.file, bytes(changed))
        drifted = pqcha.Attester(key, backend, "llm", time=NOW).attest(n)
        drifted.save(self.path("drift.json"))
        r = run("verify", "--trust", self.path("pub.pem"), "--policy", self.path("policy.json"),
                "--nonce", n, "--now", NOW_TEXT, "--json", self.path("drift.json"))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertEqual(json.loads(r.stdout)["verdict"], "drift")
        result = pqcha.Verifier(trusted_keys=[key], policy=policy, nonce=n, now=NOW).verify(drifted)
        self.assertEqual(result.to_json(), r.stdout.strip())

    def test_cli_report_verifies_in_python(self):
        r = run("keygen", "-o", self.path("key.pem"))
        self.assertEqual(r.returncode, 0, r.stderr)
        key_id = r.stdout.strip().split()[-1]
        pub = pqcha.Key.load(self.path("key.pub.pem"))
        self.assertEqual(pub.id, key_id)
        self.assertEqual(pqcha.Key.load(self.path("key.pem")).id, key_id)
        n = support.nonce()
        r = run("attest", "--key", self.path("key.pem"), "--workload", "llm", "--region", "weights=" + self.file,
                "--nonce", n, "-o", self.path("report.json"))
        self.assertEqual(r.returncode, 0, r.stderr)
        report = pqcha.Report.load(self.path("report.json"))
        self.assertEqual((report.workload_id, report.nonce, report.signer_key_id), ("llm", n, key_id))

        policy = pqcha.Policy().add_workload("llm", "file", {"weights": pqcha.hexdigest(self.data, "sha3-256-tree")})
        result = pqcha.Verifier(trusted_keys=[pub], policy=policy, nonce=n).verify(report)
        self.assertTrue(result.valid, result.error)
        self.assertEqual(result.report.region("weights").digest, support.tree_digest(self.data).hex())
        wrong = pqcha.Verifier(trusted_keys=[pqcha.Key.generate()], policy=policy, nonce=n).verify(report)
        self.assertEqual(wrong.error.code, pqcha.Code.UNTRUSTED_KEY)

    def test_cli_policy_in_python_and_python_key_in_the_cli(self):
        key = pqcha.Key.generate("ML-DSA-87")
        key.save(self.path("k.pem"), self.path("k.pub.pem"))
        r = run("policy", "--workload", "llm", "--region", "weights=" + self.file, "--trust", self.path("k.pub.pem"),
                "-o", self.path("policy.json"))
        self.assertEqual(r.returncode, 0, r.stderr)
        policy = pqcha.Policy.load(self.path("policy.json"))
        self.assertEqual([k.id for k in policy.trusted_keys], [key.id])
        # The CLI signs with the key Python saved; Python verifies with the CLI's policy.
        r = run("attest", "--key", self.path("k.pem"), "--workload", "llm", "--region", "weights=" + self.file,
                "-o", self.path("report.json"))
        self.assertEqual(r.returncode, 0, r.stderr)
        result = pqcha.Verifier(policy=policy).verify(pqcha.Report.load(self.path("report.json")))
        self.assertTrue(result.valid, result.error)

    def test_cli_inspect_reads_a_python_report(self):
        key = pqcha.Key.generate("ML-DSA-44")
        b = pqcha.MemoryBackend()
        b.register("w", pqcha.Region("r", size=3), b"abc")
        pqcha.Attester(key, b, "w").attest().save(self.path("r.json"))
        r = run("inspect", self.path("r.json"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(key.id, r.stdout)


if __name__ == "__main__":
    unittest.main()
