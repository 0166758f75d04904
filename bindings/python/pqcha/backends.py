"""Backends: where region bytes come from.

Built in: :class:`MemoryBackend` ("in-memory", bytes registered by the
caller), :class:`FileBackend` ("file", a file or a byte range of one),
:class:`ProcessBackend` ("process", a live process's memory by PID) and
:class:`PlatformBackend` ("amd-sev-snp", "intel-tdx"). Written in Python:
subclass :class:`PythonBackend`.

A backend lists a workload's regions (:class:`Region`) and streams a
region's bytes in chunks; :meth:`Backend.digest` hashes one region, the
:class:`pqcha.Attester` measures them all and signs.
"""

from __future__ import annotations

import ctypes
import os
import threading
import weakref
from ctypes import POINTER, c_int, c_size_t, c_void_p
from dataclasses import dataclass
from typing import Any, Iterable, List, Optional, Tuple, Union

from . import _lib
from ._handle import Handle, buffer_of, check
from .errors import Code, PqchaError, error_for

__all__ = [
    "Region",
    "Backend",
    "MemoryBackend",
    "FileBackend",
    "ProcessBackend",
    "PlatformBackend",
    "PythonBackend",
    "backend_names",
    "process_mapped_files",
]

_L = _lib.lib
_MAX_REGIONS = 65536

PathArg = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]


@dataclass(frozen=True)
class Region:
    """A named range of memory.

    ``id``: 1-256 bytes of UTF-8 without control characters, unique within a
    workload. ``size`` in bytes; ``address`` informational (a process
    backend's virtual address, a file backend's offset); ``protection`` one of
    "R", "RO", "RW", "RX". ``mapped_file``/``file_offset``: for a mapping of a
    file, the file's path and the offset the mapping starts at. The library
    checks every field when a region is registered or listed.
    """

    id: str
    size: int
    description: str = ""
    address: int = 0
    protection: str = "RO"
    mapped_file: Optional[str] = None
    file_offset: int = 0


def backend_names() -> Tuple[str, ...]:
    """The built-in backends' registry names: "in-memory", "file", "amd-sev-snp", "intel-tdx", "process"."""
    return tuple(_lib.backend_names())


def _protection(name: str) -> int:
    out = c_int(0)
    check(
        _L.pqcha_protection_parse(ctypes.byref(out), _lib.cstr(name, "protection")),
        "protection %r (one of R, RO, RW, RX)" % (name,),
    )
    return out.value


def _uint(value: int, what: str) -> int:
    value = int(value)
    if value < 0 or value > 0xFFFFFFFFFFFFFFFF:
        raise ValueError("%s must be an integer from 0 to 2^64-1" % what)
    return value


def region_to_c(region: Region) -> int:
    """A new library region (owned by the caller: free it, or hand it to the library)."""
    if not isinstance(region, Region):
        raise TypeError("expected a pqcha.Region, not %s" % type(region).__name__)
    out = c_void_p()
    check(
        _L.pqcha_region_create(
            ctypes.byref(out),
            _lib.cstr(region.id, "region id"),
            _lib.cstr(region.description or "", "description"),
            _uint(region.address, "address"),
            _uint(region.size, "size"),
            _protection(region.protection),
        ),
        "region %r" % (region.id,),
    )
    ptr = out.value
    if region.mapped_file is not None:
        err = _L.pqcha_region_set_mapping(
            ptr, _lib.cpath(region.mapped_file), _uint(region.file_offset, "file_offset")
        )
        if err != 0:
            _L.pqcha_region_free(ptr)
            check(err, "region %r mapped file" % (region.id,))
    return ptr


def region_from_c(ptr: int) -> Region:
    """A library region's fields as a Region."""
    mapped = _L.pqcha_region_mapped_file(ptr)
    return Region(
        id=_lib.text(_L.pqcha_region_id(ptr)),
        size=int(_L.pqcha_region_size(ptr)),
        description=_lib.text(_L.pqcha_region_description(ptr)),
        address=int(_L.pqcha_region_address(ptr)),
        protection=_lib.text(_L.pqcha_protection_name(_L.pqcha_region_protection(ptr))),
        mapped_file=os.fsdecode(mapped) if mapped is not None else None,
        file_offset=int(_L.pqcha_region_file_offset(ptr)),
    )


