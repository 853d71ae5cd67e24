#!/usr/bin/env python3
"""llama.cpp's Llama 4 image embeddings for the vision fixture (Tests/MoETests/Fixtures/vision/mtmd-336.json).

Runs llama.cpp's multimodal library (libmtmd, through `llama_cpp.mtmd_cpp` of llama-cpp-python 0.3.36,
which vendors llama.cpp 0c1e570) on the committed tiny vision fixture (`llama4-vision-mmproj.f32.gguf`
+ `llama4-vision-text.f32.gguf`, from scripts/make_vision_reference.py) and records what it computes,
so a Swift test can say where Chorus (Meta's reference) and llama.cpp agree and where they differ.

Where the two can agree, by construction:
  * the image is exactly 336×336 (`mtmd-336.png`, written here): llama.cpp's llava-uhd slicer then
    makes no slices and its overview "resize" is a plain copy; Chorus (Meta) makes one tile, no overview,
    no resampling. The only preprocessing difference left is the normalization: llama.cpp computes
    (x/255 − 0.5)/0.5 in float32, Meta in bfloat16; the test feeds Chorus's encoder float32 values.
  * the block's second norm: llama.cpp places it by its tensor name. `ln2` → pre-MLP LayerNorm with
    bias (Meta's `post_attention_layernorm`); `attn_post_norm` → a bias-less norm of the attention
    output before the residual add, and then a parameter-free LayerNorm before the MLP. No non-trivial
    weights make those two placements the same function (only o_proj = 0 with the norm an identity),
    so the same weights are written twice under the two names (temporary files, not committed):
    `ln2` everywhere (the comparison) and `attn_post_norm` everywhere (what the converter at 0c1e570
    writes: the documented difference, recorded too).
  * flash attention is turned off (llama.cpp's flash path casts K and V to F16); one thread.
Left different on purpose, and measured by the test: the 12×12 grid transposition (llama.cpp's pixel
shuffle) and GELU (llama.cpp's `ggml_gelu` is the tanh approximation read from an F16 table; Meta's
nn.GELU() is exact erf).

Also records the token layout llama.cpp builds around images (the text chunks of `mtmd_tokenize`) for
the 336 picture and for `multi-tile.png` (400×250).

Needs: llama-cpp-python 0.3.36 built from its sdist (scripts/requirements-oracle.txt), gguf, numpy,
Pillow. Re-runnable; deterministic. Run:

    nice -n 10 python3 scripts/make_mtmd_reference.py
"""
from __future__ import annotations

import ctypes
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "Tests" / "MoETests" / "Fixtures" / "vision"
MMPROJ = FIX / "llama4-vision-mmproj.f32.gguf"
TEXT = FIX / "llama4-vision-text.f32.gguf"
IMAGE = "mtmd-336.png"
SEED = 336


def make_image() -> np.ndarray:
    """A 336×336 RGB picture: smooth structure that is not symmetric under transposition, plus noise."""
    rng = np.random.default_rng(SEED)
    y, x = np.mgrid[0:336, 0:336].astype(np.float32)
    r = 127 + 110 * np.sin(x / 13.0 + 0.3) * np.cos(y / 41.0)
    g = 255 * (0.7 * x + 0.3 * y) / 336
    b = 127 + 120 * np.sin((x - 2 * y) / 29.0)
    img = np.stack([r, g, b], -1) + rng.normal(0, 3, (336, 336, 3))
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def renamed_mmproj(src: Path, dst: Path, second_norm: str) -> None:
    """A copy of `src` with every block's second norm named `second_norm` (`ln2` or `attn_post_norm`),
    all other keys and tensors unchanged."""
    import gguf
    r = gguf.GGUFReader(str(src))
    w = gguf.GGUFWriter(str(dst), r.fields["general.architecture"].contents())
    for f in r.fields.values():
        if f.name.startswith("GGUF.") or f.name == "general.architecture":
            continue
        vt = f.types[0]
        sub = f.types[1] if vt == gguf.GGUFValueType.ARRAY else None
        w.add_key_value(f.name, f.contents(), vt, sub_type=sub)
    for t in r.tensors:
        name = t.name
        for old in (".ln2.", ".attn_post_norm."):
            if name.startswith("v.blk.") and old in name:
                name = name.replace(old, f".{second_norm}.")
        # The reader gives numpy shape in row-major order (ggml's ne reversed): write as is.
        w.add_tensor(name, np.array(t.data), raw_dtype=t.tensor_type)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


