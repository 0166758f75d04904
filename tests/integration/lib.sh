# lib.sh — shared by the CLI integration tests: a private work directory
# (removed on exit, after any hooks a test adds to cleanup_hooks) and the
# assertions every test uses. Source it after `set -euo pipefail`.
: "${PQCHA:?set PQCHA to the pqcha binary}"
work=$(mktemp -d)
cleanup_hooks=()
run_cleanup() {
  local hook
  for hook in "${cleanup_hooks[@]}"; do eval "$hook" || true; done
  rm -rf "$work"
}
trap run_cleanup EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }
# expect_exit CODE CMD...: runs CMD with stdout in ./out and stderr in ./err.
expect_exit() {
  local want=$1 rc=0
  shift
  "$@" >out 2>err || rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "--- stdout"; cat out; echo "--- stderr"; cat err
    local cmd="$*"
    [ "${#cmd}" -le 2000 ] || cmd="${cmd:0:2000}... (${#cmd} characters)"
    fail "expected exit $want, got $rc: $cmd"
  fi
}
assert_contains() { grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "$1 lacks '$2'"; }; }
