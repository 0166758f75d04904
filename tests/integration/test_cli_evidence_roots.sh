#!/usr/bin/env bash
# The vendor roots and AMD chains that ship with pqcha (share/pqcha), on the
# real report and quote kept in the repository (tests/data/hw), so this never
# skips: pqcha run from its build tree finds the build tree's copy; installed
# into a prefix, and after the prefix moves, it finds the install's;
# --roots-dir points elsewhere; a roots directory or file others can change
# is refused; a shipped chain is not trusted by itself (its ARK must be a
# pinned root); with a version 2 report, whose product is unknown, each
# product's chain is tried; an extended report's certificate table
# (--cert-table) replaces --vcek and the chain; and the demo's evidence step
# runs.
set -euo pipefail
: "${PQCHA_SOURCE:?}"
. "$PQCHA_SOURCE/tests/integration/lib.sh"

data=$PQCHA_SOURCE/tests/data/hw
snp=$data/snp/milan_v2_vcek_virtee
quote=$data/tdx/v4_trustee_q4/quote.bin
share=$PQCHA_SOURCE/share/pqcha
now=2025-10-01T00:00:00Z   # inside the VCEK's and the PCK certificate's validity

# ---- from the build tree ----
if [ -n "${PQCHA_BUILD:-}" ] && [ "$(dirname "$(realpath "$PQCHA")")" = "$(realpath "$PQCHA_BUILD")" ]; then
  expect_exit 0 "$PQCHA" evidence verify "$snp/report.bin" --vcek "$snp/vcek.der" --now "$now"
  assert_contains out "roots: shipped with pqcha (the build tree: $(realpath "$PQCHA_BUILD")/share/pqcha)"
  # A version 2 report does not name its product: every AMD ARK is pinned.
  assert_contains out "  pinned: roots/amd-ark-milan.pem"
  assert_contains out "  pinned: roots/amd-ark-turin.pem"
  assert_contains out "  chain:  chains/amd-milan-ask-ark.pem"
  assert_contains out "GENUINE"
  expect_exit 0 "$PQCHA" evidence verify "$quote" --now "$now" --json
  assert_contains out "\"rootsPinned\":[\"$(realpath "$PQCHA_BUILD")/share/pqcha/roots/intel-sgx-root-ca.pem\"]"
  assert_contains out '"verdict":"valid"'
  echo "ok: the build tree's roots"
fi

# ---- --roots-dir, and what pqcha will not trust ----
mkdir mine
cp -r "$share/roots" "$share/chains" mine/
chmod -R go-w mine
expect_exit 0 "$PQCHA" evidence verify "$snp/report.bin" --vcek "$snp/vcek.der" --now "$now" \
  --roots-dir mine --json
assert_contains out "\"rootsShippedDir\":\"$PWD/mine\""
assert_contains out "\"chainShipped\":\"$PWD/mine/chains/amd-milan-ask-ark.pem\""
assert_contains out "$PWD/mine/roots/amd-ark-genoa.pem"
# --root given: only it is pinned; the chain still comes from the roots directory.
expect_exit 0 "$PQCHA" evidence verify "$snp/report.bin" --vcek "$snp/vcek.der" --now "$now" \
  --roots-dir mine --root "$share/roots/amd-ark-milan.pem" --json
assert_contains out "\"rootsPinned\":[\"$share/roots/amd-ark-milan.pem\"]"
assert_contains out "\"chainShipped\":\"$PWD/mine/chains/amd-milan-ask-ark.pem\""
# Writable by others: whoever can change a root chooses what is trusted.
chmod o+w mine/roots
expect_exit 4 "$PQCHA" evidence verify "$quote" --now "$now" --roots-dir mine
assert_contains err "refusing vendor roots that other users can change"
chmod o-w mine/roots
chmod o+w mine/roots/intel-sgx-root-ca.pem
expect_exit 4 "$PQCHA" evidence verify "$quote" --now "$now" --roots-dir mine
assert_contains err "mine/roots/intel-sgx-root-ca.pem: refusing"
chmod o-w mine/roots/intel-sgx-root-ca.pem
expect_exit 0 "$PQCHA" evidence verify "$quote" --now "$now" --roots-dir mine
# No roots/ there, or a root missing.
expect_exit 4 "$PQCHA" evidence verify "$quote" --now "$now" --roots-dir mine/chains
assert_contains err "no 'roots' directory"
mv mine/roots/intel-sgx-root-ca.pem intel.pem
expect_exit 4 "$PQCHA" evidence verify "$quote" --now "$now" --roots-dir mine
mv intel.pem mine/roots/intel-sgx-root-ca.pem
echo "ok: --roots-dir, and roots others can change are refused"

