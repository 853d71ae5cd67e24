// Dense products Y = X · Wᵀ for F32 or F16 weights and F32 activations with AVX-512 (dot-product form,
// as llama.cpp's tinyBLAS: no packing; each 6-token × 4-row tile keeps 24 vector sums in registers,
// weights converted from F16 as they are loaded). Used where OpenBLAS is pinned to AVX2 kernels.
#include <stddef.h>
#include <stdint.h>
#include "ckernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

int ck_gemm_supported(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("f16c");
}

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl"))), apply_to = function)

enum { TM = 6, TN = 4, ROW_BLOCK = 64, K_BLOCK = 1536 };

/// 16 weights from element k of a row (F16 converted), `mask` for a short last step.
static inline __attribute__((always_inline)) __m512 wload(const void *w, int f16, size_t k, __mmask16 mask) {
    if (f16) return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask, (const uint16_t *)w + k));
    return _mm512_maskz_loadu_ps(mask, (const float *)w + k);
}

/// y[i·ys + j] (+)= Σ_{k0 ≤ k < k1} x[i·xs + k] · w[j·ws + k] for i < RM, j < RN.
static inline __attribute__((always_inline)) void tile(const int RM, const int RN, const int f16,
                                                       const float *x, size_t xs, const void *w, size_t ws,
                                                       size_t k0, size_t k1, float *y, size_t ys, int add) {
    __m512 acc[6][4];  // fixed sizes (RM ≤ 6, RN ≤ 4, constants once inlined): the sums live in registers
    for (int i = 0; i < RM; i++)
        for (int j = 0; j < RN; j++) acc[i][j] = _mm512_setzero_ps();
    const size_t wsb = f16 ? ws * 2 : ws * 4;
    size_t k = k0;
    for (; k + 16 <= k1; k += 16) {
        __m512 xv[6];
        for (int i = 0; i < RM; i++) xv[i] = _mm512_loadu_ps(x + i * xs + k);
        for (int j = 0; j < RN; j++) {
            __m512 wv = wload((const uint8_t *)w + j * wsb, f16, k, 0xFFFF);
            for (int i = 0; i < RM; i++) acc[i][j] = _mm512_fmadd_ps(xv[i], wv, acc[i][j]);
        }
    }
    if (k < k1) {
        __mmask16 m = (__mmask16)((1u << (k1 - k)) - 1);
        __m512 xv[6];
        for (int i = 0; i < RM; i++) xv[i] = _mm512_maskz_loadu_ps(m, x + i * xs + k);
        for (int j = 0; j < RN; j++) {
            __m512 wv = wload((const uint8_t *)w + j * wsb, f16, k, m);
            for (int i = 0; i < RM; i++) acc[i][j] = _mm512_fmadd_ps(xv[i], wv, acc[i][j]);
        }
    }
    for (int i = 0; i < RM; i++)
        for (int j = 0; j < RN; j++) {
            float s = _mm512_reduce_add_ps(acc[i][j]);
            y[i * ys + j] = add ? y[i * ys + j] + s : s;
        }
}

static inline __attribute__((always_inline)) void gemm(const int f16, const void *w, size_t ws, int rows, int cols,
                                                       const float *x, size_t xs, int n, float *y, size_t ys) {
    const size_t es = f16 ? 2 : 4;
    // K in near-equal blocks of ≤ K_BLOCK (multiples of 16): a 6-token tile of X stays in L1.
    int kblocks = (cols + K_BLOCK - 1) / K_BLOCK;
    size_t kstep = (((size_t)cols + kblocks - 1) / kblocks + 15) / 16 * 16;
    for (size_t k0 = 0; k0 < (size_t)cols; k0 += kstep) {
        size_t k1 = k0 + kstep < (size_t)cols ? k0 + kstep : (size_t)cols;
        int add = k0 > 0;
        // Rows in blocks that stay in L2 while every token passes over them.
        for (int r0 = 0; r0 < rows; r0 += ROW_BLOCK) {
            int r1 = r0 + ROW_BLOCK < rows ? r0 + ROW_BLOCK : rows;
            int t = 0;
            for (; t + TM <= n; t += TM) {
                const float *xt = x + t * xs;
                int r = r0;
                for (; r + TN <= r1; r += TN)
                    tile(TM, TN, f16, xt, xs, (const uint8_t *)w + r * ws * es, ws, k0, k1, y + t * ys + r, ys, add);
                for (; r < r1; r++)
                    tile(TM, 1, f16, xt, xs, (const uint8_t *)w + r * ws * es, ws, k0, k1, y + t * ys + r, ys, add);
            }
            for (; t < n; t++) {
                const float *xt = x + t * xs;
                int r = r0;
                for (; r + TN <= r1; r += TN)
                    tile(1, TN, f16, xt, xs, (const uint8_t *)w + r * ws * es, ws, k0, k1, y + t * ys + r, ys, add);
                for (; r < r1; r++)
                    tile(1, 1, f16, xt, xs, (const uint8_t *)w + r * ws * es, ws, k0, k1, y + t * ys + r, ys, add);
            }
        }
    }
}

