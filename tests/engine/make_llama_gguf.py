#!/usr/bin/env python3
"""Write a tiny llama-architecture GGUF (version 3) that llama.cpp loads and runs.

The model is nonsense (pseudo-random weights drawn from --seed) but it is a real
model file: a SentencePiece-style "llama" vocabulary with byte fallback, the
llama.* hyperparameters, and tensors of three ggml types (F32, F16, Q8_0), so
an inference engine maps it, reads it and generates tokens from it. pqcha's
tests use it to attest the weights inside a running engine.

    make_llama_gguf.py -o model.gguf [--seed N] [--describe]
    make_llama_gguf.py --describe model.gguf      # table of an existing file

--describe prints one line per tensor: name, ggml type, absolute file offset
of the tensor's data, data size in bytes, and dimensions (ggml order, ne0
first). Lines starting with '#' are comments (column names and a summary).

Python 3 standard library only.
"""

import argparse
import math
import os
import random
import struct
import sys

GGUF_MAGIC = b"GGUF"
GGUF_VERSION = 3
ALIGNMENT = 32

# GGUF metadata value types.
T_UINT8, T_INT8, T_UINT16, T_INT16, T_UINT32, T_INT32, T_FLOAT32, T_BOOL, \
    T_STRING, T_ARRAY, T_UINT64, T_INT64, T_FLOAT64 = range(13)
SCALAR_FORMATS = {
    T_UINT8: "<B", T_INT8: "<b", T_UINT16: "<H", T_INT16: "<h",
    T_UINT32: "<I", T_INT32: "<i", T_FLOAT32: "<f", T_BOOL: "<?",
    T_UINT64: "<Q", T_INT64: "<q", T_FLOAT64: "<d",
}

# ggml tensor types used here: (id, elements per block, bytes per block).
GGML_TYPES = {"F32": (0, 1, 4), "F16": (1, 1, 2), "Q8_0": (8, 32, 34)}
GGML_TYPE_NAMES = {0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 6: "Q5_0", 7: "Q5_1",
                   8: "Q8_0", 9: "Q8_1", 10: "Q2_K", 11: "Q3_K", 12: "Q4_K",
                   13: "Q5_K", 14: "Q6_K", 15: "Q8_K", 24: "I8", 25: "I16",
                   26: "I32", 27: "I64", 28: "F64", 30: "BF16"}
GGML_BLOCKS = {0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22),
               7: (32, 24), 8: (32, 34), 9: (32, 36), 10: (256, 84),
               11: (256, 110), 12: (256, 144), 13: (256, 176), 14: (256, 210),
               15: (256, 292), 24: (1, 1), 25: (1, 2), 26: (1, 4), 27: (1, 8),
               28: (1, 8), 30: (1, 2)}

# SentencePiece token types as llama.cpp reads them (tokenizer.ggml.token_type).
TOK_NORMAL, TOK_UNKNOWN, TOK_CONTROL, TOK_BYTE = 1, 2, 3, 6

# Hyperparameters: small enough for a file of a few hundred KB.
N_EMBD = 64
N_LAYER = 2
N_HEAD = 4
N_HEAD_KV = 2
N_FF = 128
N_CTX_TRAIN = 512
HEAD_DIM = N_EMBD // N_HEAD

WORDS = (
    "the quick brown fox jumps over lazy dog model weights memory process "
    "signed attest attestation post quantum engine tensor layer token "
    "hello world secure enclave page file map read write a an and of to in "
    "is it that this for on with as was be are by at from"
).split()

# Which ggml type each weight gets (the F32/F16/Q8_0 mix is deliberate).
LAYER_TENSOR_TYPES = {
    "attn_norm": "F32", "attn_q": "Q8_0", "attn_k": "Q8_0", "attn_v": "F16",
    "attn_output": "F16", "ffn_norm": "F32", "ffn_gate": "Q8_0",
    "ffn_up": "Q8_0", "ffn_down": "F16",
}


def build_vocab():
    """SentencePiece-like vocabulary: specials, 256 byte tokens, then pieces.

    llama.cpp's SPM tokenizer only merges two adjacent symbols when their
    concatenation is itself a token, so every prefix of a word piece is in
    the vocabulary too; longer pieces score higher so they win the merges.
    """
    tokens = [("<unk>", 0.0, TOK_UNKNOWN), ("<s>", 0.0, TOK_CONTROL),
              ("</s>", 0.0, TOK_CONTROL)]
    tokens += [("<0x%02X>" % b, 0.0, TOK_BYTE) for b in range(256)]
    pieces = ["\u2581"] + [chr(c) for c in range(ord("a"), ord("z") + 1)]
    for word in WORDS:
        piece = "\u2581" + word
        for end in range(2, len(piece) + 1):
            pieces.append(piece[:end])
        pieces.append(word)
    seen = set()
    for piece in pieces:
        if piece in seen:
            continue
        seen.add(piece)
        score = -1000.0 + 10.0 * len(piece) - len(seen) / 1000.0
        tokens.append((piece, score, TOK_NORMAL))
    return tokens


