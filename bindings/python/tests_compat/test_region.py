"""The original's tests/test_region.py (3 tests), ported unchanged."""

import hashlib

from pqc_hypervisor_attestation import MemoryRegion, RegionSnapshot


def test_snapshot_hash_is_deterministic():
    data = b"model weights" * 10
    a = RegionSnapshot.create("r", data)
    b = RegionSnapshot.create("r", data)
    assert a.content_hash == b.content_hash
    assert a.size == len(data)
    # Still SHA3-256 of the exact bytes, as in the original.
    assert a.content_hash == hashlib.sha3_256(data).hexdigest()
    assert RegionSnapshot.hash_bytes(data) == a.content_hash


def test_snapshot_hash_changes_with_content():
    assert RegionSnapshot.create("r", b"aaaa").content_hash != RegionSnapshot.create("r", b"aaab").content_hash


def test_memory_region_roundtrip():
    region = MemoryRegion("model-weights-0", "weights", 0x1000, 128, "RO")
    assert MemoryRegion(**region.to_dict()) == region
    assert list(region.to_dict()) == ["region_id", "description", "address", "size", "protection"]
