#!/usr/bin/env bash
# kill -9 never makes pqcha serve publish a checkpoint of entries it did not
# store durably. Four clients post reports while the server is killed at
# several points of the load (after 5, 25 and 45 answers, requests in flight);
# every checkpoint it ever gave out (in a receipt, or at
# GET /v1/log/checkpoint) is recorded. After each restart: every recorded
# checkpoint has at most as many entries as the restarted server's tree, and
# its root is recomputed from that server's tiles (so the tree it signed was
# stored, and was not rewritten since); then the load goes on, the reports
# whose answers were lost sent again. In the end the log holds each report
# exactly once. Runs against SQLite, and PostgreSQL (with_postgres.sh).
# shellcheck disable=SC2154 # srvN_url and srvN_pid are set by start_server
set -euo pipefail
. "$PQCHA_SOURCE/tests/integration/lib.sh"
. "$PQCHA_SOURCE/tests/service/serve_lib.sh"

db=${PQCHA_TEST_STORE_URL:-sqlite:$work/verifier.db}
log_keys
head -c 4096 /dev/urandom >weights.bin
workload="crash-$$-$RANDOM"
origin="log.example/crash-$$"
"$PQCHA" policy --workload "$workload" --trust signer.pub.pem --platform file \
  --region weights=weights.bin -o policy.json
reports=()
for n in $(seq 60); do
  "$PQCHA" attest --key signer.pem --workload "$workload" --region weights=weights.bin \
    -o "r$n.json"
  reports+=("r$n.json")
done
serve_log() {
  start_server "$1" "$db" --log-key logkey.pem --log-origin "$origin" --threads 4 \
    --log-checkpoint-interval 0
}

# every_checkpoint_holds URL: each checkpoint recorded so far is within the
# tree that URL serves now and has its root.
every_checkpoint_holds() { log_check holds "$1/v1/log" record.jsonl; }

touch record.jsonl
phase=0
for target in 5 25 45; do
  phase=$((phase + 1))
  serve_log "srv$phase"
  pid_var="srv${phase}_pid" url_var="srv${phase}_url"
  url=${!url_var}
  [ "$phase" -eq 1 ] || every_checkpoint_holds "$url"
  log_check load "$url" record.jsonl "${reports[@]}" &
  loader=$!
  # Kill once that many answers are in, with the other clients' requests
  # in flight (or at the end, should the load finish first).
  while [ "$(grep -c '"report"' record.jsonl)" -lt "$target" ] && kill -0 "$loader" 2>/dev/null; do
    sleep 0.02
  done
  stop_server "${!pid_var}" KILL || true
  wait "$loader" || true
done

serve_log final
url=$final_url
every_checkpoint_holds "$url"
log_check load "$url" record.jsonl "${reports[@]}" || fail "the load did not finish after the last restart"
every_checkpoint_holds "$url"
# Each report once in the log: no entry lost, none twice.
log_check get "$url/v1/log" checkpoint now.txt >/dev/null
read -r size _ < <(log_check checkpoint now.txt)
[ "$size" = "${#reports[@]}" ] || fail "the log holds $size entries for ${#reports[@]} reports"
log_check entries "$url/v1/log" "$size" | sort >logged.txt
sha256sum "${reports[@]}" | cut -d' ' -f1 | sort >posted.txt
cmp -s logged.txt posted.txt || fail "the log's entries are not the reports posted, each once"
# A report's index never changed: every answer for it named the same one.
python3 - <<'PY' || fail "a report was answered with two different indices"
import json
index = {}
for line in open("record.jsonl"):
    r = json.loads(line)
    if "report" in r:
        assert index.setdefault(r["report"], r["index"]) == r["index"], r["report"]
PY
stop_server "$final_pid" TERM || fail "pqcha serve did not exit 0"
echo "ok: kill -9 three times under load; every checkpoint given out holds (store ${db%%:*})"