static void gemm_f16(const void *w, size_t ws, int rows, int cols, const float *x, size_t xs, int n, float *y, size_t ys) {
    gemm(1, w, ws, rows, cols, x, xs, n, y, ys);
}

static void gemm_f32(const void *w, size_t ws, int rows, int cols, const float *x, size_t xs, int n, float *y, size_t ys) {
    gemm(0, w, ws, rows, cols, x, xs, n, y, ys);
}

/// C[i·ldc + j] = Σ_p A[i·lda + p] · B[p·ldb + j] for i < RM, j < 16·NV (the last vector masked by
/// `last`), p < k: each A value broadcast against NV vectors of a B row (no sums across lanes).
static inline __attribute__((always_inline)) void tile_nn(const int RM, const int NV, __mmask16 last, int k,
                                                          const float *a, size_t lda, const float *b, size_t ldb,
                                                          float *c, size_t ldc) {
    __m512 acc[6][4];
    for (int i = 0; i < RM; i++)
        for (int v = 0; v < NV; v++) acc[i][v] = _mm512_setzero_ps();
    for (int p = 0; p < k; p++) {
        const float *bp = b + p * ldb;
        __m512 bv[4];
        for (int v = 0; v < NV; v++) bv[v] = v == NV - 1 ? _mm512_maskz_loadu_ps(last, bp + 16 * v) : _mm512_loadu_ps(bp + 16 * v);
        for (int i = 0; i < RM; i++) {
            __m512 av = _mm512_set1_ps(a[i * lda + p]);
            for (int v = 0; v < NV; v++) acc[i][v] = _mm512_fmadd_ps(av, bv[v], acc[i][v]);
        }
    }
    for (int i = 0; i < RM; i++)
        for (int v = 0; v < NV; v++) {
            if (v == NV - 1) _mm512_mask_storeu_ps(c + i * ldc + 16 * v, last, acc[i][v]);
            else _mm512_storeu_ps(c + i * ldc + 16 * v, acc[i][v]);
        }
}

/// Rows of C in tiles of 6 (then 1) for NV vectors of columns starting at `c`.
static inline __attribute__((always_inline)) void rows_nn(const int NV, __mmask16 last, int m, int k,
                                                          const float *a, size_t lda, const float *b, size_t ldb,
                                                          float *c, size_t ldc) {
    int i = 0;
    for (; i + 6 <= m; i += 6) tile_nn(6, NV, last, k, a + i * lda, lda, b, ldb, c + i * ldc, ldc);
    for (; i < m; i++) tile_nn(1, NV, last, k, a + i * lda, lda, b, ldb, c + i * ldc, ldc);
}

static void gemm_nn(int m, int n, int k, const float *a, size_t lda, const float *b, size_t ldb, float *c, size_t ldc) {
    int j = 0;
    for (; j + 64 <= n; j += 64) rows_nn(4, 0xFFFF, m, k, a, lda, b + j, ldb, c + j, ldc);
    int rest = n - j;
    if (rest == 0) return;
    int nv = (rest + 15) / 16;
    __mmask16 last = (__mmask16)((1u << (rest - 16 * (nv - 1))) - 1);
    if (rest - 16 * (nv - 1) == 16) last = 0xFFFF;
    switch (nv) {
    case 1: rows_nn(1, last, m, k, a, lda, b + j, ldb, c + j, ldc); break;
    case 2: rows_nn(2, last, m, k, a, lda, b + j, ldb, c + j, ldc); break;
    default: rows_nn(3, last, m, k, a, lda, b + j, ldb, c + j, ldc); break;
    }
}

#pragma clang attribute pop

void ck_gemm_nn(int m, int n, int k, const float *a, size_t lda, const float *b, size_t ldb, float *c, size_t ldc) {
    gemm_nn(m, n, k, a, lda, b, ldb, c, ldc);
}

void ck_gemm(int f16, const void *w, size_t w_stride, int rows, int cols,
             const float *x, size_t x_stride, int n, float *y, size_t y_stride) {
    if (f16) gemm_f16(w, w_stride, rows, cols, x, x_stride, n, y, y_stride);
    else gemm_f32(w, w_stride, rows, cols, x, x_stride, n, y, y_stride);
}

#else
int ck_gemm_supported(void) { return 0; }
void ck_gemm_nn(int m, int n, int k, const float *a, size_t lda, const float *b, size_t ldb, float *c, size_t ldc) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)c; (void)ldc;
}
void ck_gemm(int f16, const void *w, size_t w_stride, int rows, int cols,
             const float *x, size_t x_stride, int n, float *y, size_t y_stride) {
    (void)f16; (void)w; (void)w_stride; (void)rows; (void)cols; (void)x; (void)x_stride; (void)n; (void)y; (void)y_stride;
}
#endif
