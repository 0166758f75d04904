#!/usr/bin/env bash
# The Python bindings install the way the README says, offline: a fresh venv,
# `pip install --no-build-isolation ./bindings/python` (no index is reached:
# --no-index), and both packages import from the venv — not from the source
# tree — and work against the library named by PQCHA_LIBRARY.
set -euo pipefail
: "${PQCHA_SOURCE:?}" "${PQCHA_LIBRARY:?}"
if ! /usr/bin/python3 -c 'import venv, ensurepip' 2>/dev/null; then
  echo "skip: python3-venv is not installed (make deps installs it)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$PQCHA_SOURCE/bindings/python" "$work/src"   # pip builds in place: keep the tree clean
rm -rf "$work/src/build" "$work/src"/*.egg-info
/usr/bin/python3 -m venv --system-site-packages "$work/venv"   # Debian's setuptools and wheel build it
if ! "$work/venv/bin/pip" install -q --no-index --no-build-isolation "$work/src" >"$work/pip.log" 2>&1; then
  cat "$work/pip.log"; echo "FAIL: pip install of bindings/python"; exit 1
fi
cd "$work"   # away from the source tree, so only the installed copies can be imported
"$work/venv/bin/python" - <<'PYEOF'
import os, pqcha, pqc_hypervisor_attestation as pha
assert "/venv/" in pqcha.__file__, pqcha.__file__
assert "/venv/" in pha.__file__, pha.__file__
assert os.path.exists(os.path.join(os.path.dirname(pqcha.__file__), "py.typed"))
key = pqcha.Key.generate()
assert len(key.id) == 64
assert pqcha.hexdigest(b"\x00\x01\x02\x03") == "33bad5430899ed6f8beaf3e732b2a2cad1d40b7c9de0cfcdc7e0bc0756803a10"
print("ok: installed pqcha", pqcha.__version__, "over libpqcha", pqcha.library_version())
PYEOF
"$work/venv/bin/pip" uninstall -q -y pqcha
echo "ok: python_install"
