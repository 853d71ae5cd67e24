#!/usr/bin/env python3
"""Train Chorus's bundled default model: a tiny Llama 4 (text) on chatterbot-corpus + hand-written
small talk, on CPU, resumable; export it as a llama4 GGUF.

    nice -n 10 python3 scripts/train_bundled_model.py train --steps 3000        # fresh run
    nice -n 10 python3 scripts/train_bundled_model.py train --steps 3000 --resume
    python3 scripts/train_bundled_model.py export      # -> Models/chorus-tiny-llama4.gguf
    python3 scripts/train_bundled_model.py report      # -> Models/training/{loss.png,stats.json,README.md}
    python3 scripts/train_bundled_model.py sample "Hello!"   # greedy reply from the torch model

Deterministic: weights, tokenizer and data order are functions of --seed; a resumed run continues
the same data order (the order of epoch e is a permutation seeded by seed+e). Checkpoints go to
.models/train/ (gitignored) every --ckpt-minutes. One thread (torch.set_num_threads(1)).
Requirements: torch (CPU), tokenizers, pyyaml, gguf, numpy, matplotlib, chatterbot-corpus 1.3.3.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts" / "bundled"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import bpe as bpe_mod  # noqa: E402
import data as data_mod  # noqa: E402
from model import Config, TinyLlama4  # noqa: E402

TRAIN_DIR = Path(os.environ.get("CHORUS_TRAIN_DIR", ROOT / ".models" / "train"))
MODELS = Path(os.environ.get("CHORUS_MODELS_DIR", ROOT / "Models"))
GGUF_PATH = MODELS / "chorus-tiny-llama4.gguf"
MMPROJ_PATH = MODELS / "chorus-tiny-llama4.mmproj.gguf"
N_MERGES = 2500
MAX_LEN = 160
W_USER = 0.25      # loss weight of user-turn text (assistant text and its <|eot|>: 1)
AUX_COEF = 0.03    # switch-style load-balancing loss per MoE layer


# ------------------------------------------------------------------------------------------ data

def encode_sample(tok: bpe_mod.BPE, s: dict) -> tuple[list[int], list[float]]:
    """Llama 4 chat format, exactly as ChatTemplate renders it (BOS, then per turn
    <|header_start|>role<|header_end|>\\n\\n{content}<|eot|>). Weights belong to the token itself."""
    HS, HE, EOT, BOS = (tok.sid(x) for x in ("<|header_start|>", "<|header_end|>", "<|eot|>", "<|begin_of_text|>"))
    ids, w = [BOS], [0.0]
    turns = []
    if s.get("system"):
        turns.append(("system", s["system"]))
    for k, t in enumerate(s["turns"]):
        turns.append(("user" if k % 2 == 0 else "assistant", t))
    for role, text in turns:
        head = [HS] + tok.encode(role) + [HE]
        body = tok.encode("\n\n" + text.strip())
        wt = {"system": 0.0, "user": W_USER, "assistant": 1.0}[role]
        ids += head
        w += [0.0] * len(head)
        # "\n\n" is its own pre-token: the prompt ends with it, so it gets no weight.
        ids += body + [EOT]
        w += [0.0] + [wt] * (len(body) - 1) + [wt]
    return ids[:MAX_LEN], w[:MAX_LEN]


def load_data(seed: int, tok=None, augment=False):
    train, held = data_mod.build(seed, augment=augment)
    if tok is None:
        tok = bpe_mod.BPE.train(data_mod.all_text(train), N_MERGES)
    tr = [encode_sample(tok, s) for s in train]
    he = [encode_sample(tok, s) for s in held]
    return tok, train, held, tr, he


def epoch_batches(n: int, lengths: list[int], batch_tokens: int, seed: int, epoch: int) -> list[list[int]]:
    """Shuffle, bucket by length within windows, cut into batches of ~batch_tokens, shuffle batches."""
    rng = random.Random(seed * 1000 + epoch)
    order = list(range(n))
    rng.shuffle(order)
    batches = []
    W = 512
    for s in range(0, n, W):
        win = sorted(order[s:s + W], key=lambda i: lengths[i])
        cur, mx = [], 0
        for i in win:
            m = max(mx, lengths[i])
            if cur and m * (len(cur) + 1) > batch_tokens:
                batches.append(cur)
                cur, m = [], lengths[i]
            cur.append(i)
            mx = m
        if cur:
            batches.append(cur)
    rng.shuffle(batches)
    return batches


def collate(samples, idx):
    T = max(len(samples[i][0]) for i in idx)
    x = torch.zeros(len(idx), T, dtype=torch.long)
    w = torch.zeros(len(idx), T)
    for r, i in enumerate(idx):
        ids, wt = samples[i]
        x[r, :len(ids)] = torch.tensor(ids)
        w[r, :len(wt)] = torch.tensor(wt)
    return x, w


def loss_fn(model, x, w, stats=None):
    st = [] if stats is None else stats
    logits = model(x, st)
    tgt, wt = x[:, 1:], w[:, 1:]
    nll = F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), tgt.reshape(-1), reduction="none")
    loss = (nll * wt.reshape(-1)).sum() / wt.sum().clamp(min=1)
    # Load balancing (Switch Transformer): X * sum_i f_i * P_i over the batch's positions (padding included).
    aux = torch.zeros(())
    for _, lg, top in st:
        X = lg.shape[-1]
        p = torch.softmax(lg, -1).mean(0)
        f = torch.bincount(top, minlength=X).float() / top.numel()
        aux = aux + X * (f * p).sum()
    return loss, aux, nll, wt


# ------------------------------------------------------------------------------------------ train

def lr_at(step, total, peak, warm=150, floor=0.1):
    if step < warm:
        return peak * (step + 1) / warm
    t = min(1.0, (step - warm) / max(1, total - warm))
    return peak * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * t)))


def save_ckpt(path, model, opt, step, args, tok, log):
    tmp = path.with_suffix(".tmp")
    torch.save(dict(model=model.state_dict(), opt=opt.state_dict(), step=step, config=model.c.to_dict(),
                    args=vars(args), tokens=tok.tokens, merges=[" ".join(m) for m in tok.merges]), tmp)
    os.replace(tmp, path)
    with open(TRAIN_DIR / "log.jsonl", "w") as f:
        for r in log:
            f.write(json.dumps(r) + "\n")


def load_ckpt(path=None, text_only=False):
    """The newest model: the vision stage's checkpoint (it fine-tunes the text model too) if present."""
    if path is None:
        path = TRAIN_DIR / "ckpt.pt" if text_only or not (TRAIN_DIR / "vision.pt").exists() else TRAIN_DIR / "vision.pt"
    ck = torch.load(path, map_location="cpu", weights_only=False)
    tok = bpe_mod.BPE(ck["tokens"], [tuple(m.split(" ", 1)) for m in ck["merges"]])
    model = TinyLlama4(Config(**ck["config"]))
    model.load_state_dict(ck["model"])
    model.eval()
    model.patch_id = tok.sid("<|patch|>")
    return model, tok, ck


