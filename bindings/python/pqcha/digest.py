"""Digests: SHA3-256, the parallel sha3-256-tree and KangarooTwelve.

Over bytes and any buffer-protocol object without copying it
(``memoryview``, ``bytearray``, ``mmap``, ``array.array``, numpy arrays), and
over files, pipes and sockets (:func:`digest_file`). The library hashes with
the GIL released, so threads hashing at once run in parallel.

Algorithms (docs/FORMAT.md section 4.4):

* ``"sha3-256"`` — SHA3-256 of the bytes (equal to :func:`hashlib.sha3_256`);
* ``"sha3-256-tree"`` — equal to sha3-256 up to 64 KiB, above that a Merkle
  tree of SHA3-256 leaves hashed in SIMD lanes and ``threads`` threads; the
  attester's default for regions;
* ``"k12"`` — KangarooTwelve (RFC 9861), the fastest.

``threads``: 1 hashes on the calling thread only, 0 uses every online CPU
(sha3-256 is sequential and ignores it).
"""

from __future__ import annotations

import ctypes
import io
import os
import threading
from ctypes import c_int, c_void_p
from typing import Any, Callable, Optional, Union

from . import _lib
from ._handle import Handle, buffer_of, check
from .errors import Code, error_for

__all__ = [
    "ALGORITHMS",
    "digest",
    "hexdigest",
    "Hasher",
    "digest_file",
    "hexdigest_file",
    "digest_size",
    "keccak_implementation",
]

_L = _lib.lib

#: The digest algorithms that digest bytes (sha3-256-segments is the attester's own).
ALGORITHMS = ("sha3-256", "sha3-256-tree", "k12")

FileArg = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]", int, Any]


def _alg(name: str) -> int:
    """The library's enum value for a digest algorithm's wire name."""
    if not isinstance(name, str):
        raise TypeError("algorithm must be a str such as 'sha3-256', not %s" % type(name).__name__)
    out = c_int(0)
    err = _L.pqcha_digest_alg_parse(ctypes.byref(out), _lib.cstr(name, "algorithm"))
    check(err, "digest algorithm %r (known: %s)" % (name, ", ".join(ALGORITHMS)))
    return out.value


def _threads(threads: int) -> int:
    threads = int(threads)
    if threads < 0 or threads > 0xFFFFFFFF:
        raise ValueError("threads must be 0 (all CPUs) or a positive count")
    return threads


def digest_size(algorithm: str = "sha3-256") -> int:
    """The digest length in bytes of an algorithm (32 for all three)."""
    return int(_L.pqcha_digest_alg_length(_alg(algorithm)))


def keccak_implementation() -> str:
    """The Keccak code the parallel digests use on this CPU: "avx512", "avx2" or "scalar"."""
    return _lib.text(_L.pqcha_keccak_implementation())


def digest(data: Any, algorithm: str = "sha3-256", threads: int = 1) -> bytes:
    """The digest of a bytes-like object, read in place (no copy), with the GIL released.

    Raises TypeError for a str (encode it first) and BufferError for a
    non-contiguous buffer; FormatError (UNSUPPORTED_ALGORITHM) for an unknown
    algorithm.
    """
    alg = _alg(algorithm)
    size = int(_L.pqcha_digest_alg_length(alg))
    out = ctypes.create_string_buffer(size)
    with buffer_of(data) as (ptr, length):
        err = _L.pqcha_digest(out, size, alg, ptr, length, _threads(threads))
    check(err)
    return out.raw


def hexdigest(data: Any, algorithm: str = "sha3-256", threads: int = 1) -> str:
    """:func:`digest` as lowercase hex."""
    return digest(data, algorithm, threads).hex()


