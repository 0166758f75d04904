"""AMD SEV-SNP (the original's stub), mapped to libpqcha's "amd-sev-snp" backend."""

from ._platform import _PlatformBackend

__all__ = ["AMDSEVSNPBackend"]


class AMDSEVSNPBackend(_PlatformBackend):
    """``/dev/sev-guest``. Fails closed: see :class:`_PlatformBackend` for why and what to use."""

    name = "amd-sev-snp"
    platform = "amd-sev-snp"
    _pqcha_name = "amd-sev-snp"
    _default_device = "/dev/sev-guest"
