"""Verifying reports: trust, signature, freshness, nonce, policy and drift."""

from __future__ import annotations

import ctypes
import json
from ctypes import c_void_p
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

from . import _lib
from ._handle import Handle, buffer_of, check
from .errors import Code, PqchaError, error_for
from .keys import Key
from .policy import Policy
from .report import Report

__all__ = ["Verifier", "Result", "Check", "Span"]

_L = _lib.lib


@dataclass(frozen=True)
class Check:
    """One check of a verification, in evaluation order.

    ``name``: e.g. "trust", "signature", "nonce", "region:weights".
    ``status``: "pass", "fail" or "skipped" (not evaluated: an earlier check failed).
    ``error``: the error it failed with, or None. ``expected``/``found``: what
    the verifier wanted and what the report showed ("" when not applicable).
    """

    name: str
    status: str
    error: Optional[PqchaError]
    expected: str
    found: str


@dataclass(frozen=True)
class Span:
    """A changed byte range of a drifted region (offsets relative to the region's start).

    ``tensors``: the names of (at most 32 of) the tensors it overlaps;
    ``tensor_total``: how many it overlaps in all.
    """

    region: str
    offset: int
    length: int
    tensors: List[str] = field(default_factory=list)
    tensor_total: int = 0


class _PolicyHold:
    """Releases a verifier's hold on its policy when the verifier is freed."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def _release(self) -> None:
        self.policy._unhold()


class Verifier(Handle):
    """Verifies reports against trusted keys and, with a policy, reference digests.

    ``trusted_keys``: public keys (the public half of private ones) whose
    signatures are accepted, besides the policy's ``trustedKeys``.
    ``policy``: reference values (finished here if needed, and frozen while the
    verifier lives). Without one, ``authenticity_only=True`` must say so (as
    ``pqcha verify --authenticity-only`` does): only trust, signature,
    freshness and nonce are checked, and a VALID verdict then means "authentic
    and fresh", never "memory as expected". ``nonce``: the challenge (lowercase hex) reports must carry.
    ``now``: verify as of this Unix time instead of the clock. ``max_skew`` /
    ``max_lifetime``: override the policy's bounds (seconds, 0..604800).
    ``evidence_verifier``: a :class:`pqcha.EvidenceVerifier` for workloads
    whose policy requires hardware evidence.

    :meth:`verify` may be called from any number of threads at once; it runs
    with the GIL released.
    """

    _kind = "Verifier"

    def __init__(
        self,
        *,
        trusted_keys: Iterable[Key] = (),
        policy: Optional[Policy] = None,
        nonce: Optional[str] = None,
        now: Optional[int] = None,
        max_skew: Optional[int] = None,
        max_lifetime: Optional[int] = None,
        evidence_verifier: Any = None,
        authenticity_only: bool = False,
    ) -> None:
        if policy is None and not authenticity_only:
            raise error_for(
                Code.INVALID_ARGUMENT,
                "a Verifier without a policy checks no memory at all: pass policy=..., "
                "or authenticity_only=True to check only trust, signature, freshness and nonce",
            )
        out = c_void_p()
        check(_L.pqcha_verifier_create(ctypes.byref(out)))
        self._init_handle(out.value, _L.pqcha_verifier_free)
        self.policy = policy
        self.nonce = nonce
        try:
            with self._use() as v:
                for key in trusted_keys:
                    if not isinstance(key, Key):
                        raise TypeError("trusted_keys must be pqcha.Key objects")
                    with key._use() as k:
                        check(_L.pqcha_verifier_trust_key(v, k), "trusting key %s" % key.id)
                if policy is not None:
                    if not isinstance(policy, Policy):
                        raise TypeError("policy must be a pqcha.Policy")
                    ptr = policy._hold_for_reading()
                    self._deps = self._deps + (_PolicyHold(policy),)  # type: ignore[operator]
                    check(_L.pqcha_verifier_set_policy(v, ptr))
                if nonce is not None:
                    check(_L.pqcha_verifier_expect_nonce(v, _lib.cstr(nonce, "nonce")), "nonce %r" % (nonce,))
                if now is not None:
                    check(_L.pqcha_verifier_set_time(v, int(now)), "now=%r" % (now,))
                if max_skew is not None:
                    check(_L.pqcha_verifier_set_max_skew(v, int(max_skew)), "max_skew=%r" % (max_skew,))
                if max_lifetime is not None:
                    check(
                        _L.pqcha_verifier_set_max_lifetime(v, int(max_lifetime)),
                        "max_lifetime=%r" % (max_lifetime,),
                    )
                if evidence_verifier is not None:
                    from .evidence import EvidenceVerifier

                    if not isinstance(evidence_verifier, EvidenceVerifier):
                        raise TypeError("evidence_verifier must be a pqcha.EvidenceVerifier")
                    with evidence_verifier._use() as ev:
                        check(_L.pqcha_verifier_set_evidence_verifier(v, ev))
                    self._retain(evidence_verifier)
        except BaseException:
            self.close()
            raise

    def verify(self, report: Union[Report, str, bytes, Any]) -> "Result":
        """Verifies one report (a Report, or the envelope as str or bytes-like).

        Never raises for a bad report: the :class:`Result` says what is wrong
        (``verdict`` "rejected", "drift" or "malformed", and ``error``).
        """
        if isinstance(report, Report):
            data: Any = report._envelope_bytes()
        elif isinstance(report, str):
            data = report.encode("utf-8")
        else:
            data = report
        out = c_void_p()
        with self._use() as v, buffer_of(data, "report") as (ptr, length):
            err = _L.pqcha_verify(ctypes.byref(out), v, ptr, length)
            if not out.value:
                check(err or 2)
            if isinstance(ptr, bytes):
                envelope = ptr
            else:
                envelope = ctypes.string_at(ptr, length) if ptr else b""
        return Result(out.value, envelope)

    def __repr__(self) -> str:
        return "<pqcha.Verifier%s%s%s>" % (
            " with policy" if self.policy is not None else " authenticity only",
            " nonce=%s" % self.nonce if self.nonce else "",
            " closed" if self.closed else "",
        )


class Result(Handle):
    """The outcome of :meth:`Verifier.verify`: the verdict, every check, where memory drifted.

    ``verdict``: "valid" (authentic, fresh, as the policy expects), "drift"
    (authentic and fresh, but memory differs or a required region is missing),
    "rejected" (untrusted key, bad signature, expired, wrong nonce, policy
    violation) or "malformed" (not a well-formed report). ``error``: the
    :class:`pqcha.PqchaError` that decided it (None when valid); its detail names
    the deciding check with what was expected and found.
    """

    _kind = "Result"

    def __init__(self, _ptr: int, _envelope: bytes) -> None:
        """Internal: made by :meth:`Verifier.verify`."""
        self._init_handle(_ptr, _L.pqcha_result_free)
        self._envelope = _envelope
        self._cache: Dict[str, Any] = {}
        self.verdict: str = _lib.text(_L.pqcha_verdict_name(_L.pqcha_result_verdict(_ptr)))
        self.code: int = int(_L.pqcha_result_error(_ptr))

    @property
    def valid(self) -> bool:
        """True only for the verdict "valid"."""
        return self.verdict == "valid"

    def _cached(self, name: str, make: Any) -> Any:
        if name not in self._cache:
            with self._use() as r:
                self._cache[name] = make(r)
        return self._cache[name]

    @property
    def checks(self) -> List[Check]:
        """Every check in evaluation order."""

        def make(r: int) -> List[Check]:
            out = []
            for i in range(_L.pqcha_result_check_count(r)):
                err = int(_L.pqcha_result_check_error(r, i))
                name = _lib.text(_L.pqcha_result_check_name(r, i))
                expected = _lib.text(_L.pqcha_result_check_expected(r, i))
                found = _lib.text(_L.pqcha_result_check_found(r, i))
                out.append(
                    Check(
                        name=name,
                        status=_lib.text(_L.pqcha_check_status_name(_L.pqcha_result_check_status(r, i))),
                        error=error_for(err, _check_detail(name, expected, found)) if err else None,
                        expected=expected,
                        found=found,
                    )
                )
            return out

        return list(self._cached("checks", make))

    def check(self, name: str) -> Optional[Check]:
        """The check of that name, or None."""
        for c in self.checks:
            if c.name == name:
                return c
        return None

    @property
    def error(self) -> Optional[PqchaError]:
        """The deciding error (None for a valid report), detail naming the deciding check."""
        if self.code == 0:
            return None
        detail = None
        for c in self.checks:
            if c.status == "fail" and c.error is not None and int(c.error.code) == self.code:
                detail = c.error.detail
                break
        return error_for(self.code, detail)

    @property
    def drifted_regions(self) -> List[str]:
        """Region ids whose authentic digest differs from the policy, or that are missing."""
        return list(
            self._cached(
                "drift",
                lambda r: [_lib.text(_L.pqcha_result_drift_region(r, i)) for i in range(_L.pqcha_result_drift_count(r))],
            )
        )

    @property
    def spans(self) -> List[Span]:
        """Where drifted regions changed (when the policy's reference allows localising it)."""

        def make(r: int) -> List[Span]:
            out = []
            for i in range(_L.pqcha_result_span_count(r)):
                out.append(
                    Span(
                        region=_lib.text(_L.pqcha_result_span_region(r, i)),
                        offset=int(_L.pqcha_result_span_offset(r, i)),
                        length=int(_L.pqcha_result_span_length(r, i)),
                        tensors=[
                            _lib.text(_L.pqcha_result_span_tensor(r, i, t))
                            for t in range(_L.pqcha_result_span_tensor_count(r, i))
                        ],
                        tensor_total=int(_L.pqcha_result_span_tensor_total(r, i)),
                    )
                )
            return out

        return list(self._cached("spans", make))

    @property
    def missing_tensors(self) -> List[Tuple[str, str]]:
        """(region, tensor) pairs a policy requires that the report does not show."""
        return list(
            self._cached(
                "missing",
                lambda r: [
                    (
                        _lib.text(_L.pqcha_result_missing_tensor_region(r, i)),
                        _lib.text(_L.pqcha_result_missing_tensor(r, i)),
                    )
                    for i in range(_L.pqcha_result_missing_tensor_count(r))
                ],
            )
        )

    @property
    def report(self) -> Optional[Report]:
        """The decoded report, only once its signature verified with a trusted key; else None."""

        def make(r: int) -> Optional[Report]:
            rep = _L.pqcha_result_report(r)
            if not rep:
                return None
            return Report(self._envelope.decode("utf-8", "replace"), rep)

        return self._cached("report", make)

    def to_json(self) -> str:
        """The result as compact JSON: the same document ``pqcha verify --json`` prints."""

        def make(r: int) -> str:
            out = c_void_p()
            check(_L.pqcha_result_to_json(ctypes.byref(out), r))
            return _lib.take_string(out)

        return str(self._cached("json", make))

    def to_dict(self) -> Dict[str, Any]:
        """:meth:`to_json` as a dict."""
        return dict(json.loads(self.to_json()))

    def raise_for_verdict(self) -> "Result":
        """Raises :attr:`error` unless the verdict is valid; returns self when it is."""
        err = self.error
        if err is not None:
            raise err
        return self

    def __repr__(self) -> str:
        return "<pqcha.Result %s%s>" % (self.verdict, "" if self.code == 0 else ": " + self.error.name)  # type: ignore[union-attr]


def _check_detail(name: str, expected: str, found: str) -> str:
    detail = "check %s" % name
    if expected or found:
        detail += ": expected %s, found %s" % (expected or "-", found or "-")
    return detail