class Hasher(Handle):
    """A streaming digest: :meth:`update` any number of times, then :meth:`digest`.

    Like :mod:`hashlib` objects, :meth:`digest` may be called more than once
    (the first call finishes the hash); :meth:`update` after it raises
    ArgumentError (INVALID_ARGUMENT). Updates read the data in place with the
    GIL released. One hasher is used by one thread at a time (calls from
    several threads are serialised).
    """

    _kind = "Hasher"

    def __init__(self, algorithm: str = "sha3-256", threads: int = 1) -> None:
        alg = _alg(algorithm)
        out = c_void_p()
        check(_L.pqcha_hasher_create(ctypes.byref(out), alg), "algorithm %r" % algorithm)
        self._init_handle(out.value, _L.pqcha_hasher_free)
        self.algorithm = algorithm
        self.digest_size = int(_L.pqcha_digest_alg_length(alg))
        self._serial = threading.Lock()
        self._final: Optional[bytes] = None
        with self._use() as h:
            check(_L.pqcha_hasher_set_threads(h, _threads(threads)))

    def update(self, data: Any) -> None:
        """Adds bytes (any bytes-like object, read in place)."""
        with self._serial, self._use() as h:
            if self._final is not None:
                raise error_for(Code.INVALID_ARGUMENT, "update() after digest()")
            with buffer_of(data) as (ptr, length):
                check(_L.pqcha_hasher_update(h, ptr, length))

    def digest(self) -> bytes:
        """The digest (the first call finishes the hash)."""
        with self._serial, self._use() as h:
            if self._final is None:
                out = ctypes.create_string_buffer(self.digest_size)
                check(_L.pqcha_hasher_final(h, out, self.digest_size))
                self._final = out.raw
            return self._final

    def hexdigest(self) -> str:
        """:meth:`digest` as lowercase hex."""
        return self.digest().hex()

    def __repr__(self) -> str:
        return "<pqcha.Hasher %s%s>" % (self.algorithm, " closed" if self.closed else "")


def _open_fd(file: FileArg) -> "tuple[int, bool]":
    """(fd, whether we opened it) for a path, an fd or an object with fileno()."""
    if isinstance(file, bool):
        raise TypeError("file must be a path, a file descriptor or a file object")
    if isinstance(file, int):
        return file, False
    if isinstance(file, (str, bytes, os.PathLike)):
        path = _lib.cpath(file)
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError as e:
            code = _L.pqcha_error_from_errno(e.errno or 0)
            raise error_for(code, os.fsdecode(path)) from e
        return fd, True
    fileno = getattr(file, "fileno", None)
    if fileno is None:
        raise TypeError("file must be a path, a file descriptor or a file object, not %s" % type(file).__name__)
    flush = getattr(file, "flush", None)
    writable = getattr(file, "writable", None)
    if flush is not None and writable is not None and writable():
        flush()
    try:
        return int(fileno()), False
    except io.UnsupportedOperation:
        raise TypeError(
            "%s has no file descriptor; hash its bytes with digest() instead" % type(file).__name__
        ) from None


def digest_file(
    file: FileArg,
    algorithm: str = "sha3-256",
    threads: int = 0,
    progress: Optional[Callable[[int], None]] = None,
) -> bytes:
    """The digest of a file, pipe or socket, with the GIL released throughout.

    ``file`` is a path, an ``os.PathLike``, a file descriptor or an object with
    ``fileno()``. A regular file is hashed whole, from offset 0 to its size,
    by ``threads`` threads (0: every CPU) that each read the part they hash;
    its offset is left as it was. A pipe, socket or device is read from where
    it stands to its end (a Python file object's read-ahead buffer is not
    seen: pass the fd of an unbuffered file). A descriptor passed in is not
    closed.

    ``progress(bytes_done)``, if given, is called now and then from the
    hashing threads, never concurrently; an exception it raises is re-raised
    once the digest ends.

    Raises FileError (NOT_FOUND, PERMISSION, IS_DIRECTORY, IO) and
    BackendError (REGION_CHANGED: a regular file changed while it was
    hashed, so the digest would be of neither version).
    """
    alg = _alg(algorithm)
    size = int(_L.pqcha_digest_alg_length(alg))
    out = ctypes.create_string_buffer(size)
    callback = _lib.PROGRESS_FN()
    raised: list = []
    if progress is not None:

        def on_progress(_ctx: Optional[int], done: int) -> None:
            if raised:
                return
            try:
                progress(int(done))
            except BaseException as e:  # noqa: BLE001 - surfaced after the call
                raised.append(e)

        callback = _lib.PROGRESS_FN(on_progress)
    fd, opened = _open_fd(file)
    try:
        err = _L.pqcha_digest_fd(out, size, alg, fd, _threads(threads), callback, None)
    finally:
        if opened:
            os.close(fd)
    if raised:
        raise raised[0]
    name = file if isinstance(file, (str, os.PathLike)) else None
    check(err, os.fspath(name) if name is not None else None)  # type: ignore[arg-type]
    return out.raw


def hexdigest_file(
    file: FileArg,
    algorithm: str = "sha3-256",
    threads: int = 0,
    progress: Optional[Callable[[int], None]] = None,
) -> str:
    """:func:`digest_file` as lowercase hex."""
    return digest_file(file, algorithm, threads, progress).hex()
