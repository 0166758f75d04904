"""A live process attested by PID: mappings, ranges, read-only files, tensors, drift."""

import os
import subprocess
import sys
import unittest

import support
import pqcha
from pqcha import Code

# The child maps a file (whole or its first LENGTH bytes) and obeys commands on
# stdin; it prints "ADDRESS SIZE" once mapped, then one line per command.
CHILD = r"""
import mmap, os, sys
path, length, writable = os.path.realpath(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "rw"
f = open(path, "r+b" if writable else "rb")
if writable:  # private and writable: the process can change its copy, as a tampered one would
    m = mmap.mmap(f.fileno(), length, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ | mmap.PROT_WRITE)
else:
    m = mmap.mmap(f.fileno(), length, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ)
address = 0
for line in open("/proc/self/maps"):
    if line.rstrip().endswith(" " + path):
        address = int(line.split("-")[0], 16)
        break
print(address, len(m), flush=True)
for line in sys.stdin:
    cmd = line.split()
    if cmd[0] == "poke":
        offset = int(cmd[1])
        m[offset] = m[offset] ^ 0xFF
        print("poked", flush=True)
    elif cmd[0] == "quit":
        break
"""


class Child:
    def __init__(self, path, length=0, writable=True):
        self.proc = subprocess.Popen(
            [support.PYTHON, "-c", CHILD, path, str(length), "rw" if writable else "ro"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline().split()
        if len(line) != 2:
            self.close()
            raise RuntimeError("the child did not start")
        self.address, self.size = int(line[0]), int(line[1])
        self.pid = self.proc.pid

    def command(self, text):
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.close()
            except OSError:
                pass
            self.proc.wait(60)
        self.proc.stdout.close()


@unittest.skipUnless(sys.platform.startswith("linux"), "the process backend is Linux only")
class TestProcess(unittest.TestCase, support.TempDir):
    @classmethod
    def setUpClass(cls):
        cls.key = pqcha.Key.generate("ML-DSA-44")

    def setUp(self):
        self.dir = self.make_tempdir()

    def child(self, path, length=0, writable=True):
        c = Child(path, length, writable)
        self.addCleanup(c.close)
        return c

    def test_attest_by_pid_valid_then_drift(self):
        data = os.urandom(5 * support.LEAF + 1234)
        path = support.write(os.path.join(self.dir, "weights.bin"), data)
        child = self.child(path)
        self.assertIn(path, pqcha.process_mapped_files(child.pid))

        backend = pqcha.ProcessBackend()
        try:
            backend.add_mappings("llm", child.pid, "weights.bin")
        except pqcha.BackendError as e:
            if e.code == Code.PERMISSION:
                self.skipTest("reading another process's memory is not permitted here: %s" % e)
            raise
        backend.add_range("llm", child.pid, child.address, 4096, "head")
        regions = {r.id: r for r in backend.list_regions("llm")}
        self.assertEqual(set(regions), {"weights.bin", "head"})
        mapping = regions["weights.bin"]
        self.assertEqual((mapping.size, mapping.address, mapping.file_offset), (len(data), child.address, 0))
        self.assertEqual(os.path.realpath(mapping.mapped_file), os.path.realpath(path))
        self.assertEqual(backend.digest("llm", "weights.bin", "sha3-256-tree", 0), support.tree_digest(data))

        policy = pqcha.Policy().trust(self.key)
        policy.add_workload(
            "llm",
            "process",
            {
                "weights.bin": pqcha.hexdigest_file(path, "sha3-256-tree"),
                "head": pqcha.hexdigest(data[:4096], "sha3-256-tree"),
            },
        )
        verifier = pqcha.Verifier(policy=policy)
        attester = pqcha.Attester(self.key, backend, "llm", threads=2)
        n = support.nonce()
        report = attester.attest(n)
        self.assertEqual(report.platform, "process")
        self.assertEqual(os.path.realpath(report.region("weights.bin").mapped_file), os.path.realpath(path))
        result = pqcha.Verifier(policy=policy, nonce=n).verify(report)
        self.assertTrue(result.valid, result.error)

        # The process's memory is changed (the file on disk is not): drift, both regions named.
        self.assertEqual(child.command("poke 100"), "poked")
        with open(path, "rb") as f:
            self.assertEqual(f.read(), data)
        result = verifier.verify(attester.attest())
        self.assertEqual(result.verdict, "drift")
        self.assertEqual(result.error.code, Code.MEMORY_DRIFT)
        self.assertEqual(sorted(result.drifted_regions), ["head", "weights.bin"])

        # The process exits: its regions can no longer be read.
        child.close()
        with self.assertRaises(pqcha.BackendError) as cm:
            attester.attest()
        self.assertIn(cm.exception.code, (Code.NO_SUCH_PROCESS, Code.REGION_CHANGED))

    def test_selectors_and_errors(self):
        path = support.write(os.path.join(self.dir, "data.bin"), os.urandom(10000))
        child = self.child(path)
        backend = pqcha.ProcessBackend()
        with self.assertRaises(pqcha.BackendError) as cm:
            backend.add_mappings("w", child.pid, "no-such-file-*.gguf")
        if cm.exception.code == Code.PERMISSION:
            self.skipTest("reading another process's memory is not permitted here")
        self.assertEqual(cm.exception.code, Code.NO_SUCH_REGION)
        backend.add_file("w", child.pid, path, "by-inode")
        self.assertEqual([r.id for r in backend.list_regions("w")], ["by-inode"])
        with self.assertRaises(pqcha.BackendError) as cm:
            backend.add_file("w", child.pid, path, "by-inode")
        self.assertEqual(cm.exception.code, Code.REGION_EXISTS)
        with self.assertRaises(pqcha.BackendError) as cm:
            backend.add_range("w", child.pid, 8, 16)
        self.assertEqual(cm.exception.code, Code.NO_SUCH_REGION)
        with self.assertRaises(pqcha.ArgumentError):
            backend.add_mappings("w", 0, "*")
        dead = subprocess.Popen([support.PYTHON, "-c", "pass"])
        dead.wait()
        with self.assertRaises(pqcha.BackendError) as cm:
            backend.add_mappings("w", dead.pid, "*")
        self.assertEqual(cm.exception.code, Code.NO_SUCH_PROCESS)
        with self.assertRaises(pqcha.BackendError) as cm:
            pqcha.process_mapped_files(dead.pid)
        self.assertEqual(cm.exception.code, Code.NO_SUCH_PROCESS)

    def test_readonly_files(self):
        path = support.write(os.path.join(self.dir, "ro.bin"), os.urandom(20000))
        child = self.child(path, writable=False)
        backend = pqcha.ProcessBackend()
        try:
            backend.add_readonly_files("w", child.pid)
        except pqcha.BackendError as e:
            if e.code == Code.PERMISSION:
                self.skipTest("reading another process's memory is not permitted here")
            raise
        regions = backend.list_regions("w")
        self.assertIn("ro.bin", [r.id for r in regions])
        self.assertTrue(all(r.mapped_file for r in regions))
        for path_, err in backend.unusable():
            self.assertIsInstance(err, pqcha.PqchaError)
        self.assertEqual(backend.hexdigest("w", "ro.bin"), pqcha.hexdigest_file(path))

    def test_model_measured_tensor_by_tensor(self):
        model = support.safetensors_bytes([("embed", 16384), ("layer.0", 32768), ("head", 4096)])
        path = support.write(os.path.join(self.dir, "model.safetensors"), model)
        manifest = pqcha.Manifest.from_files([path])
        child = self.child(path, writable=False)
        backend = pqcha.ProcessBackend()
        backend.set_manifest(manifest)
        try:
            backend.add_mappings("llm", child.pid, "*.safetensors")
        except pqcha.BackendError as e:
            if e.code == Code.PERMISSION:
                self.skipTest("reading another process's memory is not permitted here")
            raise
        self.assertIsNone(backend.tensor_note("llm", "model.safetensors"))
        report = pqcha.Attester(self.key, backend, "llm").attest()
        region = report.region("model.safetensors")
        self.assertEqual(region.algorithm, "sha3-256-segments")
        self.assertEqual(region.tensors, ["embed", "layer.0", "head"])
        embed = manifest.files[0].tensors[0]
        piece = region.segments[1]
        self.assertEqual((piece.tensor, piece.offset, piece.size), ("embed", embed.offset, embed.size))
        self.assertEqual(piece.digest, support.tree_digest(model[embed.offset : embed.offset + embed.size]).hex())
        self.assertIsNone(region.segments[0].tensor)  # the header before the first tensor
        policy = pqcha.Policy().trust(self.key).add_workload("llm", "process", manifest=manifest)
        self.assertTrue(pqcha.Verifier(policy=policy).verify(report).valid)

    def test_missing_tensors_of_a_partial_mapping(self):
        model = support.safetensors_bytes([("embed", 16384), ("layer.0", 32768), ("head", 4096)])
        path = support.write(os.path.join(self.dir, "model.safetensors"), model)
        manifest = pqcha.Manifest.from_files([path])
        tensors = {t.name: t for t in manifest.files[0].tensors}
        # The process maps the file only up to the end of "embed" (page-rounded, before "layer.0" ends).
        length = (tensors["embed"].offset + tensors["embed"].size + 4095) // 4096 * 4096
        self.assertLess(length, tensors["layer.0"].offset + tensors["layer.0"].size)
        child = self.child(path, length=length, writable=False)
        backend = pqcha.ProcessBackend()
        backend.set_manifest(manifest)
        try:
            backend.add_mappings("llm", child.pid, "model.safetensors")
        except pqcha.BackendError as e:
            if e.code == Code.PERMISSION:
                self.skipTest("reading another process's memory is not permitted here")
            raise
        report = pqcha.Attester(self.key, backend, "llm").attest()
        self.assertEqual(report.region("model.safetensors").tensors, ["embed"])
        policy = pqcha.Policy().trust(self.key).add_workload("llm", "process", manifest=manifest)
        result = pqcha.Verifier(policy=policy).verify(report)
        self.assertFalse(result.valid)
        self.assertEqual(
            result.missing_tensors, [("model.safetensors", "layer.0"), ("model.safetensors", "head")]
        )
        # A policy that requires only the tensors this process maps accepts it.
        partial = pqcha.Policy().trust(self.key)
        partial.add_workload("llm", "process")
        partial.add_manifest(manifest)
        partial.add_region_manifest("llm", "model.safetensors", "model.safetensors", ["embed"])
        self.assertTrue(pqcha.Verifier(policy=partial).verify(report).valid)


if __name__ == "__main__":
    unittest.main()
