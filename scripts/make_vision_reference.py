#!/usr/bin/env python3
"""Reference fixtures for Llama 4 vision (Tests/MoETests/Fixtures/vision/).

Builds a tiny random-weight `transformers` `Llama4ForConditionalGeneration` (Meta's reference
implementation as published in Hugging Face transformers) with the real 336/14 patch geometry
and tiny widths, writes

  llama4-vision-text.f32.gguf   the language model as a llama4 GGUF our engine loads
  llama4-vision-mmproj.f32.gguf the vision tower + projector in llama.cpp's mmproj naming
  <case>.png                    the input image (PNG: lossless, so every decoder sees the same pixels)
  <case>.pixels.u8              the processor's pixel values, one byte per value: the index u of
                                the value in `pixel_table` (the 256 values x/255 → (x−.5)/.5 can take)
  <case>.json                   tiles, grid, pixel table, prompt token ids, image embeddings (after
                                the projector) and logits of the last positions
  decode/                       tiny JPEG/PNG files (Pillow), broken ones, and decode.json with the
                                RGB bytes Pillow decodes (transparency over white, as transformers' convert_to_rgb)

for a one-tile image and a multi-tile image. Deterministic (SEED). Run:

    nice -n 10 python3 scripts/make_vision_reference.py            # fixtures
    nice -n 10 python3 scripts/make_vision_reference.py --decode   # decode/ only
    nice -n 10 python3 scripts/make_vision_reference.py --scout    # .models/scout-*.gguf (bench, not committed)
"""
from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch

torch.set_num_threads(1)

import gguf  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests" / "MoETests" / "Fixtures" / "vision"
SEED = 20261129
sys.path.insert(0, str(ROOT / "scripts"))

# Tiny geometry: the real 336 px tiles of 14 px patches (24×24 patches, 144 tokens after the 2× pixel
# shuffle), tiny widths. Vision: width 64, 4 heads (head dim 16), 2 blocks, MLP 256 (= 4·width, as the
# pixel-shuffled width must equal the adapter's input, like Scout's 5632 = 4·1408). Text: llama4, width 64.
VISION = dict(hidden_size=64, num_attention_heads=4, num_hidden_layers=2, intermediate_size=256,
              image_size=336, patch_size=14, num_channels=3, norm_eps=1e-5, pixel_shuffle_ratio=0.5,
              projector_input_dim=48, projector_output_dim=48, vision_output_dim=48,
              rope_theta=10000.0)
TEXT = dict(hidden_size=64, intermediate_size=32, intermediate_size_mlp=128, num_hidden_layers=4,
            num_attention_heads=4, num_key_value_heads=2, head_dim=16, num_local_experts=4,
            num_experts_per_tok=1, interleave_moe_layer_step=1, rms_norm_eps=1e-5, rope_theta=500000.0,
            max_position_embeddings=4096, attention_chunk_size=8192, use_qk_norm=True)
MAX_PATCHES = 9  # "up to 3×3" tiles (transformers' max_patches; Scout's processor config says 16)

SCOUT_VISION = dict(hidden_size=1408, num_attention_heads=16, num_hidden_layers=34, intermediate_size=5632,
                    image_size=336, patch_size=14, num_channels=3, norm_eps=1e-5, pixel_shuffle_ratio=0.5,
                    projector_input_dim=4096, projector_output_dim=4096, vision_output_dim=4096,
                    rope_theta=10000.0)


def build_vocab():
    import make_models as mm  # the project's llama4 test vocab (byte-level BPE + Llama 4 specials)
    return mm, mm.build_vocab("llama4")


def make_model(vocab: dict):
    from transformers import Llama4Config, Llama4ForConditionalGeneration
    from transformers.models.llama4.configuration_llama4 import Llama4TextConfig, Llama4VisionConfig
    ids = {t: i for i, t in enumerate(vocab["tokens"])}
    v = dict(VISION)
    theta = v.pop("rope_theta")
    vc = Llama4VisionConfig(**v, rope_parameters={"rope_type": "default", "rope_theta": theta})
    t = dict(TEXT)
    ttheta = t.pop("rope_theta")
    tc = Llama4TextConfig(**t, vocab_size=len(vocab["tokens"]), rope_parameters={"rope_type": "default", "rope_theta": ttheta},
                          pad_token_id=vocab["pad"], bos_token_id=vocab["bos"], eos_token_id=vocab["eos"])
    cfg = Llama4Config(vision_config=vc, text_config=tc, image_token_index=ids["<|patch|>"],
                       boi_token_index=ids["<|image_start|>"], eoi_token_index=ids["<|image_end|>"])
    cfg._attn_implementation = "eager"
    torch.manual_seed(SEED)
    model = Llama4ForConditionalGeneration(cfg).float().eval()
    randomize(model)
    return model, ids


