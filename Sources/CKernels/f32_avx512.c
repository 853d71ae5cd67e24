// F32 weight rows against a few tokens (decode, batched decode, experts' small batches), AVX-512.
// Memory-bound for one token: four rows stream at once; for several tokens each 16 weights are
// loaded once and multiplied into every token's accumulator.
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include "blocks.h"

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl"))), apply_to = function)

/// Lanes of a tail of n % 16 values.
static inline __mmask16 tail_mask(int n) { return (__mmask16)((1u << (n & 15)) - 1); }

/// y[r] = row r · x for four consecutive rows.
static inline void rows4(const float *w, size_t stride, const float *x, int n, float *y) {
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
    const float *w0 = w, *w1 = w + stride, *w2 = w + 2 * stride, *w3 = w + 3 * stride;
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 xv = _mm512_loadu_ps(x + i);
        a0 = _mm512_fmadd_ps(_mm512_loadu_ps(w0 + i), xv, a0);
        a1 = _mm512_fmadd_ps(_mm512_loadu_ps(w1 + i), xv, a1);
        a2 = _mm512_fmadd_ps(_mm512_loadu_ps(w2 + i), xv, a2);
        a3 = _mm512_fmadd_ps(_mm512_loadu_ps(w3 + i), xv, a3);
    }
    if (i < n) {
        __mmask16 m = tail_mask(n);
        __m512 xv = _mm512_maskz_loadu_ps(m, x + i);
        a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w0 + i), xv, a0);
        a1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w1 + i), xv, a1);
        a2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w2 + i), xv, a2);
        a3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w3 + i), xv, a3);
    }
    y[0] = _mm512_reduce_add_ps(a0); y[1] = _mm512_reduce_add_ps(a1);
    y[2] = _mm512_reduce_add_ps(a2); y[3] = _mm512_reduce_add_ps(a3);
}

/// out[t] = row · x[t] for t < tokens ≤ CK_MULTI (token t's values at x + t·x_stride).
static inline __attribute__((always_inline)) void row_multi(const float *row, const float *x, size_t x_stride, int tokens, int n, float *out) {
    __m512 acc[CK_MULTI];
    for (int t = 0; t < tokens; t++) acc[t] = _mm512_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 w = _mm512_loadu_ps(row + i);
        for (int t = 0; t < tokens; t++) acc[t] = _mm512_fmadd_ps(w, _mm512_loadu_ps(x + t * x_stride + i), acc[t]);
    }
    if (i < n) {
        __mmask16 m = tail_mask(n);
        __m512 w = _mm512_maskz_loadu_ps(m, row + i);
        for (int t = 0; t < tokens; t++) acc[t] = _mm512_fmadd_ps(w, _mm512_maskz_loadu_ps(m, x + t * x_stride + i), acc[t]);
    }
    for (int t = 0; t < tokens; t++) out[t] = _mm512_reduce_add_ps(acc[t]);
}

/// `ck_f32_rows` (see ckernels.h).
void ck_f32_rows_avx512(const float *w, size_t w_stride, int rows, int n, const float *x, size_t x_stride,
                        int tokens, float *y, size_t y_stride) {
    if (tokens == 1) {
        int r = 0;
        for (; r + 4 <= rows; r += 4) rows4(w + (size_t)r * w_stride, w_stride, x, n, y + r);
        for (; r < rows; r++) row_multi(w + (size_t)r * w_stride, x, x_stride, 1, n, y + r);
        return;
    }
    // As ck_dot_rows: rows in groups of about 64 KiB (L2) against each chunk of CK_MULTI tokens.
    float out[CK_MULTI];
    int group = tokens <= CK_MULTI ? rows : (int)(65536 / (sizeof(float) * (size_t)(n > 0 ? n : 1)));
    if (group < 1) group = 1;
    for (int r0 = 0; r0 < rows; r0 += group) {
        int r1 = r0 + group < rows ? r0 + group : rows;
        for (int t0 = 0; t0 < tokens; t0 += CK_MULTI) {
            int m = tokens - t0 < CK_MULTI ? tokens - t0 : CK_MULTI;
            for (int r = r0; r < r1; r++) {
                const float *row = w + (size_t)r * w_stride, *xt = x + (size_t)t0 * x_stride;
                // A constant token count per call, so the accumulators stay in registers.
                switch (m) {
                case 1: row_multi(row, xt, x_stride, 1, n, out); break;
                case 2: row_multi(row, xt, x_stride, 2, n, out); break;
                case 3: row_multi(row, xt, x_stride, 3, n, out); break;
                case 4: row_multi(row, xt, x_stride, 4, n, out); break;
                case 5: row_multi(row, xt, x_stride, 5, n, out); break;
                case 6: row_multi(row, xt, x_stride, 6, n, out); break;
                case 7: row_multi(row, xt, x_stride, 7, n, out); break;
                default: row_multi(row, xt, x_stride, 8, n, out); break;
                }
                for (int t = 0; t < m; t++) y[(size_t)(t0 + t) * y_stride + r] = out[t];
            }
        }
    }
}

#pragma clang attribute pop
#endif
