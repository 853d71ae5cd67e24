#!/usr/bin/env python3
"""Writes random tokenizer test vectors with llama.cpp as the oracle.

For each vocab in this folder, 300 seeded random strings (ASCII-heavy, with Latin-1, combining
marks, Cyrillic, CJK, Hangul, Thai, Devanagari, emoji, odd spaces, control characters, case runs,
contractions, digit runs) are tokenized by llama.cpp through llama-cpp-python 0.3.36
(llama.cpp 0c1e570):
  ggml-vocab-<name>.random.inp/.out   add_special=False, parse_special=False
  ggml-vocab-<name>.special.inp/.out  add_special=True,  parse_special=True, with special tokens
  ggml-vocab-<name>.<set>.detok       per case, llama_detokenize(ids, remove_special=False,
                                      unparse_special=True) as hex
Same format as llama.cpp's .inp/.out. "llama-bpe-as-llama4" is the Llama 3 vocab with
tokenizer.ggml.pre patched to "llama4" (the GPT-4o pre-tokenizer); "gpt-2-as-default" is GPT-2's
with "default" (llama.cpp's fallback regexes).

Usage: python3 make_random_vectors.py   (needs `pip install llama-cpp-python`)
"""
import os, random, struct, tempfile
import llama_cpp

HERE = os.path.dirname(os.path.abspath(__file__))
SEP = "\n__ggml_vocab_test__\n"
SPECIALS = {
    "llama-bpe": ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>", "<|start_header_id|>", "<|end_header_id|>",
                  "<|reserved_special_token_5|>"],
    "llama-spm": ["<s>", "</s>", "<unk>"],
    "qwen2": ["<|im_start|>", "<|im_end|>", "<|endoftext|>"],
    "gpt-2": ["<|endoftext|>"],
}
SPECIALS["llama-bpe-as-llama4"] = SPECIALS["llama-bpe"]
SPECIALS["gpt-2-as-default"] = SPECIALS["gpt-2"]


def patch_pre(src, dst, new):
    data = open(src, "rb").read()
    key = b"tokenizer.ggml.pre"
    i = data.index(struct.pack("<Q", len(key)) + key)
    j = i + 8 + len(key)
    assert struct.unpack("<I", data[j:j + 4])[0] == 8  # string
    n = struct.unpack("<Q", data[j + 4:j + 12])[0]
    open(dst, "wb").write(data[:j + 4] + struct.pack("<Q", len(new)) + new.encode() + data[j + 12 + n:])


def rand_text(rng, specials):
    frags = [" ", "  ", "   ", "\n", "\n\n", "\r\n", "\t", " \n", "'s", "'LL", "'Re", "'ve", "123456", "1,234.5",
             "ÉAB", "éB", "Hello", "HELLO", "HelloWorld", "don't", "I'M", "/path/to", "...", "!!\n", "  \t ",
             "\u00a0", "\u3000", "\u2028", "x\u0301", "ǅungla", "ΣΑΣ", "straße"]
    ranges = [(0x20, 0x7E)] * 4 + [(0x00, 0x1F), (0x80, 0xFF), (0x300, 0x36F), (0x400, 0x4FF), (0x4E00, 0x9FFF),
                                   (0xAC00, 0xD7A3), (0x1F300, 0x1FAFF), (0x2000, 0x206F), (0x0E00, 0x0E7F),
                                   (0x0900, 0x097F), (0x10000, 0x1FFFF)]
    s = []
    for _ in range(rng.randrange(1, 30)):
        r = rng.random()
        if specials and r < 0.1:
            s.append(rng.choice(specials))
        elif r < 0.35:
            s.append(rng.choice(frags))
        else:
            lo, hi = rng.choice(ranges)
            c = rng.randint(lo, hi)
            s.append(chr(0x41 if 0xD800 <= c <= 0xDFFF else c))
    return "".join(s)


def detokenize(llm, ids):
    import ctypes
    arr = (llama_cpp.llama_token * max(1, len(ids)))(*ids)
    buf = ctypes.create_string_buffer(1 << 16)
    n = llama_cpp.llama_detokenize(llm._model.vocab, arr, len(ids), buf, len(buf), False, True)
    assert n >= 0
    return buf.raw[:n]


def write(gguf, name, kind, n, seed):
    llm = llama_cpp.Llama(model_path=gguf, vocab_only=True, verbose=False)
    rng = random.Random(seed)
    special = kind == "special"
    texts, outs = [], []
    while len(texts) < n:
        t = rand_text(rng, SPECIALS[name] if special else None)
        if SEP.strip() in t:
            continue
        ids = llm.tokenize(t.encode("utf-8"), add_bos=special, special=special)
        texts.append(t)
        outs.append(" ".join(map(str, ids)))
    with open(os.path.join(HERE, f"ggml-vocab-{name}.{kind}.inp"), "w", encoding="utf-8", newline="") as f:
        f.write(SEP.join(texts) + SEP)
    with open(os.path.join(HERE, f"ggml-vocab-{name}.{kind}.out"), "w") as f:
        f.write("\n".join(outs) + "\n")
    with open(os.path.join(HERE, f"ggml-vocab-{name}.{kind}.detok"), "w") as f:
        f.write("\n".join(detokenize(llm, [int(x) for x in o.split()]).hex() for o in outs) + "\n")


if __name__ == "__main__":
    tmp = tempfile.mkdtemp()
    files = {name: os.path.join(HERE, f"ggml-vocab-{name}.gguf") for name in ["llama-bpe", "llama-spm", "qwen2", "gpt-2"]}
    files["llama-bpe-as-llama4"] = os.path.join(tmp, "llama-bpe-as-llama4.gguf")
    patch_pre(files["llama-bpe"], files["llama-bpe-as-llama4"], "llama4")
    files["gpt-2-as-default"] = os.path.join(tmp, "gpt-2-as-default.gguf")
    patch_pre(files["gpt-2"], files["gpt-2-as-default"], "default")
    for name, path in files.items():
        write(path, name, "random", 300, 1234)
        write(path, name, "special", 150, 4321)
