"""Small shared helpers: RFC 3339 timestamps as pqcha writes them, strict hex, identifiers."""

from __future__ import annotations

import calendar
import datetime as _dt
import math
import re
import time
from typing import Optional, Union

# pqcha's bounds (include/pqcha/attest.h, include/pqcha/report.h).
MIN_TTL_SECONDS = 1
MAX_TTL_SECONDS = 7 * 24 * 3600
MAX_UNIX_SECONDS = 253402300799  # 9999-12-31T23:59:59Z
MAX_ID_LEN = 256
MAX_DESCRIPTION_LEN = 1024
MAX_SAFE_INTEGER = 2**53 - 1
MIN_NONCE_BYTES = 8
MAX_NONCE_BYTES = 64
PROTECTIONS = ("R", "RO", "RW", "RX")

_TS_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z", re.ASCII
)
_HEX_RE = re.compile(r"(?:[0-9a-f]{2})+", re.ASCII)

TimeLike = Union[None, int, float, _dt.datetime]


def now_seconds() -> int:
    """The current Unix time in whole seconds (as pqcha's clock reads it)."""
    return int(time.time())


def format_timestamp(unix_seconds: int) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ``: RFC 3339 UTC with whole seconds, exactly as pqcha writes it."""
    if not isinstance(unix_seconds, int) or isinstance(unix_seconds, bool):
        raise TypeError("a timestamp is a whole number of Unix seconds")
    if not 0 <= unix_seconds <= MAX_UNIX_SECONDS:
        raise ValueError(f"time {unix_seconds} is outside 1970..9999")
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(unix_seconds))


def parse_timestamp(text: object) -> Optional[int]:
    """Unix seconds of an RFC 3339 UTC timestamp as pqcha accepts it, or None.

    Strict: ``YYYY-MM-DDTHH:MM:SS[.fraction]Z`` with upper-case ``T`` and ``Z``,
    a real calendar date, years 1970..9999. A naive timestamp, a numeric offset
    (even ``+00:00``), an empty string or anything else is None: callers treat
    None as "expired", never as "never expires".
    """
    if not isinstance(text, str):
        return None
    m = _TS_RE.fullmatch(text)
    if m is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    if year < 1970:
        return None
    try:
        _dt.datetime(year, month, day, hour, minute, second)  # rejects 02-30, 24:00, :60
    except ValueError:
        return None
    return calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))


def to_unix_seconds(now: TimeLike) -> int:
    """A verifier's or caller's "now" as whole Unix seconds (floored)."""
    if now is None:
        return now_seconds()
    if isinstance(now, bool):
        raise TypeError("now must be a datetime or Unix seconds, not a bool")
    if isinstance(now, _dt.datetime):
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("now must be timezone-aware (e.g. datetime.now(timezone.utc))")
        return math.floor(now.timestamp())
    if isinstance(now, (int, float)):
        if isinstance(now, float) and not math.isfinite(now):
            raise ValueError("now must be finite")
        return math.floor(now)
    raise TypeError("now must be a datetime or Unix seconds")


def is_lower_hex(text: object, nbytes: Optional[int] = None) -> bool:
    """Lowercase hex without whitespace, even length (and exactly nbytes bytes if given)."""
    if not isinstance(text, str) or _HEX_RE.fullmatch(text) is None:
        return False
    return nbytes is None or len(text) == 2 * nbytes


def check_nonce(nonce: object) -> str:
    """A verifier's challenge: lowercase hex of 8..64 bytes."""
    if not is_lower_hex(nonce) or not (
        MIN_NONCE_BYTES * 2 <= len(nonce) <= MAX_NONCE_BYTES * 2  # type: ignore[arg-type]
    ):
        raise ValueError(
            f"a nonce is lowercase hex of {MIN_NONCE_BYTES}..{MAX_NONCE_BYTES} bytes "
            f"({MIN_NONCE_BYTES * 2}..{MAX_NONCE_BYTES * 2} hex digits), e.g. os.urandom(16).hex(); "
            f"got {nonce!r}"
        )
    return nonce  # type: ignore[return-value]


def identifier_problem(value: object, what: str) -> Optional[str]:
    """Why value is not a pqcha identifier (1..256 bytes of UTF-8 without control characters)."""
    if not isinstance(value, str):
        return f"{what} must be a str, not {type(value).__name__}"
    try:
        raw = value.encode("utf-8")
    except UnicodeEncodeError:
        return f"{what} {value!r} is not valid UTF-8"
    if not 1 <= len(raw) <= MAX_ID_LEN:
        return f"{what} {value!r} must be 1..{MAX_ID_LEN} bytes of UTF-8"
    if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in value):
        return f"{what} {value!r} contains control characters"
    return None


def description_problem(value: object) -> Optional[str]:
    if not isinstance(value, str):
        return f"description must be a str, not {type(value).__name__}"
    try:
        raw = value.encode("utf-8")
    except UnicodeEncodeError:
        return f"description {value!r} is not valid UTF-8"
    if len(raw) > MAX_DESCRIPTION_LEN:
        return f"description is {len(raw)} bytes, above {MAX_DESCRIPTION_LEN}"
    if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in value):
        return f"description {value!r} contains control characters"
    return None


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