@torch.no_grad()
def randomize(model):
    """Every parameter random and O(1)-preserving: linear std 1/√fan_in, norms 1±0.1, biases ±0.1."""
    g = torch.Generator().manual_seed(SEED)
    for name, p in model.named_parameters():
        if p.ndim == 1 and ("norm" in name or "layernorm" in name) and name.endswith("weight"):
            p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g))
        elif p.ndim == 1:
            p.copy_(0.1 * torch.randn(p.shape, generator=g))
        elif "gate_up_proj" in name:  # [experts, embd, 2·ff]: input is dim 1
            p.copy_(torch.randn(p.shape, generator=g) / math.sqrt(p.shape[1]))
        elif "experts.down_proj" in name:  # [experts, ff, embd]
            p.copy_(torch.randn(p.shape, generator=g) / math.sqrt(p.shape[1]))
        elif "embed_tokens" in name or "positional_embedding" in name:
            p.copy_(torch.randn(p.shape, generator=g) * (1.0 if "embed_tokens" in name else 0.5))
        else:
            p.copy_(torch.randn(p.shape, generator=g) * (0.8 / math.sqrt(p.shape[-1])))


def t2n(x: torch.Tensor) -> np.ndarray:
    return x.detach().float().contiguous().numpy().astype(np.float32)