@torch.no_grad()
def evaluate(model, he, bs=16):
    tot, n = 0.0, 0.0
    for s in range(0, len(he), bs):
        x, w = collate(he, list(range(s, min(len(he), s + bs))))
        _, _, nll, wt = loss_fn(model, x, w)
        wt = (wt.reshape(-1) > 0).float()  # held-out perplexity: every user and assistant token, unweighted
        tot += float((nll * wt).sum())
        n += float(wt.sum())
    return tot / max(n, 1)


def cmd_train(args):
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    TRAIN_DIR.mkdir(parents=True, exist_ok=True)
    ck_path = TRAIN_DIR / "ckpt.pt"
    if args.resume and ck_path.exists():
        ck = torch.load(ck_path, map_location="cpu", weights_only=False)
        tok = bpe_mod.BPE(ck["tokens"], [tuple(m.split(" ", 1)) for m in ck["merges"]])
        cfg = Config(**ck["config"])
        steps = args.steps
        start = ck["step"]
        log = [json.loads(l) for l in (TRAIN_DIR / "log.jsonl").read_text().splitlines() if l.strip()]
        log = [r for r in log if r["step"] < start]
    else:
        ck, tok, cfg, start, log, steps = None, None, None, 0, [], args.steps
    tok, train, held, tr, he = load_data(args.seed, tok)
    if cfg is None:
        cfg = Config(n_vocab=len(tok.tokens), n_embd=args.embd, n_ff=args.ff, n_ff_exp=args.ff_exp)
    model = TinyLlama4(cfg)
    model.init_weights(args.seed)
    decay = [p for n, p in model.named_parameters() if p.dim() > 1]
    nodecay = [p for n, p in model.named_parameters() if p.dim() <= 1]
    opt = torch.optim.AdamW([dict(params=decay, weight_decay=0.05), dict(params=nodecay, weight_decay=0.0)],
                            lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    if ck is not None:
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        print(f"resumed at step {start}", flush=True)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"vocab {cfg.n_vocab}, params {n_params/1e6:.2f}M, train samples {len(tr)}, held-out {len(he)}", flush=True)
    lengths = [len(s[0]) for s in tr]
    # Map the global step to (epoch, batch index) deterministically.
    epochs_cache = {}

    def batch_for(step):
        e, k = 0, step
        while True:
            if e not in epochs_cache:
                epochs_cache[e] = epoch_batches(len(tr), lengths, args.batch_tokens, args.seed, e)
            if k < len(epochs_cache[e]):
                return e, epochs_cache[e][k]
            k -= len(epochs_cache[e])
            e += 1

    t0 = time.time()
    last_ck = time.time()
    model.train()
    step = start
    while step < steps:
        if args.minutes and time.time() - t0 > args.minutes * 60:
            print("time budget reached", flush=True)
            break
        ep, idx = batch_for(step)
        x, w = collate(tr, idx)
        lr = lr_at(step, steps, args.lr)
        for g in opt.param_groups:
            g["lr"] = lr
        loss, aux, _, _ = loss_fn(model, x, w)
        opt.zero_grad(set_to_none=True)
        (loss + AUX_COEF * aux).backward()
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        rec = dict(step=step, epoch=ep, loss=round(float(loss), 5), aux=round(float(aux), 5), lr=lr,
                   gnorm=round(float(gn), 4), tokens=int(x.numel()), t=round(time.time() - t0, 1))
        if step % args.eval_every == 0 or step == steps - 1:
            model.eval()
            rec["heldout_nll"] = round(evaluate(model, he), 5)
            model.train()
        log.append(rec)
        if step % 25 == 0 or "heldout_nll" in rec:
            print(json.dumps(rec), flush=True)
        step += 1
        if time.time() - last_ck > args.ckpt_minutes * 60:
            save_ckpt(ck_path, model, opt, step, args, tok, log)
            last_ck = time.time()
    save_ckpt(ck_path, model, opt, step, args, tok, log)
    print(f"saved {ck_path} at step {step}", flush=True)


