"""The original's tests/test_continuous.py (3 tests), ported."""

from pqc_hypervisor_attestation import ContinuousAttester

from .conftest import WORKLOAD_ID


def test_attest_once_covers_all_regions(attester, backend):
    loop = ContinuousAttester(attester=attester, backend=backend, workload_id=WORKLOAD_ID)
    report = loop.attest_once()
    assert report.signature
    assert {c.region.region_id for c in report.claims} == {"model-weights-0", "activation-cache"}
    assert report.platform == "in-memory"
    # One report-level nonce (pqcha's: 16 random bytes) shown in every claim.
    assert len({c.nonce for c in report.claims}) == 1
    assert len(report.claims[0].nonce) == 32


def test_run_for_returns_expected_count(attester, backend):
    """CHANGED only in duration (0.5 s at 0.2 s instead of 2 s at 1 s) to keep the suite
    fast; run_for now runs on a monotonic schedule without a sleep after the last round."""
    loop = ContinuousAttester(attester=attester, backend=backend, workload_id=WORKLOAD_ID)
    reports = loop.run_for(seconds=0.5, interval=0.2)
    assert 1 <= len(reports) <= 3
    assert all(r.signature and r.envelope for r in reports)
    assert loop.run_for(seconds=0) == []


def test_drift_between_calls_changes_snapshot_hash(attester, backend):
    loop = ContinuousAttester(attester=attester, backend=backend, workload_id=WORKLOAD_ID)

    def weights_hash(report):
        return next(c.snapshot.content_hash for c in report.claims if c.region.region_id == "model-weights-0")

    first = loop.attest_once()
    backend.update("model-weights-0", b"\xcc" * 128)
    second = loop.attest_once()
    assert weights_hash(first) != weights_hash(second)
