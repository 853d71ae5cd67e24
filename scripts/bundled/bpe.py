"""Byte-level BPE for the bundled model: Llama 4's pre-tokenizer regex (GPT-4o style, `llama4` in
llama.cpp), merges learned with Hugging Face `tokenizers` over the training text, GPT-2 byte order,
and Llama 4's special tokens after the normal tokens (as scripts/make_models.py writes them).
"""
from __future__ import annotations

import json
from pathlib import Path

from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

LLAMA4_REGEX = (r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
                r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
                r"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+")

SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|header_start|>", "<|header_end|>", "<|eot|>", "<|eom|>",
            "<|image_start|>", "<|image_end|>", "<|patch|>", "<|image|>", "<|tile_x_separator|>",
            "<|tile_y_separator|>", "<|finetune_right_pad|>"]

CHAT_TEMPLATE = (
    "{{- bos_token }}"
    "{%- for message in messages %}"
    "{{- '<|header_start|>' + message['role'] + '<|header_end|>\\n\\n' + message['content'] | trim + '<|eot|>' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|header_start|>assistant<|header_end|>\\n\\n' }}{%- endif %}")


def bytes_to_unicode() -> dict[int, str]:
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def _pre():
    return pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA4_REGEX), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])


class BPE:
    def __init__(self, tokens: list[str], merges: list[tuple[str, str]]):
        self.tokens = tokens            # normal tokens then specials
        self.merges = merges
        self.ids = {t: i for i, t in enumerate(tokens)}
        vocab = {t: i for i, t in enumerate(tokens) if t not in SPECIALS}
        tk = Tokenizer(models.BPE(vocab=vocab, merges=merges, fuse_unk=False))
        tk.pre_tokenizer = _pre()
        tk.decoder = decoders.ByteLevel()
        self.tk = tk

    @classmethod
    def train(cls, texts: list[str], n_merges: int) -> "BPE":
        tk = Tokenizer(models.BPE())
        tk.pre_tokenizer = _pre()
        alphabet = list(bytes_to_unicode().values())
        tr = trainers.BpeTrainer(vocab_size=256 + n_merges, initial_alphabet=alphabet, min_frequency=2,
                                 show_progress=False, special_tokens=[])
        tk.train_from_iterator(texts, tr)
        d = json.loads(tk.to_str())
        merges = [tuple(m.split(" ", 1)) if isinstance(m, str) else tuple(m) for m in d["model"]["merges"]]
        tokens = alphabet[:]
        seen = set(tokens)
        for a, b in merges:
            if a + b not in seen:
                seen.add(a + b)
                tokens.append(a + b)
        return cls(tokens + SPECIALS, merges)

    def encode(self, text: str) -> list[int]:
        """Plain text (no special-token parsing)."""
        return self.tk.encode(text, add_special_tokens=False).ids if text else []

    def decode(self, ids: list[int]) -> str:
        out, buf = [], []
        for i in ids:
            t = self.tokens[i]
            if t in SPECIALS:
                if buf:
                    out.append(self.tk.decode(buf)); buf = []
                out.append(t)
            else:
                buf.append(i)
        if buf:
            out.append(self.tk.decode(buf))
        return "".join(out)

    def sid(self, name: str) -> int:
        return self.ids[name]

    def save(self, path: Path):
        path.write_text(json.dumps(dict(tokens=self.tokens, merges=[" ".join(m) for m in self.merges]), ensure_ascii=False))

    @classmethod
    def load(cls, path: Path) -> "BPE":
        d = json.loads(path.read_text())
        return cls(d["tokens"], [tuple(m.split(" ", 1)) for m in d["merges"]])
