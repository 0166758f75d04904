#!/usr/bin/env bash
# pqcha evidence get as a user meets it: its help; bad options (exit 4,
# checked before any TEE is looked for); no TEE on this machine, which is
# exit 2 and one line naming the interfaces looked for; --tsm-root and
# --device pointing elsewhere, with nothing left in the directory and no
# output file written. (Getting real evidence is test_tee.c's, on an
# emulated configfs-tsm.)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

rd=$(printf '%0128d' 0 | tr 0 a)
default_line="pqcha: no TEE found: looked for configfs-tsm at /sys/kernel/config/tsm/report, /dev/sev-guest, /dev/tdx_guest (gives no quote: a TDX quote needs configfs-tsm)"

# ---- help ----
expect_exit 0 "$PQCHA" evidence get --help
assert_contains out "--tsm-root DIR"
assert_contains out "--certs-out FILE"
assert_contains out "2 no TEE found"
expect_exit 0 "$PQCHA" evidence --help
assert_contains out "pqcha evidence get"

# ---- bad options: exit 4 ----
expect_exit 4 "$PQCHA" evidence get                                    # no -o
assert_contains err "-o FILE is required"
expect_exit 4 "$PQCHA" evidence get -o ev.bin --frobnicate
expect_exit 4 "$PQCHA" evidence get -o ev.bin --platform sev
assert_contains err "expected auto, amd-sev-snp or intel-tdx"
expect_exit 4 "$PQCHA" evidence get -o ev.bin --privlevel 4
expect_exit 4 "$PQCHA" evidence get -o ev.bin --privlevel one
expect_exit 4 "$PQCHA" evidence get -o ev.bin --tsm-root ""
expect_exit 4 "$PQCHA" evidence get -o ev.bin extra
expect_exit 4 "$PQCHA" evidence get -o - --certs-out -
for bad in zz "${rd:0:126}" "${rd}aa" "$(tr a A <<<"$rd")" "${rd:0:127}g"; do
  expect_exit 4 "$PQCHA" evidence get -o ev.bin --report-data "$bad"
  assert_contains err "--report-data: expected 128 lowercase hex characters"
done
[ ! -e ev.bin ] || fail "a refused command wrote its output"

# ---- no TEE: exit 2, one line naming what was looked for ----
if [ -e /sys/kernel/config/tsm/report ] || [ -e /dev/sev-guest ]; then
  echo "skip: this machine has a TEE interface; the no-TEE default is not checked"
else
  expect_exit 2 "$PQCHA" evidence get -o ev.bin
  [ "$(cat err)" = "$default_line" ] || { cat err; fail "not the one no-TEE line"; }
  expect_exit 2 "$PQCHA" evidence get -o ev.bin --report-data "$rd" --platform auto
  [ "$(wc -l <err)" -eq 1 ] || fail "more than one line"
fi

# An empty directory is no configfs-tsm: looked into, and left empty.
mkdir tsm
expect_exit 2 "$PQCHA" evidence get -o ev.bin --tsm-root "$work/tsm" --device "$work/no-device"
[ "$(cat err)" = "pqcha: no TEE found: looked for configfs-tsm at $work/tsm, $work/no-device, /dev/tdx_guest (gives no quote: a TDX quote needs configfs-tsm)" ] ||
  { cat err; fail "the line does not name --tsm-root and --device"; }
[ -z "$(ls -A tsm)" ] || fail "an entry was left in the tsm directory: $(ls -A tsm)"
expect_exit 2 "$PQCHA" evidence get -o ev.bin --tsm-root "$work/missing" --platform amd-sev-snp \
  --device "$work/no-device" --privlevel 2 --certs-out certs.bin
assert_contains err "looked for configfs-tsm at $work/missing (sev_guest), $work/no-device"
expect_exit 2 "$PQCHA" evidence get -o ev.bin --tsm-root "$work/tsm" --platform intel-tdx
assert_contains err "(tdx_guest), /dev/tdx_guest (gives no quote"
[ ! -e ev.bin ] && [ ! -e certs.bin ] || fail "output written without evidence"

# A character device that is no SEV-SNP guest device: a failing TEE is 4.
expect_exit 4 "$PQCHA" evidence get -o ev.bin --tsm-root "$work/tsm" --platform amd-sev-snp \
  --device /dev/null
assert_contains err "input/output error"

# Paths reach the terminal escaped.
evil=$(printf 'evil\033[2J')
expect_exit 2 "$PQCHA" evidence get -o ev.bin --tsm-root "$work/$evil" --device "$work/no-device"
if grep -q "$(printf '\033')" err; then fail "escape sequence reached stderr"; fi

echo "test_cli_evidence_get: ok"