# ------------------------------------------------------------------------------------------ export

def cmd_export(args):
    import gguf
    model, tok, ck = load_ckpt()
    c = model.c
    out = Path(args.out) if args.out else GGUF_PATH
    out.parent.mkdir(parents=True, exist_ok=True)
    w = gguf.GGUFWriter(str(out), "llama4")
    w.add_name("chorus-tiny-llama4")
    w.add_description("Chorus's bundled tiny Llama 4: trained on chatterbot-corpus (BSD-3-Clause) and hand-written "
                      "small talk by scripts/train_bundled_model.py")
    ftype = gguf.LlamaFileType.MOSTLY_F16 if args.f16 else gguf.LlamaFileType.ALL_F32
    w.add_file_type(int(ftype))
    w.add_context_length(c.ctx)
    w.add_embedding_length(c.n_embd)
    w.add_block_count(c.n_layer)
    w.add_feed_forward_length(c.n_ff)
    w.add_head_count(c.n_head)
    w.add_head_count_kv(c.n_head_kv)
    w.add_key_length(c.head_dim)
    w.add_value_length(c.head_dim)
    w.add_rope_dimension_count(c.head_dim)
    w.add_rope_freq_base(c.rope_base)
    w.add_layer_norm_rms_eps(c.eps)
    w.add_expert_count(c.n_expert)
    w.add_expert_used_count(c.n_expert_used)
    w.add_expert_feed_forward_length(c.n_ff_exp)
    w.add_interleave_moe_layer_step(c.moe_step)
    w.add_vocab_size(c.n_vocab)
    # Tokenizer: byte-level BPE with llama.cpp's `llama4` pre-tokenizer.
    toks = tok.tokens
    types = [int(gguf.TokenType.CONTROL) if t in bpe_mod.SPECIALS else int(gguf.TokenType.NORMAL) for t in toks]
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("llama4")
    w.add_token_list(toks)
    w.add_token_types(types)
    w.add_token_merges([" ".join(m) for m in tok.merges])
    w.add_bos_token_id(tok.sid("<|begin_of_text|>"))
    w.add_eos_token_id(tok.sid("<|eot|>"))
    w.add_eot_token_id(tok.sid("<|eot|>"))
    w.add_eom_token_id(tok.sid("<|eom|>"))
    w.add_pad_token_id(tok.sid("<|finetune_right_pad|>"))
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    w.add_chat_template(bpe_mod.CHAT_TEMPLATE)
    for name, p in model.gguf_tensors():
        a = p.detach().float().numpy().copy()
        if args.f16 and a.ndim >= 2 and "ffn_gate_inp" not in name:
            a = a.astype(np.float16)
        w.add_tensor(name, a)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"wrote {out} ({out.stat().st_size/1e6:.2f} MB)")


# ------------------------------------------------------------------------------------------ sample / logits

def chat_ids(tok, text, system=None):
    s = dict(turns=[text], system=system)
    ids, _ = encode_sample(tok, s)
    ids = ids[:-1]  # drop nothing: encode_sample ends with the user's <|eot|>; keep it
    ids = encode_sample(tok, s)[0]
    ids += [tok.sid("<|header_start|>")] + tok.encode("assistant") + [tok.sid("<|header_end|>")] + tok.encode("\n\n")
    return ids


