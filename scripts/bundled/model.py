"""A tiny Llama 4 text model in plain torch, written to match llama.cpp's llama4 forward
(src/models/llama4.cpp, build_moe_ffn) and so Chorus's engine (Sources/MoE/Models/Llama4.swift):

- layer i is MoE iff (i+1) % moe_step == 0, else a dense SwiGLU FFN;
- MoE: router logits = W_r x, top-1, weight = sigmoid(logit) multiplies the expert's *input*,
  a shared expert sees the unweighted input, output = routed + shared;
- layers with (i+1) % 4 == 0 are NoPE (no RoPE, no q/k norm; the temperature tuning factor is 1
  below position 8191, so it is left out); the others apply RoPE in NORM style (adjacent pairs),
  base 500000, frequencies divided by rope_freqs, then a weightless RMS norm of q and k;
- GQA, attention scale 1/sqrt(head_dim), RMSNorm (eps 1e-5) before attention and FFN, untied output.
Parameter layouts equal the GGUF tensors' numpy shapes (reversed ne), so export is a copy.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class Config:
    n_vocab: int = 0
    n_embd: int = 192
    n_layer: int = 4
    n_head: int = 6
    n_head_kv: int = 2
    head_dim: int = 32
    n_ff: int = 512          # dense FFN width (layers 0, 2)
    n_ff_exp: int = 384      # expert and shared-expert width
    n_expert: int = 4
    n_expert_used: int = 1
    moe_step: int = 2
    rope_base: float = 500000.0
    eps: float = 1e-5
    ctx: int = 4096

    def is_moe(self, i: int) -> bool:
        return (i + 1) % self.moe_step == 0

    def is_rope(self, i: int) -> bool:
        return (i + 1) % 4 != 0

    def to_dict(self):
        return asdict(self)


def llama3_rope_freqs(head_dim: int, base: float, factor=8.0, low=1.0, high=4.0, orig_ctx=8192) -> torch.Tensor:
    """rope_freqs as convert_hf_to_gguf.py writes them for rope_type 'llama3' (as scripts/make_models.py)."""
    freqs = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))
    low_wl, high_wl = orig_ctx / low, orig_ctx / high
    out = []
    for f in freqs.tolist():
        wl = 2 * math.pi / f
        if wl < high_wl:
            out.append(1.0)
        elif wl > low_wl:
            out.append(factor)
        else:
            smooth = (orig_ctx / wl - low) / (high - low)
            out.append(1.0 / ((1 - smooth) / factor + smooth))
    return torch.tensor(out, dtype=torch.float32)


def rms(x: torch.Tensor, eps: float) -> torch.Tensor:
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)


class Block(nn.Module):
    def __init__(self, c: Config, i: int):
        super().__init__()
        E, hd = c.n_embd, c.head_dim
        self.c, self.i = c, i
        self.attn_norm = nn.Parameter(torch.ones(E))
        self.attn_q = nn.Parameter(torch.empty(c.n_head * hd, E))
        self.attn_k = nn.Parameter(torch.empty(c.n_head_kv * hd, E))
        self.attn_v = nn.Parameter(torch.empty(c.n_head_kv * hd, E))
        self.attn_output = nn.Parameter(torch.empty(E, c.n_head * hd))
        self.ffn_norm = nn.Parameter(torch.ones(E))
        self.moe = c.is_moe(i)
        if self.moe:
            X, ff = c.n_expert, c.n_ff_exp
            self.ffn_gate_inp = nn.Parameter(torch.empty(X, E))
            self.ffn_gate_exps = nn.Parameter(torch.empty(X, ff, E))
            self.ffn_up_exps = nn.Parameter(torch.empty(X, ff, E))
            self.ffn_down_exps = nn.Parameter(torch.empty(X, E, ff))
            self.ffn_gate_shexp = nn.Parameter(torch.empty(ff, E))
            self.ffn_up_shexp = nn.Parameter(torch.empty(ff, E))
            self.ffn_down_shexp = nn.Parameter(torch.empty(E, ff))
        else:
            self.ffn_gate = nn.Parameter(torch.empty(c.n_ff, E))
            self.ffn_up = nn.Parameter(torch.empty(c.n_ff, E))
            self.ffn_down = nn.Parameter(torch.empty(E, c.n_ff))

    def attention(self, x, cos, sin):
        c = self.c
        B, T, _ = x.shape
        hd = c.head_dim
        q = (x @ self.attn_q.T).view(B, T, c.n_head, hd)
        k = (x @ self.attn_k.T).view(B, T, c.n_head_kv, hd)
        v = (x @ self.attn_v.T).view(B, T, c.n_head_kv, hd)
        if c.is_rope(self.i):
            q = rope_norm(q, cos, sin)
            k = rope_norm(k, cos, sin)
            q = rms(q, c.eps)
            k = rms(k, c.eps)
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))
        g = c.n_head // c.n_head_kv
        k = k.repeat_interleave(g, dim=1)
        v = v.repeat_interleave(g, dim=1)
        o = F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=1.0 / math.sqrt(hd))
        o = o.transpose(1, 2).reshape(B, T, c.n_head * hd)
        return o @ self.attn_output.T

    def ffn(self, x, stats):
        if not self.moe:
            return (F.silu(x @ self.ffn_gate.T) * (x @ self.ffn_up.T)) @ self.ffn_down.T
        c = self.c
        shp = x.shape
        xf = x.reshape(-1, shp[-1])
        logits = xf @ self.ffn_gate_inp.T                      # [N, X]
        top = logits.argmax(-1)                                 # top-1 on raw logits
        w = torch.sigmoid(logits.gather(-1, top[:, None]))      # [N, 1]
        xin = xf * w                                            # weight multiplies the expert's input
        out = torch.zeros_like(xf)
        for e in range(c.n_expert):
            idx = (top == e).nonzero(as_tuple=True)[0]
            if idx.numel() == 0:
                continue
            xe = xin[idx]
            ye = (F.silu(xe @ self.ffn_gate_exps[e].T) * (xe @ self.ffn_up_exps[e].T)) @ self.ffn_down_exps[e].T
            out = out.index_add(0, idx, ye)
        shared = (F.silu(xf @ self.ffn_gate_shexp.T) * (xf @ self.ffn_up_shexp.T)) @ self.ffn_down_shexp.T
        if stats is not None:
            stats.append((self.i, logits, top))
        return (out + shared).reshape(shp)

    def forward(self, x, cos, sin, stats=None):
        x = x + self.attention(rms(x, self.c.eps) * self.attn_norm, cos, sin)
        x = x + self.ffn(rms(x, self.c.eps) * self.ffn_norm, stats)
        return x


def rope_norm(x, cos, sin):
    """NORM-style RoPE: rotate adjacent pairs (x[2i], x[2i+1]) by theta_i. x: [B, T, H, hd]."""
    x0, x1 = x[..., 0::2], x[..., 1::2]
    c, s = cos[None, :, None, :], sin[None, :, None, :]
    return torch.stack((x0 * c - x1 * s, x0 * s + x1 * c), dim=-1).flatten(-2)


class TinyLlama4(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.c = c
        self.token_embd = nn.Parameter(torch.empty(c.n_vocab, c.n_embd))
        self.blocks = nn.ModuleList([Block(c, i) for i in range(c.n_layer)])
        self.output_norm = nn.Parameter(torch.ones(c.n_embd))
        self.output = nn.Parameter(torch.empty(c.n_vocab, c.n_embd))
        self.patch_id = -1  # id of <|patch|>, set by the caller for image prompts
        self.register_buffer("rope_freqs", llama3_rope_freqs(c.head_dim, c.rope_base), persistent=False)

    def init_weights(self, seed: int):
        g = torch.Generator().manual_seed(seed)
        for name, p in self.named_parameters():
            if p.dim() == 1:
                continue
            fan_in = p.shape[-1]
            std = 1.0 / math.sqrt(fan_in)
            if name == "token_embd":
                std = 1.0
            if name.endswith(("attn_output", "ffn_down", "ffn_down_exps", "ffn_down_shexp")):
                std /= math.sqrt(2 * self.c.n_layer)
            with torch.no_grad():
                p.copy_(torch.randn(p.shape, generator=g) * std)

    def rope_tables(self, T: int, start: int = 0):
        hd = self.c.head_dim
        inv = 1.0 / (self.c.rope_base ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
        inv = inv / self.rope_freqs.double()
        pos = torch.arange(start, start + T, dtype=torch.float64)
        ang = pos[:, None] * inv[None, :]
        return torch.cos(ang).float(), torch.sin(ang).float()

    def forward(self, tokens, stats=None, image_embeds=None):
        """image_embeds: [n, n_embd] placed, in order, at the <|patch|> positions (Meta's masked_scatter)."""
        B, T = tokens.shape
        cos, sin = self.rope_tables(T)
        x = self.token_embd[tokens]
        if image_embeds is not None:
            mask = (tokens == self.patch_id)[..., None].expand_as(x)
            x = x.masked_scatter(mask, image_embeds.to(x.dtype))
        for b in self.blocks:
            x = b(x, cos, sin, stats)
        return (rms(x, self.c.eps) * self.output_norm) @ self.output.T

    def gguf_tensors(self):
        """(GGUF name, float32 numpy array) in the layout gguf.GGUFWriter expects."""
        yield "token_embd.weight", self.token_embd
        yield "output_norm.weight", self.output_norm
        yield "output.weight", self.output
        yield "rope_freqs.weight", self.rope_freqs
        for i, b in enumerate(self.blocks):
            p = f"blk.{i}."
            for n in ["attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm"]:
                yield p + n + ".weight", getattr(b, n)
            names = (["ffn_gate_inp", "ffn_gate_exps", "ffn_up_exps", "ffn_down_exps", "ffn_gate_shexp",
                      "ffn_up_shexp", "ffn_down_shexp"] if b.moe else ["ffn_gate", "ffn_up", "ffn_down"])
            for n in names:
                yield p + n + ".weight", getattr(b, n)
