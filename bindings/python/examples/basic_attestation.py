#!/usr/bin/env python3
"""End-to-end sign-and-verify over two in-memory regions (the original's example,
against the safe pqc_hypervisor_attestation).

Differences from the original: the identity is an AttesterIdentity (real ML-DSA-65
through libpqcha); the verifier is given the attester's public key, its own expected
hashes and a fresh challenge (nonce), instead of trusting what the report says.

Exit status: 0 when the report verifies as valid without drift, 1 otherwise.
"""

import sys

import _path  # noqa: F401  (finds the packages in a checkout)

from pqc_hypervisor_attestation import (
    AttestationVerifier,
    Attester,
    AttesterIdentity,
    ContinuousAttester,
    InMemoryBackend,
    MemoryRegion,
    RegionSnapshot,
)

WORKLOAD = "model-serving-1"


def main() -> int:
    # 1. Identity + signer (on the attesting host).
    identity = AttesterIdentity.create("llama-host-attester", capabilities=["attest"])
    attester = Attester(identity)

    # 2. Backend with two regions.
    backend = InMemoryBackend()
    weights = MemoryRegion("model-weights-0", "Llama weights shard 0", 0x1000, 128, "RO")
    kv_cache = MemoryRegion("activation-cache", "KV cache for in-flight request", 0x2000, 64, "RW")
    weights_content, kv_content = b"\xaa" * 128, b"\xbb" * 64
    backend.register(WORKLOAD, weights, weights_content)
    backend.register(WORKLOAD, kv_cache, kv_content)

    # 3. The verifier's side: trusted key, reference hashes, a challenge.
    expected = {
        weights.region_id: RegionSnapshot.hash_bytes(weights_content),
        kv_cache.region_id: RegionSnapshot.hash_bytes(kv_content),
    }
    challenge = AttestationVerifier.new_nonce()
    verifier = AttestationVerifier(
        trusted=[identity.public_key()], expected_hashes=expected, nonce=challenge
    )

    # 4. Attest (answering the challenge) and verify.
    loop = ContinuousAttester(attester=attester, backend=backend, workload_id=WORKLOAD, expected_hashes=expected)
    report = loop.attest_once(nonce=challenge)
    print(f"report_id   : {report.report_id}")
    print(f"signer DID  : {report.signer_did}")
    print(f"algorithm   : {report.algorithm} ({len(report.signature) // 2}-byte signature)")
    print(f"claims      : {len(report.claims)}")
    result = verifier.verify(report, strict=True)
    print(f"valid       : {result.valid}")
    print(f"drifts      : {result.drifts}")
    if result.error:
        print(f"error       : {result.error}")
    return 0 if result.valid and not result.drifts else 1


if __name__ == "__main__":
    sys.exit(main())
