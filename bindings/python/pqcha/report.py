"""Signed reports: the DSSE envelope an attester writes, decoded for reading."""

from __future__ import annotations

import ctypes
import datetime as _dt
import json
import os
import time as _time
from ctypes import c_size_t, c_void_p
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Union

from . import _lib
from ._handle import buffer_of, check

__all__ = ["Report", "ReportRegion", "Segment"]

_L = _lib.lib

_SEGMENTS = 4  # PQCHA_DIGEST_SHA3_256_SEGMENTS

PathArg = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]


@dataclass(frozen=True)
class Segment:
    """A piece of a region measured tensor by tensor ("sha3-256-segments"):
    its offset and size within the region, its sha3-256-tree digest (hex), and
    the tensor it holds (None for bytes between tensors)."""

    offset: int
    size: int
    digest: str
    tensor: Optional[str] = None


@dataclass(frozen=True)
class ReportRegion:
    """One measured region of a report.

    ``digest`` is lowercase hex under ``algorithm`` ("sha3-256-tree",
    "sha3-256", "k12" or "sha3-256-segments"); ``expected`` the digest the
    attester itself recorded ("" if none: informational, never trusted);
    ``taken_at`` Unix seconds; ``mapped_file``/``file_offset`` where the
    bytes of a process's file mapping come from; ``tensors`` the tensor names
    a mapping measured tensor by tensor carries, ``segments`` its pieces.
    """

    id: str
    description: str
    address: int
    size: int
    protection: str
    digest: str
    algorithm: str
    expected: str = ""
    taken_at: int = 0
    mapped_file: Optional[str] = None
    file_offset: int = 0
    tensors: List[str] = field(default_factory=list)
    file_deleted: bool = False
    segments: List[Segment] = field(default_factory=list)


def _utc(seconds: int) -> _dt.datetime:
    return _dt.datetime.fromtimestamp(seconds, tz=_dt.timezone.utc)


def _blob(fn: Any, handle: int) -> Optional[bytes]:
    length = c_size_t(0)
    ptr = fn(handle, ctypes.byref(length))
    if not ptr:
        return None
    return ctypes.string_at(ptr, length.value)


def _payload_of(envelope: bytes) -> Dict[str, Any]:
    """The envelope's payload statement as a dict (decoded, not verified)."""
    pretty = c_void_p()
    check(_L.pqcha_envelope_describe(ctypes.byref(pretty), None, None, envelope, len(envelope)))
    return dict(json.loads(_lib.take_string(pretty)))


def _segments_by_region(envelope: bytes) -> Dict[str, List[Segment]]:
    """The segments of every sha3-256-segments region, from the payload JSON.

    The library has no accessor for a decoded region's segments, so they are
    read from the same payload the library decoded (strictly) just before.
    """
    out: Dict[str, List[Segment]] = {}
    for region in _payload_of(envelope).get("predicate", {}).get("regions", []):
        pieces = region.get("segments")
        if pieces:
            out[region["id"]] = [
                Segment(int(p["offset"]), int(p["size"]), str(p["digest"]), p.get("tensor")) for p in pieces
            ]
    return out


def region_from_handle(rep: int, i: int, segments: Optional[Dict[str, List[Segment]]] = None) -> ReportRegion:
    """Region i of a report handle, copied into Python."""
    r = _L.pqcha_report_region(rep, i)
    region_id = _lib.text(_L.pqcha_region_id(r))
    pieces = (segments or {}).get(region_id, [])
    tensors = [p.tensor for p in pieces if p.tensor is not None]
    mapped = _L.pqcha_region_mapped_file(r)
    return ReportRegion(
        id=region_id,
        description=_lib.text(_L.pqcha_region_description(r)),
        address=int(_L.pqcha_region_address(r)),
        size=int(_L.pqcha_region_size(r)),
        protection=_lib.text(_L.pqcha_protection_name(_L.pqcha_region_protection(r))),
        digest=_lib.text(_L.pqcha_report_region_digest_hex(rep, i)),
        algorithm=_lib.text(_L.pqcha_digest_alg_name(_L.pqcha_report_region_digest_alg(rep, i))),
        expected=_lib.text(_L.pqcha_report_region_expected_hex(rep, i)),
        taken_at=int(_L.pqcha_report_region_taken_at(rep, i)),
        mapped_file=os.fsdecode(mapped) if mapped is not None else None,
        file_offset=int(_L.pqcha_region_file_offset(r)),
        tensors=tensors,
        file_deleted=bool(_L.pqcha_region_file_deleted(r)) if mapped is not None else False,
        segments=pieces,
    )


