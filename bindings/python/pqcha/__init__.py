"""pqcha — post-quantum (ML-DSA) signed runtime memory attestation, over libpqcha.

A Python API over the C library through the standard library's ctypes::

    import pqcha

    key = pqcha.Key.generate()
    backend = pqcha.MemoryBackend()
    backend.register("llm", pqcha.Region("weights", size=len(weights)), weights)
    report = pqcha.Attester(key, backend, "llm").attest(nonce=challenge)

    policy = pqcha.Policy().trust(key.public_key())
    policy.add_workload("llm", "in-memory", {"weights": pqcha.hexdigest(weights, "sha3-256-tree")})
    result = pqcha.Verifier(policy=policy, nonce=challenge).verify(report.envelope)
    assert result.valid, result.error

The library is found through ``$PQCHA_LIBRARY``, this repository's build
tree, or the installed ``libpqcha.so`` (see :mod:`pqcha._lib`); importing
raises :class:`pqcha.LibraryNotFound` (an ImportError) naming every place looked
at when none fits. Hashing, signing and verifying release the GIL.
"""

from __future__ import annotations

from .errors import (
    ArgumentError,
    BackendError,
    ChallengeError,
    Code,
    EvidenceError,
    FileError,
    FormatError,
    LibraryNotFound,
    PqchaError,
    StoreError,
    TransparencyLogError,
    VerificationError,
    error_for,
)

from . import _lib  # noqa: E402  (loads the library; raises LibraryNotFound)
from . import backends, errors  # noqa: E402  (their __all__ is part of this one)
from .attest import Attester, ContinuousAttester  # noqa: E402
from .backends import (  # noqa: E402
    Backend,
    FileBackend,
    MemoryBackend,
    PlatformBackend,
    ProcessBackend,
    PythonBackend,
    Region,
    backend_names,
    process_mapped_files,
)
from .digest import (  # noqa: E402
    ALGORITHMS,
    Hasher,
    digest,
    digest_file,
    digest_size,
    hexdigest,
    hexdigest_file,
    keccak_implementation,
)
from .evidence import EvidenceSource, EvidenceVerifier, RawEvidence  # noqa: E402
from .keys import SIGNATURE_ALGORITHMS, Key  # noqa: E402
from .manifest import Manifest, ManifestFile, Tensor  # noqa: E402
from .policy import Policy  # noqa: E402
from .report import Report, ReportRegion, Segment  # noqa: E402
from .verify import Check, Result, Span, Verifier  # noqa: E402

#: This package's version.
__version__ = "0.2.0"

#: The oldest libpqcha this package accepts.
MIN_LIBRARY_VERSION = _lib.MIN_LIBRARY_VERSION


def library_version() -> str:
    """The loaded libpqcha's version, e.g. "0.2.0"."""
    return _lib.text(_lib.lib.pqcha_version())


def crypto_version() -> str:
    """The OpenSSL version libpqcha was built with."""
    return _lib.text(_lib.lib.pqcha_crypto_version())


def library_path() -> str:
    """The path (or loader name) libpqcha was loaded from."""
    return _lib.library_path


__all__ = [
    *errors.__all__,
    # versions
    "__version__",
    "MIN_LIBRARY_VERSION",
    "library_version",
    "crypto_version",
    "library_path",
    # keys and digests
    "Key",
    "SIGNATURE_ALGORITHMS",
    "ALGORITHMS",
    "digest",
    "hexdigest",
    "digest_size",
    "digest_file",
    "hexdigest_file",
    "Hasher",
    "keccak_implementation",
    *backends.__all__,
    # attesting
    "Attester",
    "ContinuousAttester",
    "EvidenceSource",
    "EvidenceVerifier",
    "RawEvidence",
    # reports, manifests, policies, verifying
    "Report",
    "ReportRegion",
    "Segment",
    "Manifest",
    "ManifestFile",
    "Tensor",
    "Policy",
    "Verifier",
    "Result",
    "Check",
    "Span",
]
