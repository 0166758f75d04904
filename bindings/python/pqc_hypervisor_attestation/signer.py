"""Signing and verification (the original's ``signer.py``), done by libpqcha."""

from __future__ import annotations

import base64
import functools
import json
import os
import threading
import types
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

import pqcha

from ._statement import report_from_pqcha, rewrite_in_place, signer_key_of
from ._util import (
    MAX_TTL_SECONDS,
    MIN_TTL_SECONDS,
    TimeLike,
    check_nonce,
    identifier_problem,
    is_lower_hex,
    parse_timestamp,
    to_unix_seconds,
)
from .backends.base import AttestationBackend
from .claim import AttestationClaim, AttestationReport
from .errors import (
    AttestationVerificationError,
    BackendError,
    HypervisorAttestationError,
    InvalidRegionError,
    RegionDriftError,
    TrustAnchorError,
)
from .identity import AttesterIdentity
from .region import MemoryRegion, _content_size

__all__ = ["VerificationResult", "Attester", "AttestationVerifier", "DEFAULT_WORKLOAD_ID"]

#: The workload id a hand-built report is signed under when its claims name none.
DEFAULT_WORKLOAD_ID = "default"

# The verifier's checks (docs/FORMAT.md section 5), by what they establish.
_AUTHENTICITY_CHECKS = ("envelope", "trust", "signature", "payload", "signer", "algorithm")
_FRESHNESS_CHECKS = ("not-expired", "issued-at", "lifetime")
_DRIFT_ERRORS = ("MEMORY_DRIFT", "MISSING_REGION")


def _raise_from_pqcha(err: "pqcha.PqchaError", doing: str) -> None:
    """Re-raises a library error as this package's exception (a Python backend's own first)."""
    cause = err.__cause__
    if isinstance(err, pqcha.BackendError) and isinstance(cause, Exception) and not isinstance(
        cause, pqcha.PqchaError
    ):
        # An exception raised by a Python backend: propagate it as the original did.
        raise cause.with_traceback(cause.__traceback__) from None
    name = getattr(err, "name", "")
    if name in ("NO_SUCH_REGION", "REGION_CHANGED", "REGION_EXISTS", "BAD_IDENTIFIER", "BAD_PROTECTION"):
        raise InvalidRegionError(f"{doing}: {err}") from err
    if isinstance(err, pqcha.BackendError) or name == "UNKNOWN_BACKEND":
        raise BackendError(f"{doing}: {err}") from err
    raise HypervisorAttestationError(f"{doing}: {err}") from err


class _ClaimsBackend(AttestationBackend):
    """The regions and bytes of a hand-built report, served to libpqcha to be measured."""

    name = "pqc-hypervisor-attestation"

    def __init__(self, platform: str, workload_id: str, items: List[Tuple[MemoryRegion, Any]]):
        self.platform = platform
        self._workload_id = workload_id
        self._items = {r.region_id: (r, c) for r, c in items}
        self._order = [r for r, _ in items]

    def list_regions(self, workload_id: str) -> List[MemoryRegion]:
        return list(self._order) if workload_id == self._workload_id else []

    def snapshot(self, region: MemoryRegion):  # pragma: no cover - never called
        raise NotImplementedError

    def read_region(self, workload_id: str, region: MemoryRegion):
        return (self._items[region.region_id][1],)