@torch.no_grad()
def greedy(model, tok, ids, n=48):
    ids = list(ids)
    eot = tok.sid("<|eot|>")
    out = []
    for _ in range(n):
        nxt = int(model(torch.tensor([ids]))[0, -1].argmax())
        if nxt == eot:
            break
        out.append(nxt)
        ids.append(nxt)
    return tok.decode(out)


def cmd_sample(args):
    torch.set_num_threads(1)
    model, tok, _ = load_ckpt()
    for text in args.text:
        print(repr(text), "->", repr(greedy(model, tok, chat_ids(tok, text))))


def cmd_logits(args):
    """Prints the prompt's token ids and the last position's logits (to compare with the engine)."""
    model, tok, _ = load_ckpt()
    ids = chat_ids(tok, args.text)
    with torch.no_grad():
        lg = model(torch.tensor([ids]))[0]
    print(json.dumps(dict(ids=ids, logits=[round(float(v), 6) for v in lg[-1]])))


# ------------------------------------------------------------------------------------------ report

def train_seconds(log) -> float:
    """Wall time over all runs of a resumed training: each run's clock `t` restarts at 0."""
    total, prev = 0.0, 0.0
    for r in log:
        if r["t"] < prev:
            total += prev
        prev = r["t"]
    return total + prev


@torch.no_grad()
def cmd_report(args):
    torch.set_num_threads(1)
    model, tok, ck = load_ckpt()
    _, train, held, tr, he = load_data(ck["args"]["seed"], tok)
    outdir = MODELS / "training"
    outdir.mkdir(parents=True, exist_ok=True)
    log = [json.loads(l) for l in (TRAIN_DIR / "log.jsonl").read_text().splitlines() if l.strip()]
    # Held-out perplexity, per language, and routing per MoE layer, expert and language.
    per_lang = {}
    routing = {}
    for lang in data_mod.LANGS:
        ids = [i for i, s in enumerate(held) if s["lang"] == lang]
        sub = [he[i] for i in ids]
        per_lang[lang] = dict(samples=len(sub), heldout_ppl=round(math.exp(evaluate(model, sub)), 3))
        # routing over the language's training samples' user and assistant tokens
        lang_tr = [tr[i] for i, s in enumerate(train) if s["lang"] == lang][:400]
        counts = {}
        for s in range(0, len(lang_tr), 16):
            x, w = collate(lang_tr, list(range(s, min(len(lang_tr), s + 16))))
            st = []
            model(x, st)
            mask = (w.reshape(-1) > 0)
            for layer, lg, top in st:
                c = counts.setdefault(layer, torch.zeros(model.c.n_expert))
                c += torch.bincount(top[mask], minlength=model.c.n_expert).float()
        routing[lang] = {f"layer{l}": [round(float(v / c.sum()), 4) for v in c] for l, c in counts.items()}
    nll = evaluate(model, he)
    text_step = ck.get("step") or torch.load(TRAIN_DIR / "ckpt.pt", map_location="cpu", weights_only=False)["step"]
    stats = dict(step=text_step, config=model.c.to_dict(), n_params=sum(p.numel() for p in model.parameters()),
                 heldout_nll=round(nll, 4), heldout_ppl=round(math.exp(nll), 3), heldout_per_language=per_lang,
                 routing_fraction_per_language=routing, train_seconds=round(train_seconds(log), 1),
                 final_train_loss_avg50=round(float(np.mean([r["loss"] for r in log[-50:]])), 4))
    vlog = ck.get("vlog") or []
    if vlog:
        tower = VisionTowerFor(model)
        tower.load_state_dict(ck["tower"])
        tower.eval()
        acc, rows = colour_accuracy(model, tower, tok, seed=2026, per_colour=3)
        stats["vision"] = dict(steps=ck["vstep"], images=ck["vargs"]["images"], seconds=round(train_seconds(vlog), 1),
                               final_image_loss=round(float(np.mean([r["image_loss"] for r in vlog[-50:]])), 4),
                               final_text_loss=round(float(np.mean([r["text_loss"] for r in vlog[-50:]])), 4),
                               colour_accuracy=round(acc, 3), heldout_nll=stats["heldout_nll"], colour_answers=rows,
                               init_tower=ck["vargs"].get("init_tower"), init_note=os.environ.get("CHORUS_INIT_NOTE"))
    (outdir / "stats.json").write_text(json.dumps(stats, indent=1, ensure_ascii=False) + "\n")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    steps = [r["step"] for r in log]
    loss = [r["loss"] for r in log]
    k = 25
    smooth = [float(np.mean(loss[max(0, i - k):i + 1])) for i in range(len(loss))]
    ev = [(r["step"], r["heldout_nll"]) for r in log if "heldout_nll" in r]
    fig, axes = plt.subplots(1, 2 if vlog else 1, figsize=(13 if vlog else 8, 4.5), squeeze=False)
    ax = axes[0][0]
    if vlog:
        bx = axes[0][1]
        vs = [r["step"] for r in vlog]
        for key, lab in (("image_loss", "image answers"), ("text_loss", "text replay")):
            vals = [r[key] for r in vlog]
            bx.plot(vs, [float(np.mean(vals[max(0, i - k):i + 1])) for i in range(len(vals))], label=f"{lab}, {k}-step mean")
        acc = [(r["step"], r["colour_acc"]) for r in vlog if "colour_acc" in r]
        bx.set_xlabel("vision step")
        bx.set_ylabel("nats / token")
        bx.set_title("vision stage")
        bx.grid(alpha=0.3)
        if acc:
            cx = bx.twinx()
            cx.plot([a[0] for a in acc], [a[1] for a in acc], "o-", color="tab:green", label="colour accuracy")
            cx.set_ylim(0, 1.05)
            cx.set_ylabel("colour accuracy")
            cx.legend(loc="center right")
        bx.legend(loc="upper right")
    ax.plot(steps, loss, alpha=0.25, label="train loss (weighted NLL)")
    ax.plot(steps, smooth, label=f"train loss, {k}-step mean")
    if ev:
        ax.plot([e[0] for e in ev], [e[1] for e in ev], "o-", label="held-out NLL (user+assistant tokens)")
    ax.set_xlabel("step")
    ax.set_ylabel("nats / token")
    ax.set_title("chorus-tiny-llama4: text training")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(outdir / "loss.png", dpi=90)
    with open(outdir / "log.jsonl", "w") as f:
        for r in log:
            f.write(json.dumps(r) + "\n")
    if vlog:
        with open(outdir / "vision_log.jsonl", "w") as f:
            for r in vlog:
                f.write(json.dumps(r) + "\n")
    write_training_readme(outdir, stats, log)
    print(json.dumps(stats, indent=1))


