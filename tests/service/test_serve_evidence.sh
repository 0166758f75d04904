#!/usr/bin/env bash
# pqcha serve and hardware evidence: a workload whose policy requires TDX
# evidence, its reports answering the server's own challenges with quotes
# from a throw-away Intel-like PKI (tests/helpers/tdx_report_helper.c, run
# as a coprocess that attests on demand, since this machine has no TDX).
# Genuine and bound (both bindings) → valid with every evidence check;
# bound to other data, a debug TD, no evidence → rejected, each with its
# code; the shipped roots by default (which never signed that PKI); bad
# inputs refused at start; SIGHUP re-reads the roots with the policy, and a
# broken root file is refused with the running pair kept.
set -euo pipefail
. "$PQCHA_SOURCE/tests/integration/lib.sh"
. "$PQCHA_SOURCE/tests/service/serve_lib.sh"
helper="$PQCHA_BUILD/tdx_report_helper"
[ -x "$helper" ] || fail "missing $helper"

db=${PQCHA_TEST_STORE_URL:-sqlite:$work/verifier.db}
workload="td-$$-$RANDOM" # its own id, also on a shared PostgreSQL database
mkdir hw
coproc TEE { "$helper" --answer hw; }
cleanup_hooks+=("kill ${TEE_PID} 2>/dev/null")
read -r ready <&"${TEE[0]}"
[ "$ready" = ready ] || fail "the synthetic TEE did not start"

# tee_report BINDING NONCE OUT [MODE]: a report of $workload for NONCE, made
# now, carrying a quote of the synthetic TEE.
tee_report() {
  echo "$1 $2 $workload ${4:-}" >&"${TEE[1]}"
  local line
  read -r line <&"${TEE[0]}" || fail "the synthetic TEE gave no report"
  printf '%s\n' "$line" >"$3"
}

echo '{"platform": "intel-tdx"}' >tdx.json
"$PQCHA" policy --workload "$workload" --region weights=hw/weights.bin --trust hw/key.pub.pem \
  --evidence tdx.json -o policy.json
cp hw/root.pem roots.pem
new_token
start_server srv "$db" --token-file token --evidence-root roots.pem
url=$srv_url

# post_for BINDING OUT [MODE]: a fresh challenge, a report answering it, posted.
post_for() {
  challenge "$workload" c
  tee_report "$1" "$(cat c.nonce)" "$2" "${3:-}"
  http POST "$url/v1/reports" "$2"
  expect_status 200
}
check_status() { json_get "[c['status'] for c in j['checks'] if c['name'] == '$1']"; }

# ---- genuine and bound to this server's challenge: valid ----
post_for report r1.json
[ "$(json_get 'j["verdict"]')" = valid ] || { cat body >&2; fail "a genuine TDX report is not valid"; }
[ "$(check_status evidence)" = "['pass']" ] || fail "no passing evidence check"
[ "$(check_status evidence:quote_signature)" = "['pass']" ] || fail "the quote's signature was not checked"
[ "$(check_status evidence:report_data)" = "['pass']" ] || fail "the binding was not checked"
[ "$(json_get "[c['found'] for c in j['checks'] if c['name'] == 'evidence']")" = "['intel-tdx evidence, binding report']" ] ||
  fail "the evidence check does not say what it found"
http GET "$url/v1/workloads/$workload"
[ "$(json_get 'j["state"]')" = trusted ] || fail "the workload is not trusted after valid evidence"
# The key binding: the quote vouches for the signing key and this challenge.
post_for key r2.json
[ "$(json_get 'j["verdict"]')" = valid ] || { cat body >&2; fail "a key-binding report is not valid"; }

