#!/usr/bin/env python3
"""Writes Tests/MoETests/Fixtures/quant/quant_vectors.gguf: per ggml type, a quantized tensor
`<type>` and the floats gguf-py decodes from it, `<type>.f32` (same shape, F32).

F16/BF16/Q8_0/Q4_0 are quantized from seeded random floats with gguf.quants.quantize;
K-quants (which gguf-py only decodes) are random block bytes with sane f16 scales, decoded
with gguf.quants.dequantize. Run: python3 scripts/make_quant_vectors.py
"""
from pathlib import Path

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T
from gguf.quants import quantize, dequantize

OUT = Path(__file__).resolve().parent.parent / "Tests/MoETests/Fixtures/quant/quant_vectors.gguf"
ROWS, COLS = 3, 512
rng = np.random.default_rng(20261129)


def random_kquant_blocks(qtype: T, n_blocks: int) -> np.ndarray:
    block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
    raw = rng.integers(0, 256, size=(n_blocks, type_size), dtype=np.uint8)
    # Overwrite the f16 scale fields with moderate values (random bits could be inf/nan).
    d = rng.uniform(-0.05, 0.05, size=(n_blocks, 2)).astype(np.float16).view(np.uint8)
    if qtype == T.Q6_K:
        raw[:, 208:210] = d[:, 0:2]
    else:  # Q4_K, Q5_K: d, dmin at the start
        raw[:, 0:4] = d
    return raw


def main() -> None:
    w = gguf.GGUFWriter(str(OUT), "quant-vectors")
    x = (rng.standard_normal((ROWS, COLS)) * 0.7).astype(np.float32)
    x[0, :32] = 0  # an all-zero block
    for qtype in (T.F16, T.BF16, T.Q8_0, T.Q4_0):
        q = quantize(x, qtype)
        w.add_tensor(qtype.name, q, raw_shape=q.shape, raw_dtype=qtype)
        w.add_tensor(qtype.name + ".f32", dequantize(q, qtype).astype(np.float32))
    for qtype in (T.Q4_K, T.Q5_K, T.Q6_K):
        n_blocks = ROWS * COLS // 256
        raw = random_kquant_blocks(qtype, n_blocks).reshape(ROWS, -1)
        w.add_tensor(qtype.name, raw, raw_shape=raw.shape, raw_dtype=qtype)
        w.add_tensor(qtype.name + ".f32", dequantize(raw, qtype).astype(np.float32))
    # Activations for dot-product tests.
    w.add_tensor("x.f32", (rng.standard_normal((1, COLS))).astype(np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print("wrote", OUT)


if __name__ == "__main__":
    main()