class Report:
    """A report: the DSSE envelope (JSON text) and its decoded contents.

    A Report made by :meth:`from_envelope` is decoded but NOT verified: its
    signature, signer, freshness and digests are whatever the text says. Base
    no decision on it; use :class:`pqcha.Verifier`, whose result carries the
    report (``Result.report``) once its signature verified with a trusted key.
    ``str(report)`` is the envelope.
    """

    envelope: str
    id: str
    workload_id: str
    platform: str
    signer_key_id: str
    signer_algorithm: str
    nonce: str
    sequence: int
    issued_at: int
    expires_at: int
    regions: List[ReportRegion]
    evidence_platform: Optional[str]
    evidence_binding: Optional[str]

    def __init__(self, envelope: str, _handle: int) -> None:
        """Internal: use :meth:`from_envelope`."""
        self.envelope = envelope
        self._fill(_handle)

    @classmethod
    def _deferred(cls, raw: bytes) -> "Report":
        """A report of an envelope the library just made: decoded on first use."""
        self = cls.__new__(cls)
        self._raw = raw
        self._decoded = False
        return self

    def _envelope_bytes(self) -> bytes:
        """The envelope as UTF-8 bytes (kept, for verifying the same report again)."""
        raw = self.__dict__.get("_raw")
        if raw is None:
            raw = self.__dict__["_raw"] = self.envelope.encode("utf-8")
        return raw

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes not set yet: those of a deferred report,
        # whose text is decoded when first asked for (a verifier takes the
        # bytes as they are: a large report is not decoded twice for nothing).
        fields = self.__dict__
        if name.startswith("__") or "_raw" not in fields:
            raise AttributeError(name)
        if name == "envelope":
            fields["envelope"] = fields["_raw"].decode("utf-8")
            return fields["envelope"]
        if fields.get("_decoded", True):
            raise AttributeError(name)
        data = self._envelope_bytes()
        out = c_void_p()
        check(_L.pqcha_report_decode_unverified(ctypes.byref(out), data, len(data)))
        try:
            self._fill(out.value)
        finally:
            _L.pqcha_report_free(out)
        self._decoded = True
        return getattr(self, name)

    def _fill(self, rep: int) -> None:
        self.id = _lib.text(_L.pqcha_report_id(rep))
        self.workload_id = _lib.text(_L.pqcha_report_workload_id(rep))
        self.platform = _lib.text(_L.pqcha_report_platform(rep))
        self.signer_key_id = _lib.text(_L.pqcha_report_signer_key_id(rep))
        self.signer_algorithm = _lib.text(_L.pqcha_sig_alg_name(_L.pqcha_report_signer_algorithm(rep)))
        self.nonce = _lib.text(_L.pqcha_report_nonce(rep))
        self.sequence = int(_L.pqcha_report_sequence(rep))
        self.issued_at = int(_L.pqcha_report_issued_at(rep))
        self.expires_at = int(_L.pqcha_report_expires_at(rep))
        count = _L.pqcha_report_region_count(rep)
        segmented = any(
            _L.pqcha_report_region_digest_alg(rep, i) == _SEGMENTS for i in range(count)
        )
        segments = _segments_by_region(self._envelope_bytes()) if segmented else None
        self.regions = [region_from_handle(rep, i, segments) for i in range(count)]
        self.evidence_platform = _lib.opt_text(_L.pqcha_report_evidence_platform(rep))
        self.evidence_binding = _lib.opt_text(_L.pqcha_report_evidence_binding(rep))
        self._evidence = _blob(_L.pqcha_report_evidence_bytes, rep)
        self._evidence_certs = _blob(_L.pqcha_report_evidence_certificates, rep)

    @classmethod
    def from_envelope(cls, envelope: Union[str, bytes, Any]) -> "Report":
        """Decodes an envelope (as ``pqcha attest`` writes it) WITHOUT verifying it.

        Strict syntax checks only: raises FormatError with the code of the first
        defect (JSON_SYNTAX, BAD_BASE64, BAD_PAYLOAD_TYPE, ...). The result is
        whatever the text claims; verify it with :class:`pqcha.Verifier`.
        """
        if isinstance(envelope, str):
            data = envelope.encode("utf-8")
        else:
            data = bytes(memoryview(envelope)) if not isinstance(envelope, bytes) else envelope
        out = c_void_p()
        with buffer_of(data, "envelope") as (ptr, length):
            check(_L.pqcha_report_decode_unverified(ctypes.byref(out), ptr, length))
        try:
            report = cls(data.decode("utf-8"), out.value)
        finally:
            _L.pqcha_report_free(out)
        if isinstance(data, bytes):
            report._raw = data
        return report

    @classmethod
    def load(cls, path: PathArg) -> "Report":
        """Reads and decodes (NOT verifies) an envelope file."""
        with open(os.fspath(path), "rb") as f:
            return cls.from_envelope(f.read())

    # -- derived views --------------------------------------------------------------------

    @property
    def issued_at_datetime(self) -> _dt.datetime:
        """issued_at as an aware UTC datetime."""
        return _utc(self.issued_at)

    @property
    def expires_at_datetime(self) -> _dt.datetime:
        """expires_at as an aware UTC datetime."""
        return _utc(self.expires_at)

    @property
    def evidence(self) -> Optional[bytes]:
        """The raw hardware evidence (SEV-SNP report or TDX quote) carried, or None."""
        return self._evidence

    @property
    def evidence_certificates(self) -> Optional[bytes]:
        """The certificate table that came with the evidence, or None."""
        return self._evidence_certs

    def region(self, region_id: str) -> ReportRegion:
        """The region of that id (KeyError if the report has none)."""
        for r in self.regions:
            if r.id == region_id:
                return r
        raise KeyError(region_id)

    def is_expired(self, now: Optional[float] = None) -> bool:
        """True when now (Unix seconds, default the clock) is at or past expires_at.

        Informational, like everything read from an unverified report.
        """
        return (now if now is not None else _time.time()) >= self.expires_at

    def payload(self) -> Dict[str, Any]:
        """The signed payload (the in-toto statement) as a dict, NOT verified."""
        return _payload_of(self._envelope_bytes())

    def save(self, path: PathArg, force: bool = True) -> None:
        """Writes the envelope to path atomically and durably (mode 0644).

        force=False refuses an existing file with FileError (FILE_EXISTS).
        """
        p = _lib.cpath(path)
        data = self._envelope_bytes()
        check(_L.pqcha_file_write_atomic(p, data, len(data), 0o644, 1 if force else 0), os.fsdecode(p))

    def __str__(self) -> str:
        return self.envelope

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Report):
            return NotImplemented
        return self.envelope == other.envelope

    def __hash__(self) -> int:
        return hash(self.envelope)

    def __repr__(self) -> str:
        return "<pqcha.Report %s workload=%r regions=%d sequence=%d>" % (
            self.id,
            self.workload_id,
            len(self.regions),
            self.sequence,
        )
