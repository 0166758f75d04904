#!/usr/bin/env bash
# The hardening CMakeLists.txt asks for, checked in what was built (readelf):
# the pqcha executable and libpqcha.so are position independent (the executable
# a PIE: ELF type DYN with an interpreter), have no text relocations, a
# read-only GOT after start-up (GNU_RELRO plus BIND_NOW), a non-executable
# stack, stack protector canaries, and in an optimised build without
# sanitizers the _FORTIFY_SOURCE checked functions (__*_chk).
# What does not apply to this build is reported with a "skip:" line.
set -euo pipefail
: "${PQCHA:?}" "${PQCHA_BUILD:?}"
command -v readelf >/dev/null || { echo "skip: readelf (binutils) is not installed"; exit 77; }

cache="$PQCHA_BUILD/CMakeCache.txt"
cache_get() { sed -n "s/^$1:[A-Za-z]*=//p" "$cache" | head -1; }
is_on() { case "${1^^}" in 1 | ON | YES | TRUE | Y) return 0 ;; *) return 1 ;; esac; }

hardening=$(cache_get PQCHA_HARDENING)
if [ -n "$hardening" ] && ! is_on "$hardening"; then
  echo "skip: the build was configured with PQCHA_HARDENING=OFF"
  exit 77
fi

# Is _FORTIFY_SOURCE expected? Only when the build optimises (the last -O of
# CMAKE_C_FLAGS and the build type's flags is not -O0) and runs no sanitizer.
build_type=$(cache_get CMAKE_BUILD_TYPE)
c_flags="$(cache_get CMAKE_C_FLAGS) $(cache_get "CMAKE_C_FLAGS_${build_type^^}")"
read -r -a c_flags_words <<<"$c_flags"
c_flags="${c_flags_words[*]}"
last_o=$(grep -oE '(^| )-O[^ ]*' <<<"$c_flags" | tail -1 | tr -d ' ' || true)
fortify_skip=""
if is_on "$(cache_get PQCHA_SANITIZE)" || is_on "$(cache_get PQCHA_FUZZ)"; then
  fortify_skip="a sanitizer build (PQCHA_SANITIZE/PQCHA_FUZZ), where _FORTIFY_SOURCE is left out"
elif [ -z "$last_o" ] || [ "$last_o" = "-O0" ]; then
  fortify_skip="build type '${build_type:-none}' does not optimise (C flags: ${c_flags:-none}), and _FORTIFY_SOURCE needs optimisation"
fi

failures=0
fail() { echo "FAIL: $1: $2"; failures=$((failures + 1)); }
ok() { echo "ok: $1: $2"; }

# check NAME FILE KIND (KIND: exe or lib)
check() {
  local name=$1 file=$2 kind=$3 header segments dynamic dynsyms
  if [ ! -f "$file" ]; then
    fail "$name" "missing ($file)"
    return
  fi
  header=$(readelf -hW "$file")
  segments=$(readelf -lW "$file")
  dynamic=$(readelf -dW "$file")
  dynsyms=$(readelf --dyn-syms -W "$file")

  if [ "$kind" = exe ]; then
    if grep -qE '^ *Type: +DYN' <<<"$header" && grep -qE '^ *INTERP ' <<<"$segments"; then
      ok "$name" "PIE (ELF type DYN with a PT_INTERP)"
    else
      fail "$name" "not a PIE (want ELF type DYN and a PT_INTERP; $(grep -E '^ *Type:' <<<"$header" | xargs))"
    fi
  elif grep -qE '^ *Type: +DYN' <<<"$header"; then
    ok "$name" "shared object (ELF type DYN)"
  else
    fail "$name" "not a shared object ($(grep -E '^ *Type:' <<<"$header" | xargs))"
  fi

  if grep -q 'TEXTREL' <<<"$dynamic"; then
    fail "$name" "text relocations (TEXTREL): some code is not position independent"
  else
    ok "$name" "no text relocations"
  fi

  if grep -qE '^ *GNU_RELRO ' <<<"$segments"; then
    ok "$name" "RELRO (GNU_RELRO segment)"
  else
    fail "$name" "no GNU_RELRO segment (link with -Wl,-z,relro)"
  fi

  if grep -qE '\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*[[:space:]]NOW([[:space:]]|$)|\(BIND_NOW\)' <<<"$dynamic"; then
    ok "$name" "BIND_NOW (full RELRO)"
  else
    fail "$name" "no BIND_NOW in DT_FLAGS or DT_FLAGS_1 (link with -Wl,-z,now)"
  fi

  local stack
  stack=$(grep -E '^ *GNU_STACK ' <<<"$segments" || true)
  if [ -z "$stack" ]; then
    fail "$name" "no GNU_STACK segment: the stack would be executable (link with -Wl,-z,noexecstack)"
  elif grep -qE 'RWE' <<<"$stack"; then
    fail "$name" "executable stack (GNU_STACK flags RWE)"
  else
    ok "$name" "non-executable stack (GNU_STACK RW)"
  fi

  if grep -qE '[[:space:]]__stack_chk_fail(@|[[:space:]]|$)' <<<"$dynsyms"; then
    ok "$name" "stack protector (references __stack_chk_fail)"
  else
    fail "$name" "no reference to __stack_chk_fail (compile with -fstack-protector-strong)"
  fi

  if [ -n "$fortify_skip" ]; then
    echo "skip: $name: FORTIFY_SOURCE not checked: $fortify_skip"
  else
    local chk
    chk=$(grep -oE '[[:space:]]__[a-z0-9_]+_chk(@|[[:space:]]|$)' <<<"$dynsyms" |
          sed -E 's/[@[:space:]]//g' | grep -v '^__stack_chk_fail$' | sort -u | xargs || true)
    if [ -n "$chk" ]; then
      ok "$name" "FORTIFY_SOURCE (checked functions: $chk)"
    else
      fail "$name" "no __*_chk function referenced (compile with -D_FORTIFY_SOURCE=2 or 3 and optimisation)"
    fi
  fi
}

check pqcha "$PQCHA" exe
check libpqcha.so "$PQCHA_BUILD/libpqcha.so" lib

if [ "$failures" -gt 0 ]; then
  echo "FAIL: $failures hardening properties missing"
  exit 1
fi
echo "ok: pqcha and libpqcha.so are hardened"
