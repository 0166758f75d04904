"""Attestation claims and reports (the original's ``claim.py``)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Union

from ._util import (
    MAX_TTL_SECONDS,
    TimeLike,
    format_timestamp,
    is_int,
    now_seconds,
    parse_timestamp,
    to_unix_seconds,
)
from .region import MemoryRegion, RegionSnapshot

__all__ = ["AttestationClaim", "AttestationReport"]


@dataclass
class AttestationClaim:
    """One statement about one region at one point in time.

    ``expected_hash`` is what the *attester* expected: informational only. No
    verifier decides on it (the original made it the drift policy, so a
    compromised attester could simply omit it); the verifier's own
    ``expected_hashes`` / policy decide.
    """

    claim_id: str
    region: MemoryRegion
    snapshot: RegionSnapshot
    expected_hash: str = ""
    workload_id: str = ""
    platform: str = ""
    nonce: str = ""

    @classmethod
    def create(
        cls,
        region: MemoryRegion,
        snapshot: RegionSnapshot,
        expected_hash: str = "",
        workload_id: str = "",
        platform: str = "",
        nonce: str = "",
    ) -> "AttestationClaim":
        return cls(
            claim_id="urn:pqc-att:" + uuid.uuid4().hex,
            region=region,
            snapshot=snapshot,
            expected_hash=expected_hash,
            workload_id=workload_id,
            platform=platform,
            nonce=nonce,
        )

    def to_dict(self) -> dict:
        return {
            "claim_id": self.claim_id,
            "region": self.region.to_dict(),
            "snapshot": self.snapshot.to_dict(),
            "expected_hash": self.expected_hash,
            "workload_id": self.workload_id,
            "platform": self.platform,
            "nonce": self.nonce,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "AttestationClaim":
        return cls(
            claim_id=d["claim_id"],
            region=MemoryRegion(**d["region"]),
            snapshot=RegionSnapshot(**d["snapshot"]),
            expected_hash=d.get("expected_hash", ""),
            workload_id=d.get("workload_id", ""),
            platform=d.get("platform", ""),
            nonce=d.get("nonce", ""),
        )


@dataclass
class AttestationReport:
    """A bundle of claims, signed by an attester.

    The original's ten fields, plus ``envelope``: the pqcha DSSE envelope (JSON
    text) that was actually signed. Once signed, every visible field is derived
    from the signed statement, and ``AttestationVerifier`` checks that they
    still are; ``pqcha verify`` and ``pqcha serve`` accept the envelope as is
    (``report.envelope`` or ``report.save_envelope(path)``).

    Timestamps are RFC 3339 UTC with whole seconds (``2026-04-20T00:00:00Z``),
    as pqcha writes them.
    """

    report_id: str
    claims: list = field(default_factory=list)
    attester_id: str = ""
    platform: str = ""
    issued_at: str = ""
    expires_at: str = ""
    # Envelope (set by Attester.sign; not part of canonical_bytes).
    signer_did: str = ""
    algorithm: str = ""
    signature: str = ""
    public_key: str = ""
    envelope: str = ""

    @classmethod
    def create(
        cls,
        claims: list,
        attester_id: str = "",
        platform: str = "",
        ttl_seconds: int = 300,
    ) -> "AttestationReport":
        """An unsigned report valid for ttl_seconds from now.

        ttl_seconds must be an int in 0..604800; only 1..604800 can be signed
        (pqcha's bounds: a report that is expired when issued proves nothing).
        """
        if not is_int(ttl_seconds):
            raise TypeError(f"ttl_seconds must be an int, not {type(ttl_seconds).__name__}")
        if not 0 <= ttl_seconds <= MAX_TTL_SECONDS:
            raise ValueError(f"ttl_seconds must be in 0..{MAX_TTL_SECONDS}, got {ttl_seconds}")
        now = now_seconds()
        return cls(
            report_id="urn:pqc-attreport:" + uuid.uuid4().hex,
            claims=list(claims),
            attester_id=attester_id,
            platform=platform,
            issued_at=format_timestamp(now),
            expires_at=format_timestamp(now + ttl_seconds),
        )

    # ---- signed or not ----
    @property
    def is_signed(self) -> bool:
        return bool(self.signature and self.envelope)

    def is_expired(self, now: TimeLike = None) -> bool:
        """True when ``now`` (default: the clock) is at or after ``expires_at``.

        Parsed strictly as pqcha does: an empty, unparseable, naive or
        offset-carrying timestamp counts as expired (the original treated
        those as "never expires", or raised TypeError). ``now`` may be an
        aware datetime or Unix seconds; this is only a local convenience, the
        verifier decides with its own clock.
        """
        exp = parse_timestamp(self.expires_at)
        if exp is None:
            return True
        return to_unix_seconds(now) >= exp

    # ---- serialisation ----
    def canonical_bytes(self) -> bytes:
        """The original's canonical JSON of the six report fields.

        Kept for compatibility (it is deterministic and starts with
        ``{"attester_id":``), but it is no longer what is signed: the signature
        covers the pqcha statement in ``envelope`` (DSSE PAE over its exact
        payload bytes, ML-DSA with the payload type as domain separation).
        """
        payload = {
            "report_id": self.report_id,
            "claims": [c.to_dict() for c in self.claims],
            "attester_id": self.attester_id,
            "platform": self.platform,
            "issued_at": self.issued_at,
            "expires_at": self.expires_at,
        }
        return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
            "utf-8"
        )

    def to_dict(self) -> dict:
        return {
            "report_id": self.report_id,
            "claims": [c.to_dict() for c in self.claims],
            "attester_id": self.attester_id,
            "platform": self.platform,
            "issued_at": self.issued_at,
            "expires_at": self.expires_at,
            "signer_did": self.signer_did,
            "algorithm": self.algorithm,
            "signature": self.signature,
            "public_key": self.public_key,
            "envelope": self.envelope,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "AttestationReport":
        return cls(
            report_id=d["report_id"],
            claims=[AttestationClaim.from_dict(c) for c in d.get("claims", [])],
            attester_id=d.get("attester_id", ""),
            platform=d.get("platform", ""),
            issued_at=d.get("issued_at", ""),
            expires_at=d.get("expires_at", ""),
            signer_did=d.get("signer_did", ""),
            algorithm=d.get("algorithm", ""),
            signature=d.get("signature", ""),
            public_key=d.get("public_key", ""),
            envelope=d.get("envelope", ""),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_json(cls, text: Union[str, bytes]) -> "AttestationReport":
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_envelope(cls, envelope: Union[str, bytes], signer: Any = None) -> "AttestationReport":
        """The report a pqcha envelope describes (from ``pqcha attest``, ``pqcha.Attester``...).

        Decoded, NOT verified: pass the result (or the envelope) to
        :class:`AttestationVerifier`. ``signer`` (an AttesterIdentity, pqcha.Key
        or public PEM) fills ``signer_did``/``attester_id``/``public_key`` when it
        is the key the envelope names; otherwise they stay empty.
        """
        import pqcha

        from ._statement import report_from_pqcha, signer_key_of

        text = envelope.decode("utf-8") if isinstance(envelope, (bytes, bytearray)) else envelope
        rep = pqcha.Report.from_envelope(text)
        key = None
        if signer is not None:
            key = signer_key_of(signer)
            if key.id != rep.signer_key_id:
                key = None
        return report_from_pqcha(rep, key, text)

    def save_envelope(self, path: str) -> None:
        """Writes the signed pqcha envelope (what ``pqcha verify`` reads)."""
        if not self.envelope:
            raise ValueError("the report is not signed: no envelope to save")
        import pqcha

        pqcha.Report.from_envelope(self.envelope).save(path)