class _RegionList:
    """The regions pqcha_backend_list_regions returned, freed on exit."""

    def __init__(self, backend: "Backend", handle: int, workload_id: str) -> None:
        self.array = POINTER(c_void_p)()
        self.count = c_size_t(0)
        backend._clear_pending()
        err = _L.pqcha_backend_list_regions(
            handle, _lib.cstr(workload_id, "workload id"), ctypes.byref(self.array), ctypes.byref(self.count)
        )
        backend._raise_failure(err, "listing the regions of workload %r" % (workload_id,))

    def __enter__(self) -> "_RegionList":
        return self

    def __exit__(self, *exc: object) -> None:
        _L.pqcha_region_list_free(self.array, self.count.value)
        self.array = POINTER(c_void_p)()
        self.count = c_size_t(0)

    def pointers(self) -> List[int]:
        return [self.array[i] for i in range(self.count.value)]


class Backend(Handle):
    """A libpqcha backend: lists a workload's regions and streams their bytes.

    ``Backend(name)`` makes a built-in backend by registry name (see
    :func:`backend_names`); the subclasses below do it for each. A backend may
    be shared by several attesters; it stays alive as long as any of them does,
    whatever is closed first.
    """

    _kind = "Backend"

    def __init__(self, name: str) -> None:
        out = c_void_p()
        check(_L.pqcha_backend_create(ctypes.byref(out), _lib.cstr(name, "backend name")), "backend %r" % (name,))
        self._init_handle(out.value, _L.pqcha_backend_free)
        self._init_backend()

    def _init_backend(self) -> None:
        self._pending_lock = threading.Lock()
        self._pending: Optional[BaseException] = None

    # -- a Python backend's exceptions, carried across the C call ------------------------

    def _clear_pending(self) -> None:
        lock = getattr(self, "_pending_lock", None)
        if lock is not None:
            with lock:
                self._pending = None

    def _set_pending(self, exc: BaseException) -> None:
        with self._pending_lock:
            if self._pending is None:
                self._pending = exc

    def _take_pending(self) -> Optional[BaseException]:
        lock = getattr(self, "_pending_lock", None)
        if lock is None:
            return None
        with lock:
            exc, self._pending = self._pending, None
        return exc

    def _failure(self, err: int, detail: Optional[str] = None) -> BaseException:
        """The exception for a failed call that used this backend."""
        pending = self._take_pending()
        return failure_with(err, pending, detail)

    def _raise_failure(self, err: int, detail: Optional[str] = None) -> None:
        if err != 0:
            raise self._failure(err, detail)
        self._take_pending()

    # -- properties -----------------------------------------------------------------------

    @property
    def name(self) -> str:  # type: ignore[override]
        """The backend's registry name, e.g. "file"."""
        with self._use() as b:
            return _lib.text(_L.pqcha_backend_name(b))

    @property
    def platform(self) -> str:  # type: ignore[override]
        """The platform written into reports, e.g. "file"."""
        with self._use() as b:
            return _lib.text(_L.pqcha_backend_platform(b))

    @property
    def reads_concurrently(self) -> bool:
        """True when the library may read several regions at once (CONCURRENT_READS)."""
        with self._use() as b:
            return bool(_L.pqcha_backend_flags(b) & _lib.PQCHA_BACKEND_CONCURRENT_READS)

    # -- regions ----------------------------------------------------------------------------

    def list_regions(self, workload_id: str) -> List[Region]:
        """The workload's regions, in the backend's stable order ([] for an unknown workload)."""
        with self._use() as b, _RegionList(self, b, workload_id) as regions:
            return [region_from_c(p) for p in regions.pointers()]

    def digest(
        self,
        workload_id: str,
        region: Union[Region, str],
        algorithm: str = "sha3-256",
        threads: int = 1,
    ) -> bytes:
        """Streams one region (by Region or id) through a digest, GIL released.

        Raises BackendError (NO_SUCH_REGION) when the workload lists no region of
        that id, and the backend's own errors (REGION_CHANGED, PERMISSION, ...).
        """
        from .digest import _alg, _threads

        region_id = region.id if isinstance(region, Region) else region
        if not isinstance(region_id, str):
            raise TypeError("region must be a Region or a region id")
        alg = _alg(algorithm)
        size = int(_L.pqcha_digest_alg_length(alg))
        out = ctypes.create_string_buffer(size)
        wid = _lib.cstr(workload_id, "workload id")
        with self._use() as b, _RegionList(self, b, workload_id) as regions:
            target = None
            for p in regions.pointers():
                if _lib.text(_L.pqcha_region_id(p)) == region_id:
                    target = p
                    break
            if target is None:
                raise error_for(Code.NO_SUCH_REGION, "workload %r has no region %r" % (workload_id, region_id))
            self._clear_pending()
            err = _L.pqcha_backend_digest(b, wid, target, alg, _threads(threads), out, size)
            self._raise_failure(err, "region %r" % (region_id,))
        return out.raw

    def hexdigest(
        self, workload_id: str, region: Union[Region, str], algorithm: str = "sha3-256", threads: int = 1
    ) -> str:
        """:meth:`digest` as lowercase hex."""
        return self.digest(workload_id, region, algorithm, threads).hex()

    def __repr__(self) -> str:
        if self.closed:
            return "<pqcha.%s closed>" % type(self).__name__
        return "<pqcha.%s %s>" % (type(self).__name__, self.name)