class Attester:
    """Signs reports with an :class:`AttesterIdentity` (ML-DSA, through libpqcha).

    ``Attester(identity)`` as in the original; ``identity`` may also be a
    private :class:`pqcha.Key`. Reports are pqcha reports: each signed
    :class:`AttestationReport` carries the DSSE ``envelope`` that
    ``pqcha verify`` and ``pqcha serve`` accept.
    """

    def __init__(self, identity: Union[AttesterIdentity, "pqcha.Key"], *, threads: int = 1):
        if isinstance(identity, pqcha.Key):
            identity = AttesterIdentity(identity)
        if not isinstance(identity, AttesterIdentity):
            raise TypeError(
                "Attester needs an AttesterIdentity (AttesterIdentity.create(name) or "
                f".load(path)) or a private pqcha.Key, not {type(identity).__name__}"
            )
        self.identity = identity
        self.threads = threads
        self._sequence = 0
        self._lock = threading.Lock()

    # ---- the one way reports get signed ----
    def _attest(
        self,
        backend: "pqcha.Backend",
        workload_id: str,
        *,
        ttl: int,
        nonce: Optional[str],
        expected: Optional[Mapping[str, str]],
        contents: Optional[dict] = None,
        doing: str = "attest",
    ) -> AttestationReport:
        if not self.identity.can_sign:
            raise HypervisorAttestationError(
                f"{doing}: identity {self.identity.did} has only a public key; load the private key "
                "(AttesterIdentity.load('attester.pem')) to sign"
            )
        if nonce is not None:
            try:
                check_nonce(nonce)
            except ValueError as e:
                raise HypervisorAttestationError(f"{doing}: {e}") from None
        expected = {rid: hx.lower() if isinstance(hx, str) else hx for rid, hx in (expected or {}).items()}
        for rid, hx in expected.items():
            if not is_lower_hex(hx, 32):
                raise HypervisorAttestationError(
                    f"{doing}: expected hash of region {rid!r} must be 64 lowercase hex digits "
                    f"(a SHA3-256 digest), got {hx!r}"
                )
        with self._lock:
            try:
                with pqcha.Attester(
                    self.identity.key,
                    backend,
                    workload_id,
                    ttl=ttl,
                    digest="sha3-256",
                    threads=self.threads,
                    expected=dict(expected) if expected else None,
                    sequence=self._sequence,
                ) as att:
                    rep = att.attest(nonce)
            except pqcha.PqchaError as e:
                _raise_from_pqcha(e, doing)
            self._sequence += 1
        return report_from_pqcha(rep, self.identity.public_key(), rep.envelope, contents)

    def sign(self, report: AttestationReport) -> AttestationReport:
        """Measures the claims' content through pqcha, signs, and rewrites ``report`` in place.

        Every claim's snapshot must hold the bytes it fingerprinted
        (``RegionSnapshot.create(region_id, content)``): the signer measures
        what it signs, so a report cannot claim a hash the signer did not
        compute. Afterwards every field is exactly the signed statement:
        ``report_id`` and claim ids derived from it, ``issued_at``/``expires_at``
        re-stamped at signing time with the report's lifetime (1..604800 s),
        ``attester_id``/``signer_did`` the identity's DID, snapshots' hashes,
        sizes and ``taken_at`` as measured, ``envelope`` the DSSE JSON.
        Returns the same object (as the original did).
        """
        if not isinstance(report, AttestationReport):
            raise TypeError(f"sign() takes an AttestationReport, not {type(report).__name__}")
        doing = "cannot sign report " + str(report.report_id)
        claims = list(report.claims)
        if not claims:
            raise HypervisorAttestationError(
                f"{doing}: it has no claims. pqcha refuses an empty report (it would attest "
                "nothing, and the original's empty reports verified as valid)"
            )
        iss, exp = parse_timestamp(report.issued_at), parse_timestamp(report.expires_at)
        if iss is None or exp is None:
            raise HypervisorAttestationError(
                f"{doing}: issued_at and expires_at must be RFC 3339 UTC timestamps "
                f"(YYYY-MM-DDTHH:MM:SSZ), got {report.issued_at!r} and {report.expires_at!r}"
            )
        ttl = exp - iss
        if not MIN_TTL_SECONDS <= ttl <= MAX_TTL_SECONDS:
            raise HypervisorAttestationError(
                f"{doing}: its lifetime (expires_at - issued_at) is {ttl} s; a signed report lives "
                f"{MIN_TTL_SECONDS}..{MAX_TTL_SECONDS} s (create it with ttl_seconds in that range)"
            )
        if report.attester_id and report.attester_id != self.identity.did:
            raise HypervisorAttestationError(
                f"{doing}: attester_id {report.attester_id!r} names another attester than the "
                f"signer {self.identity.did!r} (leave it empty or set it to identity.did)"
            )

        def one(values: Iterable[str], what: str) -> Optional[str]:
            distinct = sorted({v for v in values if v})
            if len(distinct) > 1:
                raise HypervisorAttestationError(
                    f"{doing}: its claims name several {what}s ({', '.join(distinct)}); a signed "
                    f"report has one"
                )
            return distinct[0] if distinct else None

        for i, c in enumerate(claims):
            if not isinstance(c, AttestationClaim):
                raise TypeError(f"claims[{i}] is a {type(c).__name__}, not an AttestationClaim")
        workload_id = one((c.workload_id for c in claims), "workload id") or DEFAULT_WORKLOAD_ID
        p = identifier_problem(workload_id, "workload_id")
        if p:
            raise HypervisorAttestationError(f"{doing}: {p}")
        platform = one([report.platform] + [c.platform for c in claims], "platform") or "in-memory"
        p = identifier_problem(platform, "platform")
        if p:
            raise HypervisorAttestationError(f"{doing}: {p}")
        nonce = one((c.nonce for c in claims), "nonce")

        items: List[Tuple[MemoryRegion, Any]] = []
        contents: Dict[str, Any] = {}
        expected: Dict[str, str] = {}
        for i, c in enumerate(claims):
            region, snap = c.region, c.snapshot
            if not isinstance(region, MemoryRegion):
                raise InvalidRegionError(f"{doing}: claims[{i}].region is not a MemoryRegion")
            region.validate()
            if snap.region_id != region.region_id:
                raise InvalidRegionError(
                    f"{doing}: claims[{i}] pairs region {region.region_id!r} with a snapshot of "
                    f"region {snap.region_id!r}"
                )
            content = getattr(snap, "_content", None)
            if content is None:
                raise HypervisorAttestationError(
                    f"{doing}: the snapshot of region {region.region_id!r} has no content to "
                    "measure. The signer must measure what it signs, so it cannot sign a hash it "
                    "is only told about (a snapshot from from_dict() or RegionSnapshot(...)): "
                    "build it with RegionSnapshot.create(region_id, content), or attest through "
                    "ContinuousAttester"
                )
            size = _content_size(content)
            if size != region.size:
                raise InvalidRegionError(
                    f"{doing}: region {region.region_id!r} is {region.size} bytes but its "
                    f"snapshot's content is {size} bytes"
                )
            if region.region_id in contents:
                raise InvalidRegionError(f"{doing}: region {region.region_id!r} appears twice")
            contents[region.region_id] = content
            items.append((region, content))
            if c.expected_hash:
                expected[region.region_id] = c.expected_hash

        backend = _ClaimsBackend(platform, workload_id, items)
        signed = self._attest(
            backend._pqcha_backend(),
            workload_id,
            ttl=ttl,
            nonce=nonce,
            expected=expected,
            contents=contents,
            doing=doing,
        )
        return rewrite_in_place(report, signed)


