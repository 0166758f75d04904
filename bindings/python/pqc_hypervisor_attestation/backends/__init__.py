"""Backends: where region bytes come from."""

from .base import AttestationBackend
from .memory import InMemoryBackend
from .sev_snp import AMDSEVSNPBackend
from .tdx import IntelTDXBackend

__all__ = ["AttestationBackend", "InMemoryBackend", "AMDSEVSNPBackend", "IntelTDXBackend"]