def failure_with(err: int, pending: Optional[BaseException], detail: Optional[str] = None) -> BaseException:
    """The exception for a failed library call, given what a Python backend raised (if anything)."""
    if pending is None:
        return error_for(err, detail)
    if isinstance(pending, (KeyboardInterrupt, SystemExit)):
        return pending
    if isinstance(pending, PqchaError) and int(pending.code) == int(err):
        return pending
    exc = error_for(err, "%s: %s" % (type(pending).__name__, pending) if str(pending) else type(pending).__name__)
    exc.__cause__ = pending
    return exc


class MemoryBackend(Backend):
    """The "in-memory" backend: regions whose bytes the caller registers (copied).

    Thread-safe: bytes may be updated while an attester reads them.
    """

    def __init__(self) -> None:
        super().__init__("in-memory")

    def register(self, workload_id: str, region: Union[Region, str], data: Any) -> Region:
        """Adds a region of the workload with a copy of data (len(data) must equal region.size).

        region may be a Region or just an id (then a Region of len(data) bytes).
        Raises BackendError (REGION_EXISTS) for an id the workload has,
        ArgumentError (INVALID_ARGUMENT) for a length that is not the size.
        """
        with buffer_of(data, "data") as (ptr, length):
            if isinstance(region, str):
                region = Region(id=region, size=length)
            handle = region_to_c(region)
            try:
                with self._use() as b:
                    err = _L.pqcha_memory_backend_register(
                        b, _lib.cstr(workload_id, "workload id"), handle, ptr, length
                    )
            finally:
                _L.pqcha_region_free(handle)
        if err == Code.INVALID_ARGUMENT and length != region.size:
            check(err, "region %r is %d bytes, data %d" % (region.id, region.size, length))
        check(err, "region %r" % (region.id,))
        return region

    def update(self, workload_id: str, region_id: str, data: Any) -> None:
        """Replaces a region's bytes (same length). BackendError (NO_SUCH_REGION) if unknown."""
        with self._use() as b, buffer_of(data, "data") as (ptr, length):
            err = _L.pqcha_memory_backend_update(
                b, _lib.cstr(workload_id, "workload id"), _lib.cstr(region_id, "region id"), ptr, length
            )
        check(err, "region %r" % (region_id,))


class FileBackend(Backend):
    """The "file" backend: a file, or a byte range of one, read again at every digest.

    Reads may run concurrently (the attester's threads read the parts they hash).
    """

    def __init__(self) -> None:
        super().__init__("file")

    def add(
        self,
        workload_id: str,
        region_id: str,
        path: PathArg,
        offset: int = 0,
        length: Optional[int] = None,
    ) -> None:
        """Adds a region: length bytes of path from offset (None or 0: to the end).

        The file is opened and checked now: FileError (NOT_FOUND, IS_DIRECTORY),
        BackendError (PERMISSION, BACKEND_IO), FormatError (OUT_OF_RANGE when
        the range lies beyond the end), BackendError (REGION_EXISTS).
        """
        p = _lib.cpath(path)
        with self._use() as b:
            err = _L.pqcha_file_backend_add(
                b,
                _lib.cstr(workload_id, "workload id"),
                _lib.cstr(region_id, "region id"),
                p,
                _uint(offset, "offset"),
                _uint(length or 0, "length"),
            )
        check(err, os.fsdecode(p))


