"""The periodic attestation loop (the original's ``continuous.py``)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

from ._util import MAX_TTL_SECONDS, MIN_TTL_SECONDS, identifier_problem, is_int
from .backends.base import AttestationBackend
from .claim import AttestationReport
from .errors import HypervisorAttestationError
from .signer import Attester

__all__ = ["ContinuousAttester"]


@dataclass
class ContinuousAttester:
    """Measures a workload's regions through libpqcha and signs one report per call.

    Same fields as the original. ``expected_hashes`` are recorded in the
    report (``claim.expected_hash``) for information only: the verifier's own
    ``expected_hashes`` decide drift. ``ttl_seconds`` must be 1..604800.

    ``attest_once(nonce)``: ``nonce`` is the verifier's challenge (lowercase
    hex of 8..64 bytes, e.g. ``AttestationVerifier.new_nonce()``); without one
    pqcha draws 16 random bytes. A workload with no regions is an error (the
    original signed an empty report that verified as valid).
    """

    attester: Attester
    backend: AttestationBackend
    workload_id: str
    expected_hashes: Dict[str, str] = field(default_factory=dict)
    ttl_seconds: int = 300

    def __post_init__(self) -> None:
        self._stop = threading.Event()

    def attest_once(self, nonce: Optional[str] = None) -> AttestationReport:
        if not isinstance(self.attester, Attester):
            raise TypeError("attester must be an Attester")
        if not isinstance(self.backend, AttestationBackend):
            raise TypeError(
                f"backend must be an AttestationBackend, not {type(self.backend).__name__}"
            )
        p = identifier_problem(self.workload_id, "workload_id")
        if p:
            raise HypervisorAttestationError(p)
        if not is_int(self.ttl_seconds) or not MIN_TTL_SECONDS <= self.ttl_seconds <= MAX_TTL_SECONDS:
            raise HypervisorAttestationError(
                f"ttl_seconds must be an int in {MIN_TTL_SECONDS}..{MAX_TTL_SECONDS}, got {self.ttl_seconds!r}"
            )
        return self.attester._attest(
            self.backend._pqcha_backend(),
            self.workload_id,
            ttl=self.ttl_seconds,
            nonce=nonce,
            expected=self.expected_hashes,
            doing=f"cannot attest workload {self.workload_id}",
        )

    def run_for(
        self,
        seconds: float,
        interval: float = 1.0,
        on_report: Optional[Callable[[AttestationReport], None]] = None,
        on_error: Optional[Callable[[BaseException], None]] = None,
    ) -> List[AttestationReport]:
        """Attests every ``interval`` seconds for ``seconds``; returns the reports.

        Rounds start at 0, interval, 2*interval, ... on the monotonic clock
        while that is before ``seconds`` (a slow round does not shift later
        ones, and there is no sleep after the last round), so
        ``run_for(2, 1.0)`` makes 2 reports and ``run_for(0)`` none. Blocking,
        in the caller's thread; :meth:`stop` (from another thread) ends it
        after the current round. An error propagates as before, with the
        reports made so far in ``exc.reports``; with ``on_error`` it is passed
        there instead and the loop goes on.
        """
        if interval <= 0:
            raise ValueError("interval must be positive")
        self._stop.clear()
        reports: List[AttestationReport] = []
        start = time.monotonic()
        k = 0
        while not self._stop.is_set():
            now = time.monotonic()
            if now - start >= seconds:
                break
            try:
                report = self.attest_once()
                reports.append(report)
                if on_report is not None:
                    on_report(report)
            except Exception as exc:  # noqa: BLE001 - re-raised unless on_error takes it
                if on_error is None:
                    try:
                        exc.reports = list(reports)  # type: ignore[attr-defined]
                    except AttributeError:
                        pass
                    raise
                on_error(exc)
            k += 1
            next_round = start + k * interval
            if next_round - start >= seconds:
                break
            delay = next_round - time.monotonic()
            if delay > 0 and self._stop.wait(delay):
                break
        return reports

    def stop(self) -> None:
        """Ends a running :meth:`run_for` after its current round (thread-safe)."""
        self._stop.set()
