"""Attesting: measure a workload's regions and sign one report, once or on a schedule."""

from __future__ import annotations

import atexit
import collections
import ctypes
import threading
import weakref
from ctypes import c_size_t, c_void_p
from typing import Any, Callable, Deque, List, Mapping, Optional

from . import _lib
from ._handle import Handle, check
from .backends import Backend
from .errors import Code, PqchaError
from .keys import Key
from .report import Report

__all__ = ["Attester", "ContinuousAttester"]

_L = _lib.lib

ReportCallback = Callable[[Report], Any]
ErrorCallback = Callable[[PqchaError], Any]


class Attester(Handle):
    """Measures every region a backend lists for one workload and signs a report.

    ``key``: the private :class:`pqcha.Key` that signs. ``backend``: where the
    bytes come from. ``ttl``: report lifetime in seconds (1..604800).
    ``digest``: "sha3-256-tree" (default), "sha3-256" or "k12" (regions with a
    tensor table are measured as "sha3-256-segments" whatever this says).
    ``threads``: for hashing large regions (0 = every CPU). ``expected``: region
    id -> hex digest recorded in the report (informational: no verifier trusts
    it). ``sequence``: the next report's sequence number. ``time``: a fixed
    "now" (Unix seconds) for reproducible reports. ``evidence``: a
    :class:`pqcha.EvidenceSource` whose hardware evidence, bound as
    ``evidence_binding`` says ("report" or "key"), every report carries.

    The attester keeps the key, backend and evidence source alive. One report at
    a time: concurrent :meth:`attest` calls are serialised. Measuring and signing
    run with the GIL released.
    """

    _kind = "Attester"

    def __init__(
        self,
        key: Key,
        backend: Backend,
        workload_id: str,
        *,
        ttl: int = 300,
        digest: str = "sha3-256-tree",
        threads: int = 1,
        expected: Optional[Mapping[str, str]] = None,
        sequence: Optional[int] = None,
        time: Optional[int] = None,
        evidence: Any = None,
        evidence_binding: str = "report",
    ) -> None:
        if not isinstance(key, Key):
            raise TypeError("key must be a pqcha.Key")
        if not isinstance(backend, Backend):
            raise TypeError("backend must be a pqcha.Backend")
        out = c_void_p()
        wid = _lib.cstr(workload_id, "workload id")
        with key._use() as k, backend._use() as b:
            err = _L.pqcha_attester_create(ctypes.byref(out), k, b, wid)
        check(err, "workload %r" % (workload_id,) if err != Code.NOT_PRIVATE_KEY else "key %s is public" % key.id)
        self._init_handle(out.value, _L.pqcha_attester_free)
        # The library holds the key and backend by reference: pin them.
        self._retain(key)
        self._retain(backend)
        self.key = key
        self.backend = backend
        self.workload_id = workload_id
        self._serial = threading.Lock()
        self._running = False
        try:
            self.set_ttl(ttl)
            self.set_digest(digest)
            self.set_threads(threads)
            for region_id, hex_digest in (expected or {}).items():
                self.set_expected(region_id, hex_digest)
            if sequence is not None:
                self.set_sequence(sequence)
            if time is not None:
                self.set_time(time)
            if evidence is not None:
                self.set_evidence(evidence, evidence_binding)
        except BaseException:
            self.close()
            raise

    # -- settings -----------------------------------------------------------------------

    def _setting(self, fn: Any, *args: Any, detail: Optional[str] = None) -> None:
        with self._serial:
            self._refuse_if_running()
            with self._use() as a:
                check(fn(a, *args), detail)

    def _refuse_if_running(self) -> None:
        if self._running:
            raise ValueError("the attester belongs to a running ContinuousAttester until it stops")

    def set_ttl(self, seconds: int) -> None:
        """Report lifetime, 1..604800 seconds (ArgumentError OUT_OF_RANGE otherwise)."""
        self._setting(_L.pqcha_attester_set_ttl, int(seconds), detail="ttl=%r" % (seconds,))

    def set_sequence(self, next_sequence: int) -> None:
        """The next report's sequence number (it increments after each report)."""
        if int(next_sequence) < 0:
            raise ValueError("sequence must be >= 0")
        self._setting(_L.pqcha_attester_set_sequence, int(next_sequence), detail="sequence=%r" % (next_sequence,))

    def set_expected(self, region_id: str, digest_hex: str) -> None:
        """Records an expected digest for a region in reports (informational only)."""
        self._setting(
            _L.pqcha_attester_set_expected,
            _lib.cstr(region_id, "region id"),
            _lib.cstr(digest_hex, "digest"),
            detail="expected digest of region %r" % (region_id,),
        )

    def set_digest(self, algorithm: str) -> None:
        """The digest algorithm for every region ("sha3-256-tree", "sha3-256", "k12")."""
        from .digest import _alg

        self._setting(_L.pqcha_attester_set_digest, _alg(algorithm), detail="digest %r" % (algorithm,))

    def set_threads(self, threads: int) -> None:
        """Threads for hashing large regions (0 = every online CPU)."""
        from .digest import _threads

        self._setting(_L.pqcha_attester_set_threads, _threads(threads))

    def set_time(self, unix_seconds: Optional[int]) -> None:
        """Fixes "now" for reproducible reports; None restores the clock."""
        self._setting(_L.pqcha_attester_set_time, -1 if unix_seconds is None else int(unix_seconds))

    def set_evidence(self, source: Any, binding: str = "report") -> None:
        """Embeds hardware evidence from a :class:`pqcha.EvidenceSource` (None: no evidence)."""
        from .evidence import EvidenceSource

        if source is None:
            self._setting(_L.pqcha_attester_set_evidence, None, _lib.cstr(binding, "binding"))
            return
        if not isinstance(source, EvidenceSource):
            raise TypeError("evidence must be a pqcha.EvidenceSource")
        with source._use() as s:
            self._setting(_L.pqcha_attester_set_evidence, s, _lib.cstr(binding, "binding"), detail="binding %r" % binding)
        self._retain(source)

    # -- attesting ------------------------------------------------------------------------

    def report_size(self) -> int:
        """The payload size in bytes the next report will have, known before hashing."""
        size = c_size_t(0)
        with self._serial:
            self._refuse_if_running()
            with self._use() as a:
                self.backend._clear_pending()
                err = _L.pqcha_attester_report_size(a, ctypes.byref(size))
        self.backend._raise_failure(err, "workload %r" % (self.workload_id,))
        return int(size.value)

    def attest(self, nonce: Optional[str] = None) -> Report:
        """Measures every region and signs one report.

        ``nonce``: the verifier's challenge, lowercase hex of 8..64 bytes (None:
        16 random bytes). Raises FormatError (EMPTY_REPORT) for a workload with
        no regions, BackendError for the backend's failures (REGION_CHANGED,
        NO_SUCH_PROCESS, PERMISSION; a Python backend's exception as BACKEND_IO
        chained from it), FormatError (BAD_HEX) for a malformed nonce.
        """
        env = c_void_p()
        length = c_size_t(0)
        cnonce = _lib.cstr(nonce, "nonce") if nonce is not None else None
        with self._serial:
            self._refuse_if_running()
            with self._use() as a:
                self.backend._clear_pending()
                err = _L.pqcha_attester_attest(a, cnonce, ctypes.byref(env), ctypes.byref(length))
        if err != 0:
            detail = "nonce %r" % nonce if err == Code.BAD_HEX else "workload %r" % (self.workload_id,)
            raise self.backend._failure(err, detail)
        self.backend._take_pending()
        return Report._deferred(_lib.take_bytes(env, length.value))

    def __repr__(self) -> str:
        return "<pqcha.Attester workload=%r backend=%s%s>" % (
            self.workload_id,
            type(self.backend).__name__,
            " closed" if self.closed else "",
        )