# ---- a shipped chain is checked like any other ----
# Genoa's ARK under Milan's name: the chain's ARK (Milan's) is not pinned.
cp -r mine swapped
split_pem() { awk -v out="$2" '/BEGIN CERT/{n++} {print > (out n ".pem")}' "$1"; }
split_pem "$share/chains/amd-genoa-ask-ark.pem" genoa
cp genoa2.pem swapped/roots/amd-ark-milan.pem
expect_exit 2 "$PQCHA" evidence verify "$snp/report.bin" --vcek "$snp/vcek.der" --now "$now" \
  --roots-dir swapped
assert_contains out "FAIL  ark_pinned"
# Each product's chain is tried for a report that does not name its product:
# Milan's chain, filed under Genoa's name, is found and named.
cp "$share/roots/amd-ark-milan.pem" swapped/roots/amd-ark-milan.pem
cp "$share/chains/amd-genoa-ask-ark.pem" swapped/chains/amd-milan-ask-ark.pem
cp "$share/chains/amd-milan-ask-ark.pem" swapped/chains/amd-genoa-ask-ark.pem
expect_exit 0 "$PQCHA" evidence verify "$snp/report.bin" --vcek "$snp/vcek.der" --now "$now" \
  --roots-dir swapped
assert_contains out "  chain:  chains/amd-genoa-ask-ark.pem"
# Outside the validity, every chain fails: the one whose ASK signed the VCEK
# is the one reported.
expect_exit 2 "$PQCHA" evidence verify "$snp/report.bin" --vcek "$snp/vcek.der" \
  --now 2000-01-01T00:00:00Z --roots-dir swapped
assert_contains out "  chain:  chains/amd-genoa-ask-ark.pem"
assert_contains out "FAIL  ark_validity"
echo "ok: shipped chains are checked, and each product's is tried"

# ---- an extended report's certificate table instead of --vcek and --chain ----
if command -v python3 >/dev/null; then
  split_pem "$share/chains/amd-milan-ask-ark.pem" milan
  python3 - "$snp/vcek.der" milan1.pem milan2.pem <<'PY'
import base64, struct, sys
def der(path):
    text = open(path).read()
    body = text.split("-----BEGIN CERTIFICATE-----")[1].split("-----END CERTIFICATE-----")[0]
    return base64.b64decode("".join(body.split()))
certs = [(bytes.fromhex("63da758de6644564adc5f4b93be8accd"), open(sys.argv[1], "rb").read()),
         (bytes.fromhex("4ab7b379bbac4fe4a02f05aef327c782"), der(sys.argv[2])),
         (bytes.fromhex("c0b406a4a803495297433fb6014cd0ae"), der(sys.argv[3]))]
at, head, body = 24 * (len(certs) + 1), b"", b""
for guid, cert in certs:
    head += guid + struct.pack("<II", at + len(body), len(cert))
    body += cert
table = head + bytes(24) + body
open("certs.bin", "wb").write(table + bytes(-len(table) % 4096))   # a host hands over pages
open("truncated.bin", "wb").write(table[:30])
PY
  expect_exit 0 "$PQCHA" evidence verify "$snp/report.bin" --cert-table certs.bin --now "$now"
  assert_contains out "GENUINE"
  if grep -q "  chain:" out; then fail "a shipped chain was used although the table holds one"; fi
  expect_exit 3 "$PQCHA" evidence verify "$snp/report.bin" --cert-table truncated.bin --now "$now"
  expect_exit 4 "$PQCHA" evidence verify "$quote" --cert-table certs.bin --now "$now"
  echo "ok: --cert-table"
else
  echo "skip: --cert-table (python3 not found)"
fi

# ---- installed: DATADIR/pqcha next to BINDIR, also after the prefix moves ----
if [ -n "${PQCHA_BUILD:-}" ]; then
  cmake --install "$PQCHA_BUILD" --prefix "$PWD/prefix" >install.log
  for f in roots/amd-ark-milan.pem roots/amd-ark-genoa.pem roots/amd-ark-turin.pem \
           roots/intel-sgx-root-ca.pem chains/amd-turin-asvk-ark.pem README.md; do
    [ -f "prefix/share/pqcha/$f" ] || fail "not installed: share/pqcha/$f"
  done
  expect_exit 0 prefix/bin/pqcha evidence verify "$quote" --now "$now"
  assert_contains out "roots: shipped with pqcha (the install next to the pqcha executable: $PWD/prefix/share/pqcha)"
  mv prefix moved
  expect_exit 0 moved/bin/pqcha evidence verify "$snp/report.bin" --vcek "$snp/vcek.der" --now "$now"
  assert_contains out "$PWD/moved/share/pqcha)"
  assert_contains out "GENUINE"
  echo "ok: the installed roots, also after the prefix moved"
fi

# ---- the demo's hardware-evidence step ----
expect_exit 0 "$PQCHA_SOURCE/scripts/demo-evidence.sh" "$PQCHA"
assert_contains out "hardware evidence: a real SEV-SNP report and TDX quote genuine (0)"
echo "ok: make demo's hardware-evidence step"

echo "test_cli_evidence_roots: ok"