def write_training_readme(outdir: Path, stats: dict, log: list):
    """Models/training/README.md: the figures of stats.json as tables (and the vision stage's, if any)."""
    c = stats["config"]
    L = ["# chorus-tiny-llama4: training record", "",
         "Written by `python3 scripts/train_bundled_model.py report` from the checkpoint in `.models/train/`.", "",
         f"- Text model: {stats['n_params']/1e6:.2f}M parameters; embd {c['n_embd']}, {c['n_layer']} layers "
         f"(MoE every {c['moe_step']}nd: {c['n_expert']} experts × {c['n_ff_exp']} + shared expert, top-{c['n_expert_used']}; "
         f"dense FFN {c['n_ff']}), {c['n_head']}/{c['n_head_kv']} heads × {c['head_dim']}, vocab {c['n_vocab']}.",
         f"- Text training: {stats['step']} steps, {stats['train_seconds']/60:.1f} min wall time on one CPU thread "
         f"(nice 10, shared machine); final train loss (mean of the last 50 steps, weighted NLL) {stats['final_train_loss_avg50']}.",
         f"- Held-out (5% of the chatterbot-corpus conversations, by hash; never trained on): NLL {stats['heldout_nll']} "
         f"nats/token, perplexity {stats['heldout_ppl']} over user and assistant tokens. The corpus answers are "
         "idiosyncratic, and the model memorizes its small training set, so held-out perplexity is high and rises "
         "after the first epochs while greetings and small talk get better; see `loss.png`.", "",
         "| language | held-out conversations | held-out perplexity |", "| --- | --- | --- |"]
    for lang, r in stats["heldout_per_language"].items():
        L.append(f"| {lang} | {r['samples']} | {r['heldout_ppl']} |")
    L += ["", "## Routing", "",
          "Fraction of tokens (user and assistant text of up to 400 training conversations per language) that "
          "each MoE layer's top-1 router sends to each expert:", ""]
    layers = sorted(next(iter(stats["routing_fraction_per_language"].values())).keys())
    head = "| language | " + " | ".join(f"{l} e{e}" for l in layers for e in range(c["n_expert"])) + " |"
    L += [head, "|" + " --- |" * (1 + len(layers) * c["n_expert"])]
    for lang, r in stats["routing_fraction_per_language"].items():
        L.append(f"| {lang} | " + " | ".join(f"{v:.2f}" for l in layers for v in r[l]) + " |")
    if stats.get("vision"):
        v = stats["vision"]
        L += ["", "## Vision stage", "",
              f"- {v['steps']} steps of {v['images']} generated pictures each plus a text-replay batch, "
              f"{v['seconds']/60:.1f} min; final image-answer loss {v['final_image_loss']}, text loss {v['final_text_loss']}.",
              f"- Colour question accuracy (torch, fresh pictures, one shape each): {v['colour_accuracy']}.",
              f"- Held-out text NLL after the vision stage: {v['heldout_nll']}."]
        if v.get("init_tower"):
            L += [f"- The tower started from `{v['init_tower']}`: {v.get('init_note', 'an earlier vision run')}."]
    (outdir / "README.md").write_text("\n".join(L) + "\n")