@dataclass(frozen=True)
class VerificationResult:
    """The original's five fields, plus what pqcha decided.

    * ``valid`` — the report is authentic (a trusted key signed it and its
      visible fields are what was signed), fresh, carries the required nonce,
      and matches the verifier's reference values (with ``strict=False``,
      drift does not make it invalid).
    * ``signature_valid`` — a key the verifier trusts signed it and every
      visible field equals the signed statement.
    * ``not_expired`` — the freshness checks passed (``expires_at`` in the
      future, ``issued_at`` not beyond the allowed skew, lifetime within the
      maximum); False when they could not be evaluated.
    * ``drifts`` — region ids whose measured digest differs from the
      verifier's reference, or that the report lacks; only ever filled for an
      authentic, fresh report.
    * ``error`` — why it is not valid (the original's wording where it has
      one: "missing signature", "invalid ML-DSA signature", "report expired",
      "memory drift detected in N region(s): ..."), else None.
    * ``error_code`` — a stable name for it: pqcha's error name
      (``UNTRUSTED_KEY``, ``BAD_SIGNATURE``, ``EXPIRED``, ``NONCE_MISMATCH``,
      ``MEMORY_DRIFT``...) or ``MISSING_SIGNATURE``, ``MISSING_ENVELOPE``,
      ``BAD_HEX``, ``REPORT_MISMATCH`` for checks made here.
    * ``details`` — pqcha's full :class:`pqcha.Result` (every check with what
      was expected and found), when pqcha was asked.
    """

    valid: bool
    signature_valid: bool
    not_expired: bool
    drifts: list
    error: Optional[str] = None
    error_code: Optional[str] = None
    details: Any = field(default=None, compare=False, repr=False)


