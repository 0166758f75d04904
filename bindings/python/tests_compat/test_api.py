"""The original's public surface: names, module layout, exception hierarchy, shapes;
plus the new identity class and Python backends served to libpqcha."""

import dataclasses
import importlib

import pytest

import pqcha
import pqc_hypervisor_attestation as pha
from pqc_hypervisor_attestation import (
    AttestationBackend,
    AttestationReport,
    AttestationVerifier,
    Attester,
    AttesterIdentity,
    BackendError,
    ContinuousAttester,
    HypervisorAttestationError,
    InvalidRegionError,
    MemoryRegion,
    RegionSnapshot,
    VerificationResult,
)

ORIGINAL_ALL = [
    "MemoryRegion", "RegionSnapshot", "AttestationClaim", "AttestationReport", "Attester",
    "AttestationVerifier", "VerificationResult", "ContinuousAttester", "AttestationBackend",
    "InMemoryBackend", "AMDSEVSNPBackend", "IntelTDXBackend", "HypervisorAttestationError",
    "InvalidRegionError", "AttestationVerificationError", "BackendError", "UnknownBackendError",
    "RegionDriftError",
]


def test_public_names_and_modules():
    assert pha.__all__[: len(ORIGINAL_ALL)] == ORIGINAL_ALL
    for name in pha.__all__:
        assert hasattr(pha, name), name
    assert isinstance(pha.__version__, str)
    for mod, names in {
        "region": ["MemoryRegion", "RegionSnapshot"],
        "claim": ["AttestationClaim", "AttestationReport"],
        "signer": ["VerificationResult", "Attester", "AttestationVerifier"],
        "continuous": ["ContinuousAttester"],
        "errors": ["HypervisorAttestationError", "RegionDriftError"],
        "backends.base": ["AttestationBackend"],
        "backends.memory": ["InMemoryBackend"],
        "backends.sev_snp": ["AMDSEVSNPBackend"],
        "backends.tdx": ["IntelTDXBackend"],
    }.items():
        m = importlib.import_module("pqc_hypervisor_attestation." + mod)
        for n in names:
            assert getattr(m, n) is getattr(pha, n)


def test_exception_hierarchy():
    assert issubclass(pha.InvalidRegionError, pha.HypervisorAttestationError)
    assert issubclass(pha.AttestationVerificationError, pha.HypervisorAttestationError)
    assert issubclass(pha.RegionDriftError, pha.AttestationVerificationError)
    assert issubclass(pha.BackendError, pha.HypervisorAttestationError)
    assert issubclass(pha.UnknownBackendError, pha.BackendError)


def test_shapes():
    assert [f.name for f in dataclasses.fields(MemoryRegion)] == [
        "region_id", "description", "address", "size", "protection"]
    assert [f.name for f in dataclasses.fields(RegionSnapshot)] == ["region_id", "content_hash", "size", "taken_at"]
    assert [f.name for f in dataclasses.fields(pha.AttestationClaim)] == [
        "claim_id", "region", "snapshot", "expected_hash", "workload_id", "platform", "nonce"]
    assert [f.name for f in dataclasses.fields(AttestationReport)] == [
        "report_id", "claims", "attester_id", "platform", "issued_at", "expires_at",
        "signer_did", "algorithm", "signature", "public_key", "envelope"]
    assert [f.name for f in dataclasses.fields(VerificationResult)][:5] == [
        "valid", "signature_valid", "not_expired", "drifts", "error"]
    assert [f.name for f in dataclasses.fields(ContinuousAttester)] == [
        "attester", "backend", "workload_id", "expected_hashes", "ttl_seconds"]


def test_snapshot_content_is_private():
    data = b"abcd"
    snap = RegionSnapshot.create("r", data)
    assert snap._content is data  # a reference, not a copy
    assert "abcd" not in repr(snap) and "_content" not in snap.to_dict()
    assert snap == RegionSnapshot(**snap.to_dict())
    assert snap.taken_at.endswith("Z") and len(snap.taken_at) == 20


def test_report_json_roundtrip_keeps_envelope(attester, trusting_verifier):
    from .helpers import signed_report

    report = signed_report(attester)
    again = AttestationReport.from_json(report.to_json())
    assert again.envelope == report.envelope
    assert again.to_dict() == report.to_dict()
    assert trusting_verifier.verify(again).valid
    assert trusting_verifier.verify(report.to_dict()).valid


