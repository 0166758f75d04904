#!/usr/bin/env bash
# One house style for library, CLI and tests: every C file matches
# .clang-format (scripts/format.sh; `make format` applies it).
set -euo pipefail
exec "$(dirname "$0")/../../scripts/format.sh" --check