# ---- rejected, each for its reason, and the state says so ----
post_for report r3.json unbound # a genuine quote over other REPORT_DATA
[ "$(json_get 'j["verdict"]')" = rejected ] || fail "an unbound quote was accepted"
[ "$(json_get 'j["errorName"]')" = EVIDENCE_BINDING ] || { cat body >&2; fail "not EVIDENCE_BINDING"; }
[ "$(check_status evidence:report_data)" = "['fail']" ] || fail "the failing binding is not named"
http GET "$url/v1/workloads/$workload"
[ "$(json_get 'j["state"]')" = rejected ] || fail "the workload is not rejected after unbound evidence"
post_for report r4.json debug # a debug TD: the host can read its memory
[ "$(json_get 'j["errorName"]')" = EVIDENCE_POLICY ] || { cat body >&2; fail "a debug TD was not refused"; }
assert_contains body "evidence:policy_debug"
# A report without evidence, signed by the trusted key all the same.
challenge "$workload" c
"$PQCHA" attest --key hw/key.pem --workload "$workload" --region weights=hw/weights.bin \
  --nonce "$(cat c.nonce)" -o plain.json
http POST "$url/v1/reports" plain.json
[ "$(json_get 'j["errorName"]')" = NO_EVIDENCE ] || { cat body >&2; fail "a report without evidence passed"; }
http GET "$url/v1/workloads/$workload/reports?limit=100"
[ "$(json_get 'len(j["reports"])')" = 5 ] || { cat body >&2; fail "not every report stored"; }

# ---- SIGHUP re-reads the roots: another root, then a broken file ----
cp "$PQCHA_BUILD/share/pqcha/roots/intel-sgx-root-ca.pem" roots.pem
kill -HUP "$srv_pid"
until grep -q 'reloaded policy' srv.log; do sleep 0.05; done
post_for report r5.json
[ "$(json_get 'j["errorName"]')" = CERT_CHAIN ] || { cat body >&2; fail "the reloaded root was not used"; }
echo "not a certificate" >roots.pem
kill -HUP "$srv_pid"
until grep -q 'was refused' srv.log; do sleep 0.05; done
assert_contains srv.log "roots.pem"
post_for report r6.json # still the Intel root: the running pair was kept
[ "$(json_get 'j["errorName"]')" = CERT_CHAIN ] || fail "a refused reload changed the roots"
cp hw/root.pem roots.pem
kill -HUP "$srv_pid"
until [ "$(grep -c 'reloaded policy' srv.log)" = 2 ]; do sleep 0.05; done
post_for report r7.json
[ "$(json_get 'j["verdict"]')" = valid ] || fail "the restored root is not used"
stop_server "$srv_pid" || fail "pqcha serve did not stop cleanly"

# ---- the shipped roots by default: genuine Intel's, not the test PKI's ----
start_server srv2 "$db" --token-file token
url=$srv2_url
post_for report r8.json
[ "$(json_get 'j["errorName"]')" = CERT_CHAIN ] || { cat body >&2; fail "the test PKI passed the shipped roots"; }
stop_server "$srv2_pid" || fail "pqcha serve did not stop cleanly"

# ---- bad inputs: refused at start (exit 4), naming the file ----
expect_exit 4 "$PQCHA" serve --policy policy.json --db "$db" --evidence-root missing.pem
assert_contains err "missing.pem"
expect_exit 4 "$PQCHA" serve --policy policy.json --db "$db" --evidence-root policy.json
assert_contains err "policy.json"
mkdir empty
expect_exit 4 "$PQCHA" serve --policy policy.json --db "$db" --collateral empty
assert_contains err "no tcb_info.json"
expect_exit 4 "$PQCHA" serve --policy policy.json --db "$db" --roots-dir empty
assert_contains err "--roots-dir"
expect_exit 4 "$PQCHA" serve --policy policy.json --db "$db" --roots-dir hw --evidence-root roots.pem
assert_contains err "not with --evidence-root"
expect_exit 0 "$PQCHA" serve --help
assert_contains out "--evidence-root ROOT"
assert_contains out "--collateral DIR"
echo "ok: pqcha serve verifies hardware evidence"