def test_identity(tmp_path):
    ident = AttesterIdentity.create("host", capabilities=["attest"])
    assert ident.did.startswith("did:pqaid:") and len(ident.did) == len("did:pqaid:") + 64
    assert ident.algorithm == "ML-DSA-65" and ident.can_sign
    assert not ident.public_key().has_private
    assert ident.export()["public_key"] == ident.public_key_hex
    assert not any("private" in k for k in ident.export()) and "PRIVATE" not in str(ident.export())
    pub = AttesterIdentity.from_public_key(ident.public_pem())
    assert pub.did == ident.did and not pub.can_sign
    assert AttesterIdentity.create("big", algorithm="ML-DSA-87").algorithm == "ML-DSA-87"
    assert Attester(ident.key).identity.did == ident.did


class CustomBackend(AttestationBackend):
    """A user's backend in the original's style: list_regions + snapshot."""

    name = "custom"
    platform = "my-hypervisor"

    def __init__(self, content):
        self.content = content
        self.region = MemoryRegion("guest-page-0", "a guest page", 0x7000, len(content), "RO")

    def list_regions(self, workload_id):
        return [self.region] if workload_id == "vm-1" else []

    def snapshot(self, region):
        return RegionSnapshot.create(region.region_id, self.content)


def test_custom_backend_served_to_libpqcha(attester, attester_identity):
    backend = CustomBackend(b"\x11" * 4096)
    report = ContinuousAttester(attester=attester, backend=backend, workload_id="vm-1").attest_once()
    assert report.platform == "my-hypervisor"
    assert report.claims[0].snapshot.content_hash == RegionSnapshot.hash_bytes(b"\x11" * 4096)
    verifier = AttestationVerifier(
        trusted=[attester_identity],
        expected_hashes={"guest-page-0": RegionSnapshot.hash_bytes(b"\x11" * 4096)},
        platform="my-hypervisor",
    )
    assert verifier.verify(report).valid


def test_custom_backend_streaming_and_errors(attester):
    class Streaming(CustomBackend):
        def read_region(self, workload_id, region):
            for i in range(0, len(self.content), 1000):
                yield self.content[i:i + 1000]

    report = ContinuousAttester(attester=attester, backend=Streaming(b"\x22" * 4096), workload_id="vm-1").attest_once()
    assert report.claims[0].snapshot.content_hash == RegionSnapshot.hash_bytes(b"\x22" * 4096)

    class HashOnly(CustomBackend):
        def snapshot(self, region):  # a hash it was told, no bytes: cannot be signed
            return RegionSnapshot(region.region_id, "00" * 32, region.size, "2026-01-01T00:00:00Z")

    with pytest.raises(BackendError, match="without content"):
        ContinuousAttester(attester=attester, backend=HashOnly(b"\x00" * 16), workload_id="vm-1").attest_once()

    class Short(CustomBackend):
        def read_region(self, workload_id, region):
            yield self.content[:-1]

    with pytest.raises(InvalidRegionError) as info:
        ContinuousAttester(attester=attester, backend=Short(b"\x00" * 16), workload_id="vm-1").attest_once()
    assert getattr(info.value.__cause__, "name", None) == "REGION_CHANGED"

    class Boom(CustomBackend):
        def list_regions(self, workload_id):
            raise RuntimeError("hypervisor unreachable")

    with pytest.raises(RuntimeError, match="unreachable"):
        ContinuousAttester(attester=attester, backend=Boom(b""), workload_id="vm-1").attest_once()


def test_platform_backends_in_loop_fail_closed(attester):
    loop = ContinuousAttester(attester=attester, backend=pha.AMDSEVSNPBackend(), workload_id="vm-1")
    with pytest.raises(HypervisorAttestationError) as info:
        loop.attest_once()
    assert isinstance(info.value, BackendError)
    assert getattr(info.value.__cause__, "name", None) == "DEVICE_NOT_PRESENT"
    assert pha.IntelTDXBackend().device_path == "/dev/tdx-guest"
    assert pha.AMDSEVSNPBackend("/dev/other").device_path == "/dev/other"


def test_verification_result_details(attester, verifier, backend):
    from .conftest import WORKLOAD_ID

    report = ContinuousAttester(attester=attester, backend=backend, workload_id=WORKLOAD_ID).attest_once()
    result = verifier.verify(report)
    assert isinstance(result.details, pqcha.Result)
    assert result.details.verdict == "valid"
    assert {c.name for c in result.details.checks} >= {"trust", "signature", "not-expired", "region:model-weights-0"}
    # A pqcha envelope string verifies too.
    assert verifier.verify(report.envelope).valid
    assert verifier.verify(report.envelope.encode()).valid
