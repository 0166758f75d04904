"""Policies: the verifier's reference values (docs/FORMAT.md section 6).

Read one from JSON (:meth:`Policy.parse`, :meth:`Policy.load`) or build one::

    policy = pqcha.Policy()
    policy.trust(public_key)
    policy.add_workload("llm-7b", "in-memory", {"weights": pqcha.hexdigest(data, "sha3-256-tree")})
    policy.finish()

A verifier uses only a finished policy; :class:`pqcha.Verifier` and
:meth:`Policy.to_json` finish it if needed. While a verifier uses a policy
it cannot be added to (ValueError): the library reads it without locks.
"""

from __future__ import annotations

import ctypes
import os
import threading
from ctypes import c_char_p, c_int, c_size_t, c_void_p
from typing import Any, Iterable, List, Mapping, Optional, Sequence, Union

from . import _lib
from ._handle import Handle, buffer_of, check
from .errors import error_for
from .keys import Key, _key_copy_of
from .manifest import Manifest

__all__ = ["Policy", "MAX_POLICY_LEN"]

_L = _lib.lib

#: The largest policy accepted (4 MiB).
MAX_POLICY_LEN = 4 * 1024 * 1024

PathArg = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
DigestSet = Union[str, Mapping[str, str]]


class Policy(Handle):
    """A verifier policy: trusted keys, workloads, their regions' reference digests.

    ``Policy()`` starts an empty policy to build; :meth:`parse` and :meth:`load`
    read one (already finished).
    """

    _kind = "Policy"

    def __init__(self) -> None:
        out = c_void_p()
        check(_L.pqcha_policy_create(ctypes.byref(out)))
        self._setup(out.value, finished=False)

    def _setup(self, ptr: int, finished: bool) -> None:
        self._init_handle(ptr, _L.pqcha_policy_free)
        self._finished = finished
        self._readers = 0
        self._state = threading.RLock()
        self._manifest_names: set = set()

    @classmethod
    def parse(cls, json_text: Union[str, bytes, Any]) -> "Policy":
        """Reads a policy strictly: FormatError (BAD_POLICY, BAD_KEY, JSON_SYNTAX, ...) on a defect."""
        data = json_text.encode("utf-8") if isinstance(json_text, str) else json_text
        out = c_void_p()
        with buffer_of(data, "policy") as (ptr, length):
            check(_L.pqcha_policy_parse(ctypes.byref(out), ptr, length))
        self = cls.__new__(cls)
        self._setup(out.value, finished=True)
        return self

    @classmethod
    def load(cls, path: PathArg) -> "Policy":
        """Reads a policy file (FileError for a missing or unreadable file)."""
        p = os.fsdecode(_lib.cpath(path))
        try:
            with open(p, "rb") as f:
                data = f.read(MAX_POLICY_LEN + 1)
        except OSError as e:
            raise error_for(_L.pqcha_error_from_errno(e.errno or 0), p) from e
        try:
            return cls.parse(data)
        except Exception as e:
            if hasattr(e, "detail") and getattr(e, "detail") is None:
                e.detail = p  # type: ignore[attr-defined]
            raise

    # -- building -------------------------------------------------------------------------

    def _builder(self) -> Any:
        """Pins the handle for an add call, refusing while a verifier reads the policy."""
        policy = self

        class _Builder:
            # Holds the policy's state lock for the whole call: no verifier can
            # take (and finish) the policy while the library changes it.
            def __enter__(self) -> int:
                policy._state.acquire()
                try:
                    if policy._readers:
                        raise ValueError("the policy is in use by a Verifier; build a new Policy to change it")
                    ptr = policy._acquire()
                except BaseException:
                    policy._state.release()
                    raise
                policy._finished = False
                return ptr

            def __exit__(self, *exc: object) -> None:
                try:
                    policy._release()
                finally:
                    policy._state.release()

        return _Builder()

    def trust(self, key: Key) -> "Policy":
        """Adds a key's public half to trustedKeys (a private key is only used for its public half)."""
        if not isinstance(key, Key):
            raise TypeError("trust() takes a pqcha.Key")
        pub = key.public_key() if key.has_private else key
        try:
            with self._builder() as p, pub._use() as k:
                check(_L.pqcha_policy_add_trusted_key(p, k))
        finally:
            if pub is not key:
                pub.close()
        return self

    def add_manifest(self, manifest: Manifest, files: Optional[Iterable[Union[int, str]]] = None) -> List[str]:
        """Embeds manifest entries (all, or those given by index or name) under their names.

        Returns the names embedded. An entry already embedded is not added twice.
        """
        names = manifest.file_names()
        if files is None:
            indexes = list(range(len(names)))
        else:
            indexes = []
            for f in files:
                if isinstance(f, str):
                    if f not in names:
                        raise KeyError("the manifest has no file %r" % f)
                    indexes.append(names.index(f))
                else:
                    indexes.append(int(f))
        added = []
        with self._builder() as p, manifest._use() as m:
            for i in indexes:
                if names[i] in self._manifest_names:
                    added.append(names[i])
                    continue
                check(_L.pqcha_policy_add_manifest_entry(p, m, i), "manifest entry %r" % names[i])
                self._manifest_names.add(names[i])
                added.append(names[i])
        return added

    def add_workload(
        self,
        workload_id: str,
        platform: Optional[str] = None,
        regions: Optional[Mapping[str, DigestSet]] = None,
        manifest: Optional[Manifest] = None,
        *,
        allow_extra_regions: bool = False,
        evidence: Optional[Union[str, Mapping[str, Any]]] = None,
    ) -> "Policy":
        """Adds a workload and its regions.

        ``platform``: the platform reports must name ("in-memory", "file",
        "process", "python", ...), None for any.

        ``regions``: region id -> reference digest. A str is a **sha3-256-tree**
        digest (hex), the attester's default algorithm; it equals
        ``hashlib.sha3_256`` for regions up to 64 KiB, and
        ``pqcha.hexdigest(data, "sha3-256-tree")`` gives it for any size. A
        mapping {algorithm: hex} accepts any of the algorithms listed
        ("sha3-256", "sha3-256-tree", "k12"), each with its own digest. (One hex
        value is never registered under two algorithms: a digest under one
        algorithm is not a digest under another.)

        ``manifest``: every file of a :class:`pqcha.Manifest` becomes a region
        named by the file's base name (as the process backend names mappings),
        checked against the embedded entry, tensor by tensor for model files.

        ``evidence``: the hardware evidence requirements (docs/FORMAT.md 6.1) as
        JSON text or a dict.
        """
        wid = _lib.cstr(workload_id, "workload id")
        with self._builder() as p:
            check(
                _L.pqcha_policy_add_workload(
                    p, wid, _lib.cstr(platform, "platform") if platform is not None else None, 1 if allow_extra_regions else 0
                ),
                "workload %r" % (workload_id,),
            )
        for region_id, digests in (regions or {}).items():
            self.add_region(workload_id, region_id, digests)
        if manifest is not None:
            for name in self.add_manifest(manifest):
                self.add_region_manifest(workload_id, name, name)
        if evidence is not None:
            self.set_workload_evidence(workload_id, evidence)
        return self

    def add_region(self, workload_id: str, region_id: str, digests: DigestSet) -> "Policy":
        """A region of a workload added before, by digest (see :meth:`add_workload`)."""
        from .digest import _alg

        if isinstance(digests, str):
            pairs: Sequence = [("sha3-256-tree", digests)]
        elif isinstance(digests, Mapping):
            pairs = list(digests.items())
        else:
            raise TypeError("a region's digests are a hex str or a {algorithm: hex} mapping")
        n = len(pairs)
        algs = (c_int * max(n, 1))(*[_alg(a) for a, _ in pairs])
        hexes = (c_char_p * max(n, 1))(*[_lib.cstr(h, "digest") for _, h in pairs])
        with self._builder() as p:
            check(
                _L.pqcha_policy_add_region_digests(
                    p, _lib.cstr(workload_id, "workload id"), _lib.cstr(region_id, "region id"), algs, hexes, n
                ),
                "workload %r region %r" % (workload_id, region_id),
            )
        return self

    def add_region_manifest(
        self,
        workload_id: str,
        region_id: str,
        manifest_name: str,
        tensors: Optional[Sequence[str]] = None,
    ) -> "Policy":
        """A region that must equal the embedded manifest entry manifest_name.

        Measured tensor by tensor, it must show the tensors named (None: all of
        the entry's).
        """
        names = list(tensors or [])
        arr = (c_char_p * max(len(names), 1))(*[_lib.cstr(t, "tensor name") for t in names])
        with self._builder() as p:
            check(
                _L.pqcha_policy_add_region_manifest(
                    p,
                    _lib.cstr(workload_id, "workload id"),
                    _lib.cstr(region_id, "region id"),
                    _lib.cstr(manifest_name, "manifest name"),
                    arr,
                    len(names),
                ),
                "workload %r region %r" % (workload_id, region_id),
            )
        return self

    def set_workload_evidence(self, workload_id: str, requirements: Union[str, Mapping[str, Any]]) -> "Policy":
        """The hardware evidence a workload's reports must carry (JSON text or dict)."""
        import json

        text = requirements if isinstance(requirements, str) else json.dumps(requirements)
        data = text.encode("utf-8")
        with self._builder() as p:
            check(
                _L.pqcha_policy_set_workload_evidence(p, _lib.cstr(workload_id, "workload id"), data, len(data)),
                "workload %r evidence" % (workload_id,),
            )
        return self

    def finish(self) -> "Policy":
        """Sorts and checks what was added: FormatError (BAD_POLICY), BackendError (REGION_EXISTS)."""
        with self._state:
            if self._finished:
                return self
            if self._readers:
                raise ValueError("the policy is in use by a Verifier")
            with self._use() as p:
                check(_L.pqcha_policy_finish(p))
            self._finished = True
        return self

    @property
    def finished(self) -> bool:
        """True when the policy is finished (parsed, or finish() called since the last add)."""
        return self._finished

    # -- reading ----------------------------------------------------------------------------

    def to_json(self) -> str:
        """The policy as JSON (finishing it first if needed); parses back equal."""
        self.finish()
        out = c_void_p()
        length = c_size_t(0)
        with self._use() as p:
            err = _L.pqcha_policy_to_json(ctypes.byref(out), ctypes.byref(length), p)
        check(err, "%d bytes" % length.value if err and length.value else None)
        return _lib.take_string(out, length.value)

    def save(self, path: PathArg, force: bool = True) -> None:
        """Writes :meth:`to_json` atomically (FileError FILE_EXISTS if not force)."""
        p = _lib.cpath(path)
        data = self.to_json().encode("utf-8")
        check(_L.pqcha_file_write_atomic(p, data, len(data), 0o644, 1 if force else 0), os.fsdecode(p))

    def has_workload(self, workload_id: str) -> bool:
        """True if the policy has an entry for the workload."""
        with self._use() as p:
            return bool(_L.pqcha_policy_has_workload(p, _lib.cstr(workload_id, "workload id")))

    @property
    def trusted_keys(self) -> List[Key]:
        """The policy's trusted keys (public-only copies)."""
        with self._use() as p:
            return [_key_copy_of(_L.pqcha_policy_trusted_key(p, i)) for i in range(_L.pqcha_policy_trusted_key_count(p))]

    # -- the verifier's hold on the policy --------------------------------------------------

    def _hold_for_reading(self) -> int:
        """Finishes, pins and freezes the policy for a verifier; returns its pointer."""
        self.finish()
        with self._state:
            if not self._finished:
                raise ValueError("the policy changed while a verifier took it")
            ptr = self._acquire()
            self._readers += 1
        return ptr

    def _unhold(self) -> None:
        with self._state:
            self._readers -= 1
        self._release()

    def __repr__(self) -> str:
        return "<pqcha.Policy%s%s>" % ("" if self._finished else " unfinished", " closed" if self.closed else "")
