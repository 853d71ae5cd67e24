#!/usr/bin/env python3
"""Run llama.cpp (through llama-cpp-python) on the fixture models and write reference outputs.

    python3 scripts/make_references.py            # <model>.ref.json next to every fixture model
    python3 scripts/make_references.py --long     # llama4-tiny.f32.long.ref.json (sequence past 8192)
    python3 scripts/make_references.py --vocab    # Fixtures/vocab/ggml-vocab-llama4.gguf.{inp,out}

Settings: F32 KV cache (type_k = type_v = 0), flash attention off, logits for every position,
one thread, fixed seed (sampling is not used: continuations are argmax over llama.cpp's logits).
Each model is evaluated twice in fresh contexts; the script fails unless both runs agree bit for bit.
"""
from __future__ import annotations

import argparse
import ctypes
import hashlib
import json
import os
from pathlib import Path

import numpy as np

import llama_cpp

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "Tests" / "MoETests" / "Fixtures" / "models"
VOCAB_DIR = ROOT / "Tests" / "MoETests" / "Fixtures" / "vocab"
LLAMA_CPP_COMMIT = "0c1e57098bba43ac29e6e3b677cdceebdd22334f"  # vendored in llama-cpp-python 0.3.36
LLAMA_BPE_INP = os.environ.get(
    "LLAMA_BPE_INP", "/work/oracle/llama_cpp_python-0.3.36/vendor/llama.cpp/models/ggml-vocab-llama-bpe.gguf.inp")
SEED = 1234
N_GREEDY = 16
SCHEMA = 1

# Prompts evaluated for logits (every position, full vocab) and a greedy continuation.
COMMON_PROMPTS = [
    ("english", "Once upon a time there was a mountain."),
    ("accents", "très bon café"),
    ("emoji", "I love 🍕!"),
    ("cjk", "你好，世界"),
]
CHAT_PROMPTS = {
    # no leading BOS text: the tokenizer adds BOS itself where the model asks for it (add_bos_token)
    "llama4": "<|header_start|>user<|header_end|>\n\nHi!<|eot|><|header_start|>assistant<|header_end|>\n\n",
    "qwen3moe": "<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
    "llama": "[INST] Hi! [/INST]",
}
# Strings only tokenized (with and without special-token parsing).
TOKENIZE_ONLY = [
    "Le café est très bon",
    "I love 🍕 and ☕!",
    "你好",
    "L'été à Paris: où est le café?",
    "Let's celebrate 🎉 with 😀",
    "今天天气很好",
    " Hello\n\n world 123 don't",
    "ÉCOLE Ünïcödé ΑΒΓ αβγ",
    "3.14159 1,000,000 and 12345678",
    "  \t tabs\r\nand CRLF   \n",
    "I'M SURE YOU'LL SEE IT'S FINE",
    "<think>plain text</think>",
    "<s>[INST] x [/INST]</s>",
    "<|begin_of_text|><|header_start|>system<|header_end|>\n\nA<|eot|><|eom|><|end_of_text|>",
    "<|im_start|>user\nHi!<|im_end|><|endoftext|>",
    "<|image_start|><|patch|><|tile_x_separator|><|image|><|image_end|>",
    "",
]


class G6(float):
    """A float written with 6 significant digits (used for logits of quantized models)."""


def f32_list(a: np.ndarray, exact: bool = True) -> list:
    a = np.asarray(a, dtype=np.float32)
    return [float(x) for x in a] if exact else [G6(x) for x in a]


def dumps(obj) -> str:
    """Compact JSON with float32 values written in their shortest round-trip form."""
    def enc(o):
        if isinstance(o, G6):
            if not np.isfinite(o):
                raise ValueError("non-finite value")
            return format(float(o), ".6g")
        if isinstance(o, float):
            r = str(np.float32(o))  # shortest repr that round-trips the float32
            if not np.isfinite(np.float32(o)):
                raise ValueError("non-finite value")
            return r
        if isinstance(o, bool) or o is None:
            return json.dumps(o)
        if isinstance(o, (int, str)):
            return json.dumps(o, ensure_ascii=False)
        if isinstance(o, dict):
            return "{" + ",".join(json.dumps(k) + ":" + enc(v) for k, v in o.items()) + "}"
        if isinstance(o, (list, tuple)):
            return "[" + ",".join(enc(v) for v in o) + "]"
        raise TypeError(type(o))
    return enc(obj)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load(path: Path, n_ctx: int, logits_all: bool = True) -> llama_cpp.Llama:
    return llama_cpp.Llama(
        model_path=str(path), n_ctx=n_ctx, n_batch=512, n_ubatch=512, n_threads=1, n_threads_batch=1,
        seed=SEED, logits_all=logits_all, type_k=0, type_v=0, flash_attn=False, n_gpu_layers=0,
        verbose=False)


