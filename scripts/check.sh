#!/usr/bin/env bash
# Every test of pqcha, in three builds:
#   1. build/       unit, integration and interop tests (ctest)
#   2. build-asan/  the same suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   3. build-fuzz/  each libFuzzer target for a fixed time from its seed corpus
# Ends with one line "check: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${PQCHA_FUZZ_SECONDS:-45}
passed=0 failed=0

# Runs ctest in a build dir and adds its counts to the totals.
run_ctest() {
  local dir=$1 label=$2 log
  log=$(mktemp)
  (cd "$dir" && ctest --output-on-failure -j2 2>&1) | tee "$log"
  local total fails
  total=$(sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' "$log" | tail -1)
  fails=$(sed -n 's/.* \([0-9]*\) tests failed out of.*/\1/p' "$log" | tail -1)
  rm -f "$log"
  if [ -z "$total" ]; then
    echo "check: $label: ctest printed no summary" >&2
    failed=$((failed + 1)); return
  fi
  passed=$((passed + total - fails)); failed=$((failed + fails))
}

phase() { printf '\n==== %s ====\n' "$*"; }

phase "build and test (release)"
if scripts/build.sh build; then run_ctest build release; else failed=$((failed + 1)); fi

phase "build and test under ASan + UBSan"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DPQCHA_SANITIZE=ON; then
  run_ctest build-asan asan
else
  failed=$((failed + 1))
fi

phase "fuzz each decoder for ${FUZZ_SECONDS}s"
if CC=clang scripts/build.sh build-fuzz -DCMAKE_BUILD_TYPE=Debug -DPQCHA_FUZZ=ON -DPQCHA_WERROR=OFF; then
  for fuzzer in build-fuzz/fuzz_*; do
    [ -x "$fuzzer" ] || continue
    name=$(basename "$fuzzer"); corpus_name=${name#fuzz_}
    work=$(mktemp -d)   # new inputs go here; the committed seed corpus stays read-only
    if "$fuzzer" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 "$work" "tests/fuzz/corpus/$corpus_name" \
         >"$work.log" 2>&1; then
      echo "fuzz $name: ok ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$work.log" | awk '{print $2}') runs)"
      passed=$((passed + 1))
    else
      echo "fuzz $name: FAILED"; tail -40 "$work.log"; failed=$((failed + 1))
    fi
    rm -rf "$work" "$work.log"
  done
else
  failed=$((failed + 1))
fi

echo
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
