#!/usr/bin/env bash
# sha3-256-tree node digests (docs/FORMAT.md 4.5) against the independent
# oracle: `tests/oracle/tree_hash_ref.py --nodes` (Python hashlib only) and
# the nodes libpqcha records (tests/helpers/tree_nodes_helper.c), on leaf
# counts around the 256-node boundary, powers of two and partial last blocks,
# with several thread counts and input chunkings.
set -euo pipefail
: "${PQCHA_BUILD:?}" "${PQCHA_SOURCE:?}"
helper="$PQCHA_BUILD/tree_nodes_helper"
[ -x "$helper" ] || { echo "FAIL: $helper not built"; exit 1; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
oracle="$PQCHA_SOURCE/tests/oracle/tree_hash_ref.py"
status=0

make_file() { # make_file PATH SIZE
  python3 -c "import random,sys; sys.stdout.buffer.write(random.Random($2).randbytes($2))" >"$1"
}

compare() { # compare LEAF FILES...
  local leaf=$1; shift
  python3 "$oracle" --nodes --leaf-size "$leaf" "$@" >"$work/oracle.txt"
  for args in "--threads 1" "--threads 2 --chunk 100003" "--threads 0 --chunk $leaf"; do
    # shellcheck disable=SC2086
    "$helper" --leaf-size "$leaf" $args "$@" >"$work/pqcha.txt"
    if ! diff -u "$work/oracle.txt" "$work/pqcha.txt" >"$work/diff.txt"; then
      head -20 "$work/diff.txt"
      echo "FAIL: node digests disagree with the oracle (leaf $leaf, $args)"; status=1
    fi
  done
}

# 8 KiB leaves: every shape class cheaply.
small=8192
files=()
for leaves in 0 1 2 3 255 256 257 258 512 513 1000 1024 1025 4097; do
  for extra in 0 77; do
    size=$((leaves * small + extra))
    [ "$size" -gt 0 ] || continue
    make_file "$work/s-$size" "$size"; files+=("$work/s-$size")
  done
done
compare "$small" "${files[@]}"

# The format's 64 KiB leaves: 256 leaves + 1 byte (257 leaves: level 1, 129
# nodes, the last partial) and 600 leaves + 9 bytes (601 leaves: level 2, 151 nodes).
leaf=65536
files=()
for size in $((256 * leaf + 1)) $((600 * leaf + 9)); do
  make_file "$work/l-$size" "$size"; files+=("$work/l-$size")
done
compare "$leaf" "${files[@]}"

[ "$status" -eq 0 ] && echo "ok: node digests agree with the oracle"
exit "$status"