def model_meta(llm: llama_cpp.Llama) -> dict:
    vocab = llama_cpp.llama_model_get_vocab(llm.model)
    n_vocab = llama_cpp.llama_vocab_n_tokens(vocab)
    eog = [t for t in range(n_vocab) if llama_cpp.llama_vocab_is_eog(vocab, t)]
    control = [t for t in range(n_vocab) if llama_cpp.llama_vocab_is_control(vocab, t)]
    return dict(
        n_vocab=n_vocab,
        arch=llm.metadata.get("general.architecture"),
        add_bos=bool(llama_cpp.llama_vocab_get_add_bos(vocab)),
        bos=llama_cpp.llama_vocab_bos(vocab),
        eos=llama_cpp.llama_vocab_eos(vocab),
        eot=llama_cpp.llama_vocab_eot(vocab),
        eog_ids=eog,
        control_ids=control,
    )


def run_prompts(path: Path, arch: str) -> dict:
    llm = load(path, n_ctx=128)
    meta = model_meta(llm)
    prompts = COMMON_PROMPTS + [("chat", CHAT_PROMPTS[arch])]
    out = []
    for name, text in prompts:
        toks = llm.tokenize(text.encode("utf-8"), add_bos=True, special=True)
        toks_ns = llm.tokenize(text.encode("utf-8"), add_bos=True, special=False)
        llm.reset()
        llm.eval(toks)
        logits = np.array(llm.scores[: len(toks)], dtype=np.float32, copy=True)
        greedy, greedy_max = [], []
        nxt = int(np.argmax(logits[-1]))
        for _ in range(N_GREEDY):
            greedy.append(nxt)
            llm.eval([nxt])
            row = np.array(llm.scores[llm.n_tokens - 1], dtype=np.float32, copy=True)
            greedy_max.append(float(row.max()))
            nxt = int(np.argmax(row))
        text_out = llm.detokenize(greedy, special=True)
        out.append(dict(
            name=name,
            text=text,
            tokens=toks,
            tokens_no_special=toks_ns,
            logits=logits,
            greedy=greedy,
            greedy_max_logit=greedy_max,
            greedy_text_hex=text_out.hex(),
        ))
    chat = render_chat(llm)
    tok_only = [dict(text=t,
                     tokens=llm.tokenize(t.encode("utf-8"), add_bos=True, special=True),
                     tokens_no_special=llm.tokenize(t.encode("utf-8"), add_bos=True, special=False))
                for t in TOKENIZE_ONLY]
    del llm
    return dict(meta=meta, prompts=out, tokenize=tok_only, chat=chat)


CHAT_MESSAGES = [("system", "You are a helpful assistant."), ("user", "Hi!"), ("assistant", "Hello! How can I help?"),
                 ("user", "Tell me a story.")]


def render_chat(llm: llama_cpp.Llama) -> dict:
    """llama.cpp's own chat formatting (llama_chat_apply_template: a built-in formatter picked by matching
    substrings of the GGUF's template, not a Jinja engine) for a fixed conversation, plus its tokens."""
    tmpl = llama_cpp.llama_model_chat_template(llm.model, None)
    msgs = (llama_cpp.llama_chat_message * len(CHAT_MESSAGES))(
        *[llama_cpp.llama_chat_message(r.encode(), c.encode()) for r, c in CHAT_MESSAGES])
    buf = ctypes.create_string_buffer(4096)
    n = llama_cpp.llama_chat_apply_template(tmpl, msgs, len(CHAT_MESSAGES), True, buf, len(buf))
    text = buf.raw[:n].decode("utf-8")
    return dict(messages=[dict(role=r, content=c) for r, c in CHAT_MESSAGES], add_assistant=True,
                template=tmpl.decode("utf-8"), rendered=text,
                tokens=llm.tokenize(text.encode("utf-8"), add_bos=True, special=True))


def check_same(a: dict, b: dict, where: str) -> None:
    for pa, pb in zip(a["prompts"], b["prompts"]):
        for k in ("tokens", "tokens_no_special", "greedy"):
            if pa[k] != pb[k]:
                raise SystemExit(f"{where}: non-deterministic {k} for prompt {pa['name']}")
        if not np.array_equal(pa["logits"], pb["logits"]) or pa["greedy_max_logit"] != pb["greedy_max_logit"]:
            d = float(np.max(np.abs(pa["logits"] - pb["logits"])))
            raise SystemExit(f"{where}: non-deterministic logits for prompt {pa['name']} (max diff {d})")
    if a["tokenize"] != b["tokenize"]:
        raise SystemExit(f"{where}: non-deterministic tokenization")


def settings(n_ctx: int) -> dict:
    return dict(n_ctx=n_ctx, n_batch=512, n_ubatch=512, n_threads=1, type_k="f32", type_v="f32",
                flash_attn=False, logits_all=True, seed=SEED, add_special=True,
                prompt_eval="whole prompt in one batch", greedy_eval="one token per decode call")


