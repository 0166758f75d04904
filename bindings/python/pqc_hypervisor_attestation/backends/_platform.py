"""The SEV-SNP and TDX names, mapped to libpqcha's platform backends."""

from __future__ import annotations

from typing import List, Optional

import pqcha

from ..errors import BackendError, InvalidRegionError
from ..region import MemoryRegion, RegionSnapshot
from .base import AttestationBackend


class _PlatformBackend(AttestationBackend):
    """Common code of AMDSEVSNPBackend and IntelTDXBackend.

    libpqcha registers "amd-sev-snp" and "intel-tdx" as backend names for
    configurations written against the original package, and fails closed
    (DEVICE_NOT_PRESENT): hardware evidence vouches for the VM and binds a
    report, it is not a source of memory regions. So, like the original's
    stubs, ``list_regions`` and ``snapshot`` raise :class:`BackendError` —
    with libpqcha's reason chained — rather than produce reports that look
    hardware-backed but are not. Measure regions with a file or process
    backend (``pqcha.ProcessBackend``) and add the TEE's evidence with
    ``pqcha.Attester(..., evidence=...)``. A subclass that overrides
    ``list_regions`` and ``snapshot``/``read_region`` is served through the
    Python backend adapter like any other AttestationBackend.
    """

    _pqcha_name = ""
    _default_device = ""

    def __init__(self, device_path: Optional[str] = None) -> None:
        self.device_path = device_path if device_path is not None else self._default_device
        self._native = None

    def _native_backend(self) -> "pqcha.Backend":
        if self._native is None:
            self._native = pqcha.PlatformBackend(self._pqcha_name)
        return self._native

    def _fail(self, what: str, err: Exception) -> BackendError:
        return BackendError(
            f"{type(self).__name__}.{what}: {err} ({self.device_path}). libpqcha does not read memory "
            "regions through the TEE device: measure them with a file or process backend "
            "(pqcha.ProcessBackend) and attach the TEE's evidence with pqcha.Attester(evidence=...)"
        )

    def list_regions(self, workload_id: str) -> List[MemoryRegion]:
        try:
            regions = self._native_backend().list_regions(workload_id)
        except pqcha.PqchaError as e:
            raise self._fail("list_regions", e) from e
        return [
            MemoryRegion(r.id, r.description, r.address, r.size, r.protection) for r in regions
        ]

    def snapshot(self, region: MemoryRegion, workload_id: Optional[str] = None) -> RegionSnapshot:
        if not isinstance(region, MemoryRegion):
            raise InvalidRegionError(f"region must be a MemoryRegion, not {type(region).__name__}")
        try:
            digest = self._native_backend().digest(
                workload_id or "default", region._to_pqcha(), "sha3-256"
            )
        except pqcha.PqchaError as e:
            raise self._fail("snapshot", e) from e
        from .._util import format_timestamp, now_seconds

        return RegionSnapshot(region.region_id, digest.hex(), region.size, format_timestamp(now_seconds()))

    def _pqcha_backend(self):
        cls = type(self)
        overridden = (
            cls.list_regions is not _PlatformBackend.list_regions
            or cls.snapshot is not _PlatformBackend.snapshot
            or cls.read_region is not AttestationBackend.read_region
        )
        if overridden:
            return super()._pqcha_backend()
        return self._native_backend()
