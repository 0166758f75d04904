"""Intel TDX (the original's stub), mapped to libpqcha's "intel-tdx" backend."""

from ._platform import _PlatformBackend

__all__ = ["IntelTDXBackend"]


class IntelTDXBackend(_PlatformBackend):
    """``/dev/tdx-guest``. Fails closed: see :class:`_PlatformBackend` for why and what to use."""

    name = "intel-tdx"
    platform = "intel-tdx"
    _pqcha_name = "intel-tdx"
    _default_device = "/dev/tdx-guest"