class Writer:
    def __init__(self):
        self.parts = []

    def raw(self, data):
        self.parts.append(data)

    def pack(self, fmt, *values):
        self.parts.append(struct.pack(fmt, *values))

    def string(self, text):
        data = text.encode("utf-8")
        self.pack("<Q", len(data))
        self.raw(data)

    def value(self, vtype, value):
        if vtype == T_STRING:
            self.string(value)
        else:
            self.pack(SCALAR_FORMATS[vtype], value)

    def kv(self, key, vtype, value):
        self.string(key)
        self.pack("<I", vtype)
        self.value(vtype, value)

    def kv_array(self, key, elem_type, values):
        self.string(key)
        self.pack("<IIQ", T_ARRAY, elem_type, len(values))
        if elem_type == T_STRING:
            for v in values:
                self.string(v)
        else:
            self.raw(struct.pack("<%d%s" % (len(values), SCALAR_FORMATS[elem_type][1]), *values))

    def bytes(self):
        return b"".join(self.parts)


def f16_bytes(values):
    return struct.pack("<%de" % len(values), *values)


def q8_0_bytes(values):
    """Q8_0: per block of 32 values an f16 scale d = max|x|/127 and 32 int8 x/d."""
    out = bytearray()
    for start in range(0, len(values), 32):
        block = values[start:start + 32]
        amax = max(abs(v) for v in block)
        d = amax / 127.0
        inv = 1.0 / d if d else 0.0
        out += struct.pack("<e", d)
        out += struct.pack("<32b", *(max(-127, min(127, int(round(v * inv)))) for v in block))
    return bytes(out)


def encode(ggml_type, values):
    if ggml_type == "F32":
        return struct.pack("<%df" % len(values), *values)
    if ggml_type == "F16":
        return f16_bytes(values)
    return q8_0_bytes(values)


def make_tensors(rng, n_vocab):
    """(name, ggml type, dims in ggml order, float values) in file order."""
    def uniform(count, bound):
        return [rng.uniform(-bound, bound) for _ in range(count)]

    def norm(count):
        return [1.0 + rng.uniform(-0.1, 0.1) for _ in range(count)]

    def matrix(n_in, n_out):
        # Uniform with variance 1/n_in keeps activations of order 1.
        return uniform(n_in * n_out, math.sqrt(3.0 / n_in))

    n_embd_kv = HEAD_DIM * N_HEAD_KV
    tensors = [("token_embd.weight", "F32", (N_EMBD, n_vocab), uniform(N_EMBD * n_vocab, 1.0))]
    for layer in range(N_LAYER):
        shapes = {
            "attn_norm": (N_EMBD,), "attn_q": (N_EMBD, N_EMBD),
            "attn_k": (N_EMBD, n_embd_kv), "attn_v": (N_EMBD, n_embd_kv),
            "attn_output": (N_EMBD, N_EMBD), "ffn_norm": (N_EMBD,),
            "ffn_gate": (N_EMBD, N_FF), "ffn_up": (N_EMBD, N_FF),
            "ffn_down": (N_FF, N_EMBD),
        }
        for part, dims in shapes.items():
            values = norm(dims[0]) if len(dims) == 1 else matrix(*dims)
            tensors.append(("blk.%d.%s.weight" % (layer, part), LAYER_TENSOR_TYPES[part], dims, values))
    tensors.append(("output_norm.weight", "F32", (N_EMBD,), norm(N_EMBD)))
    # A larger output gain spreads the logits so greedy choices are clear-cut.
    tensors.append(("output.weight", "F16", (N_EMBD, n_vocab), uniform(N_EMBD * n_vocab, 4.0 * math.sqrt(3.0 / N_EMBD))))
    return tensors


def align(n):
    return (n + ALIGNMENT - 1) // ALIGNMENT * ALIGNMENT


