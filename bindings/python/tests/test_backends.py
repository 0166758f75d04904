"""The built-in backends: in-memory, file, platform; regions and their checks."""

import hashlib
import os
import unittest

import support
import pqcha
from pqcha import Code, Region


class TestRegistry(unittest.TestCase):
    def test_names(self):
        self.assertEqual(
            set(pqcha.backend_names()), {"in-memory", "file", "amd-sev-snp", "intel-tdx", "process"}
        )

    def test_by_name(self):
        for name in pqcha.backend_names():
            with pqcha.Backend(name) as b:
                self.assertEqual(b.name, name)
        with self.assertRaises(pqcha.BackendError) as cm:
            pqcha.Backend("nope")
        self.assertEqual(cm.exception.code, Code.UNKNOWN_BACKEND)

    def test_flags(self):
        self.assertFalse(pqcha.MemoryBackend().reads_concurrently)
        self.assertTrue(pqcha.FileBackend().reads_concurrently)
        self.assertTrue(pqcha.ProcessBackend().reads_concurrently)


class TestMemoryBackend(unittest.TestCase):
    def setUp(self):
        self.b = pqcha.MemoryBackend()
        self.addCleanup(self.b.close)

    def test_register_list_digest_update(self):
        data = os.urandom(100000)
        r = Region("weights", size=len(data), description="model weights", address=0x1000, protection="RX")
        self.assertEqual(self.b.register("w1", r, memoryview(data)), r)
        self.b.register("w1", "extra", b"abc")
        self.assertEqual(self.b.list_regions("w1"), [r, Region("extra", size=3)])
        self.assertEqual(self.b.list_regions("other"), [])
        self.assertEqual(self.b.digest("w1", r), hashlib.sha3_256(data).digest())
        self.assertEqual(self.b.digest("w1", "weights", "sha3-256-tree", 2), support.tree_digest(data))
        self.b.update("w1", "weights", bytearray(len(data)))
        self.assertEqual(self.b.hexdigest("w1", "weights"), hashlib.sha3_256(bytes(len(data))).hexdigest())
        self.assertEqual(self.b.name, "in-memory")
        self.assertEqual(self.b.platform, "in-memory")

    def test_register_copies(self):
        data = bytearray(b"abcd")
        self.b.register("w", "r", data)
        data[0] = ord("X")
        self.assertEqual(self.b.digest("w", "r"), hashlib.sha3_256(b"abcd").digest())

    def test_rejections(self):
        self.b.register("w", Region("r", size=3), b"abc")
        with self.assertRaises(pqcha.BackendError) as cm:
            self.b.register("w", Region("r", size=3), b"abc")
        self.assertEqual(cm.exception.code, Code.REGION_EXISTS)
        with self.assertRaises(pqcha.ArgumentError) as cm:
            self.b.register("w", Region("s", size=4), b"abc")
        self.assertEqual(cm.exception.code, Code.INVALID_ARGUMENT)
        self.assertIn("4 bytes, data 3", str(cm.exception))
        with self.assertRaises(pqcha.BackendError) as cm:
            self.b.update("w", "missing", b"abc")
        self.assertEqual(cm.exception.code, Code.NO_SUCH_REGION)
        with self.assertRaises(pqcha.ArgumentError) as cm:
            self.b.update("w", "r", b"abcd")
        self.assertEqual(cm.exception.code, Code.INVALID_ARGUMENT)
        with self.assertRaises(pqcha.BackendError) as cm:
            self.b.digest("w", "missing")
        self.assertEqual(cm.exception.code, Code.NO_SUCH_REGION)

    def test_region_validation(self):
        for bad in ("", "a\x01b", "x" * 257):
            with self.assertRaises(pqcha.FormatError) as cm:
                self.b.register("w", Region(bad, size=1), b"a")
            self.assertEqual(cm.exception.code, Code.BAD_IDENTIFIER, repr(bad))
        with self.assertRaises(pqcha.FormatError) as cm:
            self.b.register("w", Region("r", size=1, protection="RWX"), b"a")
        self.assertEqual(cm.exception.code, Code.BAD_PROTECTION)
        with self.assertRaises(pqcha.FormatError) as cm:
            self.b.register("bad\x02workload", Region("r", size=1), b"a")
        self.assertEqual(cm.exception.code, Code.BAD_IDENTIFIER)
        with self.assertRaises(ValueError):  # a NUL would cut the id in C
            self.b.register("w", Region("a\0b", size=1), b"a")
        with self.assertRaises(ValueError):
            self.b.register("w", Region("r", size=-1), b"")
        with self.assertRaises(TypeError):
            self.b.register("w", ("r", 1), b"a")  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            self.b.register("w", "r", "text")  # type: ignore[arg-type]

    def test_mapped_region_round_trips(self):
        r = Region("m", size=2, mapped_file="/models/x.bin", file_offset=4096)
        self.b.register("w", r, b"ab")
        self.assertEqual(self.b.list_regions("w"), [r])


