"""Manifests: reference values from model files (safetensors, GGUF, raw).

A manifest lists files by base name with their size, sha3-256-tree digest, the
tree's node digests (for drift localisation) and, for safetensors and GGUF,
the tensor table. A policy can name a manifest entry as a region's reference
(:meth:`pqcha.Policy.add_workload` with ``manifest=``), so drift is reported
down to the tensor; a :class:`pqcha.ProcessBackend` given a manifest measures
mapped model files tensor by tensor.
"""

from __future__ import annotations

import ctypes
import os
from ctypes import c_void_p
from dataclasses import dataclass, field
from typing import Any, Iterable, List, Union

from . import _lib
from ._handle import Handle, buffer_of, check
from .errors import error_for

__all__ = ["Manifest", "ManifestFile", "Tensor"]

_L = _lib.lib

PathArg = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]


@dataclass(frozen=True)
class Tensor:
    """A tensor of a model file: its name, dtype and absolute byte range in the file."""

    name: str
    dtype: str
    offset: int
    size: int


@dataclass(frozen=True)
class ManifestFile:
    """One file of a manifest: base name, size, format ("safetensors", "gguf", "raw"),
    sha3-256-tree digest (hex) and tensors (empty for raw files)."""

    name: str
    size: int
    format: str
    digest: str
    tensors: List[Tensor] = field(default_factory=list)


class Manifest(Handle):
    """Model files' digests and tensor tables.

    ``Manifest()`` is empty; add files with :meth:`add_file`, or use
    :meth:`from_files` / :meth:`parse` / :meth:`load`.
    """

    _kind = "Manifest"

    def __init__(self) -> None:
        out = c_void_p()
        check(_L.pqcha_manifest_create(ctypes.byref(out)))
        self._init_handle(out.value, _L.pqcha_manifest_free)

    @classmethod
    def _wrap(cls, ptr: int) -> "Manifest":
        self = cls.__new__(cls)
        self._init_handle(ptr, _L.pqcha_manifest_free)
        return self

    @classmethod
    def from_files(cls, paths: Iterable[PathArg], threads: int = 0) -> "Manifest":
        """A manifest of these files (hashed with ``threads`` threads, 0 = every CPU).

        A path ending in ".index.json" is a sharded safetensors index: every shard
        it names is added (:meth:`add_safetensors_index`).
        """
        m = cls()
        try:
            for p in paths:
                if os.fsdecode(p).endswith(".index.json"):
                    m.add_safetensors_index(p, threads)
                else:
                    m.add_file(p, threads)
        except BaseException:
            m.close()
            raise
        return m

    @classmethod
    def parse(cls, json_text: Union[str, bytes, Any]) -> "Manifest":
        """Decodes a manifest's JSON strictly (FormatError naming the first defect)."""
        data = json_text.encode("utf-8") if isinstance(json_text, str) else json_text
        out = c_void_p()
        with buffer_of(data, "manifest") as (ptr, length):
            check(_L.pqcha_manifest_parse(ctypes.byref(out), ptr, length))
        return cls._wrap(out.value)

    @classmethod
    def load(cls, path: PathArg) -> "Manifest":
        """Reads and decodes a manifest file (as ``pqcha manifest`` writes it)."""
        with open(os.fspath(path), "rb") as f:
            return cls.parse(f.read())

    def _add_failed(self, err: int, m: int, path: bytes) -> None:
        if err == 0:
            return
        why = _lib.text(_L.pqcha_manifest_error_detail(m))
        raise error_for(err, os.fsdecode(path) + (": " + why if why else ""))

    def add_file(self, path: PathArg, threads: int = 0) -> None:
        """Hashes a file and, for safetensors or GGUF, parses its tensor table strictly.

        A malformed model file is a FormatError whose detail names what was refused;
        the manifest is then unchanged.
        """
        p = _lib.cpath(path)
        with self._use() as m:
            err = _L.pqcha_manifest_add_file(m, p, int(threads))
            self._add_failed(err, m, p)

    def add_safetensors_index(self, index_path: PathArg, threads: int = 0) -> None:
        """A sharded safetensors model: every shard its index names (all or none)."""
        p = _lib.cpath(index_path)
        with self._use() as m:
            err = _L.pqcha_manifest_add_safetensors_index(m, p, int(threads))
            self._add_failed(err, m, p)

    def to_json(self) -> str:
        """The manifest as pretty JSON (docs/FORMAT.md section 8)."""
        out = c_void_p()
        with self._use() as m:
            check(_L.pqcha_manifest_to_json(ctypes.byref(out), m))
        return _lib.take_string(out)

    def save(self, path: PathArg, force: bool = True) -> None:
        """Writes :meth:`to_json` atomically (FileError FILE_EXISTS if not force)."""
        p = _lib.cpath(path)
        data = self.to_json().encode("utf-8")
        check(_L.pqcha_file_write_atomic(p, data, len(data), 0o644, 1 if force else 0), os.fsdecode(p))

    @property
    def files(self) -> List[ManifestFile]:
        """The files, in the manifest's order, with their tensors."""
        out = []
        with self._use() as m:
            for f in range(_L.pqcha_manifest_file_count(m)):
                tensors = [
                    Tensor(
                        name=_lib.text(_L.pqcha_manifest_tensor_name(m, f, t)),
                        dtype=_lib.text(_L.pqcha_manifest_tensor_dtype(m, f, t)),
                        offset=int(_L.pqcha_manifest_tensor_offset(m, f, t)),
                        size=int(_L.pqcha_manifest_tensor_size(m, f, t)),
                    )
                    for t in range(_L.pqcha_manifest_tensor_count(m, f))
                ]
                out.append(
                    ManifestFile(
                        name=_lib.text(_L.pqcha_manifest_file_name(m, f)),
                        size=int(_L.pqcha_manifest_file_size(m, f)),
                        format=_lib.text(_L.pqcha_manifest_file_format(m, f)),
                        digest=_lib.text(_L.pqcha_manifest_file_digest_hex(m, f)),
                        tensors=tensors,
                    )
                )
        return out

    def file_names(self) -> List[str]:
        """The files' names (base names), in order."""
        with self._use() as m:
            return [_lib.text(_L.pqcha_manifest_file_name(m, f)) for f in range(_L.pqcha_manifest_file_count(m))]

    def __len__(self) -> int:
        with self._use() as m:
            return int(_L.pqcha_manifest_file_count(m))

    def __repr__(self) -> str:
        if self.closed:
            return "<pqcha.Manifest closed>"
        return "<pqcha.Manifest %s>" % ", ".join(self.file_names())