def process_mapped_files(pid: int) -> List[str]:
    """The distinct files process pid maps (" (deleted)" after files gone from disk).

    Paths are the kernel's: untrusted text. Raises BackendError
    (NO_SUCH_PROCESS, PERMISSION).
    """
    out = c_void_p()
    check(_L.pqcha_process_mapped_files(ctypes.byref(out), int(pid)), "pid %d" % int(pid))
    if not out.value:
        return []
    try:
        raw = ctypes.string_at(out.value)
    finally:
        _L.pqcha_free(out)
    return [os.fsdecode(line) for line in raw.split(b"\n") if line]


class ProcessBackend(Backend):
    """The "process" backend: regions of a live process's memory, by PID (Linux).

    Each add call reads /proc/PID/maps now; the bytes are read at every digest
    with process_vm_readv and the mapping checked again after the read. Needs
    the same uid (or CAP_SYS_PTRACE) and a permitting kernel.yama.ptrace_scope.
    A PID reused by another process reads as BackendError (NO_SUCH_PROCESS).
    """

    def __init__(self) -> None:
        super().__init__("process")
        self._manifest: Any = None

    def _add_failed(self, err: int, what: str) -> None:
        if err == 0:
            return
        unusable = self.unusable()
        detail = what
        if unusable:
            detail += "; " + ", ".join("%s (%s)" % (path, e.name) for path, e in unusable[:5])
        raise error_for(err, detail)

    def add_mappings(self, workload_id: str, pid: int, pattern: str, region_id: Optional[str] = None) -> None:
        """Every mapping whose file matches an fnmatch glob.

        A glob with '/' matches the whole path ("/models/llama*"), one without
        the base name ("model.gguf", "*.gguf"). region_id None: the manifest
        entry's name when a manifest describes the file, else the base name.
        BackendError (NO_SUCH_REGION) when nothing matches.
        """
        with self._use() as b:
            err = _L.pqcha_process_backend_add_mappings(
                b,
                _lib.cstr(workload_id, "workload id"),
                int(pid),
                _lib.cstr(pattern, "pattern"),
                _lib.cstr(region_id, "region id") if region_id is not None else None,
            )
        self._add_failed(err, "pid %d, mappings %r" % (int(pid), pattern))

    def add_file(self, workload_id: str, pid: int, path: PathArg, region_id: Optional[str] = None) -> None:
        """Every mapping of the file at path, found by device and inode (symlinks, containers)."""
        p = _lib.cpath(path)
        with self._use() as b:
            err = _L.pqcha_process_backend_add_file(
                b,
                _lib.cstr(workload_id, "workload id"),
                int(pid),
                p,
                _lib.cstr(region_id, "region id") if region_id is not None else None,
            )
        self._add_failed(err, "pid %d, file %s" % (int(pid), os.fsdecode(p)))

    def add_range(
        self, workload_id: str, pid: int, address: int, length: int, region_id: Optional[str] = None
    ) -> None:
        """length bytes from address, wholly inside readable mappings; id default "range-0x<address>"."""
        with self._use() as b:
            err = _L.pqcha_process_backend_add_range(
                b,
                _lib.cstr(workload_id, "workload id"),
                int(pid),
                _uint(address, "address"),
                _uint(length, "length"),
                _lib.cstr(region_id, "region id") if region_id is not None else None,
            )
        check(err, "pid %d, range 0x%x+%d" % (int(pid), int(address), int(length)))

    def add_readonly_files(self, workload_id: str, pid: int) -> None:
        """Every read-only file-backed mapping, one region per file.

        Mappings that cannot be used are skipped and listed by :meth:`unusable`;
        BackendError (NO_SUCH_REGION) when none is usable.
        """
        with self._use() as b:
            err = _L.pqcha_process_backend_add_readonly_files(b, _lib.cstr(workload_id, "workload id"), int(pid))
        self._add_failed(err, "pid %d, read-only files" % int(pid))

    def set_manifest(self, manifest: Any) -> None:
        """Tensor tables for mapped model files from a :class:`pqcha.Manifest` (None: drop it).

        Call before adding regions. The backend keeps the manifest alive.
        """
        from .manifest import Manifest

        if manifest is not None and not isinstance(manifest, Manifest):
            raise TypeError("manifest must be a pqcha.Manifest or None")
        with self._use() as b:
            if manifest is None:
                check(_L.pqcha_process_backend_set_manifest(b, None))
            else:
                with manifest._use() as m:
                    check(_L.pqcha_process_backend_set_manifest(b, m))
                # The library borrows it: pin it for the backend's life.
                self._retain(manifest)
        self._manifest = manifest

    def set_tensor_tables(self, enabled: bool) -> None:
        """False: measure every mapping as a whole (no tensor tables). Call before adding."""
        with self._use() as b:
            check(_L.pqcha_process_backend_set_tensor_tables(b, 1 if enabled else 0))

    def tensor_note(self, workload_id: str, region_id: str) -> Optional[str]:
        """Why a region has no tensor table although tables are enabled, or None."""
        with self._use() as b:
            return _lib.opt_text(
                _L.pqcha_process_backend_tensor_note(
                    b, _lib.cstr(workload_id, "workload id"), _lib.cstr(region_id, "region id")
                )
            )

    def unusable(self) -> List[Tuple[str, PqchaError]]:
        """The mappings the last add call could not use: (path, the error), paths untrusted."""
        out = []
        with self._use() as b:
            for i in range(_L.pqcha_process_backend_unusable_count(b)):
                path = _L.pqcha_process_backend_unusable_path(b, i)
                err = _L.pqcha_process_backend_unusable_error(b, i)
                out.append((os.fsdecode(path or b""), error_for(err, os.fsdecode(path or b""))))
        return out


