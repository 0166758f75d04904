#!/usr/bin/env python3
"""Mutate a region between two attestations and watch the drift surface (the original's
example, against the safe pqc_hypervisor_attestation).

The verifier pins the trusted key and the expected hash itself, so the drift is found
even though the attester (which a tamperer may control) says nothing about expectations.

Exit status: 0 when the clean report is valid and the tampered one is flagged as drift
of model-weights-0 in an authentic report; 1 otherwise.
"""

import sys

import _path  # noqa: F401

from pqc_hypervisor_attestation import (
    AttestationVerifier,
    Attester,
    AttesterIdentity,
    ContinuousAttester,
    InMemoryBackend,
    MemoryRegion,
    RegionDriftError,
    RegionSnapshot,
)

WORKLOAD = "model-serving-1"
TRUSTED = b"MODEL-WEIGHTS-TRUSTED-PAYLOAD-01"
COMPROMISED = b"MODEL-WEIGHTS-COMPROMISED!!!!!!!"


def main() -> int:
    identity = AttesterIdentity.create("tamper-demo-attester")
    backend = InMemoryBackend()
    region = MemoryRegion("model-weights-0", "Weights shard 0", 0x1000, len(TRUSTED), "RO")
    backend.register(WORKLOAD, region, TRUSTED)
    loop = ContinuousAttester(attester=Attester(identity), backend=backend, workload_id=WORKLOAD)

    verifier = AttestationVerifier(
        trusted=[identity.public_key()],
        expected_hashes={region.region_id: RegionSnapshot.hash_bytes(TRUSTED)},
    )

    clean = verifier.verify(loop.attest_once())
    print(f"[clean]    valid={clean.valid} signature_valid={clean.signature_valid} drifts={clean.drifts}")

    backend.update(region.region_id, COMPROMISED)  # the tamperer rewrites the weights
    tampered_report = loop.attest_once()
    tampered = verifier.verify(tampered_report)
    print(
        f"[tampered] valid={tampered.valid} signature_valid={tampered.signature_valid} "
        f"drifts={tampered.drifts}"
    )
    print(f"[tampered] error={tampered.error}")
    try:
        verifier.verify_or_raise(tampered_report)
        raised = None
    except RegionDriftError as e:
        raised = e
        print(f"[tampered] verify_or_raise -> RegionDriftError: {e}")

    ok = (
        clean.valid
        and not tampered.valid
        and tampered.signature_valid
        and tampered.drifts == [region.region_id]
        and raised is not None
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
