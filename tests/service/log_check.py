#!/usr/bin/env python3
"""Checks what `pqcha serve --log-key` serves, independently of pqcha's C
code: proofs and roots with the hashlib reference tests/oracle/tlog_ref.py,
tiles and bundles parsed here (docs/FORMAT.md 9.3). Standard library only.
Signatures (ML-DSA) are not checked here: `pqcha log verify-inclusion` and
tests/service/test_log.c do.

    log_check.py receipt ANSWER REPORT POLICY ORIGIN
        ANSWER: the body of POST /v1/reports. Checks its "log" receipt: the
        inclusion proof leads to the root of its checkpoint (whose size is
        treeSize and whose origin is ORIGIN), the entry names REPORT's bytes
        (envelopeSha256) and POLICY's (policySha256) and holds the answer's
        verdict. Prints "INDEX TREE_SIZE"; writes the receipt alone to
        ANSWER.receipt.
    log_check.py receipts FILE ORIGIN
        Each line of FILE (an agent's receipts) is a receipt whose proof leads
        to its checkpoint's root, of ORIGIN. Prints the entries' indices.
    log_check.py checkpoint NOTE
        Prints "SIZE ROOT_BASE64" of a signed checkpoint.
    log_check.py tree URL SIZE ROOT_BASE64
        Fetches every tile and entry bundle of the tree of SIZE entries from
        URL (the log's prefix, .../v1/log), checks each tile against the
        level below (full tiles hash to their entry above, bundles hash to
        their level-0 tile), each reply's caching, and that the leaves give
        ROOT. Exit 1 on any difference.
    log_check.py get URL PATH OUT
        GET URL/PATH without a token: prints "STATUS CACHE-CONTROL", the body
        in OUT.
    log_check.py entries URL SIZE
        Prints the envelopeSha256 of each of the tree's first SIZE entries,
        read from the entry bundles.
    log_check.py holds URL RECORD
        Every checkpoint RECORD holds (see load) is within the tree URL serves
        now (its size at most the published checkpoint's) and its root is
        recomputed from URL's tiles, as with `tree`.
    log_check.py load URL RECORD REPORT...
        Posts the reports not yet in RECORD, 4 at a time, until the server
        goes away, appending to RECORD one JSON line per answer (the report,
        its index, its receipt's checkpoint) and one per checkpoint
        GET /v1/log/checkpoint served after it ({"served": NOTE}). Exits 0
        when every report was answered, 3 when the server went away.
"""
import base64
import concurrent.futures
import hashlib
import http.client
import json
import os
import sys
import threading
import urllib.parse

sys.path.insert(0, os.path.join(os.environ.get("PQCHA_SOURCE", "."), "tests", "oracle"))
import tlog_ref  # noqa: E402

IMMUTABLE = "public, max-age=31536000, immutable"


def fail(message):
    print("log_check: " + message, file=sys.stderr)
    sys.exit(1)


def parse_checkpoint(note: str):
    """(origin, size, root) of a signed checkpoint's text."""
    text = note.split("\n\n")[0] + "\n"
    lines = text.split("\n")
    return lines[0], int(lines[1]), base64.b64decode(lines[2], validate=True)


def tile_path(level, index, width):
    digits = "%d" % index
    groups = []
    while True:
        groups.insert(0, digits[-3:].rjust(3, "0"))
        digits = digits[:-3]
        if not digits:
            break
    path = "/".join(["x" + g for g in groups[:-1]] + [groups[-1]])
    path = "tile/%s/%s" % ("entries" if level < 0 else level, path)
    return path + (".p/%d" % width if width < 256 else "")


def fetch(url, path):
    """(status, headers, body) of GET url/path."""
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    c.request("GET", u.path.rstrip("/") + "/" + path)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, r.getheader("Cache-Control"), body


def get_ok(url, path):
    status, cache, body = fetch(url, path)
    if status != 200:
        fail("GET %s: %d %r" % (path, status, body[:200]))
    return cache, body


def proves_inclusion(receipt, origin):
    """The receipt's proof leads its entry to its checkpoint's root."""
    index, size = receipt["index"], receipt["treeSize"]
    entry = base64.b64decode(receipt["entry"], validate=True)
    proof = [base64.b64decode(h, validate=True) for h in receipt["inclusionProof"]]
    cp_origin, cp_size, root = parse_checkpoint(receipt["checkpoint"])
    if cp_origin != origin or cp_size != size:
        fail("checkpoint %s/%d for a receipt of tree size %d" % (cp_origin, cp_size, size))
    if not tlog_ref.verify_inclusion(index, size, tlog_ref.leaf_hash(entry), proof, root):
        fail("the inclusion proof of entry %d does not lead to the checkpoint's root" % index)
    return entry


def check_receipts(path, origin):
    for line in open(path):
        receipt = json.loads(line)
        proves_inclusion(receipt, origin)
        print(receipt["index"])


def check_receipt(answer_file, report_file, policy_file, origin):
    answer = json.load(open(answer_file))
    receipt = answer.get("log")
    if not isinstance(receipt, dict):
        fail("the answer has no receipt")
    if list(receipt) != ["index", "treeSize", "entry", "inclusionProof", "checkpoint"]:
        fail("receipt members: %r" % list(receipt))
    with open(answer_file + ".receipt", "w") as f:
        json.dump(receipt, f, separators=(",", ":"))
    entry = proves_inclusion(receipt, origin)
    fields = json.loads(entry)
    if entry != json.dumps(fields, separators=(",", ":")).encode():
        fail("the entry is not compact JSON: %r" % entry)
    want = {
        "v": 1,
        "envelopeSha256": hashlib.sha256(open(report_file, "rb").read()).hexdigest(),
        "policySha256": hashlib.sha256(open(policy_file, "rb").read()).hexdigest(),
        "verdict": answer["verdict"],
        "error": answer["errorName"],
    }
    for key, value in want.items():
        if fields.get(key) != value:
            fail("entry %s is %r, expected %r" % (key, fields.get(key), value))
    print(receipt["index"], receipt["treeSize"])