# ------------------------------------------------------------------------------------------ vision

def image_batch(tok, seed: int, step: int, n: int):
    """n generated pictures with a question each (a pure function of seed and step)."""
    import pictures
    import vision
    rng = random.Random(seed * 1_000_003 + step)
    pix, samples = [], []
    for _ in range(n):
        arr, facts = pictures.picture(rng)
        q, a = pictures.question_answer(rng, facts)
        pix.append(pictures.to_pixels(arr))
        samples.append(vision.image_sample(tok, q, a))
    x, w = collate(samples, list(range(n)))
    return torch.from_numpy(np.stack(pix)), x, w


@torch.no_grad()
def greedy_image(model, tower, tok, pixels, question, n=24):
    import vision
    emb = tower(pixels[None])
    ids = vision.prompt_ids(tok, question)
    eot = tok.sid("<|eot|>")
    out = []
    for _ in range(n):
        nxt = int(model(torch.tensor([ids]), image_embeds=emb)[0, -1].argmax())
        if nxt == eot:
            break
        out.append(nxt)
        ids.append(nxt)
    return tok.decode(out)


def colour_accuracy(model, tower, tok, seed=777, per_colour=2):
    import pictures
    rng = random.Random(seed)
    ok, tot, rows = 0, 0, []
    for colour in pictures.COLOURS:
        for k in range(per_colour):
            shape = pictures.SHAPES[(k + tot) % 3]
            arr, f = pictures.picture(rng, colour=colour, shape=shape, count=1, scene=False)
            ans = greedy_image(model, tower, tok, torch.from_numpy(pictures.to_pixels(arr)), f"What colour is the {shape}?")
            good = colour in ans.lower()
            ok += good
            tot += 1
            rows.append(dict(colour=colour, shape=shape, answer=ans, correct=bool(good)))
    return ok / tot, rows


def cmd_train_vision(args):
    import vision
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    vpath = TRAIN_DIR / "vision.pt"
    resume = args.resume and vpath.exists()
    model, tok, ck = load_ckpt(vpath if resume else TRAIN_DIR / "ckpt.pt")
    tower = VisionTowerFor(model)
    if args.init_tower and not resume:
        tower.load_state_dict(torch.load(args.init_tower, map_location="cpu", weights_only=False)["tower"])
        print(f"vision tower initialized from {args.init_tower}", flush=True)
    if args.freeze_text:
        for p in model.parameters():
            p.requires_grad_(False)
    _, train, held, tr, he = load_data(ck["args"]["seed"], tok, augment=True)
    lengths = [len(s[0]) for s in tr]
    groups = [dict(params=list(tower.parameters()), lr_peak=args.lr, weight_decay=0.01),
              dict(params=[p for p in model.parameters() if p.dim() > 1], lr_peak=args.text_lr, weight_decay=0.05),
              dict(params=[p for p in model.parameters() if p.dim() <= 1], lr_peak=args.text_lr, weight_decay=0.0)]
    opt = torch.optim.AdamW(groups, lr=args.lr, betas=(0.9, 0.95))
    start, log = 0, []
    if resume:
        tower.load_state_dict(ck["tower"])
        opt.load_state_dict(ck["opt"])
        start = ck["vstep"]
        log = [r for r in ck["vlog"] if r["step"] < start]
        print(f"resumed vision at step {start}", flush=True)
    text_batches = epoch_batches(len(tr), lengths, args.text_tokens, args.seed + 99, 0)
    t0, last_ck = time.time(), time.time()
    step = start

    def save():
        tmp = vpath.with_suffix(".tmp")
        torch.save(dict(model=model.state_dict(), tower=tower.state_dict(), opt=opt.state_dict(), vstep=step,
                        step=ck.get("step"),
                        config=model.c.to_dict(), args=ck["args"], vargs=vars(args), vlog=log,
                        tokens=tok.tokens, merges=[" ".join(m) for m in tok.merges]), tmp)
        os.replace(tmp, vpath)

    model.train()
    tower.train()
    while step < args.steps:
        if args.minutes and time.time() - t0 > args.minutes * 60:
            print("time budget reached", flush=True)
            break
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args.steps, g["lr_peak"], warm=50)
        pix, x, w = image_batch(tok, args.seed, step, args.images)
        emb = tower(pix)
        logits = model(x, None, image_embeds=emb)
        nll = F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1), reduction="none")
        wt = w[:, 1:].reshape(-1)
        img_loss = (nll * wt).sum() / wt.sum()
        if args.freeze_text:
            txt_loss, aux = torch.zeros(()), torch.zeros(())
        else:
            xt, wtt = collate(tr, text_batches[step % len(text_batches)])
            txt_loss, aux = loss_fn(model, xt, wtt)[:2]
        opt.zero_grad(set_to_none=True)
        (img_loss + txt_loss + AUX_COEF * aux).backward()
        torch.nn.utils.clip_grad_norm_(list(model.parameters()) + list(tower.parameters()), 1.0)
        opt.step()
        rec = dict(step=step, image_loss=round(float(img_loss), 5), text_loss=round(float(txt_loss), 5),
                   t=round(time.time() - t0, 1))
        if step % args.eval_every == 0 or step == args.steps - 1:
            model.eval(); tower.eval()
            rec["colour_acc"], _ = colour_accuracy(model, tower, tok, per_colour=1)
            rec["heldout_nll"] = round(evaluate(model, he), 5)
            model.train(); tower.train()
        log.append(rec)
        if step % 20 == 0 or "colour_acc" in rec:
            print(json.dumps(rec), flush=True)
        step += 1
        if time.time() - last_ck > args.ckpt_minutes * 60:
            save()
            last_ck = time.time()
    save()
    print(f"saved {vpath} at step {step}", flush=True)


