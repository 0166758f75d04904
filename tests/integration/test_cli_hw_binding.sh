#!/usr/bin/env bash
# Hardware evidence bound to pqcha reports, from the command line (issue 10;
# docs/FORMAT.md 4.7, 6.1 and check 11b): policies with evidence
# requirements (pqcha policy --evidence), pqcha verify with pinned vendor
# roots, every rejection with its exit code, the binding recomputed by an
# independent implementation (tests/oracle/report_data.py), and
# pqcha attest --platform on a machine without a TEE. The reports carry TDX
# quotes from a throw-away PKI (tests/helpers/tdx_report_helper.c), since
# this machine has no TDX.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
P() { "$PQCHA" "$@"; }
helper="$PQCHA_BUILD/tdx_report_helper"
oracle="$PQCHA_SOURCE/tests/oracle/report_data.py"
[ -x "$helper" ] || fail "missing $helper"

mkdir hw
"$helper" hw
now=2025-01-01T00:01:00Z # the synthetic reports are issued at 2025-01-01T00:00:00Z
nonce=00112233445566778899aabbccddeeff

# The binding, recomputed from the specification by an independent
# implementation, is what the synthetic TEE put in each quote.
for r in report-binding key-binding debug; do
  python3 "$oracle" "hw/$r.json" >out || fail "$r: the oracle's REPORT_DATA differs: $(cat out)"
done
if python3 "$oracle" hw/unbound.json >out; then fail "unbound.json passed the oracle"; fi

# A policy requiring TDX evidence, written by pqcha policy --evidence.
echo '{"platform": "intel-tdx"}' >tdx.json
expect_exit 0 P policy --workload llm --region weights=hw/weights.bin --trust hw/key.pub.pem \
  --evidence tdx.json -o policy.json
python3 -c '
import json
w = json.load(open("policy.json"))["workloads"]["llm"]
assert w["evidence"] == {"platform": "intel-tdx"}, w
'
V() { P verify --policy policy.json --nonce "$nonce" --now "$now" --evidence-root hw/root.pem "$@"; }

# Genuine and bound, both bindings: valid, with every evidence check.
expect_exit 0 V hw/report-binding.json
assert_contains out "PASS  evidence"
assert_contains out "PASS  evidence:quote_signature"
assert_contains out "PASS  evidence:report_data"
expect_exit 0 V hw/key-binding.json
expect_exit 0 V --json hw/report-binding.json
python3 -c '
import json
r = json.load(open("out"))
names = {c["name"]: c for c in r["checks"]}
assert r["verdict"] == "valid", r
assert names["evidence"]["status"] == "pass", names["evidence"]
assert names["evidence"]["found"] == "intel-tdx evidence, binding report", names["evidence"]
assert names["evidence:pck_chain"]["status"] == "pass"
'

# A genuine quote not bound to this report: rejected (2), naming REPORT_DATA.
expect_exit 2 V hw/unbound.json
assert_contains out "FAIL  evidence:report_data"
# A debug TD: rejected unless the policy allows it.
expect_exit 2 V hw/debug.json
assert_contains out "evidence:policy_debug"
echo '{"platform": "intel-tdx", "allowDebug": true}' >debug-ok.json
P policy --workload llm --region weights=hw/weights.bin --trust hw/key.pub.pem \
  --evidence debug-ok.json -o policy-debug.json
expect_exit 0 P verify --policy policy-debug.json --nonce "$nonce" --now "$now" \
  --evidence-root hw/root.pem hw/debug.json
# Another binding than the policy accepts; another platform than it names.
echo '{"platform": "intel-tdx", "binding": "report"}' >report-only.json
P policy --workload llm --region weights=hw/weights.bin --trust hw/key.pub.pem \
  --evidence report-only.json -o policy-report.json
expect_exit 2 P verify --policy policy-report.json --nonce "$nonce" --now "$now" \
  --evidence-root hw/root.pem hw/key-binding.json
echo '{"platform": "amd-sev-snp"}' >snp.json
P policy --workload llm --region weights=hw/weights.bin --trust hw/key.pub.pem \
  --evidence snp.json -o policy-snp.json
expect_exit 2 P verify --policy policy-snp.json --nonce "$nonce" --now "$now" \
  --evidence-root hw/root.pem hw/report-binding.json
