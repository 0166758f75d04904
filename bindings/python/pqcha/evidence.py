"""Hardware evidence (AMD SEV-SNP, Intel TDX): getting it inside a guest, and the
inputs a verifier checks it with.

An :class:`EvidenceSource` given to :class:`pqcha.Attester` embeds the TEE's
evidence, bound to each report, in every report. An :class:`EvidenceVerifier`
given to :class:`pqcha.Verifier` checks the evidence of reports whose
workload's policy requires it.
"""

from __future__ import annotations

import ctypes
from ctypes import c_size_t, c_void_p
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Union

from . import _lib
from ._handle import Handle, buffer_of, check

__all__ = ["EvidenceSource", "RawEvidence", "EvidenceVerifier", "COLLATERAL_KINDS"]

_L = _lib.lib

#: Intel TDX collateral kinds for :meth:`EvidenceVerifier.add_collateral`.
COLLATERAL_KINDS = {
    "tcb_info": 1,
    "tcb_info_chain": 2,
    "qe_identity": 3,
    "qe_identity_chain": 4,
    "pck_crl": 5,
    "pck_crl_chain": 6,
    "root_ca_crl": 7,
}


@dataclass(frozen=True)
class RawEvidence:
    """Evidence as a TEE gave it: platform, where it came from, its bytes and
    (SEV-SNP) the certificate table that came with it."""

    platform: str
    interface: str
    evidence: bytes
    certificates: Optional[bytes]


class EvidenceSource(Handle):
    """The machine's TEE, asked for evidence carrying 64 bytes of REPORT_DATA.

    ``platform``: "auto" (configfs-tsm of either platform, then
    /dev/sev-guest), "amd-sev-snp" or "intel-tdx". ``tsm_root``: the
    configfs-tsm report directory; ``device``: the guest device; ``privlevel``:
    the SEV-SNP VMPL (0-3). Creating it touches nothing; :meth:`probe` looks.
    """

    _kind = "EvidenceSource"

    def __init__(
        self,
        platform: str = "auto",
        *,
        tsm_root: Optional[str] = None,
        device: Optional[str] = None,
        privlevel: int = 0,
    ) -> None:
        out = c_void_p()
        check(_L.pqcha_evidence_source_create(ctypes.byref(out)))
        self._init_handle(out.value, _L.pqcha_evidence_source_free)
        try:
            with self._use() as s:
                check(_L.pqcha_evidence_source_set_platform(s, _lib.cstr(platform, "platform")), "platform %r" % platform)
                if tsm_root is not None:
                    check(_L.pqcha_evidence_source_set_tsm_root(s, _lib.cpath(tsm_root)), str(tsm_root))
                if device is not None:
                    check(_L.pqcha_evidence_source_set_device(s, _lib.cpath(device)), str(device))
                if privlevel:
                    check(_L.pqcha_evidence_source_set_privlevel(s, int(privlevel)), "privlevel %r" % privlevel)
        except BaseException:
            self.close()
            raise

    def probe(self) -> None:
        """Raises BackendError (DEVICE_NOT_PRESENT), naming what was looked for, if no interface is there."""
        with self._use() as s:
            err = _L.pqcha_evidence_source_probe(s)
            check(err, self._describe(s) if err else None)

    def _describe(self, s: int) -> str:
        return _lib.text(_L.pqcha_evidence_source_describe(s))

    def describe(self) -> str:
        """The interfaces a get looks for, as one line."""
        with self._use() as s:
            return self._describe(s)

    def get(self, report_data: Any) -> RawEvidence:
        """Evidence carrying these 64 bytes of REPORT_DATA (GIL released: a TDX quote takes seconds)."""
        out = c_void_p()
        with buffer_of(report_data, "report_data") as (ptr, length):
            if length != 64:
                raise ValueError("report_data must be exactly 64 bytes")
            with self._use() as s:
                err = _L.pqcha_evidence_source_get(s, ptr, ctypes.byref(out))
                check(err, self._describe(s) if err else None)
        try:
            n = c_size_t(0)
            data = _L.pqcha_raw_evidence_bytes(out, ctypes.byref(n))
            evidence = ctypes.string_at(data, n.value) if data else b""
            c = c_size_t(0)
            certs = _L.pqcha_raw_evidence_certs(out, ctypes.byref(c))
            return RawEvidence(
                platform=_lib.text(_L.pqcha_raw_evidence_platform(out)),
                interface=_lib.text(_L.pqcha_raw_evidence_interface(out)),
                evidence=evidence,
                certificates=ctypes.string_at(certs, c.value) if certs else None,
            )
        finally:
            _L.pqcha_raw_evidence_free(out)


