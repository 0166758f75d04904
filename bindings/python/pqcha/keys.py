"""ML-DSA (FIPS 204) keys: generate, load, save, sign, verify."""

from __future__ import annotations

import ctypes
import os
from ctypes import c_int, c_size_t, c_void_p
from typing import Any, Optional, Union

from . import _lib
from ._handle import Handle, buffer_of, check
from .errors import Code

__all__ = ["Key", "SIGNATURE_ALGORITHMS"]

_L = _lib.lib

#: The signature algorithms a key can have.
SIGNATURE_ALGORITHMS = ("ML-DSA-44", "ML-DSA-65", "ML-DSA-87")

PathArg = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]


class Key(Handle):
    """An ML-DSA key pair, or a public key alone.

    Make one with :meth:`generate`, :meth:`load` or :meth:`from_pem`. The
    private half lives in OpenSSL inside libpqcha and is wiped when the key is
    freed (:meth:`close`, the end of a ``with`` block, or garbage collection).
    A key can be shared by any number of threads, attesters and verifiers.

    Two keys are equal when they are the same key pair (same :attr:`id`),
    whether or not both hold the private half.
    """

    _kind = "Key"

    def __init__(self, _ptr: int) -> None:
        """Internal: use :meth:`generate`, :meth:`load` or :meth:`from_pem`."""
        if not isinstance(_ptr, int) or not _ptr:
            raise TypeError("use Key.generate(), Key.load() or Key.from_pem() to make a Key")
        self._init_handle(_ptr, _L.pqcha_key_free)
        self.loose_permissions = False
        # Fixed for the key's life: read once.
        self._id = _lib.text(_L.pqcha_key_id(_ptr))
        self._alg = _lib.text(_L.pqcha_sig_alg_name(_L.pqcha_key_algorithm(_ptr)))
        self._has_private = bool(_L.pqcha_key_has_private(_ptr))

    # -- making keys --------------------------------------------------------------------

    @classmethod
    def generate(cls, algorithm: str = "ML-DSA-65") -> "Key":
        """A new key pair: "ML-DSA-44", "ML-DSA-65" (default) or "ML-DSA-87"."""
        alg = c_int(0)
        check(
            _L.pqcha_sig_alg_parse(ctypes.byref(alg), _lib.cstr(algorithm, "algorithm")),
            "signature algorithm %r (known: %s)" % (algorithm, ", ".join(SIGNATURE_ALGORITHMS)),
        )
        out = c_void_p()
        check(_L.pqcha_key_generate(ctypes.byref(out), alg.value))
        return cls(out.value)

    @classmethod
    def from_pem(cls, pem: Union[str, bytes, Any]) -> "Key":
        """Parses a PEM "PRIVATE KEY" (PKCS#8) or "PUBLIC KEY" (SPKI) of ML-DSA.

        Raises FormatError (BAD_KEY) for anything else, FormatError (TOO_LARGE)
        above 64 KiB. A private key's PEM passed as str or bytes stays in Python
        memory, which cannot be wiped: prefer :meth:`load`.
        """
        if isinstance(pem, str):
            pem = pem.encode("utf-8")
        out = c_void_p()
        with buffer_of(pem, "pem") as (ptr, length):
            err = _L.pqcha_key_from_pem(ctypes.byref(out), ptr, length)
        check(err)
        return cls(out.value)

    @classmethod
    def load(cls, path: PathArg) -> "Key":
        """Loads a PEM key file (private or public).

        :attr:`loose_permissions` is then True when the file holds a private key
        readable by group or others (the caller decides whether to warn).
        Raises FileError (NOT_FOUND, PERMISSION, IS_DIRECTORY, IO) or
        FormatError (BAD_KEY, TOO_LARGE).
        """
        out = c_void_p()
        loose = c_int(0)
        cpath = _lib.cpath(path)
        err = _L.pqcha_key_load(ctypes.byref(out), cpath, ctypes.byref(loose))
        check(err, os.fsdecode(cpath))
        key = cls(out.value)
        key.loose_permissions = bool(loose.value)
        return key

    # -- properties ---------------------------------------------------------------------

    @property
    def id(self) -> str:
        """The key id: 64 lowercase hex, SHA3-256 of the public key's DER SPKI."""
        return self._id

    @property
    def algorithm(self) -> str:
        """"ML-DSA-44", "ML-DSA-65" or "ML-DSA-87"."""
        return self._alg

    @property
    def has_private(self) -> bool:
        """True when the key holds its private half (it can sign)."""
        return self._has_private

    # -- exporting ----------------------------------------------------------------------

    def _export(self, fn: Any) -> "tuple[c_void_p, int]":
        out = c_void_p()
        length = c_size_t(0)
        with self._use() as k:
            check(fn(ctypes.byref(out), ctypes.byref(length), k))
        return out, length.value

    def public_pem(self) -> str:
        """The public key as PEM (SPKI)."""
        out, length = self._export(_L.pqcha_key_public_pem)
        return _lib.take_string(out, length)

    def public_der(self) -> bytes:
        """The public key as DER SubjectPublicKeyInfo (RFC 9881)."""
        out, length = self._export(_L.pqcha_key_public_der)
        return _lib.take_bytes(out, length)

    def public_raw(self) -> bytes:
        """The raw FIPS 204 public key bytes."""
        out, length = self._export(_L.pqcha_key_public_raw)
        return _lib.take_bytes(out, length)

    def private_pem(self) -> str:
        """The private key as PKCS#8 PEM.

        The library's copy is wiped (``pqcha_free_secret``); the returned str is
        Python memory, which cannot be: prefer :meth:`save`. Raises FileError
        (NOT_PRIVATE_KEY) for a public key.
        """
        out, length = self._export(_L.pqcha_key_private_pem)
        if not out.value:
            return ""
        try:
            raw = ctypes.string_at(out.value, length)
        finally:
            _L.pqcha_free_secret(out, length)
        return raw.decode("ascii")

    def public_key(self) -> "Key":
        """A new Key holding only the public half."""
        out = c_void_p()
        with self._use() as k:
            check(_L.pqcha_key_public_copy(ctypes.byref(out), k))
        return Key(out.value)

    # -- files --------------------------------------------------------------------------

    def save(self, private_path: PathArg, public_path: Optional[PathArg] = None, force: bool = False) -> None:
        """Writes the private key (mode 0600) and, if public_path is given, its public key.

        Both files are published together, atomically and durably: a failure
        or a kill leaves the previous pair (or none) or the new pair. An
        existing file is FileError (FILE_EXISTS) unless force is true.
        """
        priv = _lib.cpath(private_path)
        with self._use() as k:
            if public_path is None:
                err = _L.pqcha_key_save_private(k, priv, 1 if force else 0)
                detail = os.fsdecode(priv)
            else:
                pub = _lib.cpath(public_path)
                err = _L.pqcha_key_save_pair(k, priv, pub, 1 if force else 0)
                detail = "%s, %s" % (os.fsdecode(priv), os.fsdecode(pub))
        check(err, detail)

    def save_public(self, path: PathArg, force: bool = False) -> None:
        """Writes the public key PEM (mode 0644), atomically; FILE_EXISTS unless force."""
        p = _lib.cpath(path)
        with self._use() as k:
            err = _L.pqcha_key_save_public(k, p, 1 if force else 0)
        check(err, os.fsdecode(p))

    # -- signatures ---------------------------------------------------------------------

    def sign(self, message: Any) -> bytes:
        """Signs a bytes-like message (pure ML-DSA, empty context), GIL released.

        Raises FileError (NOT_PRIVATE_KEY) for a public key.
        """
        out = c_void_p()
        length = c_size_t(0)
        with self._use() as k, buffer_of(message, "message") as (ptr, n):
            err = _L.pqcha_sign(ctypes.byref(out), ctypes.byref(length), k, ptr, n)
        check(err)
        return _lib.take_bytes(out, length.value)

    def verify(self, message: Any, signature: Any) -> bool:
        """True if signature is this key's valid signature of message.

        False only for a signature that does not verify (BAD_SIGNATURE); a
        signature of the wrong length raises FormatError (BAD_SIGNATURE_LENGTH).
        """
        with self._use() as k, buffer_of(message, "message") as (mp, mn), buffer_of(
            signature, "signature"
        ) as (sp, sn):
            err = _L.pqcha_verify_signature(k, mp, mn, sp, sn)
        if err == Code.BAD_SIGNATURE:
            return False
        check(err)
        return True

    # -- Python protocol ----------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Key):
            return NotImplemented
        return self._id == other._id

    def __hash__(self) -> int:
        return hash(self._id)

    def __repr__(self) -> str:
        return "<pqcha.Key %s %s%s%s>" % (
            self._alg,
            self._id[:16],
            " private" if self._has_private else " public",
            " closed" if self.closed else "",
        )

    def __reduce__(self) -> Any:
        raise TypeError("a pqcha.Key cannot be pickled; save it with Key.save() or public_pem()")


def _key_copy_of(ptr: int) -> Key:
    """A Key of its own for a borrowed key handle (e.g. a policy's trusted key)."""
    out = c_void_p()
    check(_L.pqcha_key_public_copy(ctypes.byref(out), ptr))
    return Key(out.value)
