"""pqc_hypervisor_attestation — the original package's API, made safe, on libpqcha.

A drop-in re-implementation of pqc-hypervisor-attestation 0.1.0: the same
names and shapes, with signing, measuring and verification done by libpqcha
(real FIPS 204 ML-DSA through OpenSSL, pqcha's DSSE reports). Where the
original was insecure the name stays and the behaviour is fixed — see
MIGRATION.md next to this package:

* a verifier needs the attester's trusted public key(s); a report's
  embedded key is never trusted;
* expected hashes (or a pqcha policy) are given by the verifier; the
  attester's ``expected_hash`` is informational;
* a verifier can require its nonce; timestamps are strict RFC 3339 UTC;
* the signer measures what it signs; reports carry the pqcha ``envelope``
  that ``pqcha verify`` accepts.
"""

from .backends import AMDSEVSNPBackend, AttestationBackend, InMemoryBackend, IntelTDXBackend
from .claim import AttestationClaim, AttestationReport
from .continuous import ContinuousAttester
from .errors import (
    AttestationVerificationError,
    BackendError,
    HypervisorAttestationError,
    InvalidRegionError,
    RegionDriftError,
    TrustAnchorError,
    UnknownBackendError,
)
from .identity import AttesterIdentity
from .region import MemoryRegion, RegionSnapshot
from .signer import AttestationVerifier, Attester, VerificationResult

__version__ = "0.2.0"  # 0.1.0 API, safe behaviour (see MIGRATION.md)

__all__ = [
    "MemoryRegion",
    "RegionSnapshot",
    "AttestationClaim",
    "AttestationReport",
    "Attester",
    "AttestationVerifier",
    "VerificationResult",
    "ContinuousAttester",
    "AttestationBackend",
    "InMemoryBackend",
    "AMDSEVSNPBackend",
    "IntelTDXBackend",
    "HypervisorAttestationError",
    "InvalidRegionError",
    "AttestationVerificationError",
    "BackendError",
    "UnknownBackendError",
    "RegionDriftError",
    # new in this re-implementation
    "AttesterIdentity",
    "TrustAnchorError",
]
