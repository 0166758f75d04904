"""Shared set-up for the pqcha tests (pytest or unittest).

Puts this source tree's package first on sys.path, so the tests exercise the
code next to them, and offers small helpers. The library is found as the
package finds it: set PQCHA_LIBRARY=/path/to/libpqcha.so (and PQCHA_CLI for the
interop tests).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_ROOT = os.path.dirname(HERE)  # bindings/python
if sys.path[:1] != [PACKAGE_ROOT]:
    sys.path.insert(0, PACKAGE_ROOT)

import pqcha  # noqa: E402,F401  (fails early, with LibraryNotFound, if the library is missing)

PYTHON = sys.executable or "/usr/bin/python3"
LEAF = 64 * 1024


def cli() -> Optional[str]:
    """The pqcha CLI from $PQCHA_CLI, or None."""
    path = os.environ.get("PQCHA_CLI")
    return path if path and os.access(path, os.X_OK) else None


def sha3(data: bytes) -> bytes:
    return hashlib.sha3_256(data).digest()


def tree_digest(data: bytes) -> bytes:
    """sha3-256-tree written from docs/FORMAT.md 4.4, independent of the library."""
    if len(data) <= LEAF:
        return sha3(data)

    def mth(leaves: List[bytes]) -> bytes:
        if len(leaves) == 1:
            return leaves[0]
        split = 1
        while split * 2 < len(leaves):
            split *= 2
        return sha3(b"\x01" + mth(leaves[:split]) + mth(leaves[split:]))

    leaves = [sha3(b"\x00" + data[i : i + LEAF]) for i in range(0, len(data), LEAF)]
    return sha3(b"\x02" + struct.pack(">Q", len(data)) + mth(leaves))


def safetensors_bytes(tensors: Sequence[Tuple[str, int]], fill: int = 0x11) -> bytes:
    """A small safetensors file: each (name, element count) an F32 tensor, filled per tensor."""
    header: Dict[str, object] = {}
    offset = 0
    for name, count in tensors:
        header[name] = {"dtype": "F32", "shape": [count], "data_offsets": [offset, offset + 4 * count]}
        offset += 4 * count
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    body = b"".join(bytes([(fill + i) & 0xFF]) * (4 * count) for i, (_, count) in enumerate(tensors))
    return struct.pack("<Q", len(text)) + text + body


@contextlib.contextmanager
def stderr_captured() -> Iterator[List[bytes]]:
    """Captures what is written to file descriptor 2 (C or Python) during the block."""
    out: List[bytes] = []
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield out
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            out.append(tmp.read())


def run_python(code: str, env: Optional[Dict[str, str]] = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Runs code in a fresh interpreter with this package importable."""
    full = dict(os.environ)
    full["PYTHONPATH"] = PACKAGE_ROOT + os.pathsep + full.get("PYTHONPATH", "")
    if env:
        for k, v in env.items():
            if v is None:
                full.pop(k, None)
            else:
                full[k] = v
    return subprocess.run([PYTHON, "-c", code], env=full, capture_output=True, text=True, timeout=timeout)


class TempDir:
    """A temporary directory for a test case (mixin: call self.make_tempdir())."""

    def make_tempdir(self) -> str:
        d = tempfile.mkdtemp(prefix="pqcha-py-")
        self.addCleanup(shutil.rmtree, d, True)  # type: ignore[attr-defined]
        return d


def write(path: str, data: bytes) -> str:
    with open(path, "wb") as f:
        f.write(data)
    return path


def nonce() -> str:
    return os.urandom(16).hex()
