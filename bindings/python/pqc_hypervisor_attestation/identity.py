"""The attester's identity: an ML-DSA key pair and its DID.

Replaces the original's external ``quantumshield.identity.agent.AgentIdentity``
(whose keys were Ed25519 labelled "ML-DSA-65", or round-3 Dilithium, or random
bytes, and whose keystore wrote private keys as plaintext hex with default
permissions). Here the key is a real FIPS 204 ML-DSA key held by libpqcha
(OpenSSL 3.5), saved as PKCS#8 PEM with mode 0600, and wiped when freed.
"""

from __future__ import annotations

import hashlib
import os
from typing import Iterable, Optional, Union

import pqcha

__all__ = ["AttesterIdentity", "did_for_key"]

PathLike = Union[str, "os.PathLike[str]"]


def did_for_key(key: "pqcha.Key") -> str:
    """``did:pqaid:`` + SHA3-256 of the raw public key, lowercase hex (as quantumshield computed it)."""
    return "did:pqaid:" + hashlib.sha3_256(key.public_raw()).hexdigest()


class AttesterIdentity:
    """An attester's signing identity.

    ``did`` is ``"did:pqaid:" + sha3-256(raw public key)`` — the same
    derivation as the original's AgentIdentity, but here it is only a *name*:
    verifiers trust the public key (``public_key()``), never a DID read from a
    report.

    Create one with :meth:`create`, persist it with :meth:`save` (private key
    file mode 0600, written atomically by libpqcha) and :meth:`load` it back.
    A verifier gets the public half with :meth:`public_key` or
    :meth:`save_public` / :meth:`from_public_key`.
    """

    def __init__(self, key: "pqcha.Key", name: str = "", capabilities: Optional[Iterable[str]] = None):
        if not isinstance(key, pqcha.Key):
            raise TypeError(f"key must be a pqcha.Key, not {type(key).__name__}")
        self._key = key
        self.name = name
        self.capabilities = list(capabilities or [])
        self._did = did_for_key(key)

    # ---- construction ----
    @classmethod
    def create(
        cls,
        name: str = "attester",
        capabilities: Optional[Iterable[str]] = None,
        algorithm: str = "ML-DSA-65",
    ) -> "AttesterIdentity":
        """A new identity with a fresh ML-DSA key (ML-DSA-65 unless algorithm says ML-DSA-44/87).

        Signature compatible with ``AgentIdentity.create(name, capabilities=...)``.
        There is no fallback to another scheme: without ML-DSA this raises.
        """
        algorithm = getattr(algorithm, "value", algorithm)  # a quantumshield SignatureAlgorithm
        return cls(pqcha.Key.generate(algorithm), name=name, capabilities=capabilities)

    @classmethod
    def load(cls, path: PathLike, name: Optional[str] = None) -> "AttesterIdentity":
        """Reads a PEM key file (private: can sign; public: can only be trusted by a verifier)."""
        key = pqcha.Key.load(os.fspath(path))
        return cls(key, name=name if name is not None else os.path.basename(os.fspath(path)))

    @classmethod
    def from_public_key(
        cls, key: Union["pqcha.Key", str, bytes], name: str = ""
    ) -> "AttesterIdentity":
        """A verifier's view of an attester: its public key (a pqcha.Key or PEM text)."""
        if not isinstance(key, pqcha.Key):
            key = pqcha.Key.from_pem(key)
        return cls(key.public_key(), name=name)

    # ---- persistence ----
    def save(self, private_path: PathLike, public_path: Optional[PathLike] = None, force: bool = False) -> None:
        """Writes the private key (PKCS#8 PEM, mode 0600) and optionally the public key.

        Refuses to overwrite an existing file unless force is True.
        """
        self._key.save(
            os.fspath(private_path),
            os.fspath(public_path) if public_path is not None else None,
            force=force,
        )

    def save_public(self, path: PathLike, force: bool = False) -> None:
        """Writes the public key (PEM), the file a verifier trusts."""
        self._key.save_public(os.fspath(path), force=force)

    # ---- accessors ----
    @property
    def did(self) -> str:
        return self._did

    @property
    def key(self) -> "pqcha.Key":
        """The underlying pqcha key (private if this identity can sign)."""
        return self._key

    @property
    def key_id(self) -> str:
        """pqcha's key id: SHA3-256 of the DER SubjectPublicKeyInfo (what reports name)."""
        return self._key.id

    @property
    def algorithm(self) -> str:
        return self._key.algorithm

    @property
    def can_sign(self) -> bool:
        return bool(self._key.has_private)

    def public_key(self) -> "pqcha.Key":
        """The public half, to give to a verifier: ``AttestationVerifier(trusted=[...])``."""
        return self._key.public_key()

    def public_pem(self) -> str:
        return self._key.public_pem()

    @property
    def public_key_hex(self) -> str:
        """The raw FIPS 204 public key, lowercase hex (the reports' ``public_key`` field)."""
        return self._key.public_raw().hex()

    def export(self) -> dict:
        """Public information only (like AgentIdentity.export(), without the private key)."""
        return {
            "did": self.did,
            "name": self.name,
            "public_key": self.public_key_hex,
            "public_key_pem": self.public_pem(),
            "key_id": self.key_id,
            "algorithm": self.algorithm,
            "capabilities": list(self.capabilities),
        }

    def close(self) -> None:
        close = getattr(self._key, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> "AttesterIdentity":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        kind = "private" if self.can_sign else "public"
        return f"AttesterIdentity(name={self.name!r}, did={self.did!r}, algorithm={self.algorithm!r}, {kind})"
