"""Interop with the C library's CLI and the `pqcha` Python API, both ways."""

import json
import os
import subprocess

import pytest

import pqcha
from pqc_hypervisor_attestation import (
    AttestationReport,
    AttestationVerifier,
    AttesterIdentity,
    ContinuousAttester,
    RegionSnapshot,
)

from .conftest import KV_CONTENT, WEIGHTS_CONTENT, WORKLOAD_ID, cli_path

CLI = cli_path()
needs_cli = pytest.mark.skipif(not CLI or not os.path.exists(CLI), reason="set PQCHA_CLI to the pqcha CLI")


def run(*args, **kw):
    return subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, timeout=60, **kw)


@pytest.fixture
def files(tmp_path, attester_identity):
    pub = tmp_path / "attester.pub.pem"
    attester_identity.save_public(str(pub))
    weights = tmp_path / "weights.bin"
    weights.write_bytes(WEIGHTS_CONTENT)
    kv = tmp_path / "kv.bin"
    kv.write_bytes(KV_CONTENT)
    return tmp_path, pub, weights, kv


@needs_cli
def test_report_verifies_with_cli(attester, backend, files):
    tmp, pub, weights, kv = files
    challenge = AttestationVerifier.new_nonce()
    report = ContinuousAttester(attester=attester, backend=backend, workload_id=WORKLOAD_ID).attest_once(challenge)
    path = tmp / "report.json"
    report.save_envelope(str(path))
    assert path.read_text() == report.envelope

    proc = run("verify", "--trust", pub, "--authenticity-only", "--nonce", challenge, path)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    # A verifier policy written by the CLI from known-good files (sha3-256, as this package measures).
    policy = tmp / "policy.json"
    proc = run("policy", "-w", WORKLOAD_ID, "-r", f"model-weights-0={weights}", "-r", f"activation-cache={kv}",
               "--digest", "sha3-256", "--platform", "in-memory", "-o", policy)
    assert proc.returncode == 0, proc.stderr
    proc = run("verify", "--trust", pub, "--policy", policy, "--json", path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["verdict"] == "valid"

    # The same policy, read by the compat verifier.
    verifier = AttestationVerifier(trusted=[str(pub)], policy=pqcha.Policy.load(str(policy)))
    assert verifier.verify(report).valid

    # Drift is drift for the CLI too (exit 1).
    backend.update("model-weights-0", b"\x00" * 128)
    drifted = ContinuousAttester(attester=attester, backend=backend, workload_id=WORKLOAD_ID).attest_once()
    drifted.save_envelope(str(path))
    proc = run("verify", "--trust", pub, "--policy", policy, "--json", path)
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["drift"] == ["model-weights-0"]

    # An untrusted signer is rejected by the CLI (exit 2).
    other = AttesterIdentity.create("other")
    other_pub = tmp / "other.pub.pem"
    other.save_public(str(other_pub))
    report.save_envelope(str(path))
    assert run("verify", "--trust", other_pub, "--authenticity-only", path).returncode == 2


def test_pqcha_reads_the_envelope(attester, backend):
    report = ContinuousAttester(
        attester=attester, backend=backend, workload_id=WORKLOAD_ID,
        expected_hashes={"model-weights-0": RegionSnapshot.hash_bytes(WEIGHTS_CONTENT)},
    ).attest_once()
    rep = pqcha.Report.from_envelope(report.envelope)
    assert rep.workload_id == WORKLOAD_ID
    assert rep.platform == report.platform == "in-memory"
    assert rep.signer_key_id == attester.identity.key_id
    assert rep.nonce == report.claims[0].nonce
    assert [r.id for r in rep.regions] == [c.region.region_id for c in report.claims]
    assert [r.digest for r in rep.regions] == [c.snapshot.content_hash for c in report.claims]
    assert rep.regions[0].expected == RegionSnapshot.hash_bytes(WEIGHTS_CONTENT)
    assert rep.regions[0].address == 0x1000 and rep.regions[0].protection == "RO"
    # And the pqcha verifier accepts it with the identity's public key.
    result = pqcha.Verifier(trusted_keys=[attester.identity.public_key()], authenticity_only=True).verify(report.envelope)
    assert result.verdict == "valid"


@needs_cli
def test_cli_report_verifies_here(tmp_path, attester_identity):
    """The reverse: `pqcha attest` (file backend) with a key saved by AttesterIdentity."""
    key = tmp_path / "attester.pem"
    attester_identity.save(str(key))
    weights = tmp_path / "weights.bin"
    weights.write_bytes(WEIGHTS_CONTENT)
    challenge = AttestationVerifier.new_nonce()
    out = tmp_path / "cli-report.json"
    proc = run("attest", "-k", key, "-w", WORKLOAD_ID, "-r", f"model-weights-0={weights}",
               "--digest", "sha3-256", "--nonce", challenge, "-o", out)
    assert proc.returncode == 0, proc.stderr
    envelope = out.read_text()

    verifier = AttestationVerifier(
        trusted=[attester_identity],
        expected_hashes={"model-weights-0": RegionSnapshot.hash_bytes(WEIGHTS_CONTENT)},
        nonce=challenge,
    )
    assert verifier.verify(envelope).valid
    report = AttestationReport.from_envelope(envelope, signer=attester_identity)
    assert report.platform == "file"
    assert report.signer_did == attester_identity.did
    assert report.claims[0].snapshot.content_hash == RegionSnapshot.hash_bytes(WEIGHTS_CONTENT)
    result = verifier.verify(report)
    assert result.valid, result.error

    # The CLI's default digest (sha3-256-tree) is another algorithm: verify it with a pqcha
    # policy naming that algorithm, or authenticity only.
    proc = run("attest", "-k", key, "-w", WORKLOAD_ID, "-r", f"model-weights-0={weights}", "-o", out)
    assert proc.returncode == 0, proc.stderr
    tree = out.read_text()
    policy = pqcha.Policy().add_workload(
        WORKLOAD_ID, regions={"model-weights-0": pqcha.hexdigest(WEIGHTS_CONTENT, "sha3-256-tree")}
    )
    assert AttestationVerifier(trusted=[attester_identity], policy=policy).verify(tree).valid
    assert AttestationVerifier(trusted=[attester_identity]).verify(tree).valid
    # expected_hashes are SHA3-256 digests: a tree-digest report cannot be compared with them.
    # Not drift (nothing says the memory changed): rejected, and the error says why.
    result = AttestationVerifier(
        trusted=[attester_identity], expected_hashes={"model-weights-0": RegionSnapshot.hash_bytes(WEIGHTS_CONTENT)}
    ).verify(tree)
    assert result.valid is False and result.drifts == []
    assert result.error_code == "POLICY_VIOLATION"
    assert "another digest algorithm" in result.error
