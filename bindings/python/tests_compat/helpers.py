"""Shared helpers for the compat tests."""

from pqc_hypervisor_attestation import AttestationClaim, AttestationReport, MemoryRegion, RegionSnapshot
from pqc_hypervisor_attestation._util import parse_timestamp

REGION = MemoryRegion("w0", "weights", 0x1000, 4, "RO")


def hand_built_report(content=b"abcd", ttl_seconds=300, expected_hash="", region=REGION, **claim_kw):
    claim = AttestationClaim.create(
        region, RegionSnapshot.create(region.region_id, content), expected_hash=expected_hash, **claim_kw
    )
    return AttestationReport.create([claim], ttl_seconds=ttl_seconds)


def signed_report(attester, content=b"abcd", **kw):
    return attester.sign(hand_built_report(content, **kw))


def issued(report):
    return parse_timestamp(report.issued_at)


def expires(report):
    return parse_timestamp(report.expires_at)