assert_contains out "required hardware evidence is absent"
# A measurement the quote does not have.
printf '{"platform": "intel-tdx", "mrTd": "%096d"}\n' 0 >mrtd.json
P policy --workload llm --region weights=hw/weights.bin --trust hw/key.pub.pem \
  --evidence mrtd.json -o policy-mrtd.json
expect_exit 2 P verify --policy policy-mrtd.json --nonce "$nonce" --now "$now" \
  --evidence-root hw/root.pem hw/report-binding.json
assert_contains out "evidence:policy_mr_td"

# The vendor roots that ship with pqcha (no --evidence-root): Intel's root
# did not sign the throw-away PKI, so the chain is refused.
expect_exit 2 P verify --policy policy.json --nonce "$nonce" --now "$now" hw/report-binding.json
assert_contains out "FAIL  evidence:pck_chain"

# A report without evidence where the policy requires it.
expect_exit 0 P attest --key hw/key.pem --workload llm --region weights=hw/weights.bin \
  --nonce "$nonce" -o plain.json
expect_exit 2 P verify --policy policy.json --nonce "$nonce" plain.json
assert_contains out "required hardware evidence is absent"
# Without evidence requirements the evidence is not consulted.
P policy --workload llm --region weights=hw/weights.bin --trust hw/key.pub.pem -o no-ev.json
expect_exit 0 P verify --policy no-ev.json --nonce "$nonce" --now "$now" hw/unbound.json
assert_contains out "SKIP  evidence"

# Bad options: evidence options without a policy, an unreadable policy file.
expect_exit 4 P verify --authenticity-only --trust hw/key.pub.pem --evidence-root hw/root.pem \
  hw/report-binding.json
expect_exit 4 P policy --workload llm --region weights=hw/weights.bin --evidence missing.json
echo '{"platform": "tpm"}' >bad.json
expect_exit 4 P policy --workload llm --region weights=hw/weights.bin --evidence bad.json
assert_contains err "invalid policy"

# pqcha evidence verify --policy on the quote alone (extracted from the report).
python3 -c '
import base64, json
env = json.load(open("hw/debug.json"))
ev = json.loads(base64.b64decode(env["payload"]))["predicate"]["evidence"][0]
open("debug-quote.bin", "wb").write(base64.b64decode(ev["data"]))
'
expect_exit 0 P evidence verify debug-quote.bin --root hw/root.pem --now "$now"
assert_contains err "warning: td_attributes.debug is on"
expect_exit 2 P evidence verify debug-quote.bin --root hw/root.pem --now "$now" --policy tdx.json
assert_contains out "FAIL  policy_debug"
expect_exit 0 P evidence verify debug-quote.bin --root hw/root.pem --now "$now" --policy debug-ok.json
expect_exit 2 P evidence verify debug-quote.bin --root hw/root.pem --now "$now" --policy snp.json
assert_contains out "policy_platform"
expect_exit 4 P evidence verify debug-quote.bin --root hw/root.pem --policy bad.json

# attest --platform on a machine without a TEE: one clear error, no report.
mkdir tsm
expect_exit 4 P attest --key hw/key.pem --workload llm --region weights=hw/weights.bin \
  --platform intel-tdx --tsm-root tsm -o never.json
assert_contains err "no TEE found: looked for"
[ ! -e never.json ] || fail "a report was written without evidence"
expect_exit 4 P attest --key hw/key.pem --workload llm --region weights=hw/weights.bin \
  --platform tpm
expect_exit 4 P attest --key hw/key.pem --workload llm --region weights=hw/weights.bin \
  --binding key
assert_contains err "need --platform"
# watch says it once, before any round, and a path from the command line
# reaches the terminal escaped.
expect_exit 4 P watch --key hw/key.pem --workload llm --region weights=hw/weights.bin \
  --platform intel-tdx --tsm-root "$(printf 'tsm\033[31m')" --count 3 -o never.jsonl
assert_contains err "no TEE found: looked for"
if grep -q "round" err; then fail "watch ran rounds without a TEE"; fi
if grep -q "$(printf '\033')" err; then fail "a control character reached the terminal"; fi
[ ! -e never.jsonl ] || fail "watch wrote reports without evidence"
echo "ok"