# ---- continuous attestation ------------------------------------------------------------------

_RUNNING: "set[ContinuousAttester]" = set()
_RUNNING_LOCK = threading.Lock()


@atexit.register
def _stop_background_runs() -> None:
    """Stops and joins background runs before the interpreter goes away under their callbacks."""
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    for c in running:
        try:
            c.stop()
            c.join()
        except BaseException:  # noqa: BLE001 - exiting anyway
            pass


class ContinuousAttester(Handle):
    """One report every ``interval`` seconds from an :class:`Attester`.

    Rounds run on a monotonic schedule (t0, t0+interval, ...; a slow round does
    not shift later ones). A failing round is passed to ``on_error`` and the run
    goes on. ``nonce``: the challenge every report carries (None: a fresh random
    one each). ``retention``: how many reports :attr:`reports` keeps (default 1024).

    :meth:`run` blocks; :meth:`start` runs in a background thread of the library
    until :meth:`stop` or a limit, and :meth:`join` waits for it. Callbacks run
    on the run's thread: ``on_report(report)`` with each :class:`pqcha.Report`,
    ``on_error(error)`` with each round's :class:`pqcha.PqchaError` (its
    ``round`` attribute says which). An exception raised in a callback stops the
    run and is re-raised by :meth:`run` / :meth:`join`. Leaving a ``with`` block
    stops and joins. While it runs, the attester is the run's own.
    """

    _kind = "ContinuousAttester"

    def __init__(
        self,
        attester: Attester,
        interval: float = 1.0,
        *,
        nonce: Optional[str] = None,
        retention: Optional[int] = None,
    ) -> None:
        if not isinstance(attester, Attester):
            raise TypeError("attester must be a pqcha.Attester")
        interval_ms = int(round(float(interval) * 1000.0))
        out = c_void_p()
        with attester._use() as a:
            err = _L.pqcha_continuous_create(ctypes.byref(out), a, interval_ms)
        check(err, "interval %r s (1 ms to 7 days)" % (interval,))
        self._init_handle(out.value, _L.pqcha_continuous_free)
        self._retain(attester)
        self.attester = attester
        self.interval = float(interval)
        self._state = threading.Lock()
        self._retention = 1024 if retention is None else int(retention)
        self._reports: Deque[Report] = collections.deque(maxlen=self._retention)
        self._run_reports: Deque[Report] = collections.deque(maxlen=self._retention)
        self._on_report: Optional[ReportCallback] = None
        self._on_error: Optional[ErrorCallback] = None
        self._raised: Optional[BaseException] = None
        self._active = False  # a run (blocking or background) is active
        self._background = False
        self.last_error: Optional[PqchaError] = None
        ref = weakref.ref(self)
        self._report_cb = _lib.REPORT_CB(_make_report_callback(ref))
        self._error_cb = _lib.ERROR_CB(_make_error_callback(ref))
        try:
            with self._use() as c:
                check(_L.pqcha_continuous_set_callbacks(c, self._report_cb, self._error_cb, None))
            if nonce is not None:
                self.set_nonce(nonce)
            if retention is not None:
                self.set_retention(retention)
        except BaseException:
            self.close()
            raise

    # -- settings ---------------------------------------------------------------------------

    def set_nonce(self, nonce: Optional[str]) -> None:
        """The nonce every report carries (lowercase hex); None: a fresh one per report."""
        with self._state:
            if self._active:
                raise ValueError("cannot change the nonce while running")
            with self._use() as c:
                check(
                    _L.pqcha_continuous_set_nonce(c, _lib.cstr(nonce, "nonce") if nonce is not None else None),
                    "nonce %r" % (nonce,),
                )

    def set_retention(self, max_reports: int) -> None:
        """Keeps at most this many reports (oldest dropped first); allowed while running."""
        n = int(max_reports)
        if n < 0:
            raise ValueError("retention must be >= 0")
        with self._use() as c:
            check(_L.pqcha_continuous_set_retention(c, n))
        with self._state:
            self._retention = n
            self._reports = collections.deque(self._reports, maxlen=n)
            self._run_reports = collections.deque(self._run_reports, maxlen=n)

    # -- running ------------------------------------------------------------------------------

    @staticmethod
    def _limits(rounds: Optional[int], duration: Optional[float]) -> "tuple[int, int]":
        if rounds is not None and int(rounds) < 1:
            raise ValueError("rounds must be at least 1 (None: no limit)")
        if duration is not None and float(duration) <= 0:
            raise ValueError("duration must be positive (None: no limit)")
        return (
            int(rounds) if rounds is not None else 0,
            max(1, int(round(float(duration) * 1000.0))) if duration is not None else 0,
        )

    def _begin(self, on_report: Optional[ReportCallback], on_error: Optional[ErrorCallback], background: bool) -> None:
        with self._state:
            if self._active:
                raise ValueError("a run is already active")
            with self.attester._serial:
                self.attester._refuse_if_running()
                self.attester._running = True
            self._active = True
            self._background = background
            self._on_report = on_report
            self._on_error = on_error
            self._raised = None
            self._run_reports = collections.deque(maxlen=self._retention)

    def _end(self) -> List[Report]:
        with self._state:
            self._active = False
            self._background = False
            self._on_report = None
            self._on_error = None
            self.attester._running = False
            reports = list(self._run_reports)
            raised, self._raised = self._raised, None
        if raised is not None:
            raise raised
        return reports

    def run(
        self,
        rounds: Optional[int] = None,
        duration: Optional[float] = None,
        on_report: Optional[ReportCallback] = None,
        on_error: Optional[ErrorCallback] = None,
    ) -> List[Report]:
        """Runs in this thread until ``rounds`` reports were attempted, ``duration``
        seconds passed, or :meth:`stop`; returns the reports this run produced
        (at most ``retention``, the latest). Without a limit it runs until stopped."""
        max_rounds, duration_ms = self._limits(rounds, duration)
        self._begin(on_report, on_error, background=False)
        err = 0
        try:
            with self._use() as c:
                err = _L.pqcha_continuous_run(c, max_rounds, duration_ms)
        finally:
            reports = self._end()
        if err not in (0, Code.CANCELLED):
            check(err)
        return reports

    def start(
        self,
        rounds: Optional[int] = None,
        duration: Optional[float] = None,
        on_report: Optional[ReportCallback] = None,
        on_error: Optional[ErrorCallback] = None,
    ) -> None:
        """As :meth:`run`, in a background thread; :meth:`join` waits and returns the reports."""
        max_rounds, duration_ms = self._limits(rounds, duration)
        self._begin(on_report, on_error, background=True)
        ptr = self._acquire()  # held until join(): the library's thread uses the handle
        err = _L.pqcha_continuous_start(ptr, max_rounds, duration_ms)
        if err != 0:
            self._release()
            try:
                self._end()
            finally:
                check(err)
        with _RUNNING_LOCK:
            _RUNNING.add(self)  # keeps the object (and its callbacks) alive while C may call them

    def join(self) -> List[Report]:
        """Waits for a background run to end; returns its reports (re-raises a callback's exception)."""
        with self._state:
            if not (self._active and self._background):
                raise ValueError("no background run to join")
        ptr = self._ptr
        # The library's join blocks in C, where Ctrl-C cannot reach this thread: a
        # helper thread waits there, this one waits on an Event (interruptible).
        result: List[int] = []
        done = threading.Event()

        def wait_in_c() -> None:
            try:
                result.append(int(_L.pqcha_continuous_join(ptr)))
            finally:
                done.set()

        waiter = threading.Thread(target=wait_in_c, name="pqcha-continuous-join", daemon=True)
        waiter.start()
        interrupted: Optional[BaseException] = None
        while not done.is_set():
            try:
                done.wait()
            except BaseException as e:  # noqa: BLE001 - KeyboardInterrupt: stop, finish, re-raise
                interrupted = interrupted or e
                self.stop()
        waiter.join()
        err = result[0] if result else int(Code.INTERNAL)
        with _RUNNING_LOCK:
            _RUNNING.discard(self)
        self._release()
        try:
            reports = self._end()
        finally:
            if interrupted is not None:
                raise interrupted
        if err not in (0, Code.CANCELLED):
            check(err)
        return reports

    def stop(self) -> None:
        """Asks the run to end after the current round (any thread; no-op when idle)."""
        ptr = self._ptr
        if ptr and not self._closed:
            _L.pqcha_continuous_stop(ptr)

    @property
    def running(self) -> bool:
        """True while a run (blocking or background) is active."""
        return self._active

    @property
    def reports(self) -> List[Report]:
        """The reports kept (the latest ``retention``), oldest first, from every run."""
        with self._state:
            return list(self._reports)

    @property
    def error_count(self) -> int:
        """Rounds that failed, over every run."""
        with self._use() as c:
            return int(_L.pqcha_continuous_error_count(c))

    @property
    def report_count(self) -> int:
        """Reports the library currently keeps (bounded by retention)."""
        with self._use() as c:
            return int(_L.pqcha_continuous_report_count(c))

    def close(self) -> None:
        """Stops and joins a background run, then frees the library object."""
        if self._lock is not None and getattr(self, "_active", False) and getattr(self, "_background", False):
            self.stop()
            try:
                self.join()
            except BaseException:  # noqa: BLE001 - closing anyway
                pass
        super().close()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return "<pqcha.ContinuousAttester every %gs%s%s>" % (
            self.interval,
            " running" if self._active else "",
            " closed" if self.closed else "",
        )


