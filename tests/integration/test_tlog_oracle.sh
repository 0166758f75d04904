#!/usr/bin/env bash
# Transparency-log proofs (docs/FORMAT.md 9.2) against the independent
# oracle: tests/oracle/tlog_ref.py (Python hashlib only, written from RFC
# 9162) recomputes every root and proof that libpqcha prints
# (tests/helpers/tlog_proof_helper.c) and verifies them with the RFC's
# algorithms: every tree size up to 4096, every leaf and old size below 64,
# and random pairs in trees of up to 100 000 leaves.
set -euo pipefail
: "${PQCHA_BUILD:?}" "${PQCHA_SOURCE:?}"
helper="$PQCHA_BUILD/tlog_proof_helper"
[ -x "$helper" ] || { echo "FAIL: $helper not built"; exit 1; }
oracle="$PQCHA_SOURCE/tests/oracle/tlog_ref.py"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
status=0

check() { # check HELPER-ARGS...
  if ! "$helper" "$@" >"$work/proofs.jsonl"; then
    echo "FAIL: tlog_proof_helper $*"; status=1; return
  fi
  if ! python3 "$oracle" <"$work/proofs.jsonl"; then
    echo "FAIL: the oracle disagrees (tlog_proof_helper $*)"; status=1
  fi
}

check --sizes 4096 --all-below 64 --random 0 --seed 1
check --sizes 1 --random 300 --random-max 100000 --seed 9162

[ "$status" -eq 0 ] && echo "ok: proofs agree with the oracle"
exit "$status"
