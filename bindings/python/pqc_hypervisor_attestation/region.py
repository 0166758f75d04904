"""Memory regions and their snapshots (the original's ``region.py``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Optional

import pqcha

from ._util import (
    MAX_SAFE_INTEGER,
    PROTECTIONS,
    description_problem,
    format_timestamp,
    identifier_problem,
    is_int,
    now_seconds,
)
from .errors import InvalidRegionError

__all__ = ["MemoryRegion", "RegionSnapshot"]


@dataclass(frozen=True)
class MemoryRegion:
    """A named, addressable range of memory (hashable, compared by value).

    Same fields as the original. They are not validated when the object is
    built (so ``MemoryRegion(**d)`` keeps working); they are checked, with an
    :class:`InvalidRegionError` saying what is wrong, when a region is
    registered with a backend or measured for a signature: ``region_id`` is
    1..256 bytes of UTF-8 without control characters, ``description`` at most
    1024 bytes without control characters, ``address`` and ``size`` are
    non-negative integers (``size`` at most 2^53-1, ``address + size`` at
    most 2^64) and ``protection`` is one of ``R``, ``RO``, ``RW``, ``RX``.
    """

    region_id: str
    description: str
    address: int
    size: int
    protection: str = "RO"  # "R" | "RW" | "RO" | "RX"

    def to_dict(self) -> dict:
        return asdict(self)

    def problem(self) -> Optional[str]:
        """Why pqcha would refuse this region, or None when it is well-formed."""
        p = identifier_problem(self.region_id, "region_id")
        if p:
            return p
        p = description_problem(self.description)
        if p:
            return f"region {self.region_id!r}: {p}"
        if not is_int(self.address) or self.address < 0:
            return f"region {self.region_id!r}: address must be a non-negative int, got {self.address!r}"
        if not is_int(self.size) or not 0 <= self.size <= MAX_SAFE_INTEGER:
            return f"region {self.region_id!r}: size must be an int in 0..2^53-1, got {self.size!r}"
        if self.address + self.size > 2**64:
            return f"region {self.region_id!r}: address + size passes 2^64"
        if self.protection not in PROTECTIONS:
            return (
                f"region {self.region_id!r}: protection must be one of "
                f"{', '.join(PROTECTIONS)}, got {self.protection!r}"
            )
        return None

    def validate(self) -> "MemoryRegion":
        """Raises :class:`InvalidRegionError` unless the region is well-formed; returns self."""
        p = self.problem()
        if p:
            raise InvalidRegionError(p)
        return self

    def _to_pqcha(self) -> "pqcha.Region":
        self.validate()
        return pqcha.Region(
            id=self.region_id,
            size=self.size,
            description=self.description,
            address=self.address,
            protection=self.protection,
        )


def _content_size(content: Any) -> int:
    if isinstance(content, str):
        raise TypeError("region content must be bytes-like, not str")
    try:
        with memoryview(content) as view:
            return view.nbytes
    except TypeError:
        raise TypeError(
            f"region content must be bytes-like (bytes, bytearray, memoryview, mmap), "
            f"not {type(content).__name__}"
        ) from None


@dataclass(frozen=True)
class RegionSnapshot:
    """The SHA3-256 fingerprint of a region's bytes at one moment.

    ``content_hash`` is SHA3-256 of the exact bytes (64 lowercase hex),
    ``size`` their length, ``taken_at`` an RFC 3339 UTC timestamp as pqcha
    writes it (``2026-04-20T00:00:00Z``).

    :meth:`create` also keeps a private reference to the content (not a copy;
    not part of equality, ``repr`` or :meth:`to_dict`): :meth:`Attester.sign`
    measures those bytes again through pqcha, because a signer must measure
    what it signs. A snapshot built any other way (``RegionSnapshot(...)``,
    ``from_dict``) has no content and cannot be signed.
    """

    region_id: str
    content_hash: str
    size: int
    taken_at: str

    # Not a dataclass field (no annotation): the bytes create() fingerprinted.
    _content = None

    @staticmethod
    def hash_bytes(data: Any) -> str:
        """SHA3-256 of the bytes, lowercase hex (computed by pqcha, without copying)."""
        _content_size(data)
        return pqcha.hexdigest(data, "sha3-256")

    @classmethod
    def create(cls, region_id: str, content: Any) -> "RegionSnapshot":
        size = _content_size(content)
        snap = cls(
            region_id=region_id,
            content_hash=pqcha.hexdigest(content, "sha3-256"),
            size=size,
            taken_at=format_timestamp(now_seconds()),
        )
        object.__setattr__(snap, "_content", content)
        return snap

    @property
    def has_content(self) -> bool:
        """True when the snapshot holds the bytes it fingerprinted (it can be signed)."""
        return self._content is not None

    def to_dict(self) -> dict:
        return asdict(self)

    def _with_content(self, content: Any) -> "RegionSnapshot":
        object.__setattr__(self, "_content", content)
        return self