def _make_report_callback(ref: "weakref.ReferenceType[ContinuousAttester]") -> Any:
    def on_report(_ctx: Optional[int], round_: int, envelope: int, length: int) -> None:
        self = ref()
        if self is None:
            return
        try:
            report = Report._deferred(ctypes.string_at(envelope, length))
            report.round = int(round_)  # type: ignore[attr-defined]
            with self._state:
                self._reports.append(report)
                self._run_reports.append(report)
                callback = self._on_report
            if callback is not None:
                callback(report)
        except BaseException as exc:  # noqa: BLE001 - re-raised by run()/join()
            _callback_failed(self, exc)

    return on_report


def _make_error_callback(ref: "weakref.ReferenceType[ContinuousAttester]") -> Any:
    def on_error(_ctx: Optional[int], round_: int, err: int) -> None:
        self = ref()
        if self is None:
            return
        try:
            exc = self.attester.backend._failure(err, "round %d of workload %r" % (round_, self.attester.workload_id))
            try:
                exc.round = int(round_)  # type: ignore[union-attr]
            except AttributeError:  # pragma: no cover - an exception type without a __dict__
                pass
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise exc
            with self._state:
                if isinstance(exc, PqchaError):
                    self.last_error = exc
                callback = self._on_error
            if callback is not None:
                callback(exc)  # type: ignore[arg-type]
        except BaseException as e:  # noqa: BLE001 - re-raised by run()/join()
            _callback_failed(self, e)

    return on_error


def _callback_failed(self: ContinuousAttester, exc: BaseException) -> None:
    with self._state:
        if self._raised is None:
            self._raised = exc
    self.stop()
