"""Handle ownership, buffer access and error checks shared by the modules (internal)."""

from __future__ import annotations

import contextlib
import ctypes
import threading
from ctypes import POINTER, Structure, c_char_p, c_int, c_ssize_t, c_void_p, py_object
from typing import Any, Callable, Iterator, Optional, Tuple, Union

from .errors import error_for


def check(err: int, detail: Optional[str] = None) -> None:
    """Raises the PqchaError for a non-zero library result."""
    if err != 0:
        raise error_for(err, detail)


class Handle:
    """Owns one libpqcha handle and frees it exactly once.

    The handle is freed by :meth:`close` (idempotent), by leaving a ``with``
    block, or when the object is garbage collected. A handle that another
    library object still references (a key held by an attester, a policy held
    by a verifier) or that a call is using on another thread is only marked
    closed: its memory is freed when the last user lets go, never under it.
    """

    _ptr: Optional[int] = None
    _closed: bool = True
    _lock: Optional[threading.Lock] = None
    _uses: int = 0
    _free_fn: Optional[Callable[[Any], None]] = None
    _deps: Tuple["Handle", ...] = ()
    _kind = "object"

    def _init_handle(self, ptr: Optional[int], free_fn: Callable[[Any], None]) -> None:
        self._free_fn = free_fn
        self._lock = threading.Lock()
        self._uses = 0
        self._deps = ()
        self._ptr = ptr
        self._closed = False

    # -- using the pointer ------------------------------------------------------------

    def _acquire(self) -> int:
        """The pointer, pinned until the matching :meth:`_release`."""
        lock = self._lock
        if lock is None:
            raise ValueError("%s was not initialised" % self._kind)
        with lock:
            if self._closed or not self._ptr:
                raise ValueError("%s is closed" % self._kind)
            self._uses += 1
            return self._ptr

    def _release(self) -> None:
        lock = self._lock
        if lock is None:
            return
        with lock:
            self._uses -= 1
            last = self._closed and self._uses == 0
        if last:
            self._destroy()

    @contextlib.contextmanager
    def _use(self) -> Iterator[int]:
        ptr = self._acquire()
        try:
            yield ptr
        finally:
            self._release()

    def _retain(self, other: "Handle") -> None:
        """Keeps other's library object alive for as long as this one lives."""
        other._acquire()
        self._deps = self._deps + (other,)

    def _destroy(self) -> None:
        lock = self._lock
        if lock is None:
            return
        with lock:
            ptr, self._ptr = self._ptr, None
            deps, self._deps = self._deps, ()
        if ptr and self._free_fn is not None:
            self._free_fn(ptr)
        for dep in deps:
            dep._release()

    # -- public lifetime ----------------------------------------------------------------

    def close(self) -> None:
        """Frees the library object now (or as soon as no one uses it). Idempotent."""
        lock = self._lock
        if lock is None:
            return
        with lock:
            if self._closed:
                return
            self._closed = True
            now = self._uses == 0
        if now:
            self._destroy()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        # Safe at interpreter shutdown: touches only attributes of self.
        try:
            self.close()
        except Exception:  # pragma: no cover - nothing sensible to do in a finaliser
            pass


# ---- buffers without copying ----------------------------------------------------------


class _PyBuffer(Structure):
    """CPython's Py_buffer (stable layout since 3.3)."""

    _fields_ = [
        ("buf", c_void_p),
        ("obj", c_void_p),
        ("len", c_ssize_t),
        ("itemsize", c_ssize_t),
        ("readonly", c_int),
        ("ndim", c_int),
        ("format", c_char_p),
        ("shape", c_void_p),
        ("strides", c_void_p),
        ("suboffsets", c_void_p),
        ("internal", c_void_p),
    ]


_PyObject_GetBuffer = ctypes.pythonapi.PyObject_GetBuffer
_PyObject_GetBuffer.argtypes = [py_object, POINTER(_PyBuffer), c_int]
_PyObject_GetBuffer.restype = c_int
_PyBuffer_Release = ctypes.pythonapi.PyBuffer_Release
_PyBuffer_Release.argtypes = [POINTER(_PyBuffer)]
_PyBuffer_Release.restype = None
_PyBUF_SIMPLE = 0

BufferArg = Union[bytes, int, None]


@contextlib.contextmanager
def buffer_of(data: Any, what: str = "data") -> Iterator[Tuple[BufferArg, int]]:
    """The address and length of a bytes-like object's memory, without copying.

    Yields (pointer argument, length) for a ``c_void_p`` parameter: the bytes
    object itself for ``bytes``, else the address of the exporter's memory
    (``bytearray``, ``memoryview``, ``mmap``, ``array.array``, numpy arrays:
    anything with the buffer protocol, C-contiguous). The buffer is held
    exported until the block ends, so a bytearray cannot be resized nor an
    mmap closed while the library reads it with the GIL released.
    """
    if isinstance(data, bytes):
        yield data, len(data)
        return
    if isinstance(data, str):
        raise TypeError("%s must be a bytes-like object, not str (encode it first)" % what)
    view = _PyBuffer()
    try:
        _PyObject_GetBuffer(data, ctypes.byref(view), _PyBUF_SIMPLE)
    except BufferError as e:
        raise BufferError("%s: %s" % (what, e)) from None
    try:
        yield (view.buf if view.len else None), int(view.len)
    finally:
        _PyBuffer_Release(ctypes.byref(view))