class _InstanceOnly:
    """A method that must be called on a configured verifier, with a clear error otherwise."""

    def __init__(self, fn):
        self._fn = fn
        functools.update_wrapper(self, fn)

    def __get__(self, obj, objtype=None):
        if obj is None:
            name = self._fn.__name__

            @functools.wraps(self._fn)
            def unconfigured(*args, **kwargs):
                raise TrustAnchorError(
                    f"AttestationVerifier.{name}() is no longer a static method: the original "
                    "trusted the public key embedded in the report, so anyone could sign anything. "
                    "Create a verifier with the attester's public key and your reference hashes: "
                    "AttestationVerifier(trusted=[identity.public_key()], "
                    f"expected_hashes={{region_id: sha3_256_hex}}).{name}(report)"
                )

            return unconfigured
        return types.MethodType(self._fn, obj)


def _as_list(trusted: Any) -> list:
    if trusted is None:
        return []
    if isinstance(trusted, (str, bytes, bytearray, os.PathLike, AttesterIdentity, pqcha.Key)):
        return [trusted]
    return list(trusted)


def _with_signature(envelope: str, signature_hex: str) -> str:
    """The envelope with its signature replaced by the report's ``signature`` field."""

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise ValueError("duplicate key")
        return dict(pairs)

    try:
        doc = json.loads(envelope, object_pairs_hook=no_duplicates)
        sigs = doc["signatures"]
        if not isinstance(sigs, list) or len(sigs) != 1 or not isinstance(sigs[0], dict):
            return envelope
        sigs[0]["sig"] = base64.b64encode(bytes.fromhex(signature_hex)).decode("ascii")
        return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
    except (ValueError, KeyError, TypeError):
        return envelope  # pqcha says what is wrong with it


