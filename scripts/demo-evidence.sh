#!/usr/bin/env bash
# pqcha demo, part 2 (make demo runs it after scripts/demo.sh): real hardware
# evidence — an AMD SEV-SNP report with its VCEK and an Intel TDX quote, the
# public test vectors in tests/data/hw (SOURCE.txt) — verified offline
# against the vendor roots that ship with pqcha (share/pqcha), at a pinned
# time inside the certificates' validity, so the result is the same every
# day. Each command must exit as shown, or the demo fails.
#
# Usage: scripts/demo-evidence.sh [PATH/TO/pqcha]     (or PQCHA=PATH/TO/pqcha)
set -euo pipefail

PQCHA=${1:-${PQCHA:-}}
[ -n "$PQCHA" ] || { echo "usage: $0 PATH/TO/pqcha (or set PQCHA)" >&2; exit 2; }
case "$PQCHA" in /*) ;; *) PQCHA="$PWD/$PQCHA" ;; esac
[ -x "$PQCHA" ] || { echo "demo: $PQCHA is not an executable" >&2; exit 2; }
source_dir=$(cd "$(dirname "$0")/.." && pwd)
data="$source_dir/tests/data/hw"
# 2025-10-01: the Milan VCEK runs 2023-04-03..2030-04-03, the quote's PCK
# certificate 2023-02-07..2030-02-07.
now=2025-10-01T00:00:00Z

work=$(mktemp -d "${TMPDIR:-/tmp}/pqcha-demo-evidence.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
ln -s "$data/snp" "$data/tdx" .   # short relative names in the commands shown

. "$source_dir/scripts/demo-lib.sh"

# Passed checks, one per line in pqcha's output, joined into a few lines.
join_passes() {
  awk 'function flush() { if (line != "") print "     PASS  " line; line = "" }
       $1 == "PASS" { line = line == "" ? $2 : line ", " $2; if (length(line) > 70) flush(); next }
       { flush(); print "   " $0 } END { flush() }'
}

# verify EXIT_CODE ARGS...: shows `pqcha evidence verify ARGS` and its
# output, and stops the demo unless it exits with EXIT_CODE.
verify() {
  local want=$1 got=0
  shift
  printf '%s$ pqcha evidence verify%s%s\n' "$b" "$(printf ' %q' "$@")" "$n"
  "$PQCHA" evidence verify "$@" >out 2>&1 || got=$?
  join_passes <out
  [ "$got" -eq "$want" ] || {
    printf '%sDEMO FAILED: expected exit %d, got %d%s\n' "$bad" "$want" "$got" "$n" >&2
    exit 1
  }
  printf '   %s-> exit %d, as expected%s\n' "$ok" "$got" "$n"
}

printf '\n%spqcha demo, part 2: hardware evidence%s (tests/data/hw, public test vectors)\n' "$b" "$n"

heading "A real AMD SEV-SNP report (Milan, version 2) and its chip's VCEK. No --root, no" \
        "--chain: pqcha pins the AMD roots it ships and uses AMD's chain for the product."
verify 0 snp/milan_v2_vcek_virtee/report.bin --vcek snp/milan_v2_vcek_virtee/vcek.der --now "$now"

heading "The same report with one byte of REPORT_DATA changed: the VCEK's signature fails."
cp snp/milan_v2_vcek_virtee/report.bin changed-report.bin
printf '\x01' | dd of=changed-report.bin bs=1 seek=$((0x50)) conv=notrunc status=none
verify 2 changed-report.bin --vcek snp/milan_v2_vcek_virtee/vcek.der --now "$now"

heading "A real Intel TDX quote (version 4): its PCK chain ends at the Intel SGX Root CA" \
        "that ships with pqcha. No options but the time."
verify 0 tdx/v4_trustee_q4/quote.bin --now "$now"

printf '\n%s%shardware evidence: a real SEV-SNP report and TDX quote genuine (0), a changed byte rejected (2).%s\n' \
  "$b" "$ok" "$n"