class TestFileBackend(unittest.TestCase, support.TempDir):
    def setUp(self):
        self.dir = self.make_tempdir()
        self.data = os.urandom(3 * support.LEAF + 100)
        self.path = support.write(os.path.join(self.dir, "model.bin"), self.data)
        self.b = pqcha.FileBackend()

    def test_whole_file_and_range(self):
        self.b.add("w", "all", self.path)
        self.b.add("w", "part", self.path, offset=10, length=1000)
        self.b.add("w", "tail", self.path, offset=100, length=None)
        regions = {r.id: r for r in self.b.list_regions("w")}
        self.assertEqual(regions["all"].size, len(self.data))
        self.assertEqual(regions["all"].description, self.path)
        self.assertEqual(regions["part"].address, 10)
        self.assertEqual(regions["tail"].size, len(self.data) - 100)
        self.assertEqual(self.b.digest("w", "all", "sha3-256-tree", 0), support.tree_digest(self.data))
        self.assertEqual(self.b.digest("w", "part"), hashlib.sha3_256(self.data[10:1010]).digest())
        self.assertEqual(self.b.digest("w", "tail"), hashlib.sha3_256(self.data[100:]).digest())

    def test_errors(self):
        with self.assertRaises(pqcha.FileError) as cm:
            self.b.add("w", "r", os.path.join(self.dir, "missing"))
        self.assertEqual(cm.exception.code, Code.NOT_FOUND)
        self.assertIn("missing", str(cm.exception))
        with self.assertRaises(pqcha.FileError) as cm:
            self.b.add("w", "r", self.dir)
        self.assertEqual(cm.exception.code, Code.IS_DIRECTORY)
        with self.assertRaises(pqcha.FormatError) as cm:
            self.b.add("w", "r", self.path, offset=len(self.data) + 1, length=1)
        self.assertEqual(cm.exception.code, Code.OUT_OF_RANGE)
        self.b.add("w", "r", self.path)
        with self.assertRaises(pqcha.BackendError) as cm:
            self.b.add("w", "r", self.path)
        self.assertEqual(cm.exception.code, Code.REGION_EXISTS)

    def test_file_shrunk_after_adding(self):
        self.b.add("w", "r", self.path)
        with open(self.path, "r+b") as f:
            f.truncate(100)
        with self.assertRaises(pqcha.BackendError) as cm:
            self.b.digest("w", "r")
        self.assertEqual(cm.exception.code, Code.REGION_CHANGED)

    def test_wrong_kind_of_backend(self):
        # A method of another backend kind called on this one: refused, never a crash.
        with self.assertRaises(pqcha.ArgumentError) as cm:
            pqcha.MemoryBackend.register(self.b, "w", Region("r", size=1), b"a")  # type: ignore[arg-type]
        self.assertEqual(cm.exception.code, Code.INVALID_ARGUMENT)
        with self.assertRaises(pqcha.ArgumentError) as cm:
            pqcha.ProcessBackend.add_range(self.b, "w", os.getpid(), 0x1000, 1)  # type: ignore[arg-type]
        self.assertEqual(cm.exception.code, Code.INVALID_ARGUMENT)


class TestPlatformBackend(unittest.TestCase):
    def test_device_not_present(self):
        for name in ("amd-sev-snp", "intel-tdx"):
            b = pqcha.PlatformBackend(name)
            self.assertEqual(b.platform, name)
            if os.path.exists("/dev/sev-guest") or os.path.exists("/dev/tdx_guest"):
                continue
            with self.assertRaises(pqcha.BackendError) as cm:
                b.list_regions("w")
            self.assertEqual(cm.exception.code, Code.DEVICE_NOT_PRESENT)

    def test_only_platforms(self):
        with self.assertRaises(pqcha.BackendError) as cm:
            pqcha.PlatformBackend("file")
        self.assertEqual(cm.exception.code, Code.UNKNOWN_BACKEND)


if __name__ == "__main__":
    unittest.main()
