"""The exception hierarchy, mapped from libpqcha's error codes.

Every failure the library reports is a :class:`PqchaError` carrying the
library's numeric code (:attr:`PqchaError.code`, a :class:`Code`), its name
(``"BAD_SIGNATURE"``), the library's one-line description
(``pqcha_strerror``) and, where the binding knows more, a detail (which file,
which region). The class says which kind of failure it is, by the ranges of
``include/pqcha/error.h``:

===============================  =========  ==================================================
class                            codes      kind
===============================  =========  ==================================================
:class:`ArgumentError`           1-9        environment and API misuse (also NO_MEMORY,
                                            CRYPTO, RNG, CANCELLED, INTERNAL)
:class:`FormatError`             10-39      malformed input (not a well-formed object)
:class:`VerificationError`       40-59      verification refused an authentic-looking object
:class:`BackendError`            60-69      where region bytes come from
:class:`FileError`               70-79      files and keys on disk
:class:`EvidenceError`           80-99      hardware evidence (SEV-SNP, TDX)
:class:`ChallengeError`          100-109    challenges kept by a verifier service
:class:`StoreError`              110-119    the verifier service's store
:class:`TransparencyLogError`    120-139    the transparency log (proofs, tiles, checkpoints)
===============================  =========  ==================================================

:func:`error_for` builds the right class for a code. :class:`LibraryNotFound`
(an :class:`ImportError`) is raised when libpqcha cannot be loaded.
"""

from __future__ import annotations

import enum
from typing import List, Optional, Sequence, Type

__all__ = [
    "Code",
    "PqchaError",
    "ArgumentError",
    "FormatError",
    "VerificationError",
    "BackendError",
    "FileError",
    "EvidenceError",
    "ChallengeError",
    "StoreError",
    "TransparencyLogError",
    "LibraryNotFound",
    "error_for",
]


class Code(enum.IntEnum):
    """Every ``pqcha_err`` value (include/pqcha/error.h), named without ``PQCHA_ERR_``.

    The numbers are the library's ABI: they never change.
    """

    OK = 0
    # environment and API misuse
    INVALID_ARGUMENT = 1
    NO_MEMORY = 2
    CRYPTO = 3
    RNG = 4
    CANCELLED = 5
    INTERNAL = 6
    # malformed input
    MALFORMED = 10
    TOO_LARGE = 11
    JSON_SYNTAX = 12
    JSON_DUPLICATE_KEY = 13
    UNKNOWN_FIELD = 14
    MISSING_FIELD = 15
    WRONG_TYPE = 16
    BAD_BASE64 = 17
    BAD_HEX = 18
    BAD_TIMESTAMP = 19
    TIMESTAMP_NO_ZONE = 20
    BAD_SIGNATURE_LENGTH = 21
    UNSUPPORTED_ALGORITHM = 22
    BAD_PAYLOAD_TYPE = 23
    BAD_STATEMENT_TYPE = 24
    INCONSISTENT_CLAIMS = 25
    BAD_PROTECTION = 26
    BAD_KEY = 27
    OUT_OF_RANGE = 28
    BAD_IDENTIFIER = 29
    EMPTY_REPORT = 30
    SIGNATURE_COUNT = 31
    BAD_POLICY = 32
    JSON_TOO_COMPLEX = 33
    BAD_EVIDENCE = 34
    BAD_CERTIFICATE = 35
    # verification
    BAD_SIGNATURE = 40
    UNTRUSTED_KEY = 41
    EXPIRED = 42
    NOT_YET_VALID = 43
    LIFETIME_TOO_LONG = 44
    NONCE_MISMATCH = 45
    MEMORY_DRIFT = 46
    MISSING_REGION = 47
    DUPLICATE_REGION = 48
    UNEXPECTED_REGION = 49
    UNKNOWN_WORKLOAD = 50
    POLICY_VIOLATION = 51
    SIGNER_MISMATCH = 52
    # backends
    UNKNOWN_BACKEND = 60
    BACKEND_IO = 61
    NO_SUCH_REGION = 62
    DEVICE_NOT_PRESENT = 63
    REGION_EXISTS = 64
    REGION_CHANGED = 65
    NO_SUCH_PROCESS = 66
    PERMISSION = 67
    # files and keys
    FILE_EXISTS = 70
    NOT_FOUND = 71
    IO = 72
    NOT_PRIVATE_KEY = 73
    NO_SPACE = 74
    IS_DIRECTORY = 75
    READ_ONLY = 76
    IN_USE = 77
    NOT_DIRECTORY = 78
    # hardware evidence
    EVIDENCE_SIGNATURE = 80
    CERT_CHAIN = 81
    CERT_EXPIRED = 82
    CERT_REVOKED = 83
    EVIDENCE_BINDING = 84
    CERT_MISMATCH = 85
    TCB_TOO_LOW = 86
    EVIDENCE_POLICY = 87
    NO_EVIDENCE = 88
    DEVICE_BUSY = 89
    EVIDENCE_CHANGED = 90
    # challenges kept by a verifier service
    NONCE_UNKNOWN = 100
    NONCE_USED = 101
    NONCE_EXPIRED = 102
    # the verifier service's store
    STORE = 110
    STORE_SCHEMA = 111
    # the transparency log
    LOG_PROOF = 120
    LOG_PROOF_SIZE = 121
    LOG_FORK = 122
    LOG_ROLLBACK = 123
    LOG_TILE = 124
    LOG_TILE_SIZE = 125
    LOG_TILE_PATH = 126
    LOG_BUNDLE = 127
    LOG_CHECKPOINT = 128
    LOG_TREE_SIZE = 129
    LOG_TEXT = 130
    LOG_NOTE = 131
    LOG_ORIGIN = 132
    LOG_WITNESSES = 133