class PlatformBackend(Backend):
    """A confidential-computing platform backend: "amd-sev-snp" or "intel-tdx".

    Their regions come from the platform device; without it every call is
    BackendError (DEVICE_NOT_PRESENT). For hardware evidence inside reports,
    see :class:`pqcha.EvidenceSource`.
    """

    PLATFORMS = ("amd-sev-snp", "intel-tdx")

    def __init__(self, platform: str) -> None:
        if platform not in self.PLATFORMS:
            raise error_for(Code.UNKNOWN_BACKEND, "%r is not a platform backend (%s)" % (platform, ", ".join(self.PLATFORMS)))
        super().__init__(platform)


# ---- backends written in Python -----------------------------------------------------------

_OK = 0


def _error_code_of(exc: BaseException) -> int:
    if isinstance(exc, PqchaError) and 0 < int(exc.code) < 0x7FFFFFFF:
        return int(exc.code)
    return int(Code.BACKEND_IO)


class PythonBackend(Backend):
    """A backend written in Python, run by the C core through its custom-backend interface.

    Subclass it and implement::

        def list_regions(self, workload_id: str) -> Iterable[Region]: ...
        def read_region(self, workload_id: str, region: Region) -> Iterable[bytes-like]: ...

    ``read_region`` yields the region's bytes in chunks (any bytes-like objects,
    passed to the library in place); exactly ``region.size`` bytes in all, or
    the read fails with BackendError (REGION_CHANGED). An unknown workload lists
    no regions. An exception raised in either method fails the library call, and
    the caller (``Attester.attest``, ``Backend.digest``...) raises
    :class:`pqcha.BackendError` (BACKEND_IO) chained from it (``raise ... from``);
    a :class:`pqcha.PqchaError` raised there keeps its own code and is re-raised
    as is; KeyboardInterrupt and SystemExit propagate unchanged.

    Class attributes (or instance attributes set before first use):

    * ``name`` — the registry name (default "python");
    * ``platform`` — written into every report (default "python"; an identifier);
    * ``concurrent_reads`` — False (default): the methods are never called
      concurrently, whatever threads the attester uses; True: ``read_region``
      may run on several threads at once (the attester then hashes small
      regions in parallel).

    The Python backend is created in the library on first use, so a subclass's
    ``__init__`` need not call ``super().__init__()``.
    """

    name: str = "python"  # type: ignore[assignment]
    platform: str = "python"  # type: ignore[assignment]
    concurrent_reads: bool = False

    def __new__(cls, *args: Any, **kwargs: Any) -> "PythonBackend":
        self = super().__new__(cls)
        self._init_handle(None, _L.pqcha_backend_free)
        self._init_backend()
        self._create_lock = threading.Lock()
        self._serial = threading.RLock()
        self._ops: Optional[_lib.BackendOps] = None
        return self

    def __init__(self) -> None:
        pass

    # -- the methods to implement ------------------------------------------------------

    def list_regions(self, workload_id: str) -> List[Region]:  # type: ignore[override]
        """Override: the workload's regions, in a stable order."""
        raise NotImplementedError("%s must implement list_regions()" % type(self).__name__)

    def read_region(self, workload_id: str, region: Region) -> Iterable[Any]:
        """Override: yield the region's bytes in chunks."""
        raise NotImplementedError("%s must implement read_region()" % type(self).__name__)

    # -- the library side --------------------------------------------------------------------

    def _acquire(self) -> int:
        if self._ptr is None and not self._closed:
            self._create()
        return super()._acquire()

    def _create(self) -> None:
        with self._create_lock:
            if self._ptr is not None or self._closed:
                return
            ref = weakref.ref(self)
            name = _lib.cstr(self.name, "name")
            platform = _lib.cstr(self.platform, "platform")
            ops = _lib.BackendOps()
            ops.name = name
            ops.platform = platform
            ops.list_regions = _lib.LIST_REGIONS_FN(_make_list_callback(ref))
            ops.read_region = _lib.READ_REGION_FN(_make_read_callback(ref))
            ops.destroy = _lib.DESTROY_FN()
            ops.flags = _lib.PQCHA_BACKEND_CONCURRENT_READS if self.concurrent_reads else 0
            out = c_void_p()
            check(
                _L.pqcha_backend_create_custom(ctypes.byref(out), ctypes.byref(ops), None),
                "Python backend %s (platform %r)" % (type(self).__name__, self.platform),
            )
            # ops (and the callbacks and strings it points at) must outlive the C backend:
            # the C backend is freed by close() before this object is.
            self._ops = ops
            self._ptr = out.value

    def _serialised(self) -> Any:
        """A lock around the user's methods unless concurrent_reads says otherwise."""
        return _NullContext() if self.concurrent_reads else self._serial

    def __repr__(self) -> str:
        return "<pqcha.PythonBackend %s name=%r platform=%r%s>" % (
            type(self).__name__,
            self.name,
            self.platform,
            " closed" if self.closed else "",
        )


