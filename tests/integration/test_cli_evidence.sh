#!/usr/bin/env bash
# pqcha evidence show / verify on the real SEV-SNP reports and TDX quotes of
# the shared test data (its README gives each folder's verdict): every
# GENUINE folder shows and verifies with its chain and the pinned roots at a
# time inside the certificates' validity; a wrong root is rejected (2), a
# truncated file is malformed (3), usage errors are 4. Skips, saying so,
# when the test data is absent.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

hw=${PQCHA_HW_TESTDATA:-/work/shared/testdata/hw}
if [ ! -f "$hw/README.md" ]; then
  echo "skip: real SEV-SNP/TDX test data absent ($hw)"
  exit 0
fi
roots=$hw/roots

# ---- AMD SEV-SNP: folder, evidence file, signing certificate, roots ----
# 2025-10-01: inside every real AMD certificate's validity (as test_snp.c).
snp_now=2025-10-01T00:00:00Z
snp_cases=(
  "genoa_v5_vcek_oak report.bin vcek.der amd_genoa_ark_ask.pem"
  "milan_v2_vcek_gosevguest report.bin vcek.der amd_milan_ark_ask.pem"
  "milan_v2_vcek_trustee_azure_hcl report.bin vcek.pem amd_milan_ark_ask.pem"
  "milan_v2_vcek_trustee_azure_hcl hcl_report.bin vcek.pem amd_milan_ark_ask.pem"
  "milan_v2_vcek_virtee report.bin vcek.der amd_milan_ark_ask.pem"
  "milan_v3_vcek_oak_cb report.bin vcek.der amd_milan_ark_ask.pem"
  "milan_v3_vlek_trustee report.bin vlek.der amd_milan_vlek_asvk_ark.pem"
)
for c in "${snp_cases[@]}"; do
  read -r folder file cert root <<<"$c"
  d=$hw/snp/$folder
  expect_exit 0 "$PQCHA" evidence show "$d/$file"
  assert_contains out "platform: amd-sev-snp"
  assert_contains out "measurement: "
  expect_exit 0 "$PQCHA" evidence verify "$d/$file" --vcek "$d/$cert" --chain "$d/ask_ark.pem" \
    --root "$roots/$root" --now "$snp_now"
  assert_contains out "PASS  report_signature"
  assert_contains out "GENUINE"
done

# ---- Intel TDX: folder and a day after its PCK certificate's notBefore
# (as test_tdx.c) ----
tdx_cases=(
  "v4_dcapqvl 2025-02-07T23:25:51Z"
  "v4_gce_cos113_gotdxguest 2024-07-03T12:07:37Z"
  "v4_trustee_q4 2023-02-08T08:02:55Z"
  "v5_gotdxguest 2026-01-28T14:46:27Z"
  "v5_trustee_q5 2024-03-19T08:43:51Z"
)
for c in "${tdx_cases[@]}"; do
  read -r folder now <<<"$c"
  q=$hw/tdx/$folder/quote.bin
  expect_exit 0 "$PQCHA" evidence show "$q"
  assert_contains out "platform: intel-tdx"
  assert_contains out "mr_td: "
  expect_exit 0 "$PQCHA" evidence verify "$q" --root "$roots/intel_sgx_root_ca.der" --now "$now"
  assert_contains out "PASS  quote_signature"
  expect_exit 0 "$PQCHA" evidence verify "$q" --root "$roots/intel_sgx_root_ca.pem" --now "$now" --json
  assert_contains out '"verdict":"valid"'
done

# ---- REPORT_DATA: the quote's own passes, another is rejected ----
q=$hw/tdx/v4_trustee_q4/quote.bin
tdx_now=2023-02-08T08:02:55Z
"$PQCHA" evidence show "$q" >shown
rd=$(sed -n 's/^report_data: //p' shown)
[ "${#rd}" -eq 128 ] || fail "report_data: '$rd'"
expect_exit 0 "$PQCHA" evidence verify "$q" --root "$roots/intel_sgx_root_ca.der" --now "$tdx_now" \
  --report-data "$rd"
other=$(printf '%0128d' 0)
[ "$rd" != "$other" ] || other=$(printf '1%0127d' 0)
expect_exit 2 "$PQCHA" evidence verify "$q" --root "$roots/intel_sgx_root_ca.der" --now "$tdx_now" \
  --report-data "$other"
assert_contains out "FAIL  report_data"

