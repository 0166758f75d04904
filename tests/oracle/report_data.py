#!/usr/bin/env python3
"""Independent reference for pqcha's REPORT_DATA binding (docs/FORMAT.md 4.7).

Standard library only, written from the specification and sharing no code
with the C implementation:

    report_data.py REPORT.json [--key-id HEX] [--nonce HEX]

reads a pqcha report (a DSSE envelope), recomputes the REPORT_DATA its
hardware evidence must carry for the binding the evidence states, prints

    binding=<key|report> expected=<128 hex> found=<128 hex>

where `found` is the REPORT_DATA inside the evidence (a TDX quote's TD
report, or an SEV-SNP report's field at 0x50), and exits 0 when they are
equal, 1 when not. Key binding uses --key-id (default: the key id the
payload names) and --nonce (default: the payload's nonce).
"""
import base64
import hashlib
import json
import sys

DOMAIN = b"pqcha/report-data/v1\x00"


def skip_ws(s, i):
    while i < len(s) and s[i] in b" \t\r\n":
        i += 1
    return i


def skip_string(s, i):
    assert s[i] == 0x22
    i += 1
    while s[i] != 0x22:
        i += 2 if s[i] == 0x5C else 1
    return i + 1


def skip_value(s, i):
    """Index just past the JSON value starting at s[i]."""
    i = skip_ws(s, i)
    c = s[i]
    if c == 0x22:
        return skip_string(s, i)
    if c in b"[{":
        depth = 0
        while True:
            c = s[i]
            if c == 0x22:
                i = skip_string(s, i)
                continue
            if c in b"[{":
                depth += 1
            elif c in b"]}":
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
    while i < len(s) and s[i] not in b",]} \t\r\n":
        i += 1
    return i


def member_value(s, i, name):
    """In the object starting at s[i], (start, end) of member name's value."""
    i = skip_ws(s, i)
    assert s[i] == 0x7B
    i = skip_ws(s, i + 1)
    while s[i] != 0x7D:
        key_end = skip_string(s, i)
        key = json.loads(s[i:key_end])
        i = skip_ws(s, key_end)
        assert s[i] == 0x3A
        start = skip_ws(s, i + 1)
        end = skip_value(s, start)
        if key == name:
            return start, end
        i = skip_ws(s, end)
        if s[i] == 0x2C:
            i = skip_ws(s, i + 1)
    raise KeyError(name)


def statement_without_evidence(payload):
    pred_start, _ = member_value(payload, 0, "predicate")
    ev_start, ev_end = member_value(payload, pred_start, "evidence")
    return payload[:ev_start] + b"[]" + payload[ev_end:]


def evidence_report_data(platform, data):
    if platform == "intel-tdx":
        version = int.from_bytes(data[0:2], "little")
        body = 48 + (6 if version == 5 else 0)
        return data[body + 520 : body + 584]
    if data[0:4] == b"HCLA" or len(data) == 4000:  # Azure HCL, MSG_REPORT_RSP
        data = data[0x20:]
    return data[0x50:0x90]


def main(argv):
    args = {"--key-id": None, "--nonce": None}
    path = None
    it = iter(argv)
    for a in it:
        if a in args:
            args[a] = next(it)
        else:
            path = a
    envelope = json.load(open(path))
    payload = base64.b64decode(envelope["payload"], validate=True)
    statement = json.loads(payload)
    predicate = statement["predicate"]
    (evidence,) = predicate["evidence"]
    binding = evidence["binding"]
    if binding == "key":
        key_id = bytes.fromhex(args["--key-id"] or predicate["signer"]["keyId"])
        nonce = bytes.fromhex(args["--nonce"] or predicate["nonce"])
        expected = hashlib.sha512(DOMAIN + b"key\x00" + key_id + nonce).digest()
    else:
        expected = hashlib.sha512(
            DOMAIN + b"report\x00" + statement_without_evidence(payload)
        ).digest()
    found = evidence_report_data(evidence["platform"], base64.b64decode(evidence["data"]))
    print(f"binding={binding} expected={expected.hex()} found={found.hex()}")
    return 0 if expected == found else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
