"""Finding, loading and declaring libpqcha (internal).

The library is looked for in this order, and the first that loads, is at
least :data:`MIN_LIBRARY_VERSION` and has every function this package declares
is used:

1. ``$PQCHA_LIBRARY``, a path to ``libpqcha.so*``, when the variable is set
   (and not empty). A wrong path is an error: nothing else is tried.
2. The build tree of the repository this package sits in
   (``<repo>/build/libpqcha.so`` when the package is
   ``<repo>/bindings/python/pqcha/``).
3. The installed library: ``ctypes.util.find_library("pqcha")``, then
   ``libpqcha.so.0`` through the dynamic loader's own search path.

When none fits, :class:`pqcha.LibraryNotFound` (an :class:`ImportError`) names
every place looked at and why each was refused.

The library is loaded with :class:`ctypes.CDLL`, which releases the GIL around
every call into it: hashing, signing and verifying run while other Python
threads run. Every function used is declared here with its argument and result
types; handles are ``c_void_p``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    c_char_p,
    c_int,
    c_int64,
    c_size_t,
    c_uint,
    c_uint64,
    c_void_p,
)
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .errors import LibraryNotFound

#: The oldest libpqcha this package works with (one constant, compared as numbers).
MIN_LIBRARY_VERSION = "0.2.0"

#: The environment variable that names the library explicitly.
ENV_VARIABLE = "PQCHA_LIBRARY"

# ---- types shared by the modules ------------------------------------------------

c_err = c_int  # pqcha_err
p_void = POINTER(c_void_p)  # T ** outputs (handles, buffers)
p_size = POINTER(c_size_t)

CHUNK_SINK = CFUNCTYPE(c_int, c_void_p, c_void_p, c_size_t)
LIST_REGIONS_FN = CFUNCTYPE(c_int, c_void_p, c_char_p, POINTER(POINTER(c_void_p)), POINTER(c_size_t))
READ_REGION_FN = CFUNCTYPE(c_int, c_void_p, c_char_p, c_void_p, CHUNK_SINK, c_void_p)
DESTROY_FN = CFUNCTYPE(None, c_void_p)
PROGRESS_FN = CFUNCTYPE(None, c_void_p, c_uint64)
REPORT_CB = CFUNCTYPE(None, c_void_p, c_uint64, c_void_p, c_size_t)
ERROR_CB = CFUNCTYPE(None, c_void_p, c_uint64, c_int)


class BackendOps(Structure):
    """``struct pqcha_backend_ops`` (include/pqcha/backend.h)."""

    _fields_ = [
        ("name", c_char_p),
        ("platform", c_char_p),
        ("list_regions", LIST_REGIONS_FN),
        ("read_region", READ_REGION_FN),
        ("destroy", DESTROY_FN),
        ("flags", c_uint),
    ]


PQCHA_BACKEND_CONCURRENT_READS = 1

# name -> (restype, argtypes). Every function the package calls, and only those.
_FUNCTIONS: Dict[str, Tuple[Any, List[Any]]] = {
    # version, memory, errors
    "pqcha_version": (c_char_p, []),
    "pqcha_crypto_version": (c_char_p, []),
    "pqcha_keccak_implementation": (c_char_p, []),
    "pqcha_free": (None, [c_void_p]),
    "pqcha_free_secret": (None, [c_void_p, c_size_t]),
    "pqcha_strerror": (c_char_p, [c_err]),
    "pqcha_error_name": (c_char_p, [c_err]),
    "pqcha_error_from_errno": (c_err, [c_int]),
    # digests
    "pqcha_digest_alg_parse": (c_err, [POINTER(c_int), c_char_p]),
    "pqcha_digest_alg_name": (c_char_p, [c_int]),
    "pqcha_digest_alg_length": (c_size_t, [c_int]),
    "pqcha_digest": (c_err, [c_void_p, c_size_t, c_int, c_void_p, c_size_t, c_uint]),
    "pqcha_digest_fd": (c_err, [c_void_p, c_size_t, c_int, c_int, c_uint, PROGRESS_FN, c_void_p]),
    "pqcha_hasher_create": (c_err, [p_void, c_int]),
    "pqcha_hasher_set_threads": (c_err, [c_void_p, c_uint]),
    "pqcha_hasher_update": (c_err, [c_void_p, c_void_p, c_size_t]),
    "pqcha_hasher_final": (c_err, [c_void_p, c_void_p, c_size_t]),
    "pqcha_hasher_free": (None, [c_void_p]),
    # keys
    "pqcha_sig_alg_parse": (c_err, [POINTER(c_int), c_char_p]),
    "pqcha_sig_alg_name": (c_char_p, [c_int]),
    "pqcha_key_generate": (c_err, [p_void, c_int]),
    "pqcha_key_from_pem": (c_err, [p_void, c_void_p, c_size_t]),
    "pqcha_key_public_copy": (c_err, [p_void, c_void_p]),
    "pqcha_key_private_pem": (c_err, [p_void, p_size, c_void_p]),
    "pqcha_key_public_pem": (c_err, [p_void, p_size, c_void_p]),
    "pqcha_key_public_der": (c_err, [p_void, p_size, c_void_p]),
    "pqcha_key_public_raw": (c_err, [p_void, p_size, c_void_p]),
    "pqcha_key_has_private": (c_int, [c_void_p]),
    "pqcha_key_algorithm": (c_int, [c_void_p]),
    "pqcha_key_id": (c_char_p, [c_void_p]),
    "pqcha_key_free": (None, [c_void_p]),
    "pqcha_sign": (c_err, [p_void, p_size, c_void_p, c_void_p, c_size_t]),
    "pqcha_verify_signature": (c_err, [c_void_p, c_void_p, c_size_t, c_void_p, c_size_t]),
    "pqcha_key_save_private": (c_err, [c_void_p, c_char_p, c_int]),
    "pqcha_key_save_public": (c_err, [c_void_p, c_char_p, c_int]),
    "pqcha_key_save_pair": (c_err, [c_void_p, c_char_p, c_char_p, c_int]),
    "pqcha_key_load": (c_err, [p_void, c_char_p, POINTER(c_int)]),
    # files
    "pqcha_file_write_atomic": (c_err, [c_char_p, c_void_p, c_size_t, c_uint, c_int]),
    # regions
    "pqcha_protection_parse": (c_err, [POINTER(c_int), c_char_p]),
    "pqcha_protection_name": (c_char_p, [c_int]),
    "pqcha_region_create": (c_err, [p_void, c_char_p, c_char_p, c_uint64, c_uint64, c_int]),
    "pqcha_region_set_mapping": (c_err, [c_void_p, c_char_p, c_uint64]),
    "pqcha_region_mapped_file": (c_char_p, [c_void_p]),
    "pqcha_region_file_offset": (c_uint64, [c_void_p]),
    "pqcha_region_file_deleted": (c_int, [c_void_p]),
    "pqcha_region_tensor_count": (c_size_t, [c_void_p]),
    "pqcha_region_tensor_name": (c_char_p, [c_void_p, c_size_t]),
    "pqcha_region_id": (c_char_p, [c_void_p]),
    "pqcha_region_description": (c_char_p, [c_void_p]),
    "pqcha_region_address": (c_uint64, [c_void_p]),
    "pqcha_region_size": (c_uint64, [c_void_p]),
    "pqcha_region_protection": (c_int, [c_void_p]),
    "pqcha_region_free": (None, [c_void_p]),
    "pqcha_identifier_check": (c_err, [c_char_p]),
    # backends
    "pqcha_backend_create": (c_err, [p_void, c_char_p]),
    "pqcha_backend_create_custom": (c_err, [p_void, POINTER(BackendOps), c_void_p]),
    "pqcha_backend_names": (POINTER(c_char_p), []),
    "pqcha_backend_name": (c_char_p, [c_void_p]),
    "pqcha_backend_platform": (c_char_p, [c_void_p]),
    "pqcha_backend_flags": (c_uint, [c_void_p]),
    "pqcha_backend_free": (None, [c_void_p]),
    "pqcha_backend_list_regions": (c_err, [c_void_p, c_char_p, POINTER(POINTER(c_void_p)), p_size]),
    "pqcha_region_list_free": (None, [POINTER(c_void_p), c_size_t]),
    "pqcha_backend_digest": (c_err, [c_void_p, c_char_p, c_void_p, c_int, c_uint, c_void_p, c_size_t]),
    "pqcha_memory_backend_register": (c_err, [c_void_p, c_char_p, c_void_p, c_void_p, c_size_t]),
    "pqcha_memory_backend_update": (c_err, [c_void_p, c_char_p, c_char_p, c_void_p, c_size_t]),
    "pqcha_file_backend_add": (c_err, [c_void_p, c_char_p, c_char_p, c_char_p, c_uint64, c_uint64]),
    "pqcha_process_backend_add_mappings": (c_err, [c_void_p, c_char_p, c_int, c_char_p, c_char_p]),
    "pqcha_process_backend_add_file": (c_err, [c_void_p, c_char_p, c_int, c_char_p, c_char_p]),
    "pqcha_process_backend_set_manifest": (c_err, [c_void_p, c_void_p]),
    "pqcha_process_backend_set_tensor_tables": (c_err, [c_void_p, c_int]),
    "pqcha_process_backend_tensor_note": (c_char_p, [c_void_p, c_char_p, c_char_p]),
    "pqcha_process_mapped_files": (c_err, [p_void, c_int]),
    "pqcha_process_backend_add_range": (c_err, [c_void_p, c_char_p, c_int, c_uint64, c_uint64, c_char_p]),
    "pqcha_process_backend_add_readonly_files": (c_err, [c_void_p, c_char_p, c_int]),
    "pqcha_process_backend_unusable_count": (c_size_t, [c_void_p]),
    "pqcha_process_backend_unusable_path": (c_char_p, [c_void_p, c_size_t]),
    "pqcha_process_backend_unusable_error": (c_err, [c_void_p, c_size_t]),
    # attester
    "pqcha_attester_create": (c_err, [p_void, c_void_p, c_void_p, c_char_p]),
    "pqcha_attester_set_ttl": (c_err, [c_void_p, c_int64]),
    "pqcha_attester_set_sequence": (c_err, [c_void_p, c_uint64]),
    "pqcha_attester_set_expected": (c_err, [c_void_p, c_char_p, c_char_p]),
    "pqcha_attester_set_digest": (c_err, [c_void_p, c_int]),
    "pqcha_attester_set_threads": (c_err, [c_void_p, c_uint]),
    "pqcha_attester_set_time": (c_err, [c_void_p, c_int64]),
    "pqcha_attester_set_evidence": (c_err, [c_void_p, c_void_p, c_char_p]),
    "pqcha_attester_report_size": (c_err, [c_void_p, p_size]),
    "pqcha_attester_attest": (c_err, [c_void_p, c_char_p, p_void, p_size]),
    "pqcha_attester_free": (None, [c_void_p]),
    # continuous attester
    "pqcha_continuous_create": (c_err, [p_void, c_void_p, c_int64]),
    "pqcha_continuous_set_callbacks": (c_err, [c_void_p, REPORT_CB, ERROR_CB, c_void_p]),
    "pqcha_continuous_run": (c_err, [c_void_p, c_uint64, c_int64]),
    "pqcha_continuous_start": (c_err, [c_void_p, c_uint64, c_int64]),
    "pqcha_continuous_join": (c_err, [c_void_p]),
    "pqcha_continuous_stop": (None, [c_void_p]),
    "pqcha_continuous_report_count": (c_size_t, [c_void_p]),
    "pqcha_continuous_report": (c_char_p, [c_void_p, c_size_t]),
    "pqcha_continuous_error_count": (c_size_t, [c_void_p]),
    "pqcha_continuous_set_nonce": (c_err, [c_void_p, c_char_p]),
    "pqcha_continuous_set_retention": (c_err, [c_void_p, c_size_t]),
    "pqcha_continuous_free": (None, [c_void_p]),
    # evidence sources (getting hardware evidence in a guest)
    "pqcha_evidence_source_create": (c_err, [p_void]),
    "pqcha_evidence_source_set_platform": (c_err, [c_void_p, c_char_p]),
    "pqcha_evidence_source_set_tsm_root": (c_err, [c_void_p, c_char_p]),
    "pqcha_evidence_source_set_device": (c_err, [c_void_p, c_char_p]),
    "pqcha_evidence_source_set_privlevel": (c_err, [c_void_p, c_uint]),
    "pqcha_evidence_source_probe": (c_err, [c_void_p]),
    "pqcha_evidence_source_describe": (c_char_p, [c_void_p]),
    "pqcha_evidence_source_get": (c_err, [c_void_p, c_void_p, p_void]),
    "pqcha_evidence_source_free": (None, [c_void_p]),
    "pqcha_raw_evidence_platform": (c_char_p, [c_void_p]),
    "pqcha_raw_evidence_interface": (c_char_p, [c_void_p]),
    "pqcha_raw_evidence_bytes": (c_void_p, [c_void_p, p_size]),
    "pqcha_raw_evidence_certs": (c_void_p, [c_void_p, p_size]),
    "pqcha_raw_evidence_free": (None, [c_void_p]),
    # evidence verifier
    "pqcha_evidence_verifier_create": (c_err, [p_void]),
    "pqcha_evidence_verifier_add_roots": (c_err, [c_void_p, c_void_p, c_size_t]),
    "pqcha_evidence_verifier_set_chain": (c_err, [c_void_p, c_void_p, c_size_t]),
    "pqcha_evidence_verifier_set_signing_cert": (c_err, [c_void_p, c_void_p, c_size_t]),
    "pqcha_evidence_verifier_set_crl": (c_err, [c_void_p, c_void_p, c_size_t]),
    "pqcha_evidence_verifier_set_cert_table": (c_err, [c_void_p, c_void_p, c_size_t]),
    "pqcha_evidence_verifier_add_collateral": (c_err, [c_void_p, c_int, c_void_p, c_size_t]),
    "pqcha_evidence_verifier_set_policy": (c_err, [c_void_p, c_void_p, c_size_t]),
    "pqcha_evidence_verifier_set_time": (c_err, [c_void_p, c_int64]),
    "pqcha_evidence_verifier_free": (None, [c_void_p]),
    # reports
    "pqcha_report_decode_unverified": (c_err, [p_void, c_void_p, c_size_t]),
    "pqcha_report_region_count": (c_size_t, [c_void_p]),
    "pqcha_report_id": (c_char_p, [c_void_p]),
    "pqcha_report_workload_id": (c_char_p, [c_void_p]),
    "pqcha_report_platform": (c_char_p, [c_void_p]),
    "pqcha_report_signer_key_id": (c_char_p, [c_void_p]),
    "pqcha_report_signer_algorithm": (c_int, [c_void_p]),
    "pqcha_report_nonce": (c_char_p, [c_void_p]),
    "pqcha_report_sequence": (c_uint64, [c_void_p]),
    "pqcha_report_issued_at": (c_int64, [c_void_p]),
    "pqcha_report_expires_at": (c_int64, [c_void_p]),
    "pqcha_report_region": (c_void_p, [c_void_p, c_size_t]),
    "pqcha_report_region_digest_hex": (c_char_p, [c_void_p, c_size_t]),
    "pqcha_report_region_digest_alg": (c_int, [c_void_p, c_size_t]),
    "pqcha_report_region_taken_at": (c_int64, [c_void_p, c_size_t]),
    "pqcha_report_region_expected_hex": (c_char_p, [c_void_p, c_size_t]),
    "pqcha_report_evidence_platform": (c_char_p, [c_void_p]),
    "pqcha_report_evidence_binding": (c_char_p, [c_void_p]),
    "pqcha_report_evidence_bytes": (c_void_p, [c_void_p, p_size]),
    "pqcha_report_evidence_certificates": (c_void_p, [c_void_p, p_size]),
    "pqcha_report_free": (None, [c_void_p]),
    "pqcha_envelope_describe": (c_err, [p_void, p_void, p_size, c_void_p, c_size_t]),
    # manifests
    "pqcha_manifest_create": (c_err, [p_void]),
    "pqcha_manifest_add_file": (c_err, [c_void_p, c_char_p, c_uint]),
    "pqcha_manifest_add_safetensors_index": (c_err, [c_void_p, c_char_p, c_uint]),
    "pqcha_manifest_error_detail": (c_char_p, [c_void_p]),
    "pqcha_manifest_to_json": (c_err, [p_void, c_void_p]),
    "pqcha_manifest_parse": (c_err, [p_void, c_void_p, c_size_t]),
    "pqcha_manifest_free": (None, [c_void_p]),
    "pqcha_manifest_file_count": (c_size_t, [c_void_p]),
    "pqcha_manifest_file_name": (c_char_p, [c_void_p, c_size_t]),
    "pqcha_manifest_file_size": (c_uint64, [c_void_p, c_size_t]),
    "pqcha_manifest_file_format": (c_char_p, [c_void_p, c_size_t]),
    "pqcha_manifest_file_digest_hex": (c_char_p, [c_void_p, c_size_t]),
    "pqcha_manifest_tensor_count": (c_size_t, [c_void_p, c_size_t]),
    "pqcha_manifest_tensor_name": (c_char_p, [c_void_p, c_size_t, c_size_t]),
    "pqcha_manifest_tensor_dtype": (c_char_p, [c_void_p, c_size_t, c_size_t]),
    "pqcha_manifest_tensor_offset": (c_uint64, [c_void_p, c_size_t, c_size_t]),
    "pqcha_manifest_tensor_size": (c_uint64, [c_void_p, c_size_t, c_size_t]),
    # policies
    "pqcha_policy_parse": (c_err, [p_void, c_void_p, c_size_t]),
    "pqcha_policy_has_workload": (c_int, [c_void_p, c_char_p]),
    "pqcha_policy_trusted_key_count": (c_size_t, [c_void_p]),
    "pqcha_policy_trusted_key": (c_void_p, [c_void_p, c_size_t]),
    "pqcha_policy_free": (None, [c_void_p]),
    "pqcha_policy_create": (c_err, [p_void]),
    "pqcha_policy_add_trusted_key": (c_err, [c_void_p, c_void_p]),
    "pqcha_policy_add_manifest_entry": (c_err, [c_void_p, c_void_p, c_size_t]),
    "pqcha_policy_add_workload": (c_err, [c_void_p, c_char_p, c_char_p, c_int]),
    "pqcha_policy_set_workload_evidence": (c_err, [c_void_p, c_char_p, c_void_p, c_size_t]),
    "pqcha_policy_add_region_digests": (
        c_err,
        [c_void_p, c_char_p, c_char_p, POINTER(c_int), POINTER(c_char_p), c_size_t],
    ),
    "pqcha_policy_add_region_manifest": (
        c_err,
        [c_void_p, c_char_p, c_char_p, c_char_p, POINTER(c_char_p), c_size_t],
    ),
    "pqcha_policy_finish": (c_err, [c_void_p]),
    "pqcha_policy_to_json": (c_err, [p_void, p_size, c_void_p]),
    # verifier and result
    "pqcha_verifier_create": (c_err, [p_void]),
    "pqcha_verifier_trust_key": (c_err, [c_void_p, c_void_p]),
    "pqcha_verifier_set_policy": (c_err, [c_void_p, c_void_p]),
    "pqcha_verifier_expect_nonce": (c_err, [c_void_p, c_char_p]),
    "pqcha_verifier_set_time": (c_err, [c_void_p, c_int64]),
    "pqcha_verifier_set_evidence_verifier": (c_err, [c_void_p, c_void_p]),
    "pqcha_verifier_set_max_skew": (c_err, [c_void_p, c_int64]),
    "pqcha_verifier_set_max_lifetime": (c_err, [c_void_p, c_int64]),
    "pqcha_verifier_free": (None, [c_void_p]),
    "pqcha_verify": (c_err, [p_void, c_void_p, c_void_p, c_size_t]),
    "pqcha_result_verdict": (c_int, [c_void_p]),
    "pqcha_result_error": (c_err, [c_void_p]),
    "pqcha_result_check_count": (c_size_t, [c_void_p]),
    "pqcha_result_check_name": (c_char_p, [c_void_p, c_size_t]),
    "pqcha_result_check_status": (c_int, [c_void_p, c_size_t]),
    "pqcha_result_check_error": (c_err, [c_void_p, c_size_t]),
    "pqcha_result_check_expected": (c_char_p, [c_void_p, c_size_t]),
    "pqcha_result_check_found": (c_char_p, [c_void_p, c_size_t]),
    "pqcha_result_drift_count": (c_size_t, [c_void_p]),
    "pqcha_result_drift_region": (c_char_p, [c_void_p, c_size_t]),
    "pqcha_result_span_count": (c_size_t, [c_void_p]),
    "pqcha_result_span_region": (c_char_p, [c_void_p, c_size_t]),
    "pqcha_result_span_offset": (c_uint64, [c_void_p, c_size_t]),
    "pqcha_result_span_length": (c_uint64, [c_void_p, c_size_t]),
    "pqcha_result_span_tensor_count": (c_size_t, [c_void_p, c_size_t]),
    "pqcha_result_span_tensor_total": (c_size_t, [c_void_p, c_size_t]),
    "pqcha_result_span_tensor": (c_char_p, [c_void_p, c_size_t, c_size_t]),
    "pqcha_result_missing_tensor_count": (c_size_t, [c_void_p]),
    "pqcha_result_missing_tensor_region": (c_char_p, [c_void_p, c_size_t]),
    "pqcha_result_missing_tensor": (c_char_p, [c_void_p, c_size_t]),
    "pqcha_result_report": (c_void_p, [c_void_p]),
    "pqcha_result_to_json": (c_err, [p_void, c_void_p]),
    "pqcha_result_free": (None, [c_void_p]),
    "pqcha_verdict_name": (c_char_p, [c_int]),
    "pqcha_check_status_name": (c_char_p, [c_int]),
}

#: The function names this package declares (and requires of the library).
REQUIRED_SYMBOLS: Tuple[str, ...] = tuple(_FUNCTIONS)


def _version_tuple(text: str) -> Tuple[int, ...]:
    """"0.2.0" -> (0, 2, 0); a suffix such as "-dev" is ignored."""
    parts = []
    for piece in text.split("."):
        m = re.match(r"\d+", piece)
        if m is None:
            break
        parts.append(int(m.group(0)))
    return tuple(parts)


def _repository_build_library() -> Optional[Path]:
    """<repo>/build/libpqcha.so when this package is <repo>/bindings/python/pqcha/."""
    here = Path(__file__).resolve().parent
    if here.parent.name != "python" or here.parent.parent.name != "bindings":
        return None
    repo = here.parent.parent.parent
    if not (repo / "include" / "pqcha.h").is_file():
        return None
    return repo / "build" / "libpqcha.so"


def search_order() -> List[Tuple[str, str]]:
    """The places the library is looked for, in order, as (where, path or name).

    With ``$PQCHA_LIBRARY`` set (and not empty), that one path only.
    """
    explicit = os.environ.get(ENV_VARIABLE)
    if explicit:  # set and not empty
        return [("$" + ENV_VARIABLE, explicit)]
    places: List[Tuple[str, str]] = []
    build = _repository_build_library()
    if build is not None:
        places.append(("the repository's build tree", str(build)))
    found = ctypes.util.find_library("pqcha")
    if found:
        places.append(('ctypes.util.find_library("pqcha")', found))
    places.append(("the dynamic loader's search path", "libpqcha.so.0"))
    return places


def _declare(lib: ctypes.CDLL) -> List[str]:
    """Sets restype/argtypes of every function; returns the names the library lacks."""
    missing = []
    for name, (restype, argtypes) in _FUNCTIONS.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            missing.append(name)
            continue
        fn.restype = restype
        fn.argtypes = argtypes
    return missing


def _try_load(where: str, path: str) -> Tuple[Optional[ctypes.CDLL], str]:
    """Loads one candidate; returns (library, "") or (None, why it was refused)."""
    looks_like_path = os.sep in path
    if looks_like_path and not os.path.exists(path):
        return None, "no such file"
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        return None, "cannot be loaded (%s)" % (e,)
    try:
        version_fn = lib.pqcha_version
    except AttributeError:
        return None, "not libpqcha (no pqcha_version)"
    version_fn.restype = c_char_p
    version_fn.argtypes = []
    raw = version_fn()
    version = raw.decode("ascii", "replace") if raw else ""
    if _version_tuple(version) < _version_tuple(MIN_LIBRARY_VERSION):
        return None, "version %s, older than the %s this package needs" % (
            version or "?",
            MIN_LIBRARY_VERSION,
        )
    missing = _declare(lib)
    if missing:
        shown = ", ".join(missing[:5]) + (" and %d more" % (len(missing) - 5) if len(missing) > 5 else "")
        return None, "version %s lacks %s" % (version, shown)
    return lib, ""


def load() -> Tuple[ctypes.CDLL, str]:
    """Finds and loads libpqcha; returns (library, the path or name it was loaded from).

    Raises LibraryNotFound naming every place looked at.
    """
    refused = []
    for where, path in search_order():
        lib, why = _try_load(where, path)
        if lib is not None:
            return lib, path
        refused.append("%s (%s): %s" % (path, where, why))
    raise LibraryNotFound(
        "libpqcha (version %s or later) was not found; looked at, in order:\n  %s\n"
        "Set %s to the path of libpqcha.so, or build the library (see the README)."
        % (MIN_LIBRARY_VERSION, "\n  ".join(refused), ENV_VARIABLE),
        places=refused,
    )


lib, library_path = load()

# The C library's allocator, for the region arrays a Python backend grows
# (pqcha_backend_ops.list_regions: "grows with realloc"; libpqcha frees them
# with free(), and uses libc's allocator).
libc = ctypes.CDLL(None)
libc.realloc.restype = c_void_p
libc.realloc.argtypes = [c_void_p, c_size_t]
libc.free.restype = None
libc.free.argtypes = [c_void_p]


# ---- small helpers used by every module ---------------------------------------------


def cstr(value: str, what: str = "string") -> bytes:
    """A str as NUL-terminated UTF-8 for C; an embedded NUL (which C would cut at) is refused."""
    if isinstance(value, bytes):
        data = value
    elif isinstance(value, str):
        data = value.encode("utf-8", "surrogateescape")
    else:
        raise TypeError("%s must be str, not %s" % (what, type(value).__name__))
    if b"\0" in data:
        raise ValueError("%s contains a NUL character" % what)
    return data


def cpath(value: "os.PathLike[str] | str | bytes", what: str = "path") -> bytes:
    """A file system path for C (os.fsencode), refusing embedded NULs."""
    data = os.fsencode(value)
    if b"\0" in data:
        raise ValueError("%s contains a NUL character" % what)
    return data


def text(value: Optional[bytes]) -> str:
    """A C string (bytes from a c_char_p result) as str; NULL is ""."""
    if value is None:
        return ""
    return value.decode("utf-8", "surrogateescape")


def opt_text(value: Optional[bytes]) -> Optional[str]:
    """A C string as str; NULL is None."""
    if value is None:
        return None
    return value.decode("utf-8", "surrogateescape")


def take_string(ptr: c_void_p, length: Optional[int] = None) -> str:
    """Copies a library-allocated string into Python and frees it with pqcha_free."""
    if not ptr.value:
        return ""
    try:
        raw = ctypes.string_at(ptr.value, length) if length is not None else ctypes.string_at(ptr.value)
    finally:
        lib.pqcha_free(ptr)
    return raw.decode("utf-8", "surrogateescape")


def take_bytes(ptr: c_void_p, length: int) -> bytes:
    """Copies a library-allocated buffer into Python and frees it with pqcha_free."""
    if not ptr.value:
        return b""
    try:
        return ctypes.string_at(ptr.value, length)
    finally:
        lib.pqcha_free(ptr)


def backend_names() -> Sequence[str]:
    """The built-in backends' registry names."""
    names = lib.pqcha_backend_names()
    out = []
    i = 0
    while names[i] is not None:
        out.append(names[i].decode("ascii"))
        i += 1
    return tuple(out)
