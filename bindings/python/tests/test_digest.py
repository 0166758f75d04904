"""Digests over bytes, buffers (in place), streams and files; the GIL released."""

import array
import hashlib
import io
import mmap
import os
import threading
import tracemalloc
import unittest

import support
import pqcha
from pqcha import Code

# RFC 9861: KT128(M = empty, C = empty, 32).
K12_EMPTY = "1ac2d450fc3b4205d19da7bfca1b37513c0803577ac7167f06fe2ce1f0ef39e5"


class TestDigest(unittest.TestCase):
    def test_sha3_256_matches_hashlib(self):
        for n in (0, 1, 135, 136, 137, 65536, 65537, 1 << 20):
            data = os.urandom(n)
            self.assertEqual(pqcha.digest(data), hashlib.sha3_256(data).digest(), n)
            self.assertEqual(pqcha.hexdigest(data, "sha3-256"), hashlib.sha3_256(data).hexdigest())

    def test_tree_matches_the_specification(self):
        for n in (0, 100, support.LEAF, support.LEAF + 1, 5 * support.LEAF + 7, 3 << 20):
            data = os.urandom(n)
            for threads in (1, 0, 3):
                self.assertEqual(pqcha.digest(data, "sha3-256-tree", threads), support.tree_digest(data), (n, threads))

    def test_k12(self):
        self.assertEqual(pqcha.hexdigest(b"", "k12"), K12_EMPTY)
        data = os.urandom(300000)
        self.assertEqual(pqcha.digest(data, "k12", 1), pqcha.digest(data, "k12", 0))

    def test_algorithms_and_sizes(self):
        self.assertEqual(pqcha.ALGORITHMS, ("sha3-256", "sha3-256-tree", "k12"))
        for alg in pqcha.ALGORITHMS:
            self.assertEqual(pqcha.digest_size(alg), 32)

    def test_unknown_algorithm(self):
        with self.assertRaises(pqcha.FormatError) as cm:
            pqcha.digest(b"x", "md5")
        self.assertEqual(cm.exception.code, Code.UNSUPPORTED_ALGORITHM)
        self.assertIn("md5", str(cm.exception))
        with self.assertRaises(pqcha.FormatError) as cm:
            pqcha.digest(b"x", "sha3-256-segments")
        self.assertEqual(cm.exception.code, Code.UNSUPPORTED_ALGORITHM)

    def test_bad_arguments(self):
        with self.assertRaises(TypeError):
            pqcha.digest("text")  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            pqcha.digest(12345)  # type: ignore[arg-type]
        with self.assertRaises(ValueError):
            pqcha.digest(b"x", threads=-1)
        with self.assertRaises(ValueError):
            pqcha.digest(b"x", "sha3-256\0tree")


