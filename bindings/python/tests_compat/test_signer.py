"""The original's tests/test_signer.py (6 tests), ported; the verifier now needs trust."""

import pytest

from pqc_hypervisor_attestation import (
    AttestationVerificationError,
    AttestationVerifier,
    HypervisorAttestationError,
    RegionSnapshot,
)

from .helpers import expires, hand_built_report, signed_report


def test_sign_populates_fields(attester):
    """As the original, plus: the label is honest (FIPS 204 ML-DSA-65 sizes) and the report
    carries its pqcha envelope."""
    report = signed_report(attester)
    assert report.signature
    assert report.public_key
    assert report.algorithm
    assert report.signer_did == attester.identity.did
    # Now a real pqcha report: FIPS 204 ML-DSA-65 (3309-byte signature, 1952-byte key).
    assert report.algorithm == "ML-DSA-65"
    assert len(bytes.fromhex(report.signature)) == 3309
    assert len(bytes.fromhex(report.public_key)) == 1952
    assert report.attester_id == attester.identity.did
    assert report.envelope.startswith("{")
    assert report.claims[0].snapshot.content_hash == RegionSnapshot.hash_bytes(b"abcd")


def test_verify_success(attester, attester_identity):
    """SAFE: the verifier is given the attester's trusted public key (and here the
    expected hash). The original verified against the key embedded in the report,
    which proved nothing (seed-behaviour section 6, Security 1)."""
    report = signed_report(attester)
    verifier = AttestationVerifier(
        trusted=[attester_identity.public_key()], expected_hashes={"w0": RegionSnapshot.hash_bytes(b"abcd")}
    )
    result = verifier.verify(report)
    assert result.valid is True
    assert result.signature_valid is True
    assert result.not_expired is True
    assert result.drifts == []
    assert result.error is None
    assert result.details.verdict == "valid"


def test_signature_tamper_detected(attester, trusting_verifier):
    """SAFE: verified against the trusted key (not the report's own). Also passes where the
    original failed in quantumshield's stub mode, which accepted any signature."""
    report = signed_report(attester)
    first = report.signature[0]
    report.signature = ("1" if first == "0" else "0") + report.signature[1:]
    result = trusting_verifier.verify(report)
    assert result.signature_valid is False
    assert result.valid is False
    assert result.error == "invalid ML-DSA signature"
    assert result.error_code == "BAD_SIGNATURE"


def test_expired_report_rejected(attester, attester_identity):
    """SAFE: a report with ttl 0 can no longer be signed (pqcha's lifetime is 1..604800 s:
    a report expired when issued proves nothing), and expiry is checked deterministically
    with the verifier's fixed clock instead of sleeping."""
    with pytest.raises(HypervisorAttestationError, match="lifetime"):
        attester.sign(hand_built_report(ttl_seconds=0))
    report = signed_report(attester, ttl_seconds=1)
    verifier = AttestationVerifier(trusted=[attester_identity], now=expires(report))
    result = verifier.verify(report)
    assert result.signature_valid is True
    assert result.not_expired is False
    assert result.valid is False
    assert result.error == "report expired"
    assert result.error_code == "EXPIRED"
    assert report.is_expired(now=expires(report)) is True


def test_verify_or_raise_raises_on_failure(attester, trusting_verifier):
    """SAFE: verify_or_raise is called on a verifier that trusts the attester's key."""
    report = signed_report(attester)
    report.signature = "0" * len(report.signature)
    with pytest.raises(AttestationVerificationError):
        trusting_verifier.verify_or_raise(report)


def test_missing_signature_rejected(trusting_verifier):
    """SAFE: same result, from a verifier given the trusted key."""
    report = hand_built_report()
    result = trusting_verifier.verify(report)
    assert result.signature_valid is False
    assert result.valid is False
    assert result.error == "missing signature"