def write_text_gguf(model, vocab: dict, mm, path: Path):
    """The language model as llama.cpp's converter writes it (conversion/llama4.py: gate_up split, down transposed)."""
    sd = {k: v for k, v in model.state_dict().items()}
    lm = "language_model.model."
    c = TEXT
    w = gguf.GGUFWriter(str(path), "llama4")
    w.add_name("llama4-vision-tiny (text)")
    w.add_file_type(int(gguf.LlamaFileType.ALL_F32))
    w.add_context_length(c["max_position_embeddings"])
    w.add_embedding_length(c["hidden_size"])
    w.add_block_count(c["num_hidden_layers"])
    w.add_feed_forward_length(c["intermediate_size_mlp"])
    w.add_head_count(c["num_attention_heads"])
    w.add_head_count_kv(c["num_key_value_heads"])
    w.add_key_length(c["head_dim"])
    w.add_value_length(c["head_dim"])
    w.add_rope_dimension_count(c["head_dim"])
    w.add_rope_freq_base(c["rope_theta"])
    w.add_layer_norm_rms_eps(c["rms_norm_eps"])
    w.add_expert_count(c["num_local_experts"])
    w.add_expert_used_count(c["num_experts_per_tok"])
    w.add_expert_feed_forward_length(c["intermediate_size"])
    w.add_interleave_moe_layer_step(c["interleave_moe_layer_step"])
    mm.write_vocab(w, vocab)
    w.add_tensor("token_embd.weight", t2n(sd[lm + "embed_tokens.weight"]))
    w.add_tensor("output_norm.weight", t2n(sd[lm + "norm.weight"]))
    w.add_tensor("output.weight", t2n(sd["language_model.lm_head.weight"]))
    for i in range(c["num_hidden_layers"]):
        p, q = f"blk.{i}.", f"{lm}layers.{i}."
        w.add_tensor(p + "attn_norm.weight", t2n(sd[q + "input_layernorm.weight"]))
        for a, b in (("q", "q"), ("k", "k"), ("v", "v"), ("output", "o")):
            w.add_tensor(p + f"attn_{a}.weight", t2n(sd[q + f"self_attn.{b}_proj.weight"]))
        w.add_tensor(p + "ffn_norm.weight", t2n(sd[q + "post_attention_layernorm.weight"]))
        f = q + "feed_forward."
        w.add_tensor(p + "ffn_gate_inp.weight", t2n(sd[f + "router.weight"]))
        gu = sd[f + "experts.gate_up_proj"].transpose(-1, -2)  # [X, 2ff, E]
        gate, up = gu.split(gu.shape[1] // 2, dim=1)
        w.add_tensor(p + "ffn_gate_exps.weight", t2n(gate))
        w.add_tensor(p + "ffn_up_exps.weight", t2n(up))
        w.add_tensor(p + "ffn_down_exps.weight", t2n(sd[f + "experts.down_proj"].transpose(-1, -2)))
        for a in ("gate", "up", "down"):
            w.add_tensor(p + f"ffn_{a}_shexp.weight", t2n(sd[f + f"shared_expert.{a}_proj.weight"]))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def vision_tensors(sd: dict, n_layer: int):
    """(gguf name, tensor) in llama.cpp's mmproj naming (gguf-py tensor_mapping, conversion/llama4.py).
    Each block's second norm is `attn_post_norm` in block 0 (what the converter at 0c1e570 writes)
    and `ln2` in the others (older files), so the fixture exercises both spellings."""
    v = "vision_model."
    yield "v.patch_embd.weight", sd[v + "patch_embedding.linear.weight"]          # [width, 3·14·14]
    yield "v.class_embd", sd[v + "class_embedding"]                                # [width]
    yield "v.position_embd.weight", sd[v + "positional_embedding_vlm"]            # [577, width]
    for a, b in (("pre_ln", "layernorm_pre"), ("post_ln", "layernorm_post")):
        yield f"v.{a}.weight", sd[v + b + ".weight"]
        yield f"v.{a}.bias", sd[v + b + ".bias"]
    for i in range(n_layer):
        p, q = f"v.blk.{i}.", f"{v}model.layers.{i}."
        ln2_name = "attn_post_norm" if i == 0 else "ln2"
        for a, b in (("attn_q", "self_attn.q_proj"), ("attn_k", "self_attn.k_proj"), ("attn_v", "self_attn.v_proj"),
                     ("attn_out", "self_attn.o_proj"), ("ln1", "input_layernorm"), (ln2_name, "post_attention_layernorm"),
                     ("ffn_up", "mlp.fc1"), ("ffn_down", "mlp.fc2")):
            yield p + a + ".weight", sd[q + b + ".weight"]
            yield p + a + ".bias", sd[q + b + ".bias"]
    yield "mm.model.mlp.1.weight", sd[v + "vision_adapter.mlp.fc1.weight"]
    yield "mm.model.mlp.2.weight", sd[v + "vision_adapter.mlp.fc2.weight"]
    yield "mm.model.fc.weight", sd["multi_modal_projector.linear_1.weight"]


def write_mmproj(tensors, vc: dict, text_width: int, path: Path):
    w = gguf.GGUFWriter(str(path), "clip")
    w.add_name("llama4 mmproj (random weights)")
    w.add_file_type(int(gguf.LlamaFileType.ALL_F32))
    w.add_bool("clip.has_vision_encoder", True)
    w.add_string("clip.projector_type", "llama4")
    w.add_uint32("clip.vision.projection_dim", text_width)
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
    for name, t in tensors:
        w.add_tensor(name, t2n(t) if isinstance(t, torch.Tensor) else t)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def pixel_table() -> np.ndarray:
    """The processor's value for each byte: bf16(bf16(u·(1/255)) − 0.5) / 0.5, as its rescale_and_normalize does in bfloat16."""
    from transformers import Llama4ImageProcessor
    proc = Llama4ImageProcessor(max_patches=MAX_PATCHES)
    u = torch.arange(256, dtype=torch.uint8).reshape(1, 1, 256)
    out = proc.rescale_and_normalize(u, True, 1 / 255, True, [0.5, 0.5, 0.5][:1], [0.5, 0.5, 0.5][:1])
    return out.float().reshape(256).numpy()


def image_token_ids(ids: dict, ratio, per_tile: int) -> list[int]:
    """transformers' Llama4Processor._prompt_split_image, tokenized: every special token is one id."""
    from transformers.models.llama4.processing_llama4 import Llama4Processor
    ns = SimpleNamespace(start_of_img_token="<|image_start|>", end_of_img_token="<|image_end|>",
                         img_patch_token="<|patch|>", tile_token="<|tile_x_separator|>",
                         tile_global_token="<|tile_y_separator|>", fake_image_token="<|image|>",
                         image_token="<|image|>")
    s = Llama4Processor._prompt_split_image(ns, ratio, per_tile)
    return [ids[t] for t in re.findall(r"<\|[a-z_]+\|>", s)]


def make_image(w: int, h: int, seed: int, noise: float) -> np.ndarray:
    """A smooth picture with some noise (resampling must matter), RGB uint8 [h, w, 3]."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    r = 127 + 120 * np.sin(x / 17.0) * np.cos(y / 23.0)
    g = 255 * (x + y) / (w + h)
    b = 127 + 127 * np.sin((x * x + y * y) / 900.0)
    img = np.stack([r, g, b], -1) + rng.normal(0, noise, (h, w, 3))
    if noise == 0:  # posterized (a small PNG), still with sharp edges for the resampler
        img = np.rint(img / 24) * 24
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


@torch.no_grad()
def run_case(model, ids: dict, table: np.ndarray, name: str, w: int, h: int, seed: int, noise: float = 8, full: bool = True):
    from PIL import Image
    from transformers import Llama4ImageProcessor
    arr = make_image(w, h, seed, noise)
    Image.fromarray(arr, "RGB").save(OUT / f"{name}.png", optimize=True)
    img = Image.open(OUT / f"{name}.png").convert("RGB")
    proc = Llama4ImageProcessor(max_patches=MAX_PATCHES)
    feat = proc(images=[img], return_tensors="pt")
    pv = feat["pixel_values"]  # [tiles, 3, 336, 336] bfloat16
    ratio = [int(x) for x in feat["aspect_ratios"][0].tolist()]
    pvf = pv.float().numpy()
    # Each value is one of the 256 table values: store its byte.
    idx = np.searchsorted(table, pvf)
    idx = np.clip(idx, 0, 255)
    assert np.array_equal(table[idx], pvf), "pixel value outside the table"
    kept = list(range(pv.shape[0])) if full else [0, pv.shape[0] - 1]  # large case: first tile and overview
    idx[kept].astype(np.uint8).tofile(OUT / f"{name}.pixels.u8")

    if not full:
        ref = dict(image=f"{name}.png", width=w, height=h, max_tiles=MAX_PATCHES, tiles=int(pv.shape[0]), grid=ratio,
                   pixel_tiles=kept, pixel_table=[float(x) for x in table])
        (OUT / f"{name}.json").write_text(json.dumps(ref))
        print(f"{name}: {w}x{h} -> grid {ratio}, {pv.shape[0]} tiles (pixel values of tiles {kept})")
        return
    per_tile = (VISION["image_size"] // VISION["patch_size"]) ** 2 // 4
    image_ids = image_token_ids(ids, ratio, per_tile)
    prefix = [ids["<|begin_of_text|>"], ids["<|header_start|>"], 100, 101, ids["<|header_end|>"], 102]
    suffix = [103, 104, 105, 106, ids["<|eot|>"], ids["<|header_start|>"], 107, ids["<|header_end|>"], 102]
    input_ids = prefix + image_ids + suffix

    # Llama4ForConditionalGeneration.forward's own steps (its return statement fails in transformers
    # 5.24: `outputs.image_outputs`): vision model, projector, scatter at <|patch|>, language model.
    ids_t = torch.tensor([input_ids])
    feats = model.get_image_features(pixel_values=pv.float(), return_dict=True).last_hidden_state
    emb = model.multi_modal_projector(feats.reshape(-1, feats.shape[-1]))
    embeds = model.get_input_embeddings()(ids_t)
    mask = model.get_placeholder_mask(ids_t, inputs_embeds=embeds, image_features=emb)
    embeds = embeds.masked_scatter(mask, emb)
    logits = model.language_model(inputs_embeds=embeds, use_cache=False).logits[0]
    last = 8
    ref = dict(
        image=f"{name}.png", width=w, height=h, max_tiles=MAX_PATCHES,
        tiles=int(pv.shape[0]), grid=ratio, pixel_tiles=kept,  # grid: [rows, columns]
        pixel_table=[float(x) for x in table],
        prefix_ids=prefix, suffix_ids=suffix, input_ids=input_ids,
        embeddings_shape=list(emb.shape), embeddings=[float(x) for x in t2n(emb).reshape(-1)],
        logits_positions=list(range(len(input_ids) - last, len(input_ids))),
        logits=[[float(x) for x in t2n(logits[p])] for p in range(len(input_ids) - last, len(input_ids))],
        reference="transformers Llama4ForConditionalGeneration / Llama4ImageProcessor (torchvision backend), float32",
    )
    (OUT / f"{name}.json").write_text(json.dumps(ref))
    print(f"{name}: {w}x{h} -> grid {ratio}, {pv.shape[0]} tiles, {len(input_ids)} tokens")


def make_decoding_fixtures():
    """Small images in the forms people send, each with the RGB bytes Pillow gives, plus broken files."""
    import io
    import struct
    import zlib
    from PIL import Image
    d = OUT / "decode"
    d.mkdir(parents=True, exist_ok=True)
    rgb = make_image(24, 16, 7, 10)
    alpha = np.clip(np.mgrid[0:16, 0:24][1] * 11, 0, 255).astype(np.uint8)
    cases = {}

    def rgb_over_white(img):
        # transformers image_transforms.convert_to_rgb: RGBA composited over opaque white.
        rgba = img.convert("RGBA")
        bg = Image.new("RGBA", rgba.size, (255, 255, 255))
        return Image.alpha_composite(bg, rgba).convert("RGB")

    def save(name, img, fmt, **kw):
        buf = io.BytesIO()
        img.save(buf, fmt, **kw)
        (d / name).write_bytes(buf.getvalue())
        back = Image.open(io.BytesIO(buf.getvalue()))
        back.load()
        out = rgb_over_white(back) if back.mode in ("RGBA", "LA", "P") else back.convert("RGB")
        cases[name] = dict(width=out.width, height=out.height, rgb=list(np.asarray(out, dtype=np.uint8).reshape(-1).tolist()))

    im = Image.fromarray(rgb, "RGB")
    save("rgb.jpg", im, "JPEG", quality=90)
    save("rgb-420.jpg", im, "JPEG", quality=75, subsampling=2)
    save("progressive.jpg", im, "JPEG", quality=85, progressive=True)
    save("gray.jpg", im.convert("L"), "JPEG", quality=90)
    save("rgb.png", im, "PNG")
    save("gray.png", im.convert("L"), "PNG")
    save("palette.png", im.convert("P", palette=Image.ADAPTIVE, colors=16), "PNG")
    rgba = Image.fromarray(np.dstack([rgb, alpha]), "RGBA")
    save("rgba.png", rgba, "PNG")
    (d / "decode.json").write_text(json.dumps(cases))

    # A PNG declaring 100000×100000 pixels (valid signature, IHDR and CRC; no data needed).
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
    (d / "huge.png").write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))
    # A JPEG whose frame header declares 60000×60000 pixels.
    j = bytearray((d / "rgb.jpg").read_bytes())
    sof = j.find(b"\xff\xc0")
    assert sof > 0
    j[sof + 5:sof + 9] = struct.pack(">HH", 60000, 60000)
    (d / "huge.jpg").write_bytes(bytes(j))
    print(f"wrote {len(cases)} decoding cases and 2 huge headers to {d}")


def make_scout(out_dir: Path):
    """Benchmark inputs (not committed): a random-weight mmproj with Scout's vision dimensions in F16
    (as the mmproj files people have; ~1.7 GB), and a stub llama4 text model of Scout's width
    (5120; one head, tiny FFNs) that llama.cpp's llama-mtmd-cli needs beside it."""
    rng = np.random.default_rng(SEED)
    c = SCOUT_VISION
    W, F, L = c["hidden_size"], c["intermediate_size"], c["num_hidden_layers"]

    def mat(rows, cols):
        return (rng.standard_normal((rows, cols), dtype=np.float32) / math.sqrt(cols)).astype(np.float16)

    def vec(n, one=False):
        return ((1.0 if one else 0.0) + 0.1 * rng.standard_normal(n, dtype=np.float32)).astype(np.float32)

    def tensors():
        yield "v.patch_embd.weight", mat(W, 588)
        yield "v.class_embd", vec(W)
        yield "v.position_embd.weight", (0.1 * rng.standard_normal((577, W), dtype=np.float32))  # F32: ggml adds it to F32 activations
        for a in ("pre_ln", "post_ln"):
            yield f"v.{a}.weight", vec(W, True)
            yield f"v.{a}.bias", vec(W)
        for i in range(L):
            p = f"v.blk.{i}."
            for a in ("attn_q", "attn_k", "attn_v", "attn_out"):
                yield p + a + ".weight", mat(W, W)
                yield p + a + ".bias", vec(W)
            for a in ("ln1", "ln2"):
                yield p + a + ".weight", vec(W, True)
                yield p + a + ".bias", vec(W)
            yield p + "ffn_up.weight", mat(F, W)
            yield p + "ffn_up.bias", vec(F)
            yield p + "ffn_down.weight", mat(W, F)
            yield p + "ffn_down.bias", vec(W)
        yield "mm.model.mlp.1.weight", mat(c["projector_input_dim"], F)
        yield "mm.model.mlp.2.weight", mat(c["projector_output_dim"], c["projector_input_dim"])
        yield "mm.model.fc.weight", mat(5120, c["vision_output_dim"])

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "scout-mmproj-random.f16.gguf"
    write_mmproj(tensors(), c, 5120, path)
    print(f"wrote {path}")

    # Text stub: llama4, width 5120, 4 layers (llama.cpp needs a NoPE layer), 1 head of 128, 2 experts.
    import make_models as mm
    vocab = mm.build_vocab("llama4")
    E, V, hd, ff = 5120, len(vocab["tokens"]), 128, 64
    w = gguf.GGUFWriter(str(out_dir / "scout-text-stub.f32.gguf"), "llama4")
    w.add_name("scout-width text stub")
    w.add_file_type(int(gguf.LlamaFileType.ALL_F32))
    for f, v in ((w.add_context_length, 4096), (w.add_embedding_length, E), (w.add_block_count, 4), (w.add_feed_forward_length, ff),
                 (w.add_head_count, 1), (w.add_head_count_kv, 1), (w.add_key_length, hd), (w.add_value_length, hd),
                 (w.add_rope_dimension_count, hd), (w.add_expert_count, 2), (w.add_expert_used_count, 1),
                 (w.add_expert_feed_forward_length, ff), (w.add_interleave_moe_layer_step, 1)):
        f(v)
    w.add_rope_freq_base(500000.0)
    w.add_layer_norm_rms_eps(1e-5)
    mm.write_vocab(w, vocab)

    def m32(rows, cols, *lead):
        return (rng.standard_normal((*lead, rows, cols), dtype=np.float32) / math.sqrt(cols)).astype(np.float32)
    w.add_tensor("token_embd.weight", m32(V, E))
    w.add_tensor("output_norm.weight", vec(E, True))
    w.add_tensor("output.weight", m32(V, E))
    for i in range(4):
        p = f"blk.{i}."
        w.add_tensor(p + "attn_norm.weight", vec(E, True))
        w.add_tensor(p + "attn_q.weight", m32(hd, E)); w.add_tensor(p + "attn_k.weight", m32(hd, E))
        w.add_tensor(p + "attn_v.weight", m32(hd, E)); w.add_tensor(p + "attn_output.weight", m32(E, hd))
        w.add_tensor(p + "ffn_norm.weight", vec(E, True))
        w.add_tensor(p + "ffn_gate_inp.weight", m32(2, E))
        w.add_tensor(p + "ffn_gate_exps.weight", m32(ff, E, 2)); w.add_tensor(p + "ffn_up_exps.weight", m32(ff, E, 2))
        w.add_tensor(p + "ffn_down_exps.weight", m32(E, ff, 2))
        w.add_tensor(p + "ffn_gate_shexp.weight", m32(ff, E)); w.add_tensor(p + "ffn_up_shexp.weight", m32(ff, E))
        w.add_tensor(p + "ffn_down_shexp.weight", m32(E, ff))
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
    print(f"wrote {out_dir / 'scout-text-stub.f32.gguf'}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scout", action="store_true", help="write .models/scout-mmproj-random.f16.gguf + a text stub for benchmarks")
    ap.add_argument("--decode", action="store_true", help="write only the decoding fixtures (decode/)")
    args = ap.parse_args()
    if args.decode:
        make_decoding_fixtures()
        return
    if args.scout:
        make_scout(ROOT / ".models")
        return
    OUT.mkdir(parents=True, exist_ok=True)
    mm, vocab = build_vocab()
    model, ids = make_model(vocab)
    write_text_gguf(model, vocab, mm, OUT / "llama4-vision-text.f32.gguf")
    sd = model.state_dict()
    write_mmproj(vision_tensors(sd, VISION["num_hidden_layers"]), VISION, TEXT["hidden_size"],
                 OUT / "llama4-vision-mmproj.f32.gguf")
    table = pixel_table()
    assert np.all(np.diff(table) > 0), "pixel table must be increasing"
    run_case(model, ids, table, "one-tile", 200, 150, 1)
    run_case(model, ids, table, "multi-tile", 400, 250, 2)
    # A large image: the canvas itself is resized (downscale), 2×3 tiles + overview. Pixel values only.
    run_case(model, ids, table, "large", 1050, 700, 3, noise=0, full=False)
    make_decoding_fixtures()


if __name__ == "__main__":
    main()
