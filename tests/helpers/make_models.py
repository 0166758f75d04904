#!/usr/bin/env python3
"""Writes a small valid safetensors file and a small valid GGUF v3 file.

Standard library only, written from the formats' documentation and sharing
no code with pqcha, so the tests can compare pqcha's tensor tables with an
independent producer's:

    make_models.py [--safetensors PATH] [--gguf PATH] [--size BYTES] [--seed N]

Contents are deterministic (random.Random(seed)). --size is the approximate
tensor data size of each file, so tests can make files that span many
sha3-256-tree leaves. Prints, as JSON, for each file written: its path, size
and tensor table (name, dtype, shape, absolute offset, size), sorted by
offset, exactly as `pqcha manifest` should report it.
"""
import argparse
import json
import random
import struct

GGUF_ALIGNMENT = 32

# ---- safetensors ----

SAFETENSORS_DTYPE_BYTES = {"F32": 4, "F16": 2, "BF16": 2, "U8": 1, "I64": 8}


def safetensors_specs(size):
    """(name, dtype, shape) of the tensors, about size bytes in all."""
    cols = 64
    rows = max(1, size // 3 // (cols * 4))
    return [
        ("blk.0.attn_q.weight", "F32", [rows, cols]),
        ("blk.0.attn_k.weight", "F16", [rows, cols]),
        ("blk.0.ffn_norm.weight", "BF16", [cols]),
        ("token_embd.weight", "F32", [max(1, rows // 2), cols]),
        ("blk.0.attn_q.scale", "I64", []),  # a scalar: the empty shape
        ("blk.0.mask", "U8", [3, 5]),
    ]


def write_safetensors(path, size, rng):
    header = {"__metadata__": {"format": "pt", "producer": "make_models.py"}}
    tables = []
    begin = 0
    for name, dtype, shape in safetensors_specs(size):
        count = 1
        for dim in shape:
            count *= dim
        nbytes = count * SAFETENSORS_DTYPE_BYTES[dtype]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [begin, begin + nbytes]}
        tables.append((name, dtype, shape, begin, nbytes))
        begin += nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the format allows space padding
    data = rng.randbytes(begin)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        f.write(data)
    start = 8 + len(text)
    tensors = [{"name": n, "dtype": d, "shape": s, "offset": start + b, "size": z}
               for n, d, s, b, z in tables]
    return {"path": path, "format": "safetensors", "size": start + begin, "tensors": tensors}


# ---- GGUF ----

# ggml type id, name, elements per block, bytes per block
GGML_TYPES = {"F32": (0, 1, 4), "F16": (1, 1, 2), "Q8_0": (8, 32, 34)}
GGUF_UINT32, GGUF_FLOAT32, GGUF_BOOL, GGUF_STRING, GGUF_ARRAY, GGUF_UINT64 = 4, 6, 7, 8, 9, 10


def gguf_string(text):
    raw = text.encode()
    return struct.pack("<Q", len(raw)) + raw


def gguf_kv(key, vtype, payload):
    return gguf_string(key) + struct.pack("<I", vtype) + payload


def gguf_metadata(header_bytes=0):
    tokens = ["<s>", "</s>", "hello", "world", "\u00e9t\u00e9"]
    # A real vocabulary makes a header of many KiB, so engines map the data
    # from a page past the header: a padding string of that size stands in.
    padding = [gguf_kv("general.description", GGUF_STRING, gguf_string("x" * header_bytes))] if header_bytes else []
    return padding + [
        gguf_kv("general.architecture", GGUF_STRING, gguf_string("llama")),
        gguf_kv("general.name", GGUF_STRING, gguf_string("pqcha test model")),
        gguf_kv("general.alignment", GGUF_UINT32, struct.pack("<I", GGUF_ALIGNMENT)),
        gguf_kv("llama.block_count", GGUF_UINT32, struct.pack("<I", 1)),
        gguf_kv("llama.rope.freq_base", GGUF_FLOAT32, struct.pack("<f", 10000.0)),
        gguf_kv("tokenizer.ggml.add_bos_token", GGUF_BOOL, b"\x01"),
        gguf_kv("tokenizer.ggml.tokens", GGUF_ARRAY,
                struct.pack("<IQ", GGUF_STRING, len(tokens)) + b"".join(gguf_string(t) for t in tokens)),
        gguf_kv("tokenizer.ggml.token_type", GGUF_ARRAY,
                struct.pack("<IQ", GGUF_UINT32, len(tokens)) + struct.pack("<5I", 1, 1, 1, 1, 1)),
        gguf_kv("general.file_size_hint", GGUF_UINT64, struct.pack("<Q", 0)),
    ]


def gguf_specs(size):
    """(name, type, ne) with ne in ggml order (ne[0] innermost)."""
    ne0 = 256
    rows = max(1, size // 3 // (ne0 // 32 * 34))
    return [
        ("token_embd.weight", "Q8_0", [ne0, rows]),
        ("blk.0.attn_q.weight", "F16", [ne0, max(1, rows // 2)]),
        ("blk.0.attn_norm.weight", "F32", [ne0]),
        ("blk.0.ffn_up.weight", "Q8_0", [ne0, 2, 3]),
        ("output_norm.weight", "F32", [7]),  # 28 bytes: padding follows it
    ]


def tensor_bytes(ggml, ne):
    _, block, nbytes = GGML_TYPES[ggml]
    count = nbytes * (ne[0] // block)
    for dim in ne[1:]:
        count *= dim
    return count


def write_gguf(path, size, rng, header_bytes=0):
    specs = gguf_specs(size)
    kvs = gguf_metadata(header_bytes)
    infos = []
    placed = []
    offset = 0
    for name, ggml, ne in specs:
        nbytes = tensor_bytes(ggml, ne)
        infos.append(gguf_string(name) + struct.pack("<I", len(ne)) +
                     struct.pack(f"<{len(ne)}Q", *ne) + struct.pack("<IQ", GGML_TYPES[ggml][0], offset))
        placed.append((name, ggml, ne, offset, nbytes))
        offset += nbytes + (-nbytes % GGUF_ALIGNMENT)
    head = b"GGUF" + struct.pack("<IQQ", 3, len(specs), len(kvs)) + b"".join(kvs) + b"".join(infos)
    head += b"\x00" * (-len(head) % GGUF_ALIGNMENT)
    data = bytearray()
    for _, _, _, begin, nbytes in placed:
        data += b"\x00" * (begin - len(data))
        data += rng.randbytes(nbytes)
    with open(path, "wb") as f:
        f.write(head)
        f.write(data)
    tensors = [{"name": n, "dtype": g, "shape": ne, "offset": len(head) + b, "size": z}
               for n, g, ne, b, z in placed]
    return {"path": path, "format": "gguf", "size": len(head) + len(data), "tensors": tensors}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--safetensors", metavar="PATH")
    parser.add_argument("--gguf", metavar="PATH")
    parser.add_argument("--size", type=int, default=4096, help="approximate tensor bytes per file")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--gguf-header", type=int, default=0, metavar="BYTES",
                        help="pad the GGUF header by about BYTES (as a vocabulary would)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    out = {}
    if args.safetensors:
        out["safetensors"] = write_safetensors(args.safetensors, args.size, rng)
    if args.gguf:
        out["gguf"] = write_gguf(args.gguf, args.size, rng, args.gguf_header)
    print(json.dumps(out, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
