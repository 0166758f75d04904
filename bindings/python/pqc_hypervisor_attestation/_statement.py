"""The one mapping from a signed pqcha statement to the original's report shape.

Used by the signer (to rewrite a report to exactly what it signed) and by the
verifier (to check that a report's visible fields are still what was signed),
so the two can never disagree.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from typing import Any, Optional

import pqcha

from ._util import format_timestamp
from .claim import AttestationClaim, AttestationReport
from .identity import AttesterIdentity, did_for_key
from .region import MemoryRegion, RegionSnapshot

REPORT_ID_PREFIX = "urn:pqc-attreport:"
CLAIM_ID_PREFIX = "urn:pqc-att:"


def report_id_for(pqcha_report_id: str) -> str:
    """``urn:uuid:<uuid>`` (pqcha) -> ``urn:pqc-attreport:<32 hex>`` (the original's shape)."""
    if pqcha_report_id.startswith("urn:uuid:"):
        return REPORT_ID_PREFIX + pqcha_report_id[len("urn:uuid:"):].replace("-", "")
    return REPORT_ID_PREFIX + hashlib.sha3_256(pqcha_report_id.encode("utf-8")).hexdigest()[:32]


def claim_id_for(pqcha_report_id: str, index: int, region_id: str) -> str:
    """Deterministic per (report, position, region): 32 lowercase hex like the original's uuid4().hex."""
    h = hashlib.sha3_256(
        b"pqc-hypervisor-attestation/claim-id/v1\0"
        + pqcha_report_id.encode("utf-8")
        + b"\0"
        + str(index).encode("ascii")
        + b"\0"
        + region_id.encode("utf-8")
    )
    return CLAIM_ID_PREFIX + h.hexdigest()[:32]


def envelope_signature_hex(envelope: str) -> str:
    """The hex of the envelope's (single) signature, or "" if it cannot be read."""
    try:
        doc = json.loads(envelope)
        sig = doc["signatures"][0]["sig"]
        return base64.b64decode(sig, validate=True).hex()
    except (ValueError, KeyError, IndexError, TypeError, binascii.Error):
        return ""


def signer_key_of(signer: Any) -> "pqcha.Key":
    """A public pqcha.Key from an identity, a key, PEM text or a path to a PEM file."""
    if isinstance(signer, AttesterIdentity):
        return signer.public_key()
    if isinstance(signer, pqcha.Key):
        return signer.public_key() if signer.has_private else signer
    if isinstance(signer, (bytes, bytearray)):
        return pqcha.Key.from_pem(bytes(signer)).public_key()
    if isinstance(signer, str):
        if signer.startswith("did:"):
            raise TypeError(
                "a DID is not a trust anchor (it is a hash of the key, the key cannot be "
                "recovered from it): pass the attester's public key — identity.public_key(), "
                "a pqcha.Key, PEM text or the path of a .pub.pem file"
            )
        if "-----BEGIN" in signer:
            return pqcha.Key.from_pem(signer).public_key()
        return pqcha.Key.load(signer).public_key()
    if isinstance(signer, os.PathLike):
        return pqcha.Key.load(os.fspath(signer)).public_key()
    raise TypeError(
        "a trusted key is an AttesterIdentity, a pqcha.Key, PEM text or a path to a PEM file, "
        f"not {type(signer).__name__}"
    )


def report_from_pqcha(
    rep: "pqcha.Report",
    key: Optional["pqcha.Key"],
    envelope: str,
    contents: Optional[dict] = None,
) -> AttestationReport:
    """The AttestationReport a signed pqcha report states (key: the signer's, if known)."""
    did = did_for_key(key) if key is not None else ""
    claims = []
    for i, r in enumerate(rep.regions):
        region = MemoryRegion(
            region_id=r.id,
            description=r.description,
            address=r.address,
            size=r.size,
            protection=r.protection,
        )
        snap = RegionSnapshot(
            region_id=r.id,
            content_hash=r.digest,
            size=r.size,
            taken_at=format_timestamp(r.taken_at),
        )
        if contents is not None and r.id in contents:
            snap._with_content(contents[r.id])
        claims.append(
            AttestationClaim(
                claim_id=claim_id_for(rep.id, i, r.id),
                region=region,
                snapshot=snap,
                expected_hash=r.expected or "",
                workload_id=rep.workload_id,
                platform=rep.platform,
                nonce=rep.nonce,
            )
        )
    return AttestationReport(
        report_id=report_id_for(rep.id),
        claims=claims,
        attester_id=did,
        platform=rep.platform,
        issued_at=format_timestamp(rep.issued_at),
        expires_at=format_timestamp(rep.expires_at),
        signer_did=did,
        algorithm=getattr(rep, "signer_algorithm", None) or (key.algorithm if key is not None else ""),
        signature=envelope_signature_hex(envelope),
        public_key=key.public_raw().hex() if key is not None else "",
        envelope=envelope,
    )


def rewrite_in_place(target: AttestationReport, source: AttestationReport) -> AttestationReport:
    """Makes target field-for-field equal to source (Attester.sign returns the same object)."""
    for name in (
        "report_id",
        "claims",
        "attester_id",
        "platform",
        "issued_at",
        "expires_at",
        "signer_did",
        "algorithm",
        "signature",
        "public_key",
        "envelope",
    ):
        setattr(target, name, getattr(source, name))
    return target
