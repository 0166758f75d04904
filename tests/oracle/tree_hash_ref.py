#!/usr/bin/env python3
"""Independent reference for pqcha's sha3-256-tree digest (docs/FORMAT.md 4.4).

Standard library only (hashlib), written straight from the specification and
sharing no code with the C implementation, so `make check` can use it as an
oracle:

    tree_hash_ref.py [--leaf-size N] FILE...   prints "<hex>  <file>" per file
    tree_hash_ref.py --nodes [--leaf-size N] FILE...
        prints, per file, "<file> level=<k> nodes=<c>" and then the c node
        digests (docs/FORMAT.md 4.5), one lowercase hex line each
    tree_hash_ref.py --segments TABLE.json [--from OFFSET] FILE...
        prints the sha3-256-segments digest (docs/FORMAT.md 4.6) of the file's
        bytes from OFFSET cut at the tensors of TABLE.json, then one line per
        segment: "<hex> <offset> <size> [<tensor name>]"

The construction: an input of at most one leaf is plain SHA3-256. A longer
one is cut into leaves of LEAF bytes (the last may be shorter); each leaf
hashes to SHA3-256(0x00 || leaf); the RFC 9162 Merkle tree hash joins them
with SHA3-256(0x01 || left || right), where the left subtree holds the largest
power of two of leaves strictly below the count; and the digest binds the
total length: SHA3-256(0x02 || uint64_be(total) || tree_root).
"""
import argparse
import hashlib
import json

LEAF_SIZE = 64 * 1024


def sha3(data: bytes) -> bytes:
    return hashlib.sha3_256(data).digest()


def merkle_tree_hash(leaves):
    """RFC 9162 section 2.1.1, with SHA3-256 and pqcha's prefixes."""
    if len(leaves) == 1:
        return leaves[0]
    split = 1
    while split * 2 < len(leaves):
        split *= 2
    return sha3(b"\x01" + merkle_tree_hash(leaves[:split]) + merkle_tree_hash(leaves[split:]))


MAX_NODES = 256


def leaf_hashes(path: str, leaf_size: int):
    """(leaf digests, total length), or (None, length) for at most one leaf."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) <= leaf_size:
        return None, len(data)
    return [sha3(b"\x00" + data[i:i + leaf_size]) for i in range(0, len(data), leaf_size)], len(data)


def node_digests(path: str, leaf_size: int = LEAF_SIZE):
    """FORMAT.md 4.5: the smallest level k with ceil(m / 2^k) <= 256; node i is
    the MTH of leaves [i*2^k, min((i+1)*2^k, m)). Returns (k, nodes), or
    (0, []) for an input of at most one leaf."""
    leaves, total = leaf_hashes(path, leaf_size)
    if leaves is None:
        return 0, []
    m = len(leaves)
    k = 0
    while -(-m // 2 ** k) > MAX_NODES:
        k += 1
    width = 2 ** k
    nodes = [merkle_tree_hash(leaves[i:i + width]) for i in range(0, m, width)]
    # The property the format relies on: the root over the nodes is the root
    # over the leaves, so the nodes reproduce the signed digest.
    assert merkle_tree_hash(nodes) == merkle_tree_hash(leaves)
    return k, nodes


def tree_digest_of_file(path: str, leaf_size: int = LEAF_SIZE) -> bytes:
    with open(path, "rb") as f:
        first = f.read(leaf_size + 1)
        if len(first) <= leaf_size:
            return sha3(first)
        leaves = [sha3(b"\x00" + first[:leaf_size])]
        total = leaf_size
        pending = first[leaf_size:]
        while True:
            chunk = pending + f.read(leaf_size - len(pending))
            pending = b""
            if not chunk:
                break
            leaves.append(sha3(b"\x00" + chunk))
            total += len(chunk)
            if len(chunk) < leaf_size:
                break
    return sha3(b"\x02" + total.to_bytes(8, "big") + merkle_tree_hash(leaves))


def tree_digest(data: bytes, leaf_size: int = LEAF_SIZE) -> bytes:
    """sha3-256-tree of bytes in memory (FORMAT.md 4.4)."""
    if len(data) <= leaf_size:
        return sha3(data)
    leaves = [sha3(b"\x00" + data[i:i + leaf_size]) for i in range(0, len(data), leaf_size)]
    return sha3(b"\x02" + len(data).to_bytes(8, "big") + merkle_tree_hash(leaves))


def segments(data: bytes, base: int, tensors):
    """FORMAT.md 4.6: the region [base, base + len(data)) of a file, cut at the
    tensors (name, offset, size) that lie wholly inside it; every other run of
    bytes is a gap. Returns [(name or None, offset, size, digest)]."""
    end = base + len(data)
    out, at = [], base
    for name, offset, size in sorted(tensors, key=lambda t: t[1]):
        if size == 0 or offset < at or offset + size > end:
            continue
        if offset > at:
            out.append((None, at, offset - at))
        out.append((name, offset, size))
        at = offset + size
    if end > at:
        out.append((None, at, end - at))
    return [(n, o, z, tree_digest(data[o - base:o - base + z])) for n, o, z in out]


def segments_digest(pieces, total: int) -> bytes:
    """SHA3-256(0x03 || u64be(total) || u64be(count) || (u64be(size) || digest)...)."""
    body = b"".join(z.to_bytes(8, "big") + d for _, _, z, d in pieces)
    return sha3(b"\x03" + total.to_bytes(8, "big") + len(pieces).to_bytes(8, "big") + body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaf-size", type=int, default=LEAF_SIZE)
    parser.add_argument("--nodes", action="store_true", help="print node digests (FORMAT.md 4.5)")
    parser.add_argument("--segments", metavar="TABLE.json",
                        help="print the sha3-256-segments digest (FORMAT.md 4.6) of the region "
                             "[--from, end of file) cut at the tensors of TABLE.json, a list of "
                             '{"name", "offset", "size"} (a manifest file entry\'s "tensors"), '
                             'then "<hex> <offset> <size> [<tensor>]" per segment')
    parser.add_argument("--from", dest="start", type=int, default=0, metavar="OFFSET")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    if args.segments:
        table = [(t["name"], t["offset"], t["size"]) for t in json.load(open(args.segments))]
        for path in args.files:
            with open(path, "rb") as f:
                data = f.read()[args.start:]
            pieces = segments(data, args.start, table)
            print(f"{segments_digest(pieces, len(data)).hex()}  {path}")
            for name, offset, size, digest in pieces:
                print(f"{digest.hex()} {offset} {size}" + (f" {name}" if name is not None else ""))
        return
    for path in args.files:
        if args.nodes:
            level, nodes = node_digests(path, args.leaf_size)
            print(f"{path} level={level} nodes={len(nodes)}")
            for node in nodes:
                print(node.hex())
        else:
            print(f"{tree_digest_of_file(path, args.leaf_size).hex()}  {path}")


if __name__ == "__main__":
    main()