def header(path: Path, n_ctx: int) -> dict:
    return dict(
        schema=SCHEMA,
        model=path.name,
        model_sha256=sha256(path),
        llama_cpp=dict(commit=LLAMA_CPP_COMMIT, llama_cpp_python=llama_cpp.__version__,
                       system_info=llama_cpp.llama_print_system_info().decode().strip()),
        settings=settings(n_ctx),
    )


def is_float_model(path: Path) -> bool:
    """F32/F16/BF16 files get exact logits; quantized ones (compared by top-1/KL anyway) 6 digits."""
    return any(t in path.name for t in (".f32.", ".f16.", ".bf16."))


def make_ref(path: Path) -> Path:
    import gguf
    arch = gguf.GGUFReader(str(path)).fields["general.architecture"]
    arch = bytes(arch.parts[arch.data[0]]).decode()
    r1 = run_prompts(path, arch)
    r2 = run_prompts(path, arch)
    check_same(r1, r2, path.name)
    doc = header(path, 128)
    doc.update(r1["meta"])
    exact = is_float_model(path)
    doc["logits_precision"] = "float32 exact (shortest round-trip decimal)" if exact else "6 significant digits"
    doc["prompts"] = [dict(p, logits=[f32_list(row, exact) for row in p["logits"]]) for p in r1["prompts"]]
    doc["tokenize"] = r1["tokenize"]
    doc["chat"] = r1["chat"]
    doc["numpy_check"] = numpy_summary(path, r1["prompts"])
    for p, m in zip(doc["prompts"], doc["numpy_check"].pop("router_margins")):
        p["router_margin"] = m
    out = path.parent / (path.name[: -len(".gguf")] + ".ref.json")
    out.write_text(dumps(doc) + "\n")
    print(f"wrote {out} ({out.stat().st_size} bytes)", flush=True)
    return out


# ------------------------------------------------------------------ long context (Llama 4)

LONG_N = 8400
LONG_CTX = 8448
LCG_A, LCG_C = 6364136223846793005, 1442695040888963407


def long_tokens(bos: int, n_normal: int, seed: int, n: int) -> list[int]:
    """tokens[0] = BOS; then state = state*A + C (mod 2^64), token = (state >> 33) % n_normal."""
    s = seed
    toks = [bos]
    for _ in range(n - 1):
        s = (s * LCG_A + LCG_C) & 0xFFFFFFFFFFFFFFFF
        toks.append((s >> 33) % n_normal)
    return toks


def make_long(path: Path) -> Path:
    positions = [8190, 8191, 8192, 8193, LONG_N - 4, LONG_N - 3, LONG_N - 2, LONG_N - 1]
    runs = []
    meta = None
    for _ in range(2):
        llm = load(path, n_ctx=LONG_CTX)
        meta = model_meta(llm)
        n_normal = min(meta["control_ids"]) if meta["control_ids"] else meta["n_vocab"]
        toks = long_tokens(meta["bos"], n_normal, 42, LONG_N)
        llm.reset()
        llm.eval(toks)
        runs.append(np.array(llm.scores[positions], dtype=np.float32, copy=True))
        del llm
    if not np.array_equal(runs[0], runs[1]):
        raise SystemExit("long reference is not deterministic")
    doc = header(path, LONG_CTX)
    doc.update(meta)
    doc["tokens_recipe"] = dict(
        description="tokens[0] = bos; state = seed; for i in 1..<n: state = (state * A + C) mod 2^64; "
                    "tokens[i] = (state >> 33) % n_normal",
        seed=42, A=LCG_A, C=LCG_C, n=LONG_N, n_normal=n_normal, bos=meta["bos"])
    doc["tokens"] = toks
    doc["positions"] = positions
    doc["logits"] = [f32_list(r) for r in runs[0]]
    arch, hp, W = _read_gguf(path)
    ref = np.asarray(runs[0], dtype=np.float64)

    def diff(**kw):
        mine = numpy_forward(arch, hp, W, toks, out_positions=positions, **kw)
        return [float(format(x, ".4g")) for x in np.max(np.abs(mine - ref), axis=1)]

    doc["numpy_check"] = dict(
        description="max |logit difference| per stored position between the independent numpy forward pass and "
                    "llama.cpp: as implemented, and with each long-context feature switched off",
        max_abs_diff=diff(), without_chunking=diff(chunk=1 << 30), without_temperature_tuning=diff(temp_tuning=False))
    doc["notes"] = ("Whole sequence evaluated in ubatches of 512 with an F32 KV cache. Llama 4 chunked attention "
                    "(chunk 8192, hard-coded in llama.cpp) on RoPE layers and attention temperature tuning "
                    "(scale = log(floor((pos+1)/8192)+1)*0.1+1) on NoPE layers matter past position 8190.")
    out = path.parent / (path.name[: -len(".gguf")] + ".long.ref.json")
    out.write_text(dumps(doc) + "\n")
    print(f"wrote {out} ({out.stat().st_size} bytes)", flush=True)
    return out