def build_gguf(seed):
    rng = random.Random(seed)
    vocab = build_vocab()
    n_vocab = len(vocab)
    tensors = make_tensors(rng, n_vocab)

    w = Writer()
    metadata = [
        ("general.architecture", T_STRING, "llama"),
        ("general.name", T_STRING, "pqcha-tiny-llama-seed%d" % seed),
        ("general.alignment", T_UINT32, ALIGNMENT),
        ("general.file_type", T_UINT32, 7),  # "mostly Q8_0"
        ("llama.context_length", T_UINT32, N_CTX_TRAIN),
        ("llama.embedding_length", T_UINT32, N_EMBD),
        ("llama.block_count", T_UINT32, N_LAYER),
        ("llama.feed_forward_length", T_UINT32, N_FF),
        ("llama.rope.dimension_count", T_UINT32, HEAD_DIM),
        ("llama.rope.freq_base", T_FLOAT32, 10000.0),
        ("llama.attention.head_count", T_UINT32, N_HEAD),
        ("llama.attention.head_count_kv", T_UINT32, N_HEAD_KV),
        ("llama.attention.layer_norm_rms_epsilon", T_FLOAT32, 1e-5),
        ("llama.vocab_size", T_UINT32, n_vocab),
        ("tokenizer.ggml.model", T_STRING, "llama"),
        ("tokenizer.ggml.bos_token_id", T_UINT32, 1),
        ("tokenizer.ggml.eos_token_id", T_UINT32, 2),
        ("tokenizer.ggml.unknown_token_id", T_UINT32, 0),
        ("tokenizer.ggml.add_bos_token", T_BOOL, True),
        ("tokenizer.ggml.add_eos_token", T_BOOL, False),
    ]
    arrays = [
        ("tokenizer.ggml.tokens", T_STRING, [t[0] for t in vocab]),
        ("tokenizer.ggml.scores", T_FLOAT32, [t[1] for t in vocab]),
        ("tokenizer.ggml.token_type", T_INT32, [t[2] for t in vocab]),
    ]
    w.raw(GGUF_MAGIC)
    w.pack("<IQQ", GGUF_VERSION, len(tensors), len(metadata) + len(arrays))
    for key, vtype, value in metadata:
        w.kv(key, vtype, value)
    for key, elem_type, values in arrays:
        w.kv_array(key, elem_type, values)

    blobs = []
    offset = 0
    for name, ggml_type, dims, values in tensors:
        data = encode(ggml_type, values)
        blobs.append((offset, data))
        w.string(name)
        w.pack("<I", len(dims))
        w.pack("<%dQ" % len(dims), *dims)
        w.pack("<IQ", GGML_TYPES[ggml_type][0], offset)
        offset = align(offset + len(data))

    header = w.bytes()
    out = bytearray(header)
    out += b"\0" * (align(len(header)) - len(header))
    data_start = len(out)
    for rel, data in blobs:
        out += b"\0" * (data_start + rel - len(out))
        out += data
    return bytes(out)


class Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def unpack(self, fmt):
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return values if len(values) > 1 else values[0]

    def string(self):
        n = self.unpack("<Q")
        s = self.data[self.pos:self.pos + n].decode("utf-8", "replace")
        self.pos += n
        return s

    def value(self, vtype):
        if vtype == T_STRING:
            return self.string()
        if vtype == T_ARRAY:
            elem_type, count = self.unpack("<IQ")
            return [self.value(elem_type) for _ in range(count)]
        return self.unpack(SCALAR_FORMATS[vtype])


def describe(data, out):
    r = Reader(data)
    if data[:4] != GGUF_MAGIC:
        raise ValueError("not a GGUF file")
    r.pos = 4
    version, n_tensors, n_kv = r.unpack("<IQQ")
    meta = {}
    for _ in range(n_kv):
        key = r.string()
        meta[key] = r.value(r.unpack("<I"))
    alignment = meta.get("general.alignment", ALIGNMENT)
    infos = []
    for _ in range(n_tensors):
        name = r.string()
        n_dims = r.unpack("<I")
        dims = [r.unpack("<Q") for _ in range(n_dims)]
        ggml_type, rel = r.unpack("<IQ")
        infos.append((name, ggml_type, dims, rel))
    header_size = r.pos
    data_start = (header_size + alignment - 1) // alignment * alignment
    out.write("# gguf v%d: %d tensors, %d metadata keys, header %d bytes, data at %d (alignment %d), file %d bytes\n"
              % (version, n_tensors, n_kv, header_size, data_start, alignment, len(data)))
    out.write("# name\ttype\toffset\tsize\tdims\n")
    for name, ggml_type, dims, rel in infos:
        per_block, block_bytes = GGML_BLOCKS.get(ggml_type, (0, 0))
        count = math.prod(dims)
        size = count // per_block * block_bytes if per_block else 0
        out.write("%s\t%s\t%d\t%d\t%s\n" % (name, GGML_TYPE_NAMES.get(ggml_type, str(ggml_type)),
                                           data_start + rel, size, "x".join(map(str, dims))))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", help="GGUF file to write")
    parser.add_argument("--seed", type=int, default=1, help="seed of the pseudo-random weights (default 1)")
    parser.add_argument("--describe", nargs="?", const=True, metavar="FILE",
                        help="print the tensor table (of the written file, or of FILE)")
    args = parser.parse_args()
    if args.output is None and not isinstance(args.describe, str):
        parser.error("give -o FILE, or --describe FILE")
    if args.output:
        data = build_gguf(args.seed)
        tmp = args.output + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, args.output)
    if args.describe:
        path = args.describe if isinstance(args.describe, str) else args.output
        with open(path, "rb") as f:
            describe(f.read(), sys.stdout)


if __name__ == "__main__":
    main()
