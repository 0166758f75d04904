"""Reference backend holding region bytes in process memory (the original's ``InMemoryBackend``)."""

from __future__ import annotations

import threading
from typing import Dict, Iterable, List, Optional, Tuple

from ..errors import InvalidRegionError
from ..region import MemoryRegion, RegionSnapshot, _content_size
from .base import AttestationBackend

__all__ = ["InMemoryBackend"]


class InMemoryBackend(AttestationBackend):
    """Regions registered by the caller, for tests, tutorials and hand-fed content.

    Fixed against the original:

    * region ids are scoped per workload: registering ``"w0"`` under two
      workloads keeps two regions (the original shared and overwrote one);
    * content must be exactly ``region.size`` bytes, at ``register`` and at
      ``update`` (:class:`InvalidRegionError` otherwise), and regions are
      checked to be well-formed (``MemoryRegion.validate``);
    * the content is copied (``bytes(content)``) so the bytes measured are the
      bytes registered, and every method is thread-safe.

    ``update(region_id, content)`` and ``snapshot(region)`` work as before when
    the id is registered in one workload; when several workloads use it, pass
    ``workload_id=``.
    """

    name = "in-memory"
    platform = "in-memory"

    def __init__(self) -> None:
        self._lock = threading.RLock()
        # workload id -> region id -> (region, content); dicts keep registration order.
        self._workloads: Dict[str, Dict[str, Tuple[MemoryRegion, bytes]]] = {}

    # ---- registration ----
    def register(self, workload_id: str, region: MemoryRegion, content) -> None:
        """Registers (or re-registers, replacing) a region of a workload with its bytes."""
        if not isinstance(region, MemoryRegion):
            raise InvalidRegionError(f"region must be a MemoryRegion, not {type(region).__name__}")
        region.validate()
        if not isinstance(workload_id, str) or not workload_id:
            raise InvalidRegionError(f"workload_id must be a non-empty str, got {workload_id!r}")
        data = self._checked(region, content)
        with self._lock:
            self._workloads.setdefault(workload_id, {})[region.region_id] = (region, data)

    def update(self, region_id: str, new_content, workload_id: Optional[str] = None) -> None:
        """Replaces a registered region's bytes (same size as the region)."""
        with self._lock:
            wid = self._workload_of(region_id, workload_id, f"no region with id {region_id}")
            region, _ = self._workloads[wid][region_id]
            self._workloads[wid][region_id] = (region, self._checked(region, new_content))

    def unregister(self, workload_id: str, region_id: str) -> None:
        with self._lock:
            regions = self._workloads.get(workload_id, {})
            if region_id not in regions:
                raise InvalidRegionError(f"no region with id {region_id} in workload {workload_id}")
            del regions[region_id]
            if not regions:
                del self._workloads[workload_id]

    # ---- the backend interface ----
    def list_regions(self, workload_id: str) -> List[MemoryRegion]:
        with self._lock:
            return [r for r, _ in self._workloads.get(workload_id, {}).values()]

    def snapshot(self, region: MemoryRegion, workload_id: Optional[str] = None) -> RegionSnapshot:
        content = self._content(region, workload_id)
        return RegionSnapshot.create(region.region_id, content)

    def read_region(self, workload_id: str, region: MemoryRegion) -> Iterable[object]:
        return (self._content(region, workload_id),)

    # ---- internals ----
    @staticmethod
    def _checked(region: MemoryRegion, content) -> bytes:
        try:
            size = _content_size(content)
        except TypeError as e:
            raise InvalidRegionError(str(e)) from None
        if size != region.size:
            raise InvalidRegionError(
                f"region {region.region_id}: content is {size} bytes but the region's size is "
                f"{region.size}"
            )
        return bytes(content)

    def _workload_of(self, region_id: str, workload_id: Optional[str], missing: str) -> str:
        if workload_id is not None:
            if region_id not in self._workloads.get(workload_id, {}):
                raise InvalidRegionError(f"{missing} in workload {workload_id}")
            return workload_id
        owners = [w for w, regions in self._workloads.items() if region_id in regions]
        if not owners:
            raise InvalidRegionError(missing)
        if len(owners) > 1:
            raise InvalidRegionError(
                f"region {region_id} is registered in several workloads "
                f"({', '.join(sorted(owners))}): pass workload_id="
            )
        return owners[0]

    def _content(self, region: MemoryRegion, workload_id: Optional[str]) -> bytes:
        region_id = getattr(region, "region_id", None)
        with self._lock:
            wid = self._workload_of(region_id, workload_id, f"region {region_id} not registered")
            registered, content = self._workloads[wid][region_id]
        if registered != region:
            raise InvalidRegionError(
                f"region {region_id} does not match the registered region "
                f"(registered {registered!r}, asked for {region!r})"
            )
        return content