# ------------------------------------------------------------------ vocab vectors (Llama 4)

def make_vocab_vectors() -> None:
    gg = VOCAB_DIR / "ggml-vocab-llama4.gguf"
    inp_text = Path(LLAMA_BPE_INP).read_text(encoding="utf-8")
    # same parsing as llama.cpp's tests/test-tokenizer-0.cpp: every case is followed by the separator
    sep = "\n__ggml_vocab_test__\n"
    cases, pos = [], 0
    while pos < len(inp_text):
        nxt = inp_text.find(sep, pos)
        if nxt < 0:
            cases.append(inp_text[pos:])
            break
        cases.append(inp_text[pos:nxt])
        pos = nxt + len(sep)
    model = llama_cpp.llama_model_load_from_file(str(gg).encode(), _vocab_only_params())
    vocab = llama_cpp.llama_model_get_vocab(model)
    # same format as convert_hf_to_gguf_update.py: " id id id\n" per case, no BOS (add_special=False)
    lines = ["".join(f" {t}" for t in _tokenize(vocab, case)) for case in cases]
    llama_cpp.llama_model_free(model)
    (VOCAB_DIR / "ggml-vocab-llama4.gguf.inp").write_text(inp_text, encoding="utf-8", newline="")
    (VOCAB_DIR / "ggml-vocab-llama4.gguf.out").write_text("".join(l + "\n" for l in lines), encoding="utf-8", newline="")
    print(f"wrote {len(cases)} cases")


def _vocab_only_params():
    p = llama_cpp.llama_model_default_params()
    p.vocab_only = True
    return p


def _tokenize(vocab, text: str, add_special: bool = False, parse_special: bool = False) -> list[int]:
    b = text.encode("utf-8")
    n = len(b) + 16
    buf = (llama_cpp.llama_token * n)()
    k = llama_cpp.llama_tokenize(vocab, b, len(b), buf, n, add_special, parse_special)
    if k < 0:
        n = -k
        buf = (llama_cpp.llama_token * n)()
        k = llama_cpp.llama_tokenize(vocab, b, len(b), buf, n, add_special, parse_special)
    return list(buf[:k])


# ------------------------------------------------------------------ independent numpy forward (--check)
#
# A from-scratch float64 forward pass of the three architectures, written from the facts in
# /work/shared/ENGINE.md. It re-reads the GGUF (dequantizing with gguf-py) and compares against the
# stored references: F32 files should agree to ~1e-5; quantized files differ because llama.cpp also
# quantizes activations, so only the spread is reported.

def _read_gguf(path: Path):
    import gguf
    from gguf import quants
    rd = gguf.GGUFReader(str(path))

    def field(key, default=None):
        f = rd.fields.get(key)
        if f is None:
            return default
        v = f.parts[f.data[0]]
        return bytes(v).decode() if f.types[0] == gguf.GGUFValueType.STRING else v.tolist()[0]

    arch = field("general.architecture")
    hp = {k: field(f"{arch}.{k}") for k in (
        "embedding_length", "block_count", "attention.head_count", "attention.head_count_kv",
        "attention.key_length", "rope.freq_base", "attention.layer_norm_rms_epsilon", "expert_count",
        "expert_used_count", "interleave_moe_layer_step")}
    W, types = {}, {}
    for t in rd.tensors:
        types[t.name] = t.tensor_type.name
        shape = tuple(int(x) for x in reversed(t.shape.tolist()))
        if t.tensor_type == gguf.GGMLQuantizationType.F32:
            a = np.asarray(t.data, dtype=np.float32).reshape(shape)
        else:
            a = quants.dequantize(np.asarray(t.data), t.tensor_type).reshape(shape)
        W[t.name] = a.astype(np.float64)
    W["__types__"] = types
    return arch, hp, W


def _act_quant(x: np.ndarray, wtype: str) -> np.ndarray:
    """What llama.cpp's CPU backend does to the activations (float32) before a product with a weight of
    type `wtype` (the weight type's vec_dot_type): F16/BF16 rounding, Q8_0 blocks of 32 (Q8_0, Q4_0
    weights), Q8_K blocks of 256 (K-quants). Returns the dequantized activations."""
    x32 = np.asarray(x, dtype=np.float32)
    if wtype == "F32":
        return x
    if wtype == "F16":
        return x32.astype(np.float16).astype(np.float64)
    if wtype == "BF16":
        u = x32.view(np.uint32).astype(np.uint64)
        b = ((u + (0x7FFF + ((u >> 16) & 1))) >> 16).astype(np.uint32) << 16
        return b.astype(np.uint32).view(np.float32).astype(np.float64)
    shp = x32.shape
    if wtype in ("Q8_0", "Q4_0"):
        blk = x32.reshape(-1, 32)
        amax = np.abs(blk).max(axis=1, keepdims=True)
        with np.errstate(divide="ignore"):
            iscale = np.where(amax > 0, np.float32(127.0) / amax, 0).astype(np.float32)
        q = np.rint(blk * iscale)
        d = (amax / np.float32(127.0)).astype(np.float16).astype(np.float32)
        return (q * d).astype(np.float64).reshape(shp)
    if wtype in ("Q4_K", "Q5_K", "Q6_K"):
        blk = x32.reshape(-1, 256)
        idx = np.abs(blk).argmax(axis=1)
        mx = blk[np.arange(len(blk)), idx][:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            iscale = np.where(mx != 0, np.float32(-127.0) / mx, 0).astype(np.float32)
            q = np.minimum(np.rint(iscale * blk), 127)
            d = np.where(mx != 0, np.float32(1.0) / iscale, 0).astype(np.float32)
        return (q * d).astype(np.float64).reshape(shp)
    raise ValueError(f"no activation rule for {wtype}")


def _rms(x, eps, w=None):
    y = x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps)
    return y * w if w is not None else y