# ---- rejected: a wrong root ----
d=$hw/snp/milan_v3_vcek_oak_cb
expect_exit 2 "$PQCHA" evidence verify "$d/report.bin" --vcek "$d/vcek.der" --chain "$d/ask_ark.pem" \
  --root "$roots/amd_genoa_ark_ask.pem" --now "$snp_now"
assert_contains out "REJECTED"
expect_exit 2 "$PQCHA" evidence verify "$q" --root "$roots/amd_milan_ark_ask.pem" --now "$tdx_now" --json
assert_contains out '"error":"CERT_CHAIN"'
# outside the certificates' validity
expect_exit 2 "$PQCHA" evidence verify "$d/report.bin" --vcek "$d/vcek.der" --chain "$d/ask_ark.pem" \
  --root "$roots/amd_milan_ark_ask.pem" --now 2000-01-01T00:00:00Z

# ---- malformed: truncated evidence, the README's 1185-byte report, a bad certificate ----
head -c 1000 "$d/report.bin" >truncated.bin
expect_exit 3 "$PQCHA" evidence show truncated.bin
expect_exit 3 "$PQCHA" evidence verify truncated.bin --vcek "$d/vcek.der" --chain "$d/ask_ark.pem" \
  --root "$roots/amd_milan_ark_ask.pem" --now "$snp_now"
head -c 3000 "$q" >truncated_quote.bin
expect_exit 3 "$PQCHA" evidence verify truncated_quote.bin --root "$roots/intel_sgx_root_ca.der"
expect_exit 3 "$PQCHA" evidence show "$hw/snp/NEGATIVE_unknown_v2_lit_badsig/report.bin"
echo "not a certificate" >junk.pem
expect_exit 3 "$PQCHA" evidence verify "$d/report.bin" --vcek junk.pem --chain "$d/ask_ark.pem" \
  --root "$roots/amd_milan_ark_ask.pem" --now "$snp_now"

# ---- usage and I/O ----
expect_exit 0 "$PQCHA" evidence --help
assert_contains out "--root"
expect_exit 4 "$PQCHA" evidence verify "$q" --roots-dir missing-dir         # no roots there
expect_exit 4 "$PQCHA" evidence verify "$d/report.bin" --root "$roots/amd_milan_ark_ask.pem" # no --vcek
expect_exit 4 "$PQCHA" evidence verify "$q" --root "$roots/intel_sgx_root_ca.der" --vcek "$d/vcek.der"
expect_exit 4 "$PQCHA" evidence verify "$q" --root "$roots/intel_sgx_root_ca.der" --report-data zz
expect_exit 4 "$PQCHA" evidence verify "$q" --root "$roots/intel_sgx_root_ca.der" --now yesterday
expect_exit 4 "$PQCHA" evidence verify "$q" --root missing.pem
expect_exit 4 "$PQCHA" evidence show missing.bin
expect_exit 4 "$PQCHA" evidence frobnicate "$q"
expect_exit 4 "$PQCHA" evidence show "$q" --json
# An untrusted file name reaches the terminal escaped.
cp truncated.bin "$(printf 'evil\033[2J.bin')"
expect_exit 3 "$PQCHA" evidence show "$(printf 'evil\033[2J.bin')"
if grep -q "$(printf '\033')" err; then fail "escape sequence reached stderr"; fi

# ---- the vendor roots that ship with pqcha (share/pqcha): every GENUINE
# SEV-SNP folder verifies with only its --vcek (no --root, no --chain), every
# TDX quote with no root; the time stays pinned so that the verdict does not
# depend on the day the test runs ----
for c in "${snp_cases[@]}"; do
  read -r folder file cert root <<<"$c"
  d=$hw/snp/$folder
  expect_exit 0 "$PQCHA" evidence verify "$d/$file" --vcek "$d/$cert" --now "$snp_now"
  assert_contains out "roots: shipped with pqcha"
  assert_contains out "  chain:  chains/amd-"
  assert_contains out "PASS  ark_pinned"
  assert_contains out "GENUINE"
done
for c in "${tdx_cases[@]}"; do
  read -r folder now <<<"$c"
  expect_exit 0 "$PQCHA" evidence verify "$hw/tdx/$folder/quote.bin" --now "$now" --json
  assert_contains out '"rootsPinned":["'
  assert_contains out '/roots/intel-sgx-root-ca.pem"]'
  assert_contains out '"verdict":"valid"'
done

echo "test_cli_evidence: ok"