def _diff(a: Any, b: Any, path: str = "") -> List[str]:
    """Paths where two to_dict() trees differ (types included)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in list(a) + [k for k in b if k not in a]:
            if k not in a or k not in b:
                out.append(f"{path}.{k}".lstrip("."))
            else:
                out += _diff(a[k], b[k], f"{path}.{k}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path.lstrip('.')} (length {len(a)} != {len(b)})"]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += _diff(x, y, f"{path}[{i}]")
        return out
    if type(a) is not type(b) or a != b:
        return [path.lstrip(".")]
    return []


class AttestationVerifier:
    """Verifies reports with libpqcha, configured by the *verifier*.

    ::

        verifier = AttestationVerifier(
            trusted=[identity.public_key()],                   # who may sign
            expected_hashes={"model-weights-0": sha3_hex},      # what memory must hold
            nonce=challenge,                                    # optional: require this nonce
        )
        result = verifier.verify(report)                        # or verify_or_raise(report)

    * ``trusted`` — the attesters' public keys: AttesterIdentity, pqcha.Key,
      PEM text, or the path of a PEM file (one or a list). Required, unless
      ``policy`` lists ``trustedKeys``. The key a report embeds is never
      trusted.
    * ``expected_hashes`` — region id -> SHA3-256 hex of the bytes it must
      hold (``RegionSnapshot.hash_bytes``). Every listed region is required:
      one the report lacks is drift. The claims' own ``expected_hash`` is
      ignored. Or give a complete ``policy`` (:class:`pqcha.Policy`, e.g.
      ``pqcha.Policy.load("policy.json")``) instead. With neither, ``valid``
      means only "authentic and fresh".
    * ``workload_id`` — the workload the reports must be about (default: the
      one each report names); ``platform`` — the platform they must come from.
    * ``allow_extra_regions`` — with ``expected_hashes``, accept regions not
      listed (default True, as the original only compared pinned regions).
    * ``nonce`` — the challenge every report must carry (or per call:
      ``verify(report, nonce=...)``); ``new_nonce()`` makes one.
    * ``now`` — a fixed clock (aware datetime or Unix seconds), for tests;
      ``max_skew`` / ``max_lifetime`` — seconds (pqcha's defaults: 60, 3600).
    """

    def __init__(
        self,
        trusted: Any = None,
        expected_hashes: Optional[Mapping[str, str]] = None,
        *,
        policy: Optional["pqcha.Policy"] = None,
        workload_id: Optional[str] = None,
        platform: Optional[str] = None,
        allow_extra_regions: bool = True,
        nonce: Optional[str] = None,
        now: TimeLike = None,
        max_skew: Optional[int] = None,
        max_lifetime: Optional[int] = None,
    ):
        if policy is not None and expected_hashes is not None:
            raise ValueError("give expected_hashes or a policy, not both")
        keys = [signer_key_of(t) for t in _as_list(trusted)]
        if policy is not None:
            if not isinstance(policy, pqcha.Policy):
                raise TypeError(f"policy must be a pqcha.Policy, not {type(policy).__name__}")
            keys += list(policy.trusted_keys)
        if not keys:
            raise TrustAnchorError(
                "AttestationVerifier needs the attester's trusted public key(s): the key a report "
                "embeds is never trusted. Pass trusted=[identity.public_key()] (or a pqcha.Key, "
                "PEM text, or the path of the attester's .pub.pem), or a policy listing trustedKeys"
            )
        self._keys: List["pqcha.Key"] = keys
        self._keys_by_id = {k.id: k for k in keys}
        self._expected: Optional[Dict[str, str]] = None
        if expected_hashes is not None:
            exp = {}
            for rid, hx in dict(expected_hashes).items():
                p = identifier_problem(rid, "region id")
                if p:
                    raise ValueError(f"expected_hashes: {p}")
                if not isinstance(hx, str) or not is_lower_hex(hx.lower(), 32):
                    raise ValueError(
                        f"expected_hashes[{rid!r}] must be a SHA3-256 digest (64 hex digits), got {hx!r}"
                    )
                exp[rid] = hx.lower()
            if not exp:
                raise ValueError(
                    "expected_hashes is empty: list the regions to check, or pass None to verify "
                    "only authenticity and freshness"
                )
            self._expected = exp
        for what, v in (("workload_id", workload_id), ("platform", platform)):
            if v is not None:
                p = identifier_problem(v, what)
                if p:
                    raise ValueError(p)
        self._policy = policy
        self._workload_id = workload_id
        self._platform = platform
        self._allow_extra = bool(allow_extra_regions)
        self._nonce = check_nonce(nonce) if nonce is not None else None
        self._now = to_unix_seconds(now) if now is not None else None
        for what, v in (("max_skew", max_skew), ("max_lifetime", max_lifetime)):
            if v is not None and (not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= MAX_TTL_SECONDS):
                raise ValueError(f"{what} must be an int number of seconds in 0..{MAX_TTL_SECONDS}, got {v!r}")
        self._max_skew = max_skew
        self._max_lifetime = max_lifetime
        self._policies: Dict[str, "pqcha.Policy"] = {}
        self._policies_lock = threading.Lock()

    @staticmethod
    def new_nonce(nbytes: int = 16) -> str:
        """A fresh challenge for ``nonce=`` / ``ContinuousAttester.attest_once(nonce)``."""
        return check_nonce(os.urandom(nbytes).hex())

    @property
    def trusted_keys(self) -> List["pqcha.Key"]:
        return list(self._keys)

    # ---- policy ----
    def _policy_for(self, workload_id: str) -> "pqcha.Policy":
        with self._policies_lock:
            pol = self._policies.get(workload_id)
            if pol is None:
                w: Dict[str, Any] = {
                    "allowExtraRegions": self._allow_extra,
                    "regions": {rid: {"sha3-256": hx} for rid, hx in self._expected.items()},
                }
                if self._platform is not None:
                    w["platform"] = self._platform
                pol = pqcha.Policy.parse(json.dumps({"version": 1, "workloads": {workload_id: w}}))
                self._policies[workload_id] = pol
            return pol

    # ---- verification ----
    @_InstanceOnly
    def verify(
        self,
        report: Union[AttestationReport, dict, str, bytes],
        strict: bool = True,
        *,
        nonce: Optional[str] = None,
    ) -> VerificationResult:
        """Verifies a report; never raises for a bad report (the result says why).

        ``report``: an AttestationReport (or its to_dict()), or a pqcha
        envelope (str/bytes). ``strict=False``: drift is listed but does not
        make the report invalid. ``nonce``: the challenge this report must
        carry (overrides the verifier's).
        """
        if nonce is not None:
            nonce = check_nonce(nonce)
        else:
            nonce = self._nonce
        if isinstance(report, dict):
            report = AttestationReport.from_dict(report)
        if isinstance(report, (bytes, bytearray)):
            report = bytes(report).decode("utf-8", errors="replace")
        if isinstance(report, str):
            return self._verify_envelope(report, None, strict, nonce)
        if not isinstance(report, AttestationReport):
            raise TypeError(f"verify() takes an AttestationReport, not {type(report).__name__}")

        def fail(error: str, code: str) -> VerificationResult:
            return VerificationResult(False, False, False, [], error, code)

        if not report.signature:
            return fail("missing signature", "MISSING_SIGNATURE")
        if not report.envelope:
            return fail(
                "missing envelope: the report carries no pqcha envelope (it was signed by the "
                "original package, or the envelope was stripped), so there is nothing to verify",
                "MISSING_ENVELOPE",
            )
        if not is_lower_hex(report.signature):
            return fail(
                "malformed signature: not lowercase hex without whitespace", "BAD_HEX"
            )
        envelope = _with_signature(report.envelope, report.signature)
        return self._verify_envelope(envelope, report, strict, nonce)

    def _verify_envelope(
        self,
        envelope: str,
        report: Optional[AttestationReport],
        strict: bool,
        nonce: Optional[str],
    ) -> VerificationResult:
        policy = self._policy
        if policy is None and self._expected is not None:
            workload = self._workload_id
            if workload is None:
                try:
                    workload = pqcha.Report.from_envelope(envelope).workload_id
                except pqcha.PqchaError:
                    workload = None
            if workload is None:
                # Fall through to pqcha without reference values is never done when some are
                # configured: refuse instead (pqcha would call the envelope malformed anyway).
                try:
                    pqcha.Report.from_envelope(envelope)
                except pqcha.PqchaError as e:
                    return VerificationResult(False, False, False, [], str(e), e.name)
                return VerificationResult(False, False, False, [], "no workload id", "MALFORMED")
            policy = self._policy_for(workload)

        # No reference values configured: the original compared only pinned hashes,
        # so such a verifier checks trust, signature, freshness and nonce.
        kwargs: Dict[str, Any] = {
            "trusted_keys": self._keys,
            "policy": policy,
            "authenticity_only": policy is None,
        }
        if nonce is not None:
            kwargs["nonce"] = nonce
        if self._now is not None:
            kwargs["now"] = self._now
        if self._max_skew is not None:
            kwargs["max_skew"] = self._max_skew
        if self._max_lifetime is not None:
            kwargs["max_lifetime"] = self._max_lifetime
        with pqcha.Verifier(**kwargs) as v:
            res = v.verify(envelope)

        status = {c.name: c for c in res.checks}

        def passed(names: Iterable[str]) -> bool:
            return all(n in status and status[n].status == "pass" for n in names)

        authentic = passed(_AUTHENTICITY_CHECKS) and res.verdict in ("valid", "drift", "rejected")
        fresh = authentic and passed(_FRESHNESS_CHECKS)
        err = res.error
        code = getattr(err, "name", None) if err is not None else None

        # The report's visible fields must be exactly what was signed.
        if authentic and res.report is not None:
            key = self._keys_by_id.get(res.report.signer_key_id)
            if key is None:  # cannot happen: pqcha only decodes for a trusted key
                return VerificationResult(False, False, False, [], "untrusted key", "UNTRUSTED_KEY", res)
            if report is not None:
                stated = report_from_pqcha(res.report, key, envelope)
                theirs = stated.to_dict()
                theirs.pop("envelope")
                try:
                    mine = report.to_dict()
                    mine.pop("envelope")
                    diffs = _diff(mine, theirs)
                except Exception as e:  # noqa: BLE001 - a report too broken to serialise
                    diffs = [f"the report cannot be read ({type(e).__name__}: {e})"]
                if diffs:
                    shown = ", ".join(diffs[:5]) + (f" and {len(diffs) - 5} more" if len(diffs) > 5 else "")
                    return VerificationResult(
                        False,
                        False,
                        False,
                        [],
                        f"report fields differ from the signed statement: {shown}",
                        "REPORT_MISMATCH",
                        res,
                    )
            if self._workload_id is not None and res.report.workload_id != self._workload_id:
                if res.verdict in ("valid", "drift"):
                    return VerificationResult(
                        False,
                        True,
                        fresh,
                        [],
                        f"the report is about workload {res.report.workload_id!r}, not "
                        f"{self._workload_id!r}",
                        "UNKNOWN_WORKLOAD",
                        res,
                    )
        elif authentic:
            authentic = fresh = False  # no decoded report: nothing authentic to speak of

        drifts: List[str] = list(res.drifted_regions) if (fresh and res.verdict == "drift") else []
        if res.verdict == "valid" and fresh:
            return VerificationResult(True, True, True, [], None, None, res)
        if res.verdict == "drift" and fresh:
            if not strict:
                return VerificationResult(True, True, True, drifts, None, None, res)
            message = f"memory drift detected in {len(drifts)} region(s): {', '.join(drifts)}"
            return VerificationResult(False, True, True, drifts, message, code, res)
        message = self._describe(res, err, code)
        other_alg = [
            c.name[len("region:"):]
            for c in res.checks
            if c.name.startswith("region:") and c.status == "fail" and c.error is not None and c.error.name == "POLICY_VIOLATION"
            and c.expected.startswith("a digest the policy has a reference for: sha3-256:")
        ]
        if self._policy is None and other_alg:
            message += (
                f" ({', '.join(other_alg)} measured with another digest algorithm than the "
                "SHA3-256 of expected_hashes: verify such reports with a pqcha.Policy naming "
                "their algorithm)"
            )
        return VerificationResult(False, authentic, fresh, [], message, code, res)

    @staticmethod
    def _describe(res: "pqcha.Result", err: Any, code: Optional[str]) -> str:
        if code == "BAD_SIGNATURE":
            return "invalid ML-DSA signature"
        if code == "EXPIRED":
            return "report expired"
        text = str(err) if err is not None else f"verdict {res.verdict}"
        if err is not None and getattr(err, "detail", None):
            return text  # pqcha's detail already names the check, expected and found
        for c in res.checks:
            if c.status == "fail":
                extra = []
                if c.expected:
                    extra.append(f"expected {c.expected}")
                if c.found:
                    extra.append(f"found {c.found}")
                if extra:
                    text += f" ({c.name}: {'; '.join(extra)})"
                break
        return text

    @_InstanceOnly
    def verify_or_raise(
        self,
        report: Union[AttestationReport, dict, str, bytes],
        strict: bool = True,
        *,
        nonce: Optional[str] = None,
    ) -> VerificationResult:
        """Raises unless valid: RegionDriftError for drift in an authentic, fresh report,
        AttestationVerificationError for anything else. Returns the result when valid."""
        result = self.verify(report, strict, nonce=nonce)
        if result.valid:
            return result
        if result.drifts and result.signature_valid and result.not_expired:
            raise RegionDriftError(result.error or "drift detected", result)
        raise AttestationVerificationError(result.error or "verification failed", result)
