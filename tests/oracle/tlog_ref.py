#!/usr/bin/env python3
"""Independent reference for pqcha's transparency log (docs/FORMAT.md section 9).

Standard library only (hashlib), written from RFC 9162 section 2.1 and sharing
no code with the C implementation, so `make check` can use it as an oracle:

    tlog_ref.py < LINES     checks the JSON lines tests/helpers/tlog_proof_helper
                            prints (roots, inclusion and consistency proofs of
                            the test log) and exits 1 on the first disagreement

The test log's entry i is the ASCII string "pqcha-tlog-test/<i>". For every
line the reference recomputes the root from the entries (RFC 9162 2.1.1),
generates the proof itself (2.1.3.1, 2.1.4.1) and requires pqcha's to be the
same hashes, verifies pqcha's proof with the RFC's verification algorithms
(2.1.3.2, 2.1.4.2), and checks that a proof with one bit flipped fails them,
so that a verifier accepting everything cannot pass.
"""
import hashlib
import json
import sys


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def leaf_hash(entry: bytes) -> bytes:
    return sha256(b"\x00" + entry)


def node_hash(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right)


def split(n: int) -> int:
    """The largest power of two strictly smaller than n (n >= 2)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


class Tree:
    """The test log's first `size` entries, with MTH memoised per subtree."""

    def __init__(self, size: int):
        self.leaves = [leaf_hash(b"pqcha-tlog-test/%d" % i) for i in range(size)]
        self.memo = {}

    def mth(self, start: int, n: int) -> bytes:
        """MTH(D[start:start+n]), RFC 9162 2.1.1."""
        if n == 0:
            return sha256(b"")
        if n == 1:
            return self.leaves[start]
        key = (start, n)
        if key not in self.memo:
            k = split(n)
            self.memo[key] = node_hash(self.mth(start, k), self.mth(start + k, n - k))
        return self.memo[key]

    def path(self, m: int, start: int, n: int) -> list:
        """PATH(m, D[start:start+n]), RFC 9162 2.1.3.1."""
        if n == 1:
            return []
        k = split(n)
        if m < k:
            return self.path(m, start, k) + [self.mth(start + k, n - k)]
        return self.path(m - k, start + k, n - k) + [self.mth(start, k)]

    def subproof(self, m: int, start: int, n: int, whole: bool) -> list:
        """SUBPROOF(m, D[start:start+n], b), RFC 9162 2.1.4.1."""
        if m == n:
            return [] if whole else [self.mth(start, n)]
        k = split(n)
        if m <= k:
            return self.subproof(m, start, k, whole) + [self.mth(start + k, n - k)]
        return self.subproof(m - k, start + k, n - k, False) + [self.mth(start, k)]

    def consistency(self, m: int, n: int) -> list:
        return [] if m == 0 or m == n else self.subproof(m, 0, n, True)


def verify_inclusion(index: int, size: int, leaf: bytes, proof: list, root: bytes) -> bool:
    """RFC 9162 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, first_hash: bytes, second_hash: bytes,
                       proof: list) -> bool:
    """RFC 9162 2.1.4.2, with the cases it leaves out: an empty first tree is
    consistent with any (empty proof); equal sizes need equal roots."""
    if first > second:
        return False
    if first == 0:
        return proof == [] and first_hash == sha256(b"")
    if first == second:
        return proof == [] and first_hash == second_hash
    if not proof:
        return False
    if first & (first - 1) == 0:
        proof = [first_hash] + proof
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_hash and sr == second_hash and sn == 0


def flipped(proof: list, counter: int) -> list:
    """The proof with one bit flipped, a different one each call."""
    i = counter % len(proof)
    h = bytearray(proof[i])
    h[counter % 32] ^= 1 << (counter % 8)
    return proof[:i] + [bytes(h)] + proof[i + 1:]


class Checker:
    def __init__(self, tree: Tree):
        self.tree = tree
        self.counts = {"root": 0, "inclusion": 0, "consistency": 0}

    def root(self, line: dict) -> str:
        size, got = line["size"], bytes.fromhex(line["hash"])
        return "" if got == self.tree.mth(0, size) else "root of %d differs" % size

    def inclusion(self, line: dict) -> str:
        index, size = line["index"], line["size"]
        proof = [bytes.fromhex(h) for h in line["proof"]]
        leaf, root = self.tree.leaves[index], self.tree.mth(0, size)
        if proof != self.tree.path(index, 0, size):
            return "inclusion proof of %d in %d is not RFC 9162's" % (index, size)
        if not verify_inclusion(index, size, leaf, proof, root):
            return "inclusion proof of %d in %d does not verify" % (index, size)
        if proof and verify_inclusion(index, size, leaf, flipped(proof, index + size), root):
            return "a flipped inclusion proof of %d in %d verifies" % (index, size)
        return ""

    def consistency(self, line: dict) -> str:
        old, new = line["old"], line["new"]
        proof = [bytes.fromhex(h) for h in line["proof"]]
        old_root, new_root = self.tree.mth(0, old), self.tree.mth(0, new)
        if proof != self.tree.consistency(old, new):
            return "consistency proof %d -> %d is not RFC 9162's" % (old, new)
        if not verify_consistency(old, new, old_root, new_root, proof):
            return "consistency proof %d -> %d does not verify" % (old, new)
        if proof and verify_consistency(old, new, old_root, new_root, flipped(proof, old + new)):
            return "a flipped consistency proof %d -> %d verifies" % (old, new)
        return ""

    def check(self, line: dict) -> str:
        (kind, body), = line.items()
        self.counts[kind] += 1
        return getattr(self, kind)(body)


def largest_size(lines: list) -> int:
    size = 0
    for line in lines:
        (_, body), = line.items()
        size = max(size, body.get("size", 0), body.get("new", 0))
    return size


def main() -> int:
    lines = [json.loads(text) for text in sys.stdin if text.strip()]
    checker = Checker(Tree(largest_size(lines)))
    for line in lines:
        problem = checker.check(line)
        if problem:
            print("FAIL: " + problem)
            return 1
    c = checker.counts
    print("ok: %d roots, %d inclusion and %d consistency proofs agree with RFC 9162"
          % (c["root"], c["inclusion"], c["consistency"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