def _rope(x, pos, base, neox, factors=None):
    # x: (T, H, d); ggml NORM mode rotates pairs (2i, 2i+1), NEOX pairs (i, i + d/2)
    d = x.shape[-1]
    inv = base ** (-np.arange(0, d, 2, dtype=np.float64) / d)
    if factors is not None:
        inv = inv / factors
    ang = pos[:, None].astype(np.float64) * inv[None, :]          # (T, d/2)
    c, s = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
    if neox:
        a, b = x[..., : d // 2], x[..., d // 2:]
        return np.concatenate([a * c - b * s, a * s + b * c], axis=-1)
    a, b = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = a * c - b * s
    out[..., 1::2] = a * s + b * c
    return out


def _silu(x):
    return x / (1.0 + np.exp(-x))


def _ffn(h, g, u, d):
    return (_silu(h @ g.T) * (h @ u.T)) @ d.T


def numpy_forward(arch, hp, W, tokens, out_positions=None, chunk=8192, temp_tuning=True, stats=None, emulate=False):
    """stats (optional dict) receives 'router_margin': per token, the smallest gap over MoE layers between the
    k-th and (k+1)-th router logit (how close routing is to flipping)."""
    tokens = np.asarray(tokens)
    T = len(tokens)
    E = hp["embedding_length"]
    H, KV = hp["attention.head_count"], hp["attention.head_count_kv"]
    hd = hp["attention.key_length"] or E // H
    eps, base = hp["attention.layer_norm_rms_epsilon"], hp["rope.freq_base"]
    n_layer = hp["block_count"]
    pos = np.arange(T)
    types = W["__types__"]

    def mm(a, name, wmat=None):
        """a @ W[name].T, with llama.cpp's activation conversion when emulating."""
        w = W[name] if wmat is None else wmat
        return (_act_quant(a, types[name]) if emulate else a) @ w.T

    def ffn(a, g, u, d, e=None):
        G = W[g] if e is None else W[g][e]
        U = W[u] if e is None else W[u][e]
        D = W[d] if e is None else W[d][e]
        return mm(_silu(mm(a, g, G)) * mm(a, u, U), d, D)

    x = W["token_embd.weight"][tokens]
    factors = W.get("rope_freqs.weight")
    for il in range(n_layer):
        p = f"blk.{il}."
        last = il == n_layer - 1
        qpos = pos if (not last or out_positions is None) else np.asarray(out_positions)
        h = _rms(x, eps, W[p + "attn_norm.weight"])
        q = mm(h[qpos], p + "attn_q.weight").reshape(len(qpos), H, hd)
        k = mm(h, p + "attn_k.weight").reshape(T, KV, hd)
        v = mm(h, p + "attn_v.weight").reshape(T, KV, hd)
        chunked = False
        if arch == "qwen3moe":
            q = _rms(q, eps, W[p + "attn_q_norm.weight"])
            k = _rms(k, eps, W[p + "attn_k_norm.weight"])
            q, k = _rope(q, qpos, base, True), _rope(k, pos, base, True)
        elif arch == "llama":
            q, k = _rope(q, qpos, base, False, factors), _rope(k, pos, base, False, factors)
        elif arch == "llama4":
            if (il + 1) % 4 != 0:
                q, k = _rope(q, qpos, base, False, factors), _rope(k, pos, base, False, factors)
                if hp["expert_count"] != 128:
                    q, k = _rms(q, eps), _rms(k, eps)
                chunked = True
            elif temp_tuning:  # NoPE layer: temperature tuning
                q = q * (np.log(np.floor((qpos + 1) / 8192.0) + 1.0) * 0.1 + 1.0)[:, None, None]
        att = np.empty((len(qpos), H, hd))
        for hh in range(H):
            kvh = hh // (H // KV)
            for b0 in range(0, len(qpos), 512):
                qp = qpos[b0:b0 + 512]
                sc = (q[b0:b0 + 512, hh] @ k[:, kvh].T) / np.sqrt(hd)
                mask = pos[None, :] > qp[:, None]
                if chunked:
                    mask |= pos[None, :] < (qp[:, None] // chunk) * chunk
                sc[mask] = -np.inf
                sc -= sc.max(axis=1, keepdims=True)
                pr = np.exp(sc)
                pr /= pr.sum(axis=1, keepdims=True)
                att[b0:b0 + 512, hh] = pr @ v[:, kvh]
        o = mm(att.reshape(len(qpos), H * hd), p + "attn_output.weight")
        x = x[qpos] + o
        h = _rms(x, eps, W[p + "ffn_norm.weight"])
        if p + "ffn_gate_inp.weight" in W:
            logits = mm(h, p + "ffn_gate_inp.weight")
            names = (p + "ffn_gate_exps.weight", p + "ffn_up_exps.weight", p + "ffn_down_exps.weight")
            out = np.zeros_like(h)
            kk = hp["expert_used_count"]
            if stats is not None:
                srt = -np.sort(-logits, axis=1)
                gap = srt[:, kk - 1] - srt[:, kk]
                prev = stats.get("router_margin")
                stats["router_margin"] = gap if prev is None or len(prev) != len(gap) else np.minimum(prev, gap)
            for t in range(len(h)):
                if arch == "llama4":
                    sel = np.argsort(-logits[t], kind="stable")[:kk]
                    for e in sel:
                        wgt = 1.0 / (1.0 + np.exp(-logits[t, e]))
                        out[t] += ffn((h[t] * wgt)[None], *names, e)[0]
                else:
                    pr = np.exp(logits[t] - logits[t].max())
                    pr /= pr.sum()
                    sel = np.argsort(-pr, kind="stable")[:kk]
                    wsel = pr[sel] / pr[sel].sum()
                    for e, wgt in zip(sel, wsel):
                        out[t] += wgt * ffn(h[t][None], *names, e)[0]
            if p + "ffn_gate_shexp.weight" in W:
                out += ffn(h, p + "ffn_gate_shexp.weight", p + "ffn_up_shexp.weight", p + "ffn_down_shexp.weight")
        else:
            out = ffn(h, p + "ffn_gate.weight", p + "ffn_up.weight", p + "ffn_down.weight")
        x = x + out
    xo = _rms(x, eps, W["output_norm.weight"])
    return mm(xo, "output.weight" if "output.weight" in W else "token_embd.weight")


def _log_softmax(x):
    m = x.max(axis=-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=-1, keepdims=True))


def numpy_summary(path: Path, prompts: list) -> dict:
    """How a float64 engine without llama.cpp's activation quantization compares with llama.cpp on this file."""
    arch, hp, W = _read_gguf(path)
    diffs, kls, agree, total, margins, greedy_prefix = [], [], 0, 0, [], []
    for pr in prompts:
        st = {}
        mine = numpy_forward(arch, hp, W, pr["tokens"], stats=st)
        theirs = np.asarray(pr["logits"], dtype=np.float64)
        diffs.append(np.max(np.abs(mine - theirs), axis=1))
        lp, lq = _log_softmax(theirs), _log_softmax(mine)
        kls.append(np.sum(np.exp(lp) * (lp - lq), axis=1))
        agree += int(np.sum(mine.argmax(1) == theirs.argmax(1)))
        total += len(mine)
        margins.append([float(format(m, ".4g")) for m in st.get("router_margin", [])])
        # greedy continuation recomputed from scratch each step
        seq, n_match = list(pr["tokens"]), 0
        for want in pr["greedy"]:
            nxt = int(numpy_forward(arch, hp, W, seq, out_positions=[len(seq) - 1])[-1].argmax())
            if nxt != want:
                break
            n_match += 1
            seq.append(nxt)
        greedy_prefix.append(n_match)
    d, k = np.concatenate(diffs), np.concatenate(kls)
    out = dict(
        description="independent float64 numpy forward pass (scripts/make_references.py numpy_forward) vs the "
                    "llama.cpp logits above: what an engine without activation quantization should expect",
        max_abs_diff=float(format(d.max(), ".4g")), median_abs_diff=float(format(np.median(d), ".4g")),
        top1_agree=agree, positions=total,
        kl_max=float(format(k.max(), ".4g")), kl_median=float(format(np.median(k), ".4g")),
        greedy_match_prefix=greedy_prefix)
    if set(W["__types__"].values()) != {"F32"}:
        ed, eagree = [], 0
        for pr in prompts:
            mine = numpy_forward(arch, hp, W, pr["tokens"], emulate=True)
            theirs = np.asarray(pr["logits"], dtype=np.float64)
            ed.append(np.max(np.abs(mine - theirs), axis=1))
            eagree += int(np.sum(mine.argmax(1) == theirs.argmax(1)))
        ed = np.concatenate(ed)
        out["emulated"] = dict(
            description="the same pass converting activations as llama.cpp's CPU backend does before each weight "
                        "product (F16/BF16 rounding, Q8_0 blocks for Q8_0/Q4_0 weights, Q8_K for K-quants). Residual "
                        "outliers are single activations within ~1e-5 of a rounding tie, which float32 vs float64 "
                        "arithmetic resolves differently; the error then persists at later positions via the KV cache",
            max_abs_diff=float(format(ed.max(), ".4g")), median_abs_diff=float(format(np.median(ed), ".4g")),
            positions_over_1e_3=int(np.sum(ed > 1e-3)), top1_agree=eagree, positions=total)
    out["router_margins"] = margins
    return out


def check_refs(paths: list[Path]) -> None:
    for path in paths:
        ref_path = path.parent / (path.name[: -len(".gguf")] + ".ref.json")
        ref = json.loads(ref_path.read_text())
        arch, hp, W = _read_gguf(path)
        worst, agree, total, kl_max = 0.0, 0, 0, 0.0
        for pr in ref["prompts"]:
            mine = numpy_forward(arch, hp, W, pr["tokens"])
            theirs = np.asarray(pr["logits"], dtype=np.float64)
            worst = max(worst, float(np.max(np.abs(mine - theirs))))
            agree += int(np.sum(mine.argmax(1) == theirs.argmax(1)))
            total += len(mine)
            lp = theirs - np.log(np.exp(theirs - theirs.max(1, keepdims=True)).sum(1, keepdims=True)) - theirs.max(1, keepdims=True)
            lq = mine - np.log(np.exp(mine - mine.max(1, keepdims=True)).sum(1, keepdims=True)) - mine.max(1, keepdims=True)
            kl_max = max(kl_max, float(np.max(np.sum(np.exp(lp) * (lp - lq), axis=1))))
        line = f"{path.name}: max |numpy - llama.cpp| = {worst:.3g}, top-1 agree {agree}/{total}, max KL {kl_max:.3g}"
        if set(W["__types__"].values()) != {"F32"}:
            ed = np.concatenate([np.max(np.abs(numpy_forward(arch, hp, W, pr["tokens"], emulate=True)
                                                - np.asarray(pr["logits"])), axis=1) for pr in ref["prompts"]])
            line += f"; emulating activation conversion: max {ed.max():.3g}, median {np.median(ed):.3g} (vs stored)"
        print(line, flush=True)


def check_long(path: Path) -> None:
    ref = json.loads((path.parent / (path.name[: -len(".gguf")] + ".long.ref.json")).read_text())
    r = ref["tokens_recipe"]
    toks = long_tokens(r["bos"], r["n_normal"], r["seed"], r["n"])
    assert toks == ref["tokens"], "recipe does not reproduce the stored tokens"
    arch, hp, W = _read_gguf(path)
    theirs = np.asarray(ref["logits"], dtype=np.float64)
    mine = numpy_forward(arch, hp, W, toks, out_positions=ref["positions"])
    print(f"{ref_path_name(path)}: max |numpy - llama.cpp| = {float(np.max(np.abs(mine - theirs))):.3g}")
    for label, kw in (("no chunking", dict(chunk=1 << 30)), ("no temperature tuning", dict(temp_tuning=False))):
        alt = numpy_forward(arch, hp, W, toks, out_positions=ref["positions"], **kw)
        d = np.max(np.abs(alt - theirs), axis=1)
        print(f"  with {label}: max diff per position {dict(zip(ref['positions'], np.round(d, 4).tolist()))}")


def ref_path_name(path: Path) -> str:
    return path.name[: -len(".gguf")] + ".long.ref.json"


# ------------------------------------------------------------------ independent tokenizer (--check)
#
# Byte-level BPE from scratch: special-token split (control tokens only when parsing specials,
# user-defined tokens always; longest first), the Hugging Face pre-tokenizer regex of the family,
# whole-word lookup first for llama-bpe (llama.cpp's ignore_merges), then rank-ordered merges.

HF_PRE_REGEX = {
    "llama-bpe": r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
    "qwen2": r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
    "llama4": r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+",
}


class PyBPE:
    def __init__(self, path: Path):
        import gguf
        rd = gguf.GGUFReader(str(path))

        def strs(key):
            f = rd.fields[key]
            return [bytes(f.parts[i]).decode("utf-8") for i in f.data]

        self.tokens = strs("tokenizer.ggml.tokens")
        f = rd.fields["tokenizer.ggml.token_type"]
        self.types = [int(f.parts[i][0]) for i in f.data]
        self.ranks = {tuple(m.split(" ", 1)): i for i, m in enumerate(strs("tokenizer.ggml.merges"))}
        pf = rd.fields["tokenizer.ggml.pre"]
        self.pre = bytes(pf.parts[pf.data[0]]).decode()
        self.ids = {t: i for i, t in enumerate(self.tokens)}
        bf = rd.fields.get("tokenizer.ggml.bos_token_id")
        self.bos = int(bf.parts[bf.data[0]][0]) if bf else None
        af = rd.fields.get("tokenizer.ggml.add_bos_token")
        self.add_bos = bool(af.parts[af.data[0]][0]) if af else False
        import sys as _s
        _s.path.insert(0, str(Path(__file__).resolve().parent))
        from make_models import bytes_to_unicode
        self.b2u = bytes_to_unicode()

    def _bpe(self, word: str) -> list[int]:
        if self.pre == "llama-bpe" and word in self.ids:  # ignore_merges
            return [self.ids[word]]
        sym = list(word)
        while len(sym) > 1:
            best = min(((self.ranks.get((a, b), 1 << 62), i) for i, (a, b) in enumerate(zip(sym, sym[1:]))))
            if best[0] == 1 << 62:
                break
            a, b = sym[best[1]], sym[best[1] + 1]
            out, i = [], 0
            while i < len(sym):
                if i + 1 < len(sym) and sym[i] == a and sym[i + 1] == b:
                    out.append(a + b)
                    i += 2
                else:
                    out.append(sym[i])
                    i += 1
            sym = out
        ids = []
        for s_ in sym:
            if s_ in self.ids:
                ids.append(self.ids[s_])
            else:
                ids.extend(self.ids[c] for c in s_)
        return ids

    def encode(self, text: str, add_special: bool, parse_special: bool) -> list[int]:
        import regex
        specials = [i for i, t in enumerate(self.types) if t == 4 or (parse_special and t == 3)]
        specials.sort(key=lambda i: -len(self.tokens[i]))
        frags: list = [text]
        for sid in specials:
            st = self.tokens[sid]
            nxt = []
            for fr in frags:
                if isinstance(fr, int):
                    nxt.append(fr)
                    continue
                parts = fr.split(st)
                for j, part in enumerate(parts):
                    if j:
                        nxt.append(sid)
                    if part:
                        nxt.append(part)
            frags = nxt
        out = [self.bos] if add_special and self.add_bos else []
        for fr in frags:
            if isinstance(fr, int):
                out.append(fr)
                continue
            for piece in regex.findall(HF_PRE_REGEX[self.pre], fr):
                out.extend(self._bpe("".join(self.b2u[b] for b in piece.encode("utf-8"))))
        return out


def check_tokenizers(paths: list[Path]) -> None:
    for path in paths:
        ref = json.loads((path.parent / (path.name[: -len(".gguf")] + ".ref.json")).read_text())
        bpe = PyBPE(path)
        bad, n = [], 0
        for case in ref["prompts"] + ref["tokenize"]:
            for key, special in (("tokens", True), ("tokens_no_special", False)):
                n += 1
                mine = bpe.encode(case["text"], True, special)
                if mine != case[key]:
                    bad.append((case["text"], key, mine, case[key]))
        print(f"{path.name}: python BPE vs llama.cpp tokens: {n - len(bad)}/{n} equal")
        for b in bad:
            print("   ", repr(b[0]), b[1], "python", b[2], "llama.cpp", b[3])
    gg = VOCAB_DIR / "ggml-vocab-llama4.gguf"
    bpe = PyBPE(gg)
    inp = (VOCAB_DIR / "ggml-vocab-llama4.gguf.inp").read_text(encoding="utf-8")
    cases = inp.split("\n__ggml_vocab_test__\n")[:-1]
    outs = (VOCAB_DIR / "ggml-vocab-llama4.gguf.out").read_text().split("\n")[:-1]
    bad = [(c, o) for c, o in zip(cases, outs) if [int(x) for x in o.split()] != bpe.encode(c, False, False)]
    print(f"{gg.name}: python BPE (HF GPT-4o regex) vs llama.cpp: {len(cases) - len(bad)}/{len(cases)} cases equal")
    for c, o in bad:
        print("   ", repr(c), "python", bpe.encode(c, False, False), "llama.cpp", o.split())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--long", action="store_true")
    ap.add_argument("--vocab", action="store_true")
    ap.add_argument("--check", action="store_true",
                    help="compare the stored references with an independent numpy forward pass")
    ap.add_argument("models", nargs="*", help="model files (default: every *.gguf in Fixtures/models)")
    args = ap.parse_args()
    if args.vocab:
        make_vocab_vectors()
        return
    if args.check:
        paths = [Path(m) for m in args.models] or sorted(FIXTURES.glob("*.gguf"))
        check_tokenizers(sorted({p for p in paths if ".f32." in p.name} or set(paths)))
        check_refs(paths)
        if not args.models:
            check_long(FIXTURES / "llama4-tiny.f32.gguf")
        return
    if args.long:
        make_long(FIXTURES / "llama4-tiny.f32.gguf")
        return
    paths = [Path(m) for m in args.models] or sorted(FIXTURES.glob("*.gguf"))
    for p in paths:
        make_ref(p)


if __name__ == "__main__":
    main()