class _NullContext:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _make_list_callback(ref: "weakref.ReferenceType[PythonBackend]") -> Any:
    def list_regions(_self: Optional[int], workload_id: bytes, regions_pp: Any, count_p: Any) -> int:
        created: List[int] = []
        backend = ref()
        if backend is None:
            return int(Code.BACKEND_IO)
        try:
            wid = workload_id.decode("utf-8", "surrogateescape")
            with backend._serialised():
                items = backend.list_regions(wid)
                for region in items:
                    if len(created) >= _MAX_REGIONS:
                        raise error_for(Code.TOO_LARGE, "more than %d regions" % _MAX_REGIONS)
                    created.append(region_to_c(region))
            if not created:
                return _OK
            n = count_p[0]
            size = ctypes.sizeof(c_void_p) * (n + len(created))
            grown = _lib.libc.realloc(ctypes.cast(regions_pp[0], c_void_p), size)
            if not grown:
                raise MemoryError("growing the region list")
            array = ctypes.cast(grown, POINTER(c_void_p))
            regions_pp[0] = array
            for i, handle in enumerate(created):
                array[n + i] = handle
            count_p[0] = n + len(created)
            created = []
            return _OK
        except BaseException as exc:  # noqa: BLE001 - carried to the caller, never printed
            for handle in created:
                _L.pqcha_region_free(handle)
            try:
                backend._set_pending(exc)
            except BaseException:  # pragma: no cover
                pass
            return _error_code_of(exc)

    return list_regions


def _make_read_callback(ref: "weakref.ReferenceType[PythonBackend]") -> Any:
    def read_region(_self: Optional[int], workload_id: bytes, region_ptr: int, sink: Any, sink_ctx: int) -> int:
        backend = ref()
        if backend is None:
            return int(Code.BACKEND_IO)
        try:
            wid = workload_id.decode("utf-8", "surrogateescape")
            region = region_from_c(region_ptr)
            with backend._serialised():
                chunks = backend.read_region(wid, region)
                try:
                    for chunk in chunks:
                        with buffer_of(chunk, "a chunk from read_region") as (ptr, length):
                            if length == 0:
                                continue
                            rc = sink(sink_ctx, ptr, length)
                        if rc != _OK:
                            return int(rc)
                finally:
                    close = getattr(chunks, "close", None)
                    if close is not None:
                        close()
            return _OK
        except BaseException as exc:  # noqa: BLE001 - carried to the caller, never printed
            try:
                backend._set_pending(exc)
            except BaseException:  # pragma: no cover
                pass
            return _error_code_of(exc)

    return read_region