def _library_text(code: int) -> Optional[str]:
    """pqcha_strerror(code), or None when the library is not loaded (yet)."""
    try:
        from . import _lib  # loaded by the package's __init__; imported late on purpose
    except ImportError:
        return None
    library = getattr(_lib, "lib", None)
    if library is None:
        return None
    raw = library.pqcha_strerror(int(code))
    return raw.decode("utf-8", "replace") if raw else None


class PqchaError(Exception):
    """A failure reported by libpqcha.

    Attributes:
        code: the library's error code (a :class:`Code` when known, else the int).
        name: the code's name, e.g. ``"BAD_SIGNATURE"`` (``"UNKNOWN"`` for a code
            this version does not know).
        message: the library's one-line description (``pqcha_strerror``).
        detail: extra context from the binding (which file, which check), or None.

    ``str(error)`` is the message, followed by ``": "`` and the detail if any.
    Construct one with :func:`error_for`, which picks the class for the code.
    """

    code: int
    name: str
    message: str
    detail: Optional[str]

    def __init__(self, code: int, detail: Optional[str] = None) -> None:
        try:
            known: int = Code(int(code))
        except ValueError:
            known = int(code)
        self.code = known
        self.name = known.name if isinstance(known, Code) else "UNKNOWN"
        self.message = _library_text(int(code)) or self.name.replace("_", " ").lower()
        self.detail = detail
        super().__init__(int(code), detail)

    def __str__(self) -> str:
        if self.detail:
            return "%s: %s" % (self.message, self.detail)
        return self.message

    def __repr__(self) -> str:
        return "%s(%s%s)" % (
            type(self).__name__,
            "Code." + self.name if isinstance(self.code, Code) else str(int(self.code)),
            ", detail=%r" % self.detail if self.detail is not None else "",
        )

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (error_for, (int(self.code), self.detail))


class ArgumentError(PqchaError):
    """Codes 1-9: an invalid argument or call, or the environment failed (memory, RNG, crypto)."""


class FormatError(PqchaError):
    """Codes 10-39: the input is not a well-formed key, report, policy or manifest."""


class VerificationError(PqchaError):
    """Codes 40-59: verification refused an authentic-looking report."""


class BackendError(PqchaError):
    """Codes 60-69: reading region bytes failed (also a Python backend that raised)."""


class FileError(PqchaError):
    """Codes 70-79: a file or key file on disk."""


class EvidenceError(PqchaError):
    """Codes 80-99: hardware evidence (AMD SEV-SNP, Intel TDX)."""


class ChallengeError(PqchaError):
    """Codes 100-109: a challenge (nonce) a verifier service keeps."""


class StoreError(PqchaError):
    """Codes 110-119: the verifier service's store."""


class TransparencyLogError(PqchaError):
    """Codes 120-139: the transparency log (proofs, tiles, checkpoints, signed notes)."""


_RANGES: Sequence = (
    (1, 9, ArgumentError),
    (10, 39, FormatError),
    (40, 59, VerificationError),
    (60, 69, BackendError),
    (70, 79, FileError),
    (80, 99, EvidenceError),
    (100, 109, ChallengeError),
    (110, 119, StoreError),
    (120, 139, TransparencyLogError),
)


def error_class(code: int) -> Type[PqchaError]:
    """The exception class for a code (PqchaError itself for codes outside every range)."""
    for low, high, cls in _RANGES:
        if low <= int(code) <= high:
            return cls
    return PqchaError


def error_for(code: int, detail: Optional[str] = None) -> PqchaError:
    """An exception instance of the right class for a library error code."""
    return error_class(code)(code, detail)


class LibraryNotFound(ImportError):
    """libpqcha could not be loaded: missing, too old, or lacking a function.

    The message names every place looked at and why each was refused;
    :attr:`places` lists them.
    """

    places: List[str]

    def __init__(self, message: str, places: Optional[List[str]] = None) -> None:
        super().__init__(message)
        self.places = list(places or [])
