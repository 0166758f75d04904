"""Exception hierarchy, the same as pqc-hypervisor-attestation 0.1.0's.

::

    HypervisorAttestationError(Exception)
    ├── InvalidRegionError
    ├── AttestationVerificationError
    │   ├── RegionDriftError            (only for drift in an authentic, fresh report)
    │   └── TrustAnchorError            (new: a verifier used without trusted keys)
    └── BackendError
        └── UnknownBackendError

Every exception raised because the pqcha library refused something is chained
from the :class:`pqcha.PqchaError` that says why (``raise ... from err``), so
its ``code`` and ``name`` stay available as ``exc.__cause__``.
"""

from __future__ import annotations

__all__ = [
    "HypervisorAttestationError",
    "InvalidRegionError",
    "AttestationVerificationError",
    "RegionDriftError",
    "TrustAnchorError",
    "BackendError",
    "UnknownBackendError",
]


class HypervisorAttestationError(Exception):
    """Base class of every error this package raises."""


class InvalidRegionError(HypervisorAttestationError):
    """A region is unknown, malformed, or its content does not fit it."""


class AttestationVerificationError(HypervisorAttestationError):
    """A report did not verify (raised by ``verify_or_raise``).

    ``result`` is the :class:`VerificationResult` that decided, when there is one.
    """

    def __init__(self, message: str = "verification failed", result=None):
        super().__init__(message)
        self.result = result


class RegionDriftError(AttestationVerificationError):
    """An authentic, fresh report whose memory differs from the verifier's reference values.

    Unlike the original, never raised for a report whose signature (or trust, or
    freshness) failed: drift computed from unauthenticated data means nothing.
    """


class TrustAnchorError(AttestationVerificationError, TypeError):
    """The verifier was used without a trust anchor.

    The original verified a report against the public key the report itself
    carried, so anyone could sign anything. A verifier now needs the attester's
    public key(s), given by the verifier::

        AttestationVerifier(trusted=[identity.public_key()],
                            expected_hashes={"model-weights-0": "<sha3-256 hex>"}).verify(report)
    """


class BackendError(HypervisorAttestationError):
    """A backend could not list or read regions (e.g. no SEV-SNP / TDX device)."""


class UnknownBackendError(BackendError):
    """A backend name that pqcha does not know."""