def entries_at(size, level):
    return size // (256 ** level)


def check_tree(url, size, root_b64):
    """Every tile of the tree of size entries, against the level below and
    the root."""
    root = base64.b64decode(root_b64, validate=True)
    leaves, below, level = [], None, 0
    while entries_at(size, level) > 0:
        count = entries_at(size, level)
        row = []
        for n in range((count + 255) // 256):
            width = min(256, count - 256 * n)
            path = tile_path(level, n, width)
            cache, tile = get_ok(url, path)
            if len(tile) != 32 * width:
                fail("tile %s is %d bytes" % (path, len(tile)))
            if cache != (IMMUTABLE if width == 256 else "public, max-age=60"):
                fail("tile %s: Cache-Control %r" % (path, cache))
            row += [tile[i:i + 32] for i in range(0, len(tile), 32)]
        for k, h in enumerate(row if below is not None else []):
            if h != mth(below[256 * k:256 * k + 256]):
                fail("level %d hash %d is not the tree hash of the level below" % (level, k))
        if below is None:
            leaves = row
        below = row
        level += 1
    for n in range((size + 255) // 256):
        width = min(256, size - 256 * n)
        cache, bundle = get_ok(url, tile_path(-1, n, width))
        if cache != (IMMUTABLE if width == 256 else "public, max-age=60"):
            fail("bundle %d: Cache-Control %r" % (n, cache))
    entries = bundle_entries(url, size)
    if len(entries) != size:
        fail("the bundles hold %d entries, not %d" % (len(entries), size))
    for i, e in enumerate(entries):
        if tlog_ref.leaf_hash(e) != leaves[i]:
            fail("entry %d does not hash to its leaf in the tiles" % i)
    if mth(leaves) != root:
        fail("the tiles of size %d do not give the checkpoint's root" % size)
    return size


def check_holds(url, record):
    _, note = get_ok(url, "checkpoint")
    _, now, _ = parse_checkpoint(note.decode())
    seen = set()
    for line in open(record):
        r = json.loads(line)
        _, size, root = parse_checkpoint(r.get("checkpoint", r.get("served")))
        seen.add((size, base64.b64encode(root).decode()))
    for size, root in sorted(seen):
        if size > now:
            fail("a checkpoint of %d entries was given out; the server holds %d" % (size, now))
        check_tree(url, size, root)
    print("%d checkpoints (up to size %d) hold in a tree of %d"
          % (len(seen), max(s for s, _ in seen) if seen else 0, now))


def mth(hashes):
    """RFC 9162 MTH over a row of hashes (leaf hashes, or a tile's)."""
    if not hashes:
        return tlog_ref.sha256(b"")
    if len(hashes) == 1:
        return hashes[0]
    k = tlog_ref.split(len(hashes))
    return tlog_ref.node_hash(mth(hashes[:k]), mth(hashes[k:]))


def bundle_entries(url, size):
    entries = []
    for n in range((size + 255) // 256):
        width = min(256, size - 256 * n)
        _, bundle = get_ok(url, tile_path(-1, n, width))
        off = 0
        while off < len(bundle):
            length = int.from_bytes(bundle[off:off + 2], "big")
            entries.append(bundle[off + 2:off + 2 + length])
            off += 2 + length
    return entries


def load(url, record, reports):
    u = urllib.parse.urlsplit(url)
    done = set()
    if os.path.exists(record):
        done = {json.loads(line).get("report") for line in open(record)}
    out = open(record, "a")

    def request(method, path, body=None):
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        c.request(method, path, body, headers)
        r = c.getresponse()
        data = r.read()
        c.close()
        if r.status != 200:
            raise OSError("%s %s: HTTP %d" % (method, path, r.status))
        return data

    def post(path):
        receipt = json.loads(request("POST", "/v1/reports", open(path, "rb").read()))["log"]
        write({"report": path, "index": receipt["index"], "checkpoint": receipt["checkpoint"]})
        write({"served": request("GET", "/v1/log/checkpoint").decode()})

    lock = threading.Lock()

    def write(record):
        with lock:
            out.write(json.dumps(record) + "\n")
            out.flush()

    todo = [p for p in reports if p not in done]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda p: _try(post, p), todo))
    sys.exit(3 if any(isinstance(r, Exception) for r in results) else 0)


def _try(fn, arg):
    try:
        return fn(arg)
    except (OSError, http.client.HTTPException, ValueError, KeyError) as e:
        return e


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "receipt":
        check_receipt(*args)
    elif cmd == "receipts":
        check_receipts(args[0], args[1])
    elif cmd == "checkpoint":
        origin, size, root = parse_checkpoint(open(args[0]).read())
        print(size, base64.b64encode(root).decode())
    elif cmd == "tree":
        print("tree", check_tree(args[0], int(args[1]), args[2]), "ok")
    elif cmd == "holds":
        check_holds(args[0], args[1])
    elif cmd == "load":
        load(args[0], args[1], args[2:])
    elif cmd == "get":
        status, cache, body = fetch(args[0], args[1])
        open(args[2], "wb").write(body)
        print(status, cache)
    elif cmd == "entries":
        for e in bundle_entries(args[0], int(args[1])):
            print(json.loads(e)["envelopeSha256"])
    else:
        fail("unknown command " + cmd)


if __name__ == "__main__":
    main()
