"""The original's tests/test_integration.py (2 tests), ported.

SAFE: the expected hashes are pinned on the verifier (the `verifier` fixture, with the
attester's trusted key), not only inside the attester's report.
"""

from pqc_hypervisor_attestation import ContinuousAttester

from .conftest import WORKLOAD_ID


def test_full_flow_register_attest_verify(attester, backend, expected_hashes, verifier):
    """SAFE: both hashes pinned on the verifier, which trusts the attester's key."""
    loop = ContinuousAttester(
        attester=attester, backend=backend, workload_id=WORKLOAD_ID, expected_hashes=expected_hashes
    )
    report = loop.attest_once()
    result = verifier.verify(report, strict=True)
    assert result.valid, result.error
    assert result.drifts == []
    # The attester's expectations are recorded (informational) in each claim.
    assert {c.region.region_id: c.expected_hash for c in report.claims} == expected_hashes


def test_tampered_region_flagged_after_attestation(attester, backend, expected_hashes, verifier):
    """SAFE: the tampering is caught by the verifier's pinned hash, whatever the attester says."""
    loop = ContinuousAttester(
        attester=attester, backend=backend, workload_id=WORKLOAD_ID, expected_hashes=expected_hashes
    )
    assert verifier.verify(loop.attest_once()).valid
    backend.update("model-weights-0", b"\xff" * 128)
    result = verifier.verify(loop.attest_once())
    assert result.signature_valid is True
    assert "model-weights-0" in result.drifts
    assert result.valid is False
