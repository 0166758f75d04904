#!/usr/bin/env bash
# sha3-256-tree against an independent oracle: tests/oracle/tree_hash_ref.py
# (Python hashlib only, written from docs/FORMAT.md 4.4), on every length
# class around the leaf boundaries, with 1, 2 and all threads.
set -euo pipefail
: "${PQCHA:?}" "${PQCHA_SOURCE:?}"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
leaf=65536
sizes=(0 1 135 136 137 $((leaf - 1)) $leaf $((leaf + 1)) $((2 * leaf)) $((2 * leaf + 1))
       $((3 * leaf)) $((5 * leaf + 7)) $((8 * leaf)) $((17 * leaf + 3)) $((64 * leaf + 1))
       $((100 * leaf - 1)))
files=()
for size in "${sizes[@]}"; do
  python3 -c "import random,sys; sys.stdout.buffer.write(random.Random($size).randbytes($size))" \
    >"$work/data-$size"
  files+=("$work/data-$size")
done
python3 "$PQCHA_SOURCE/tests/oracle/tree_hash_ref.py" "${files[@]}" >"$work/oracle.txt"
status=0
for threads in 1 2 0; do
  "$PQCHA" hash --algorithm sha3-256-tree --threads "$threads" "${files[@]}" >"$work/pqcha.txt"
  if ! diff -u "$work/oracle.txt" "$work/pqcha.txt"; then
    echo "FAIL: pqcha and the Python oracle disagree with --threads $threads"; status=1
  fi
done
# Up to one leaf, the digest is plain SHA3-256 (so openssl dgst -sha3-256 checks it).
python3 - "$work/data-$leaf" "$work/oracle.txt" <<'PY'
import hashlib, sys
data = open(sys.argv[1], "rb").read()
line = [l for l in open(sys.argv[2]) if l.rstrip().endswith(sys.argv[1])][0]
assert line.split()[0] == hashlib.sha3_256(data).hexdigest(), "one leaf must be plain SHA3-256"
PY
[ "$status" -eq 0 ] && echo "ok: ${#sizes[@]} sizes agree with the oracle on 1, 2 and all threads"
exit "$status"
