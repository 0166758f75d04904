"""Serves an AttestationBackend to libpqcha's custom-backend interface (pqcha.PythonBackend)."""

from __future__ import annotations

import threading
import weakref
from typing import Dict, Iterator, Tuple

import pqcha

from ..errors import BackendError, InvalidRegionError
from ..region import MemoryRegion

_CHUNK = 4 << 20  # hand libpqcha at most 4 MiB per call (views: no copy)

_classes: Dict[Tuple[str, bool], type] = {}
_classes_lock = threading.Lock()
_adapters_lock = threading.Lock()


class _AdapterBase(pqcha.PythonBackend):
    name = "pqc-hypervisor-attestation"
    platform = "custom"
    concurrent_reads = False

    def __init__(self, backend) -> None:
        super().__init__()
        self._backend_ref = weakref.ref(backend)
        self._listed: Dict[Tuple[str, str], MemoryRegion] = {}
        self._listed_lock = threading.Lock()

    def _backend(self):
        b = self._backend_ref()
        if b is None:
            raise BackendError("the backend was garbage-collected")
        return b

    def list_regions(self, workload_id):
        backend = self._backend()
        regions = backend.list_regions(workload_id)
        out = []
        listed = {}
        for r in regions:
            if not isinstance(r, MemoryRegion):
                raise InvalidRegionError(
                    f"{type(backend).__name__}.list_regions() returned {type(r).__name__}, "
                    "not a MemoryRegion"
                )
            out.append(r._to_pqcha())
            listed[(workload_id, r.region_id)] = r
        with self._listed_lock:
            for k in [k for k in self._listed if k[0] == workload_id]:
                del self._listed[k]
            self._listed.update(listed)
        return out

    def read_region(self, workload_id, region) -> Iterator[object]:
        backend = self._backend()
        with self._listed_lock:
            mem = self._listed.get((workload_id, region.id))
        if mem is None:
            raise InvalidRegionError(f"region {region.id} not listed for workload {workload_id}")
        for chunk in backend.read_region(workload_id, mem):
            view = memoryview(chunk).cast("B")
            n = view.nbytes
            if n <= _CHUNK:
                yield view
            else:
                for off in range(0, n, _CHUNK):
                    yield view[off:off + _CHUNK]


def _adapter_class(platform: str, concurrent: bool) -> type:
    with _classes_lock:
        cls = _classes.get((platform, concurrent))
        if cls is None:
            cls = type(
                "AttestationBackendAdapter",
                (_AdapterBase,),
                {"platform": platform, "concurrent_reads": bool(concurrent)},
            )
            _classes[(platform, concurrent)] = cls
        return cls


def adapter_for(backend):
    """One adapter per backend object (and platform), kept on the backend while it lives."""
    platform = backend._reported_platform()
    concurrent = bool(getattr(backend, "concurrent_reads", False))
    with _adapters_lock:
        cached = getattr(backend, "_pqcha_adapter", None)
        if cached is not None and cached.platform == platform and cached.concurrent_reads == concurrent:
            return cached
        adapter = _adapter_class(platform, concurrent)(backend)
        try:
            backend._pqcha_adapter = adapter
        except AttributeError:  # __slots__: make a new one each time
            pass
        return adapter