class EvidenceVerifier(Handle):
    """The pinned roots, certificates, collateral and policy hardware evidence is checked with.

    Give it to :class:`pqcha.Verifier` (``evidence_verifier=``); it is kept
    alive, and must not be changed, while the verifier lives. Every setter
    copies its input; certificates and CRLs are DER or PEM bytes.
    """

    _kind = "EvidenceVerifier"

    def __init__(
        self,
        *,
        roots: Any = (),
        chain: Optional[bytes] = None,
        signing_cert: Optional[bytes] = None,
        crl: Optional[bytes] = None,
        cert_table: Optional[bytes] = None,
        collateral: Optional[Mapping[Union[str, int], bytes]] = None,
        policy: Optional[Union[str, Mapping[str, Any]]] = None,
        time: Optional[int] = None,
    ) -> None:
        out = c_void_p()
        check(_L.pqcha_evidence_verifier_create(ctypes.byref(out)))
        self._init_handle(out.value, _L.pqcha_evidence_verifier_free)
        try:
            for root in [roots] if isinstance(roots, (bytes, bytearray, memoryview)) else roots:
                self.add_roots(root)
            if chain is not None:
                self._set(_L.pqcha_evidence_verifier_set_chain, chain, "chain")
            if signing_cert is not None:
                self._set(_L.pqcha_evidence_verifier_set_signing_cert, signing_cert, "signing certificate")
            if crl is not None:
                self._set(_L.pqcha_evidence_verifier_set_crl, crl, "CRL")
            if cert_table is not None:
                self._set(_L.pqcha_evidence_verifier_set_cert_table, cert_table, "certificate table")
            for kind, data in (collateral or {}).items():
                self.add_collateral(kind, data)
            if policy is not None:
                self.set_policy(policy)
            if time is not None:
                with self._use() as v:
                    check(_L.pqcha_evidence_verifier_set_time(v, int(time)), "time=%r" % (time,))
        except BaseException:
            self.close()
            raise

    def _set(self, fn: Any, data: Any, what: str) -> None:
        with self._use() as v, buffer_of(data, what) as (ptr, length):
            check(fn(v, ptr, length), what)

    def add_roots(self, certificates: Any) -> None:
        """Pins vendor roots: one DER certificate or one or more PEM certificates."""
        self._set(_L.pqcha_evidence_verifier_add_roots, certificates, "roots")

    def add_collateral(self, kind: Union[str, int], data: Any) -> None:
        """Adds one piece of Intel TDX collateral (kind: a key of COLLATERAL_KINDS)."""
        code = COLLATERAL_KINDS[kind] if isinstance(kind, str) else int(kind)
        with self._use() as v, buffer_of(data, "collateral") as (ptr, length):
            check(_L.pqcha_evidence_verifier_add_collateral(v, code, ptr, length), "collateral %s" % (kind,))

    def set_policy(self, policy: Union[str, Mapping[str, Any]]) -> None:
        """The evidence requirements (docs/FORMAT.md 6.1) as JSON text or a dict."""
        import json

        text = policy if isinstance(policy, str) else json.dumps(policy)
        self._set(_L.pqcha_evidence_verifier_set_policy, text.encode("utf-8"), "evidence policy")
