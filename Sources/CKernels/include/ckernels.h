// Hot integer dot products of the MoE engine (Sources/MoE/Kernels/IntegerDot.swift calls them).
//
// Weight rows are GGUF blocks in the mapped file; activations are already quantized by the
// engine (Q8_0 for Q8_0/Q4_0 weights, Q8_K for K-quants, as llama.cpp's CPU backend does).
// Each block's products are summed exactly in integers and scaled in float, so every variant
// (portable C, AVX2, AVX-512 VNNI) returns the same integer sums; only the float accumulation
// order differs. The variant is chosen once at run time from the CPU's features.
#ifndef CKERNELS_H
#define CKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Weight types with an integer kernel (values match the engine's GGMLType raw values).
enum {
    CK_Q4_0 = 2,
    CK_Q8_0 = 8,
    CK_Q4_K = 12,
    CK_Q5_K = 13,
    CK_Q6_K = 14,
};

/// Quantized activations of one token: `qs` int8 values, one float scale per block
/// (32 values for Q8_0, 256 for Q8_K) and, for Q8_K, the sum of each 16 values.
typedef struct {
    const int8_t *qs;
    const float *d;
    const int16_t *bsums;
} ck_act;

/// Dot product of one weight row of `n` values (type `type`) with one token's activations.
float ck_dot(int type, const void *row, ck_act a, int n);

/// y[t * y_stride + r] = row r · token t for rows 0..<rows (row r at w + r·row_bytes) and
/// tokens 0..<tokens (token t's activations at acts[t]). Rows are taken a few at a time and
/// every token is run against them while they are in L1, so each row is read from memory once.
void ck_dot_rows(int type, const void *w, size_t row_bytes, int rows, int n,
                 const ck_act *acts, int tokens, float *y, size_t y_stride);

/// Quantizes `n` floats (a multiple of 32) as llama.cpp's x86 `quantize_row_q8_0` does, for
/// Q8_0/Q4_0 weights: per 32 values d = max|x|/127 rounded to f16 (stored as float),
/// q = round-half-even(x·127/max|x|).
void ck_quantize_q8_0(const float *x, int n, int8_t *qs, float *d);

/// Quantizes `n` floats (a multiple of 256) as `quantize_row_q8_K_ref`, for K-quant weights:
/// per 256 values iscale = −127/(the first value of largest magnitude), q = min(127,
/// round-half-even(iscale·x)), d = 1/iscale, and the sum of each 16 q in `bsums`.
void ck_quantize_q8_K(const float *x, int n, int8_t *qs, float *d, int16_t *bsums);

/// y[t * y_stride + r] = row r · token t for F32 rows (row r at w + r·w_stride floats, n values)
/// and tokens 0..<tokens (token t at x + t·x_stride). Returns 0 (and does nothing) when this
/// CPU has no AVX-512 (whatever `ck_select` chose for the integer kernels): the caller then uses BLAS.
int ck_f32_rows(const float *w, size_t w_stride, int rows, int n, const float *x, size_t x_stride,
                int tokens, float *y, size_t y_stride);

/// The variant in use: "avx512vnni", "avx2" or "portable".
const char *ck_variant(void);

/// Forces a variant by name (tests and benchmarks); returns 0 if the CPU lacks it.
int ck_select(const char *name);

/// Whether `ck_gemm` can run here (AVX-512F/BW and F16C).
int ck_gemm_supported(void);

/// y[t·y_stride + r] = Σ_k x[t·x_stride + k] · w[r·w_stride + k] for t < n, r < rows, k < cols, with
/// AVX-512 (gemm_avx512.c); `w` holds F16 values when `f16` is nonzero, else F32. Only where
/// `ck_gemm_supported()`.
void ck_gemm(int f16, const void *w, size_t w_stride, int rows, int cols,
             const float *x, size_t x_stride, int n, float *y, size_t y_stride);

/// C[i·ldc + j] = Σ_p A[i·lda + p] · B[p·ldb + j] for i < m, j < n, p < k, all float32 and row-major
/// (attention's QKᵀ with Kᵀ and PV), with AVX-512 (gemm_avx512.c); only where `ck_gemm_supported()`.
void ck_gemm_nn(int m, int n, int k, const float *a, size_t lda, const float *b, size_t ldb, float *c, size_t ldc);

/// In place, each of `rows` rows (row r at x + r·stride) of `n` values becomes softmax(scale·row)
/// (scale > 0), with AVX-512 (vecmath_avx512.c); only where `ck_gemm_supported()`.
void ck_softmax_rows(float *x, int rows, int n, size_t stride, float scale);

/// y[i] = e^x[i] for i < n, the exp of `ck_softmax_rows` (tests); only where `ck_gemm_supported()`.
void ck_exp(const float *x, float *y, int n);

/// In place, x[i] = x[i]·Φ(x[i]) (exact GELU, erf to within 3e-7 relative) for i < n, with AVX-512
/// (vecmath_avx512.c); only where `ck_gemm_supported()`.
void ck_gelu(float *x, int n);

#ifdef __cplusplus
}
#endif

#endif
