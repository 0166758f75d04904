"""Fixtures of the original test suite (tests/conftest.py), ported.

Changed: the identity is an AttesterIdentity (real ML-DSA-65 via libpqcha)
instead of quantumshield's AgentIdentity, and a `verifier` fixture gives the
verifier what it now needs from the verifier side: the attester's trusted
public key and the expected hashes.
"""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)  # bindings/python
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from pqc_hypervisor_attestation import (  # noqa: E402
    AttestationVerifier,
    Attester,
    AttesterIdentity,
    InMemoryBackend,
    MemoryRegion,
    RegionSnapshot,
)

WORKLOAD_ID = "model-serving-1"
WEIGHTS = MemoryRegion("model-weights-0", "Llama weights shard 0", 0x1000, 128, "RO")
KV_CACHE = MemoryRegion("activation-cache", "KV cache for in-flight request", 0x2000, 64, "RW")
WEIGHTS_CONTENT = b"\xaa" * 128
KV_CONTENT = b"\xbb" * 64


@pytest.fixture(scope="session")
def attester_identity():
    return AttesterIdentity.create("test-attester", capabilities=["attest"])


@pytest.fixture(scope="session")
def attacker_identity():
    return AttesterIdentity.create("attacker")


@pytest.fixture
def attester(attester_identity):
    return Attester(attester_identity)


@pytest.fixture
def backend():
    b = InMemoryBackend()
    b.register(WORKLOAD_ID, WEIGHTS, WEIGHTS_CONTENT)
    b.register(WORKLOAD_ID, KV_CACHE, KV_CONTENT)
    return b


@pytest.fixture
def expected_hashes():
    return {
        WEIGHTS.region_id: RegionSnapshot.hash_bytes(WEIGHTS_CONTENT),
        KV_CACHE.region_id: RegionSnapshot.hash_bytes(KV_CONTENT),
    }


@pytest.fixture
def verifier(attester_identity, expected_hashes):
    """A verifier configured the safe way: trusted key + verifier-side expected hashes."""
    return AttestationVerifier(trusted=[attester_identity.public_key()], expected_hashes=expected_hashes)


@pytest.fixture
def trusting_verifier(attester_identity):
    """Trusts the attester but checks no memory (authenticity and freshness only)."""
    return AttestationVerifier(trusted=[attester_identity])


def cli_path():
    """The pqcha CLI for interop tests: $PQCHA_CLI, else the repository's build tree."""
    p = os.environ.get("PQCHA_CLI")
    if p:
        return p
    repo = os.path.dirname(os.path.dirname(ROOT))
    cand = os.path.join(repo, "build", "pqcha")
    return cand if os.path.exists(cand) else None
