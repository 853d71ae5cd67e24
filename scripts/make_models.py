#!/usr/bin/env python3
"""Generate small random-weight GGUF models for the MoE engine tests (the "oracle" fixtures).

Deterministic: every model is a pure function of its name, its config and SEED below.

    python3 scripts/make_models.py                 # fixtures -> Tests/MoETests/Fixtures/models/
    python3 scripts/make_models.py --bench         # ~600M-param bench models -> .models/ (not committed)
    python3 scripts/make_models.py --vocab-llama4  # Tests/MoETests/Fixtures/vocab/ggml-vocab-llama4.gguf

Quantized variants are made with llama.cpp's `llama-quantize` (path from $LLAMA_QUANTIZE or
/work/oracle/llama-build/bin/llama-quantize).  A manifest.json next to the models records the
shape and the exact per-tensor ggml types of every file.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import regex  # the `regex` module (\p{L} classes), a dependency of the gguf/transformers world

import gguf

SEED = 20260501
ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "Tests" / "MoETests" / "Fixtures" / "models"
VOCAB_DIR = ROOT / "Tests" / "MoETests" / "Fixtures" / "vocab"
BENCH_DIR = ROOT / ".models"
QUANTIZE = os.environ.get("LLAMA_QUANTIZE", "/work/oracle/llama-build/bin/llama-quantize")
LLAMA_BPE_VOCAB = os.environ.get(
    "LLAMA_BPE_VOCAB",
    "/work/oracle/llama_cpp_python-0.3.36/vendor/llama.cpp/models/ggml-vocab-llama-bpe.gguf")

# --------------------------------------------------------------------------------------------
# Tokenizer: byte-level BPE (GPT-2 style), merges learned from the text below.
# --------------------------------------------------------------------------------------------

CORPUS = """\
The quick brown fox jumps over the lazy dog. The dog did not care, and the fox ran into the forest.
Once upon a time there was a small village at the edge of a great forest. The people of the village
were farmers and fishermen, and every morning they went out to work in the fields or on the water.
In the evening they came back to their houses, lit the fire, and told stories about the old days.
One of the stories was about a mountain that could talk. It said that the mountain would answer any
question, but only if the question was asked in the right way, at the right time, by the right person.
Many people tried to ask the mountain a question. Some asked about the weather, some asked about the
harvest, and some asked about love. The mountain never answered. Then one day a young girl walked up
the hill, sat down on a stone, and said: "I am not here to ask you anything. I only wanted to see the
view." And the mountain laughed, and the whole valley could hear it.
Computers process information by following instructions. A program is a list of instructions written
in a programming language. The computer reads the instructions one by one and performs the operations
they describe: it adds numbers, compares values, stores results in memory, and sends data over the
network. Modern processors can execute billions of instructions every second, and they do many things
at the same time. A language model is a program that predicts the next word in a sentence. It reads
the text that came before, turns every word into a list of numbers, and then computes a probability for
each possible next word. The model has learned these probabilities from a very large amount of text.
When you ask it a question, it writes the answer one token at a time.
Hello! How are you today? I'm fine, thanks. What's the weather like where you are? It's raining here,
but we don't mind. We'll go for a walk later if it stops. They've said it should be sunny tomorrow.
Please remember to bring your umbrella, your keys, and your phone. Don't forget the meeting at 10:30.
Numbers: 0 1 2 3 4 5 6 7 8 9 10 42 100 256 1024 2025 3.14159 1,000,000 and 12.5% of 80 is 10.
def main(): print("hello, world") return 0  # a tiny program; x = [1, 2, 3]; y = {"a": 1}
Le café est très bon à Paris, où l'été est chaud. Les élèves étudient le français à l'école.
Der Bär läuft über die Straße und frißt Äpfel. Schöne Grüße aus München! Ich möchte gern Kaffee.
El niño comió una manzana en la mañana. ¿Dónde está la biblioteca? ¡Qué día tan bonito!
Привет, как дела? Я люблю читать книги. Москва — столица России.
你好，世界！今天天气很好。我们一起去学习中文吧。人工智能是计算机科学的一个分支。
こんにちは、世界。今日はいい天気ですね。日本語を勉強しています。
안녕하세요. 만나서 반갑습니다.
I love pizza 🍕 and coffee ☕! Let's celebrate 🎉🎉 with friends 😀👍 and a cake 🎂.
""" + 4 * """\
system
You are a helpful assistant.
user
Hi! Can you help me?
assistant
Sure, I can help you. What do you need?
user
Tell me a story about the mountain.
assistant
Once upon a time there was a mountain that could talk.
"""

# Pre-tokenizer regexes as written in the Hugging Face tokenizer.json files (used for training only;
# llama.cpp uses its own adaptations at inference time).
PRE_REGEX = {
    "llama-bpe": r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
    "qwen2": r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
    "llama4": r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+",
}

N_MERGES = 200

TOKEN_NORMAL = int(gguf.TokenType.NORMAL)        # 1
TOKEN_CONTROL = int(gguf.TokenType.CONTROL)      # 3
TOKEN_USER_DEFINED = int(gguf.TokenType.USER_DEFINED)  # 4


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte -> printable unicode character map (dict order = GPT-2 token order)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def train_bpe(pre: str, n_merges: int) -> list[tuple[str, str]]:
    """Plain BPE training over pre-tokenized words. Ties broken by the lexicographically smallest pair."""
    b2u = bytes_to_unicode()
    words = Counter(regex.findall(PRE_REGEX[pre], CORPUS))
    seqs = {w: [b2u[b] for b in w.encode("utf-8")] for w in words}
    merges: list[tuple[str, str]] = []
    for _ in range(n_merges):
        pairs: Counter = Counter()
        for w, n in words.items():
            s = seqs[w]
            for a, b in zip(s, s[1:]):
                pairs[(a, b)] += n
        if not pairs:
            break
        best_n = max(pairs.values())
        if best_n < 2:
            break
        best = min(p for p, n in pairs.items() if n == best_n)
        merges.append(best)
        joined = best[0] + best[1]
        for w in words:
            s = seqs[w]
            i, out = 0, []
            while i < len(s):
                if i + 1 < len(s) and s[i] == best[0] and s[i + 1] == best[1]:
                    out.append(joined)
                    i += 2
                else:
                    out.append(s[i])
                    i += 1
            seqs[w] = out
    return merges


FAMILIES = {
    # specials: (text, token type); `front` = specials placed before the byte tokens.
    "llama4": dict(
        pre="llama4", front=False, add_bos=True,
        specials=[("<|begin_of_text|>", TOKEN_CONTROL), ("<|end_of_text|>", TOKEN_CONTROL),
                  ("<|header_start|>", TOKEN_CONTROL), ("<|header_end|>", TOKEN_CONTROL),
                  ("<|eot|>", TOKEN_CONTROL), ("<|eom|>", TOKEN_CONTROL),
                  ("<|image_start|>", TOKEN_CONTROL), ("<|image_end|>", TOKEN_CONTROL),
                  ("<|patch|>", TOKEN_CONTROL), ("<|image|>", TOKEN_CONTROL),
                  ("<|tile_x_separator|>", TOKEN_CONTROL), ("<|tile_y_separator|>", TOKEN_CONTROL),
                  ("<|finetune_right_pad|>", TOKEN_CONTROL)],
        bos="<|begin_of_text|>", eos="<|eot|>", eot="<|eot|>", eom="<|eom|>", pad="<|finetune_right_pad|>",
        chat_template=(
            "{{- bos_token }}"
            "{%- for message in messages %}"
            "{{- '<|header_start|>' + message['role'] + '<|header_end|>\\n\\n' + message['content'] | trim + '<|eot|>' }}"
            "{%- endfor %}"
            "{%- if add_generation_prompt %}{{- '<|header_start|>assistant<|header_end|>\\n\\n' }}{%- endif %}"),
    ),
    "qwen3": dict(
        pre="qwen2", front=False, add_bos=False,
        specials=[("<|endoftext|>", TOKEN_CONTROL), ("<|im_start|>", TOKEN_CONTROL), ("<|im_end|>", TOKEN_CONTROL),
                  # Qwen3's reasoning tags are added tokens that are *not* special (USER_DEFINED in GGUF):
                  # llama.cpp matches them even when special-token parsing is off.
                  ("<think>", TOKEN_USER_DEFINED), ("</think>", TOKEN_USER_DEFINED)],
        bos="<|endoftext|>", eos="<|im_end|>", eot=None, eom=None, pad="<|endoftext|>",
        chat_template=(
            "{%- for message in messages %}"
            "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
            "{%- endfor %}"
            "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"),
    ),
    "mixtral": dict(
        pre="llama-bpe", front=True, add_bos=True,
        specials=[("<s>", TOKEN_CONTROL), ("</s>", TOKEN_CONTROL), ("[INST]", TOKEN_CONTROL), ("[/INST]", TOKEN_CONTROL)],
        bos="<s>", eos="</s>", eot=None, eom=None, pad=None,
        chat_template=(
            "{{- bos_token }}"
            "{%- for message in messages %}"
            "{%- if message['role'] == 'user' %}{{- '[INST] ' + message['content'] + ' [/INST]' }}"
            "{%- elif message['role'] == 'assistant' %}{{- message['content'] + eos_token }}{%- endif %}"
            "{%- endfor %}"),
    ),
}


def build_vocab(family: str) -> dict:
    fam = FAMILIES[family]
    merges = train_bpe(fam["pre"], N_MERGES)
    normal = list(bytes_to_unicode().values())
    seen = set(normal)
    for a, b in merges:
        if a + b not in seen:
            seen.add(a + b)
            normal.append(a + b)
    specials = [s for s, _ in fam["specials"]]
    stypes = [t for _, t in fam["specials"]]
    if fam["front"]:
        tokens = specials + normal
        types = stypes + [TOKEN_NORMAL] * len(normal)
    else:
        tokens = normal + specials
        types = [TOKEN_NORMAL] * len(normal) + stypes
    ids = {t: i for i, t in enumerate(tokens)}
    v = dict(tokens=tokens, types=types, merges=[f"{a} {b}" for a, b in merges], pre=fam["pre"],
             add_bos=fam["add_bos"], chat_template=fam["chat_template"])
    for k in ("bos", "eos", "eot", "eom", "pad"):
        v[k] = ids[fam[k]] if fam[k] is not None else None
    return v


def write_vocab(w: gguf.GGUFWriter, v: dict) -> None:
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre(v["pre"])
    w.add_token_list(v["tokens"])
    w.add_token_types(v["types"])
    w.add_token_merges(v["merges"])
    w.add_bos_token_id(v["bos"])
    w.add_eos_token_id(v["eos"])
    if v["eot"] is not None:
        w.add_eot_token_id(v["eot"])
    if v["eom"] is not None:
        w.add_eom_token_id(v["eom"])
    if v["pad"] is not None:
        w.add_pad_token_id(v["pad"])
    w.add_add_bos_token(v["add_bos"])
    w.add_add_eos_token(False)
    w.add_chat_template(v["chat_template"])


# --------------------------------------------------------------------------------------------
# Model configs
# --------------------------------------------------------------------------------------------

def cfg(**kw):
    base = dict(head_dim=None, n_ff=0, n_ff_exp=0, moe_step=1, tied=False, ctx=4096, eps=1e-5)
    base.update(kw)
    return base


FIXTURE_CONFIGS = {
    # Llama 4: layers 0,2 dense, 1,3 MoE (step 2); layer 3 is NoPE; head_dim 32 != 64/4; GQA 4/2.
    "llama4-tiny": cfg(arch="llama4", family="llama4", n_embd=64, n_layer=4, n_head=4, n_head_kv=2, head_dim=32,
                       n_ff=128, n_ff_exp=64, n_expert=4, n_expert_used=1, moe_step=2, rope_base=500000.0,
                       rope_freqs=True, ctx=16384),
    # Scout-like Llama 4: every layer MoE (step 1, NoPE layer 3 is MoE too), GQA 4/1; committed as BF16 only.
    "llama4-scout-tiny": cfg(arch="llama4", family="llama4", n_embd=64, n_layer=4, n_head=4, n_head_kv=1, head_dim=32,
                             n_ff=128, n_ff_exp=32, n_expert=4, n_expert_used=1, moe_step=1, rope_base=500000.0,
                             rope_freqs=True, ctx=16384),
    # Qwen3-MoE: q/k norms, head_dim 32 != 64/4, GQA, 8 experts top-2, tied output (no output.weight).
    "qwen3moe-tiny": cfg(arch="qwen3moe", family="qwen3", n_embd=64, n_layer=2, n_head=4, n_head_kv=2, head_dim=32,
                         n_ff=256, n_ff_exp=32, n_expert=8, n_expert_used=2, rope_base=1000000.0, eps=1e-6,
                         tied=True),
    # Mixtral: `llama` arch with experts; 4 experts top-2, GQA 4/2, head_dim = embd/heads.
    "mixtral-tiny": cfg(arch="llama", family="mixtral", n_embd=64, n_layer=2, n_head=4, n_head_kv=2,
                        n_ff=96, n_expert=4, n_expert_used=2, rope_base=1000000.0),
    # K-quant sources (rows multiple of 256); only their Q4_K_M files are committed.
    # (llama.cpp needs >= 4 llama4 layers: with no full-attention (NoPE) layer its iSWA KV cache aborts)
    "llama4-k": cfg(arch="llama4", family="llama4", n_embd=256, n_layer=4, n_head=4, n_head_kv=1, head_dim=64,
                    n_ff=256, n_ff_exp=256, n_expert=2, n_expert_used=1, moe_step=2, rope_base=500000.0,
                    rope_freqs=True, ctx=16384),
    "qwen3moe-k": cfg(arch="qwen3moe", family="qwen3", n_embd=256, n_layer=1, n_head=4, n_head_kv=2, head_dim=64,
                      n_ff=1024, n_ff_exp=256, n_expert=4, n_expert_used=2, rope_base=1000000.0, eps=1e-6,
                      tied=True),
    "mixtral-k": cfg(arch="llama", family="mixtral", n_embd=256, n_layer=1, n_head=4, n_head_kv=2,
                     n_ff=256, n_expert=4, n_expert_used=2, rope_base=1000000.0),
}

# file stem -> (source config, llama-quantize ftype or None for the F32 original)
FIXTURE_FILES = [
    ("llama4-tiny.f32", "llama4-tiny", None),
    ("llama4-tiny.q8_0", "llama4-tiny", "Q8_0"),
    ("llama4-scout-tiny.bf16", "llama4-scout-tiny", "BF16"),
    ("qwen3moe-tiny.f32", "qwen3moe-tiny", None),
    ("qwen3moe-tiny.f16", "qwen3moe-tiny", "F16"),
    ("qwen3moe-tiny.bf16", "qwen3moe-tiny", "BF16"),
    ("qwen3moe-tiny.q8_0", "qwen3moe-tiny", "Q8_0"),
    ("qwen3moe-tiny.q4_0", "qwen3moe-tiny", "Q4_0"),
    ("mixtral-tiny.f32", "mixtral-tiny", None),
    ("mixtral-tiny.q8_0", "mixtral-tiny", "Q8_0"),
    ("llama4-k.q4_k_m", "llama4-k", "Q4_K_M"),
    ("qwen3moe-k.q4_k_m", "qwen3moe-k", "Q4_K_M"),
    ("mixtral-k.q4_k_m", "mixtral-k", "Q4_K_M"),
]

BENCH_CONFIGS = {
    # ~626M total / ~97M active (as in ENGINE.md)
    "qwen3moe-bench": cfg(arch="qwen3moe", family="qwen3", n_embd=1024, n_layer=8, n_head=16, n_head_kv=4,
                          head_dim=64, n_ff=6144, n_ff_exp=768, n_expert=32, n_expert_used=4,
                          rope_base=1000000.0, eps=1e-6),
    # ~590M total / ~100M active: 4 dense + 4 MoE layers (32 experts top-1 + shared expert)
    "llama4-bench": cfg(arch="llama4", family="llama4", n_embd=1024, n_layer=8, n_head=16, n_head_kv=4,
                        head_dim=64, n_ff=4096, n_ff_exp=1280, n_expert=32, n_expert_used=1, moe_step=2,
                        rope_base=500000.0, rope_freqs=True, ctx=16384),
}


def llama3_rope_freqs(head_dim: int, base: float, factor=8.0, low=1.0, high=4.0, orig_ctx=8192) -> np.ndarray:
    """rope_freqs as written by convert_hf_to_gguf.py for rope_type 'llama3' (llama.cpp divides theta by it)."""
    freqs = 1.0 / (base ** (np.arange(0, head_dim, 2, dtype=np.float64) / head_dim))
    low_wl, high_wl = orig_ctx / low, orig_ctx / high
    out = []
    for f in freqs:
        wl = 2 * math.pi / f
        if wl < high_wl:
            out.append(1.0)
        elif wl > low_wl:
            out.append(factor)
        else:
            smooth = (orig_ctx / wl - low) / (high - low)
            out.append(1.0 / ((1 - smooth) / factor + smooth))
    return np.array(out, dtype=np.float32)


def name_seed(name: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{SEED}:{name}".encode()).digest()[:8], "little")


def make_tensors(name: str, c: dict, n_vocab: int):
    """Yields (tensor name, float32 array in numpy (row-major, reversed-ne) shape)."""
    rng = np.random.default_rng(name_seed(name))
    E, hd = c["n_embd"], c["head_dim"] or c["n_embd"] // c["n_head"]
    nq, nkv = c["n_head"] * hd, c["n_head_kv"] * hd

    def mat(rows, cols, *lead, scale=0.8):
        # Linear layer: input length `cols` (ne[0]); std = scale / sqrt(fan_in)
        return (rng.standard_normal((*lead, rows, cols), dtype=np.float32) * (scale / math.sqrt(cols))).astype(np.float32)

    def norm(n):
        return (1.0 + 0.1 * rng.standard_normal(n, dtype=np.float32)).astype(np.float32)

    # token_embd: std 1 when untied; tied models use it as the LM head too, so 2/sqrt(E).
    emb_std = 2.0 / math.sqrt(E) if c["tied"] else 1.0
    yield "token_embd.weight", (rng.standard_normal((n_vocab, E), dtype=np.float32) * emb_std).astype(np.float32)
    yield "output_norm.weight", norm(E)
    if not c["tied"]:
        yield "output.weight", mat(n_vocab, E, scale=2.0)
    if c.get("rope_freqs"):
        yield "rope_freqs.weight", llama3_rope_freqs(hd, c["rope_base"])
    for i in range(c["n_layer"]):
        p = f"blk.{i}."
        yield p + "attn_norm.weight", norm(E)
        yield p + "attn_q.weight", mat(nq, E)
        yield p + "attn_k.weight", mat(nkv, E)
        yield p + "attn_v.weight", mat(nkv, E)
        yield p + "attn_output.weight", mat(E, nq)
        if c["arch"] == "qwen3moe":
            yield p + "attn_q_norm.weight", norm(hd)
            yield p + "attn_k_norm.weight", norm(hd)
        yield p + "ffn_norm.weight", norm(E)
        is_moe = c["arch"] != "llama4" or (i + 1) % c["moe_step"] == 0
        if is_moe:
            X = c["n_expert"]
            ff = c["n_ff_exp"] if c["arch"] != "llama" else c["n_ff"]
            yield p + "ffn_gate_inp.weight", mat(X, E, scale=1.0)
            yield p + "ffn_gate_exps.weight", mat(ff, E, X)
            yield p + "ffn_up_exps.weight", mat(ff, E, X)
            yield p + "ffn_down_exps.weight", mat(E, ff, X)
            if c["arch"] == "llama4":
                yield p + "ffn_gate_shexp.weight", mat(ff, E)
                yield p + "ffn_up_shexp.weight", mat(ff, E)
                yield p + "ffn_down_shexp.weight", mat(E, ff)
        else:
            yield p + "ffn_gate.weight", mat(c["n_ff"], E)
            yield p + "ffn_up.weight", mat(c["n_ff"], E)
            yield p + "ffn_down.weight", mat(E, c["n_ff"])


def write_model(path: Path, name: str, c: dict) -> dict:
    v = build_vocab(c["family"])
    n_vocab = len(v["tokens"])
    arch = c["arch"]
    hd = c["head_dim"] or c["n_embd"] // c["n_head"]
    w = gguf.GGUFWriter(str(path), arch)
    w.add_name(name)
    w.add_file_type(int(gguf.LlamaFileType.ALL_F32))
    w.add_context_length(c["ctx"])
    w.add_embedding_length(c["n_embd"])
    w.add_block_count(c["n_layer"])
    w.add_feed_forward_length(c["n_ff"])
    w.add_head_count(c["n_head"])
    w.add_head_count_kv(c["n_head_kv"])
    if c["head_dim"] is not None:
        w.add_key_length(hd)
        w.add_value_length(hd)
    w.add_rope_dimension_count(hd)
    w.add_rope_freq_base(c["rope_base"])
    w.add_layer_norm_rms_eps(c["eps"])
    w.add_expert_count(c["n_expert"])
    w.add_expert_used_count(c["n_expert_used"])
    if arch in ("llama4", "qwen3moe"):
        w.add_expert_feed_forward_length(c["n_ff_exp"])
    if arch == "llama4":
        w.add_interleave_moe_layer_step(c["moe_step"])
    if arch == "llama":
        w.add_vocab_size(n_vocab)
    write_vocab(w, v)
    n_params = 0
    for tname, arr in make_tensors(name, c, n_vocab):
        n_params += arr.size
        w.add_tensor(tname, arr)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return dict(n_params=int(n_params), n_vocab=n_vocab)


def active_params(c: dict, n_vocab: int) -> int:
    E, hd = c["n_embd"], c["head_dim"] or c["n_embd"] // c["n_head"]
    attn = E * hd * (2 * c["n_head"] + 2 * c["n_head_kv"])
    tot = n_vocab * E * (1 if c["tied"] else 2)
    for i in range(c["n_layer"]):
        tot += attn
        is_moe = c["arch"] != "llama4" or (i + 1) % c["moe_step"] == 0
        if is_moe:
            ff = c["n_ff_exp"] if c["arch"] != "llama" else c["n_ff"]
            tot += 3 * E * ff * (c["n_expert_used"] + (1 if c["arch"] == "llama4" else 0))
        else:
            tot += 3 * E * c["n_ff"]
    return tot


def quantize(src: Path, dst: Path, ftype: str) -> None:
    cmd = [QUANTIZE, str(src), str(dst), ftype, "1"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout + r.stderr)
        raise SystemExit(f"llama-quantize failed: {' '.join(cmd)}")


def tensor_types(path: Path) -> dict:
    rd = gguf.GGUFReader(str(path))
    return {t.name: t.tensor_type.name for t in rd.tensors}


def shape_record(c: dict, info: dict) -> dict:
    hd = c["head_dim"] or c["n_embd"] // c["n_head"]
    r = dict(arch=c["arch"], family=c["family"], n_vocab=info["n_vocab"], n_embd=c["n_embd"], n_layer=c["n_layer"],
             n_head=c["n_head"], n_head_kv=c["n_head_kv"], head_dim=hd, n_ff=c["n_ff"],
             n_expert=c["n_expert"], n_expert_used=c["n_expert_used"], rope_freq_base=c["rope_base"],
             rms_eps=c["eps"], tied_output=c["tied"], context_length=c["ctx"],
             n_params=info["n_params"], n_params_active=active_params(c, info["n_vocab"]))
    if c["arch"] in ("llama4", "qwen3moe"):
        r["n_ff_exp"] = c["n_ff_exp"]
    if c["arch"] == "llama4":
        r["interleave_moe_layer_step"] = c["moe_step"]
        r["moe_layers"] = [i for i in range(c["n_layer"]) if (i + 1) % c["moe_step"] == 0]
        r["nope_layers"] = [i for i in range(c["n_layer"]) if (i + 1) % 4 == 0]
        r["rope_freqs"] = bool(c.get("rope_freqs"))
    return r


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def make_set(out_dir: Path, configs: dict, files: list, tmp_dir: Path) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp_dir.mkdir(parents=True, exist_ok=True)
    manifest = {}
    sources = {}
    for stem, src_name, ftype in files:
        c = configs[src_name]
        if src_name not in sources:
            # F32 originals that are committed are written straight to out_dir.
            committed = any(s == src_name and f is None for _, s, f in files)
            src_path = (out_dir if committed else tmp_dir) / f"{src_name}.f32.gguf"
            print(f"writing {src_path}", flush=True)
            sources[src_name] = (src_path, write_model(src_path, src_name, c))
        src_path, info = sources[src_name]
        path = out_dir / f"{stem}.gguf"
        if ftype is not None:
            print(f"quantizing {path} ({ftype})", flush=True)
            quantize(src_path, path, ftype)
        types = tensor_types(path)
        manifest[path.name] = dict(source=src_name, ftype=ftype or "F32", size=path.stat().st_size,
                                   sha256=sha256(path), shape=shape_record(c, info),
                                   type_counts=dict(Counter(types.values())), tensor_types=types)
    return manifest


# --------------------------------------------------------------------------------------------
# Llama 4 pre-tokenizer vocab (vocab-only GGUF)
# --------------------------------------------------------------------------------------------

def make_vocab_llama4(n_keep: int = 8192) -> Path:
    """The first n_keep tokens of llama.cpp's ggml-vocab-llama-bpe.gguf (Llama 3's tiktoken vocab: a token's id
    is its merge rank, so the prefix is closed under merges), the merges among them, the Llama 4 specials,
    and tokenizer.ggml.pre = llama4."""
    rd = gguf.GGUFReader(LLAMA_BPE_VOCAB)

    f_tok = rd.fields["tokenizer.ggml.tokens"]
    tokens = [bytes(f_tok.parts[i]).decode("utf-8") for i in f_tok.data]
    f_mer = rd.fields["tokenizer.ggml.merges"]
    merges = [bytes(f_mer.parts[i]).decode("utf-8") for i in f_mer.data]
    keep = tokens[:n_keep]
    keep_set = set(keep)
    kept_merges = []
    for m in merges:
        a, b = m.split(" ", 1)
        if a in keep_set and b in keep_set and (a + b) in keep_set:
            kept_merges.append(m)
    specials = [s for s, _ in FAMILIES["llama4"]["specials"]]
    all_tokens = keep + specials
    types = [TOKEN_NORMAL] * len(keep) + [TOKEN_CONTROL] * len(specials)
    ids = {t: i for i, t in enumerate(all_tokens)}
    VOCAB_DIR.mkdir(parents=True, exist_ok=True)
    path = VOCAB_DIR / "ggml-vocab-llama4.gguf"
    w = gguf.GGUFWriter(str(path), "llama4")
    w.add_name("llama4-vocab (llama-bpe prefix + Llama 4 specials)")
    fam = FAMILIES["llama4"]
    write_vocab(w, dict(tokens=all_tokens, types=types, merges=kept_merges, pre="llama4", add_bos=True,
                        chat_template=fam["chat_template"], bos=ids[fam["bos"]], eos=ids[fam["eos"]],
                        eot=ids[fam["eot"]], eom=ids[fam["eom"]], pad=ids[fam["pad"]]))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"wrote {path}: {len(all_tokens)} tokens, {len(kept_merges)} merges")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", action="store_true", help="write the ~600M bench models to .models/ instead")
    ap.add_argument("--vocab-llama4", action="store_true", help="write Fixtures/vocab/ggml-vocab-llama4.gguf")
    ap.add_argument("--only", help="comma-separated file stems to (re)make (fixtures only)")
    args = ap.parse_args()
    if args.vocab_llama4:
        make_vocab_llama4()
        return
    if args.bench:
        files = []
        for n in BENCH_CONFIGS:
            files += [(f"{n}.f32", n, None), (f"{n}.q8_0", n, "Q8_0"), (f"{n}.q4_k_m", n, "Q4_K_M")]
        manifest = make_set(BENCH_DIR, BENCH_CONFIGS, files, BENCH_DIR)
        (BENCH_DIR / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
        return
    files = FIXTURE_FILES
    if args.only:
        keep = set(args.only.split(","))
        files = [f for f in files if f[0] in keep]
    tmp = Path(os.environ.get("ORACLE_TMP", "/tmp/chorus-oracle"))
    manifest = make_set(FIXTURES, FIXTURE_CONFIGS, files, tmp)
    mpath = FIXTURES / "manifest.json"
    old = json.loads(mpath.read_text()) if (args.only and mpath.exists()) else {}
    old.update(manifest)
    mpath.write_text(json.dumps(old, indent=1, sort_keys=True) + "\n")
    print(f"wrote {mpath}")


if __name__ == "__main__":
    main()
