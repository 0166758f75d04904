"""The original's tests/test_backends.py (5 tests), ported."""

import pytest

from pqc_hypervisor_attestation import (
    AMDSEVSNPBackend,
    BackendError,
    InMemoryBackend,
    IntelTDXBackend,
    InvalidRegionError,
    MemoryRegion,
)


def test_in_memory_register_list_snapshot():
    backend = InMemoryBackend()
    region = MemoryRegion("r1", "test region", 0x1000, 4, "RO")
    backend.register("w", region, b"abcd")
    assert backend.list_regions("w") == [region]
    snap = backend.snapshot(region)
    assert snap.size == 4
    assert snap.content_hash


def test_in_memory_invalid_region_raises():
    backend = InMemoryBackend()
    region = MemoryRegion("nope", "unregistered", 0, 4)
    with pytest.raises(InvalidRegionError):
        backend.snapshot(region)
    with pytest.raises(InvalidRegionError):
        backend.update("missing", b"x")


def test_sev_snp_list_regions_raises():
    """Still BackendError: libpqcha's "amd-sev-snp" backend fails closed (DEVICE_NOT_PRESENT)
    instead of being a stub; the pqcha error is chained."""
    with pytest.raises(BackendError) as info:
        AMDSEVSNPBackend().list_regions("any")
    assert "AMDSEVSNPBackend" in str(info.value)
    assert getattr(info.value.__cause__, "name", None) == "DEVICE_NOT_PRESENT"


def test_tdx_snapshot_raises():
    region = MemoryRegion("r", "x", 0, 4)
    with pytest.raises(BackendError) as info:
        IntelTDXBackend().snapshot(region)
    assert getattr(info.value.__cause__, "name", None) == "DEVICE_NOT_PRESENT"


def test_workload_isolation():
    backend = InMemoryBackend()
    region = MemoryRegion("r1", "x", 0, 4)
    backend.register("workload-a", region, b"abcd")
    assert backend.list_regions("workload-a") == [region]
    assert backend.list_regions("workload-b") == []