def VisionTowerFor(model):
    import vision
    return vision.VisionTower(model.c.n_embd)


def load_tower():
    ck = torch.load(TRAIN_DIR / "vision.pt", map_location="cpu", weights_only=False)
    model, tok, _ = load_ckpt(TRAIN_DIR / "vision.pt")
    tower = VisionTowerFor(model)
    tower.load_state_dict(ck["tower"])
    tower.eval()
    return model, tower, tok, ck


def cmd_export_mmproj(args):
    """The vision tower + projector in llama.cpp's mmproj naming (as scripts/make_vision_reference.py)."""
    import gguf
    import vision
    model, tower, tok, ck = load_tower()
    sd = {k: v for k, v in tower.state_dict().items()}
    try:
        sys.path.insert(0, str(ROOT / "scripts"))
        from make_vision_reference import vision_tensors
    except ImportError:
        vision_tensors = None
    assert vision_tensors is not None, "scripts/make_vision_reference.py (vision_tensors) is needed for the naming"
    vc = tower.vc_dict(model.c.n_embd)
    out = Path(args.out) if args.out else MMPROJ_PATH
    w = gguf.GGUFWriter(str(out), "clip")
    w.add_name("chorus-tiny-llama4 mmproj")
    w.add_description("vision tower of Chorus's bundled tiny Llama 4, trained on generated pictures")
    w.add_file_type(int(gguf.LlamaFileType.ALL_F32))
    w.add_bool("clip.has_vision_encoder", True)
    w.add_string("clip.projector_type", "llama4")
    w.add_uint32("clip.vision.projection_dim", model.c.n_embd)
    w.add_uint32("clip.vision.image_size", vc["image_size"])
    w.add_uint32("clip.vision.patch_size", vc["patch_size"])
    w.add_uint32("clip.vision.embedding_length", vc["hidden_size"])
    w.add_uint32("clip.vision.feed_forward_length", vc["intermediate_size"])
    w.add_uint32("clip.vision.block_count", vc["num_hidden_layers"])
    w.add_uint32("clip.vision.attention.head_count", vc["num_attention_heads"])
    w.add_float32("clip.vision.attention.layer_norm_epsilon", vc["norm_eps"])
    w.add_array("clip.vision.image_mean", [0.5, 0.5, 0.5])
    w.add_array("clip.vision.image_std", [0.5, 0.5, 0.5])
    w.add_uint32("clip.vision.projector.scale_factor", int(round(1 / vc["pixel_shuffle_ratio"])))
    w.add_bool("clip.use_gelu", True)
    for name, t in vision_tensors(sd, vc["num_hidden_layers"]):
        w.add_tensor(name, t.detach().float().contiguous().numpy().astype(np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"wrote {out} ({out.stat().st_size/1e6:.2f} MB)")


@torch.no_grad()
def cmd_sample_image(args):
    import pictures
    torch.set_num_threads(1)
    model, tower, tok, _ = load_tower()
    acc, rows = colour_accuracy(model, tower, tok, seed=args.seed, per_colour=args.per_colour)
    for r in rows:
        print(r)
    print("colour accuracy", acc)



GREETINGS = {"en": "Hello!", "es": "¡Hola! ¿Cómo estás?", "fr": "Bonjour ! Comment ça va ?",
             "de": "Hallo! Wie geht es dir?", "pt": "Olá, tudo bem?", "it": "Ciao, come stai?"}


@torch.no_grad()
def cmd_reference(args):
    """Models/training/reference.json: the torch model's logits on one chat prompt (the Swift test
    compares the engine's), and its greedy replies to the greeting of each language."""
    torch.set_num_threads(1)
    model, tok, ck = load_ckpt()
    text = "Hello! How are you?"
    ids = chat_ids(tok, text)
    lg = model(torch.tensor([ids]))[0]
    ref = dict(description="scripts/train_bundled_model.py reference: logits of the torch model (float32) "
                           "after each listed position of the chat prompt",
               prompt_text=text, prompt_ids=ids,
               positions=[len(ids) - 1, len(ids) - 2],
               logits=[[round(float(v), 6) for v in lg[len(ids) - 1]], [round(float(v), 6) for v in lg[len(ids) - 2]]],
               greedy_replies={k: greedy(model, tok, chat_ids(tok, v)) for k, v in GREETINGS.items()},
               greetings=GREETINGS, step=ck.get("step"), vision_step=ck.get("vstep"))
    if (TRAIN_DIR / "vision.pt").exists() and "tower" in ck:
        import pictures
        import vision
        tower = VisionTowerFor(model)
        tower.load_state_dict(ck["tower"])
        tower.eval()
        rgb = pictures.COLOURS["red"]
        pix = torch.from_numpy(pictures.to_pixels(pictures.circle_image(rgb)))
        emb = tower(pix[None])
        q = "What colour is the circle?"
        pids = vision.prompt_ids(tok, q)
        vl = model(torch.tensor([pids]), image_embeds=emb)[0, -1]
        ref["vision"] = dict(image=dict(kind="circle", rgb=list(rgb), center=[168, 168], radius=90, size=336),
                             question=q, prompt_ids=pids, embeddings_shape=list(emb.shape),
                             embedding_rows={str(r): [round(float(v), 6) for v in emb[r]] for r in (0, 1, 77, 143)},
                             embeddings_abs_sum=float(emb.abs().sum()),
                             logits_last=[round(float(v), 6) for v in vl],
                             greedy_answer=greedy_image(model, tower, tok, pix, q))
        print("vision:", ref["vision"]["greedy_answer"])
    out = MODELS / "training" / "reference.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(ref, ensure_ascii=False) + "\n")
    print(json.dumps(ref["greedy_replies"], ensure_ascii=False, indent=1))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--steps", type=int, default=3000)
    t.add_argument("--resume", action="store_true")
    t.add_argument("--minutes", type=float, default=0, help="stop (and checkpoint) after this many minutes")
    t.add_argument("--seed", type=int, default=1234)
    t.add_argument("--lr", type=float, default=3e-3)
    t.add_argument("--batch-tokens", type=int, default=2048)
    t.add_argument("--embd", type=int, default=192)
    t.add_argument("--ff", type=int, default=512)
    t.add_argument("--ff-exp", type=int, default=384)
    t.add_argument("--eval-every", type=int, default=250)
    t.add_argument("--ckpt-minutes", type=float, default=4)
    e = sub.add_parser("export")
    e.add_argument("--out")
    e.add_argument("--f16", action="store_true")
    s = sub.add_parser("sample")
    s.add_argument("text", nargs="+")
    lg = sub.add_parser("logits")
    lg.add_argument("text")
    sub.add_parser("report")
    sub.add_parser("reference")
    v = sub.add_parser("train-vision", help="vision tower (+ text model fine-tuned with text replay)")
    v.add_argument("--steps", type=int, default=1500)
    v.add_argument("--resume", action="store_true")
    v.add_argument("--minutes", type=float, default=0)
    v.add_argument("--seed", type=int, default=4321)
    v.add_argument("--lr", type=float, default=2e-3)
    v.add_argument("--text-lr", type=float, default=3e-4)
    v.add_argument("--images", type=int, default=8)
    v.add_argument("--text-tokens", type=int, default=1024)
    v.add_argument("--eval-every", type=int, default=150)
    v.add_argument("--ckpt-minutes", type=float, default=4)
    v.add_argument("--init-tower", help="start the tower from this vision checkpoint (e.g. a frozen-text pretraining)")
    v.add_argument("--freeze-text", action="store_true", help="train the tower only (no text replay)")
    em = sub.add_parser("export-mmproj")
    em.add_argument("--out")
    si = sub.add_parser("sample-image")
    si.add_argument("--seed", type=int, default=777)
    si.add_argument("--per-colour", type=int, default=2)
    args = ap.parse_args()
    dict(train=cmd_train, reference=cmd_reference, export=cmd_export, sample=cmd_sample, logits=cmd_logits, report=cmd_report,
         **{"train-vision": cmd_train_vision, "export-mmproj": cmd_export_mmproj,
            "sample-image": cmd_sample_image})[args.cmd](args)


if __name__ == "__main__":
    main()
