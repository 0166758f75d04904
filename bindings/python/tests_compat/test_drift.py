"""The original's tests/test_drift.py (3 tests), ported.

SAFE: the pinned hash is given to the *verifier* (expected_hashes); the claim's own
expected_hash travels in the report for information only. The original let the
attester's expected_hash decide drift, so a compromised attester simply left it out
(seed-behaviour section 6, Security 4).
"""

import pytest

from pqc_hypervisor_attestation import AttestationVerifier, RegionDriftError, RegionSnapshot

from .helpers import signed_report

GOOD = b"good"
BAD = b"evil"


def _verifier(identity):
    return AttestationVerifier(trusted=[identity], expected_hashes={"w0": RegionSnapshot.hash_bytes(GOOD)})


def test_matching_expected_hash_verifies(attester, attester_identity):
    """SAFE: the expected hash is pinned by the verifier (and the key trusted)."""
    report = signed_report(attester, GOOD, expected_hash=RegionSnapshot.hash_bytes(GOOD))
    result = _verifier(attester_identity).verify(report)
    assert result.valid is True
    assert result.drifts == []


def test_drift_fails_in_strict_mode(attester, attester_identity):
    """SAFE: drift against the verifier's pinned hash, in an authentic report."""
    report = signed_report(attester, BAD, expected_hash=RegionSnapshot.hash_bytes(GOOD))
    verifier = _verifier(attester_identity)
    result = verifier.verify(report, strict=True)
    assert result.signature_valid is True
    assert result.drifts == ["w0"]
    assert result.valid is False
    assert result.error == "memory drift detected in 1 region(s): w0"
    assert result.error_code == "MEMORY_DRIFT"
    with pytest.raises(RegionDriftError):
        verifier.verify_or_raise(report, strict=True)


def test_drift_allowed_in_non_strict_mode(attester, attester_identity):
    """SAFE: as above; strict=False still lists the drift and keeps error None."""
    report = signed_report(attester, BAD, expected_hash=RegionSnapshot.hash_bytes(GOOD))
    result = _verifier(attester_identity).verify(report, strict=False)
    assert result.valid is True
    assert result.drifts == ["w0"]
    assert result.error is None
