"""The original's tests/test_claim.py (4 tests), ported."""

from pqc_hypervisor_attestation import AttestationClaim, AttestationReport, MemoryRegion, RegionSnapshot


def _claim():
    region = MemoryRegion("w0", "weights", 0x1000, 4, "RO")
    return AttestationClaim.create(region, RegionSnapshot.create("w0", b"abcd"))


def test_create_populates_ids():
    claim = _claim()
    report = AttestationReport.create([claim], attester_id="did:example:1")
    assert claim.claim_id.startswith("urn:pqc-att:")
    assert report.report_id.startswith("urn:pqc-attreport:")
    assert report.issued_at
    assert report.expires_at


def test_to_dict_from_dict_roundtrip():
    claim = _claim()
    report = AttestationReport.create([claim], attester_id="did:example:1")
    back = AttestationReport.from_dict(report.to_dict())
    assert back.report_id == report.report_id
    assert len(back.claims) == 1
    assert back.claims[0].claim_id == claim.claim_id
    assert back.claims[0].region == claim.region
    assert back.claims[0].snapshot == claim.snapshot
    assert back.attester_id == "did:example:1"
    # The content reference is private: not in to_dict(), so not restored.
    assert "_content" not in report.to_dict()["claims"][0]["snapshot"]
    assert not back.claims[0].snapshot.has_content


def test_is_expired_respects_ttl():
    """CHANGED: deterministic instead of sleeping 50 ms. Timestamps have whole seconds
    (RFC 3339 as pqcha writes them) and a report is expired from expires_at on (pqcha's
    `now < expiresAt`), so ttl 0 is expired at once; `now` makes it exact."""
    live = AttestationReport.create([_claim()], ttl_seconds=60)
    assert live.is_expired() is False
    dead = AttestationReport.create([_claim()], ttl_seconds=0)
    assert dead.is_expired() is True
    from pqc_hypervisor_attestation._util import parse_timestamp

    issued = parse_timestamp(live.issued_at)
    assert live.is_expired(now=issued + 59) is False
    assert live.is_expired(now=issued + 60) is True


def test_canonical_bytes_deterministic():
    report = AttestationReport.create([_claim()], attester_id="did:example:1")
    assert report.canonical_bytes() == report.canonical_bytes()
    assert report.canonical_bytes().startswith(b'{"attester_id":')
