# demo-lib.sh — shared by the demo scripts (make demo): colours when the
# output is a terminal, and numbered headings. Source it; set DEMO_PART
# (e.g. "service ") to prefix the numbers of a part.

if [ -t 1 ]; then b=$'\e[1m' ok=$'\e[32m' bad=$'\e[31m' n=$'\e[0m'; else b="" ok="" bad="" n=""; fi
heading_count=0

# heading TITLE [LINE...]: "== N. TITLE", then each LINE indented.
heading() {
  heading_count=$((heading_count + 1))
  printf '\n%s== %s%d. %s%s\n' "$b" "${DEMO_PART:-}" "$heading_count" "$1" "$n"
  shift
  [ $# -eq 0 ] || printf '   %s\n' "$@"
}
