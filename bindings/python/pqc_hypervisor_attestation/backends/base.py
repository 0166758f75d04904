"""The backend interface (the original's ``backends/base.py``), served to libpqcha."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Iterable, List

from ..errors import BackendError
from ..region import MemoryRegion, RegionSnapshot

__all__ = ["AttestationBackend"]


class AttestationBackend(ABC):
    """Subclass and implement ``list_regions`` and ``snapshot`` (as in the original).

    The attester does not trust a backend's own hashing: ``ContinuousAttester``
    hands the backend to libpqcha's attester (as a :class:`pqcha.PythonBackend`),
    which lists the regions with ``list_regions`` and measures their bytes
    itself. The bytes come from :meth:`read_region`; its default takes the
    content that ``snapshot(region)`` fingerprinted, so a ``snapshot`` must
    return ``RegionSnapshot.create(region.region_id, content)``. A backend that
    can stream (e.g. a large mapping) overrides ``read_region`` to yield
    chunks instead. The content must be exactly ``region.size`` bytes.

    Class attributes: ``name`` and ``platform`` (recorded in every report; a
    pqcha identifier — when empty, ``name`` or ``"custom"`` is used).
    Unless ``concurrent_reads`` is True, libpqcha never reads two regions of
    this backend at once.
    """

    name: str = ""
    platform: str = ""
    concurrent_reads: bool = False

    @abstractmethod
    def list_regions(self, workload_id: str) -> List[MemoryRegion]:
        """The workload's regions, in a stable order (unknown workload: ``[]``)."""

    @abstractmethod
    def snapshot(self, region: MemoryRegion) -> RegionSnapshot:
        """A fresh SHA3-256 snapshot of the region (``RegionSnapshot.create``)."""

    def read_region(self, workload_id: str, region: MemoryRegion) -> Iterable[object]:
        """The region's bytes, as one or more bytes-like chunks (``region.size`` bytes in all)."""
        snap = self.snapshot(region)
        content = getattr(snap, "_content", None)
        if content is None:
            raise BackendError(
                f"{type(self).__name__}.snapshot({region.region_id!r}) returned a snapshot without "
                "content: the signer must measure what it signs, so return "
                "RegionSnapshot.create(region_id, content) or override read_region() to yield the bytes"
            )
        if snap.region_id != region.region_id:
            raise BackendError(
                f"{type(self).__name__}.snapshot({region.region_id!r}) returned a snapshot of "
                f"region {snap.region_id!r}"
            )
        return (content,)

    # ---- libpqcha ----
    def _reported_platform(self) -> str:
        return self.platform or self.name or "custom"

    def _pqcha_backend(self):
        """The pqcha backend the attester measures through (a PythonBackend adapter)."""
        from ._adapter import adapter_for

        return adapter_for(self)