class Mtmd:
    """llama.cpp's text model (for its vocabulary) + the mtmd context of one mmproj."""

    def __init__(self, mmproj: Path):
        import llama_cpp
        import llama_cpp.mtmd_cpp as m
        self.ll, self.m = llama_cpp, m
        llama_cpp.llama_backend_init()
        mp = llama_cpp.llama_model_default_params()
        mp.n_gpu_layers = 0
        self.model = llama_cpp.llama_model_load_from_file(str(TEXT).encode(), mp)
        if not self.model:
            raise SystemExit(f"llama.cpp could not load {TEXT}")
        p = m.mtmd_context_params_default()
        p.use_gpu = False
        p.n_threads = 1
        p.print_timings = False
        p.flash_attn_type = llama_cpp.LLAMA_FLASH_ATTN_TYPE_DISABLED
        self.ctx = m.mtmd_init_from_file(str(mmproj).encode(), self.model, p)
        if not self.ctx:
            raise SystemExit(f"llama.cpp could not load {mmproj}")

    def chunks(self, rgb: np.ndarray):
        """mtmd_tokenize of one media marker with this image: [(kind, value)], kind "text" (token
        ids) or "image" (the image chunk's pointer, its token count)."""
        m = self.m
        h, w, _ = rgb.shape
        buf = np.ascontiguousarray(rgb).tobytes()
        bitmap = m.mtmd_bitmap_init(w, h, ctypes.cast(ctypes.c_char_p(buf), ctypes.POINTER(ctypes.c_ubyte)))
        marker = m.mtmd_default_marker()
        text = m.mtmd_input_text(marker, len(marker), False, True)
        chunks = m.mtmd_input_chunks_init()
        bitmaps = (ctypes.c_void_p * 1)(bitmap)
        rc = m.mtmd_tokenize(self.ctx, chunks, ctypes.byref(text), bitmaps, 1)
        if rc != 0:
            raise SystemExit(f"mtmd_tokenize failed: {rc}")
        out = []
        for i in range(m.mtmd_input_chunks_size(chunks)):
            c = m.mtmd_input_chunks_get(chunks, i)
            kind = m.mtmd_input_chunk_get_type(c)
            if kind == m.MTMD_INPUT_CHUNK_TYPE_TEXT:
                n = ctypes.c_size_t()
                toks = m.mtmd_input_chunk_get_tokens_text(c, ctypes.byref(n))
                out.append(("text", [int(toks[k]) for k in range(n.value)]))
            else:
                out.append(("image", c))
        self._keep = (chunks, bitmap, buf)
        return out

    def embeddings(self, chunk) -> np.ndarray:
        m = self.m
        n = m.mtmd_input_chunk_get_n_tokens(chunk)
        if m.mtmd_encode_chunk(self.ctx, chunk) != 0:
            raise SystemExit("mtmd_encode_chunk failed")
        width = self.ll.llama_model_n_embd(self.model)
        ptr = m.mtmd_get_output_embd(self.ctx)
        return np.ctypeslib.as_array(ptr, shape=(n * width,)).astype(np.float32).reshape(n, width).copy()

    def layout(self, rgb: np.ndarray) -> list:
        """The chunk sequence: text chunks as their ids, image chunks as {"image_tokens": n}."""
        res = []
        for kind, v in self.chunks(rgb):
            res.append({"text": v} if kind == "text" else {"image_tokens": int(self.m.mtmd_input_chunk_get_n_tokens(v))})
        return res


def floats(a: np.ndarray) -> str:
    return "[" + ",".join(f"{float(x):.9g}" for x in a.reshape(-1)) + "]"


def main():
    from PIL import Image
    import llama_cpp
    rgb = make_image()
    Image.fromarray(rgb, "RGB").save(FIX / IMAGE, optimize=True)
    rgb = np.asarray(Image.open(FIX / IMAGE).convert("RGB"))  # what every decoder sees
    multi = np.asarray(Image.open(FIX / "multi-tile.png").convert("RGB"))

    results = {}
    layouts = {}
    with tempfile.TemporaryDirectory() as tmp:
        for norm in ("ln2", "attn_post_norm"):
            path = Path(tmp) / f"mmproj-{norm}.gguf"
            renamed_mmproj(MMPROJ, path, norm)
            mt = Mtmd(path)
            chunks = mt.chunks(rgb)
            images = [c for k, c in chunks if k == "image"]
            assert len(images) == 1, f"llama.cpp made {len(images)} image chunks for a 336×336 picture"
            results[norm] = mt.embeddings(images[0])
            if norm == "ln2":
                layouts = {IMAGE: mt.layout(rgb), "multi-tile.png": mt.layout(multi)}
            print(f"{norm}: embeddings {results[norm].shape}, |e| max {np.abs(results[norm]).max():.3f}")

    shape = list(results["ln2"].shape)
    # Hand-written JSON for the float arrays (9 significant digits round-trip float32).
    head = dict(
        image=IMAGE, width=336, height=336,
        llama_cpp=f"llama-cpp-python {llama_cpp.__version__} (llama.cpp 0c1e570), libmtmd, CPU, 1 thread, flash attention off",
        mmproj="llama4-vision-mmproj.f32.gguf with every block's second norm renamed (see the script)",
        embeddings_shape=shape,
        layouts=layouts,
    )
    body = json.dumps(head)[:-1]
    body += ', "embeddings_ln2": ' + floats(results["ln2"])
    body += ', "embeddings_attn_post_norm": ' + floats(results["attn_post_norm"]) + "}"
    (FIX / "mtmd-336.json").write_text(body)
    json.loads(body)
    print(f"wrote {FIX / 'mtmd-336.json'} and {FIX / IMAGE}; layouts: "
          + "; ".join(f"{k}: " + " ".join(f"text{v['text']}" if "text" in v else f"image×{v['image_tokens']}" for v in l)
                      for k, l in layouts.items()))


if __name__ == "__main__":
    sys.exit(main())