class TestBuffers(unittest.TestCase, support.TempDir):
    def test_every_buffer_kind(self):
        raw = os.urandom(200001)
        want = hashlib.sha3_256(raw).digest()
        self.assertEqual(pqcha.digest(bytearray(raw)), want)
        self.assertEqual(pqcha.digest(memoryview(raw)), want)
        self.assertEqual(pqcha.digest(memoryview(bytearray(raw))), want)
        self.assertEqual(pqcha.digest(memoryview(raw)[1000:2000]), hashlib.sha3_256(raw[1000:2000]).digest())
        arr = array.array("d", [1.5, 2.5, -3.0])
        self.assertEqual(pqcha.digest(arr), hashlib.sha3_256(arr.tobytes()).digest())
        self.assertEqual(pqcha.digest(memoryview(arr).cast("B")), hashlib.sha3_256(arr.tobytes()).digest())
        self.assertEqual(pqcha.digest(bytearray()), hashlib.sha3_256(b"").digest())

    def test_mmap_read_only_and_writable(self):
        raw = os.urandom(3 * support.LEAF + 5)
        path = support.write(os.path.join(self.make_tempdir(), "m.bin"), raw)
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            self.assertEqual(pqcha.digest(m, "sha3-256-tree"), support.tree_digest(raw))
        with open(path, "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
            self.assertEqual(pqcha.digest(m), hashlib.sha3_256(raw).digest())
            # The buffer is exported only during the call: the mmap closes afterwards.

    def test_non_contiguous_buffer_is_refused(self):
        with self.assertRaises(BufferError):
            pqcha.digest(memoryview(b"abcdef")[::2])

    def test_no_copy_is_made(self):
        data = bytearray(32 << 20)
        ro = memoryview(bytes(16 << 20))
        tracemalloc.start()
        try:
            pqcha.digest(data, "sha3-256-tree", 0)
            pqcha.digest(ro)
            h = pqcha.Hasher()
            h.update(data)
            h.update(ro)
            h.digest()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        self.assertLess(peak, 1 << 20, "a copy of the input was made")

    def test_buffer_is_pinned_while_hashed(self):
        # The export is held during the call only: afterwards the bytearray can resize.
        data = bytearray(b"x" * 100)
        pqcha.digest(data)
        data.extend(b"y")
        self.assertEqual(len(data), 101)


class TestHasher(unittest.TestCase):
    def test_streaming_equals_one_shot(self):
        data = os.urandom(5 * support.LEAF + 3)
        for alg in pqcha.ALGORITHMS:
            with pqcha.Hasher(alg, threads=2) as h:
                for i in range(0, len(data), 10007):
                    h.update(memoryview(data)[i : i + 10007])
                self.assertEqual(h.digest(), pqcha.digest(data, alg))
                self.assertEqual(h.digest(), h.digest())  # repeatable
                self.assertEqual(h.hexdigest(), pqcha.digest(data, alg).hex())

    def test_update_after_digest(self):
        h = pqcha.Hasher()
        h.update(b"a")
        h.digest()
        with self.assertRaises(pqcha.ArgumentError) as cm:
            h.update(b"b")
        self.assertEqual(cm.exception.code, Code.INVALID_ARGUMENT)

    def test_closed(self):
        h = pqcha.Hasher()
        h.close()
        h.close()
        with self.assertRaises(ValueError):
            h.update(b"x")

    def test_unknown_algorithm(self):
        with self.assertRaises(pqcha.FormatError):
            pqcha.Hasher("sha1")


class TestDigestFile(unittest.TestCase, support.TempDir):
    def setUp(self):
        self.dir = self.make_tempdir()

    def test_path_fd_and_file_object(self):
        raw = os.urandom(7 * support.LEAF + 11)
        path = support.write(os.path.join(self.dir, "f.bin"), raw)
        want = support.tree_digest(raw)
        self.assertEqual(pqcha.digest_file(path, "sha3-256-tree"), want)
        self.assertEqual(pqcha.digest_file(path.encode(), "sha3-256-tree", threads=1), want)
        import pathlib

        self.assertEqual(pqcha.hexdigest_file(pathlib.Path(path)), hashlib.sha3_256(raw).hexdigest())
        with open(path, "rb") as f:
            f.seek(100)
            self.assertEqual(pqcha.digest_file(f, "sha3-256-tree"), want)
            self.assertEqual(f.tell(), 100)  # the offset is left as it was
            self.assertEqual(pqcha.digest_file(f.fileno(), "k12"), pqcha.digest(raw, "k12"))
            os.fstat(f.fileno())  # still open

    def test_empty_file(self):
        path = support.write(os.path.join(self.dir, "empty"), b"")
        self.assertEqual(pqcha.digest_file(path), hashlib.sha3_256(b"").digest())

    def test_missing_file_and_directory(self):
        with self.assertRaises(pqcha.FileError) as cm:
            pqcha.digest_file(os.path.join(self.dir, "missing"))
        self.assertEqual(cm.exception.code, Code.NOT_FOUND)
        self.assertIn("missing", str(cm.exception))
        with self.assertRaises(pqcha.FileError) as cm:
            pqcha.digest_file(self.dir)
        self.assertEqual(cm.exception.code, Code.IS_DIRECTORY)

    def test_pipe(self):
        r, w = os.pipe()
        data = os.urandom(300000)
        t = threading.Thread(target=lambda: (os.write(w, data), os.close(w)))
        t.start()
        try:
            self.assertEqual(pqcha.digest_file(r), hashlib.sha3_256(data).digest())
        finally:
            t.join(60)
            os.close(r)

    def test_progress(self):
        raw = os.urandom(9 << 20)
        path = support.write(os.path.join(self.dir, "p.bin"), raw)
        seen = []
        pqcha.digest_file(path, "sha3-256-tree", 2, progress=seen.append)
        self.assertTrue(seen)
        self.assertEqual(seen[-1], len(raw))
        self.assertEqual(seen, sorted(seen))

    def test_progress_exception_is_reraised(self):
        path = support.write(os.path.join(self.dir, "p.bin"), os.urandom(100))

        def boom(_done):
            raise RuntimeError("from progress")

        with self.assertRaises(RuntimeError):
            pqcha.digest_file(path, progress=boom)

    def test_file_changed_while_hashed(self):
        # The progress callback grows the file mid-digest: no digest of either version.
        path = support.write(os.path.join(self.dir, "c.bin"), os.urandom(20 << 20))
        grown = []

        def grow(_done):
            if not grown:
                with open(path, "ab") as f:
                    f.write(b"more")
                grown.append(True)

        with self.assertRaises(pqcha.BackendError) as cm:
            pqcha.digest_file(path, "sha3-256-tree", 1, progress=grow)
        self.assertEqual(cm.exception.code, Code.REGION_CHANGED)

    def test_text_io_object(self):
        path = support.write(os.path.join(self.dir, "t.txt"), b"hello\n")
        with open(path, "w+") as f:  # writable: flushed before hashing
            f.write("unflushed")
            self.assertEqual(pqcha.digest_file(f), hashlib.sha3_256(b"unflushed").digest())
        with self.assertRaises(TypeError):
            pqcha.digest_file(io.BytesIO(b"x"))  # type: ignore[arg-type]
        with self.assertRaises(TypeError):
            pqcha.digest_file(3.5)  # type: ignore[arg-type]


class TestGilReleased(unittest.TestCase):
    """Two threads each digest_file() a pipe that the main thread feeds in turns.

    Thread 1 can finish only after the main thread wrote the rest into pipe 1,
    which it does only after writing the first part into pipe 2: so both C
    calls are blocked in read() at once while the main thread runs Python.
    With the GIL held by either call, the main thread could not run, and the
    test would hang (join's timeout is only a hang detector).
    """

    def test_two_digests_overlap_while_python_runs(self):
        parts = [(os.urandom(70000), os.urandom(90000)), (os.urandom(50000), os.urandom(120000))]
        pipes = [os.pipe(), os.pipe()]
        results = [None, None]
        errors = []

        def worker(i):
            try:
                results[i] = pqcha.digest_file(pipes[i][0], "sha3-256")
            except BaseException as e:  # noqa: BLE001
                errors.append(e)

        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(2)]
        for t in threads:
            t.start()

        def write_all(fd, data):
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]

        write_all(pipes[0][1], parts[0][0])
        write_all(pipes[1][1], parts[1][0])
        # Neither digest can have finished: both pipes are still open.
        self.assertEqual(results, [None, None])
        write_all(pipes[0][1], parts[0][1])
        write_all(pipes[1][1], parts[1][1])
        os.close(pipes[0][1])
        os.close(pipes[1][1])
        for t in threads:
            t.join(60)
            self.assertFalse(t.is_alive(), "digest_file did not return: the GIL was not released")
        for r, _ in pipes:
            os.close(r)
        self.assertEqual(errors, [])
        for i in range(2):
            self.assertEqual(results[i], hashlib.sha3_256(parts[i][0] + parts[i][1]).digest())


if __name__ == "__main__":
    unittest.main()
