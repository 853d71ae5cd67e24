// Softmax and exact GELU with AVX-512.
// exp: range reduction (x = k·ln2 + r, |r| ≤ ln2/2, two-part ln2) and the degree-7 Taylor polynomial of
// e^r (truncation < 6e-9 relative), scaled by 2^k with vscalefps (underflows to 0 as expf does); seen
// ≤ 7.9e-8 relative (expf: 5.9e-8).
// GELU x·Φ(x) = x/2·(1 + erf(x/√2)): erf by its Taylor series for |z| < 0.5, else through
// erfc(z) = e^(−z²)·g(1/(1 + z/2)), g a degree-10 polynomial fitted here to erfc(z)·e^(z²) on [0, 10]
// (relative error 6e-9 in exact arithmetic, 3e-7 evaluated in float), e^(−z²) with z² split in two.
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include "ckernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl"))), apply_to = function)

static inline __m512 exp16(__m512 x) {
    const __m512 log2e = _mm512_set1_ps(1.44269504088896341f);
    const __m512 ln2hi = _mm512_set1_ps(0.693145751953125f), ln2lo = _mm512_set1_ps(1.42860682030941723e-6f);
    x = _mm512_max_ps(x, _mm512_set1_ps(-104.0f));  // e^-104 is 0 in float: keeps k finite
    __m512 k = _mm512_roundscale_ps(_mm512_mul_ps(x, log2e), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(k, ln2hi, x);
    r = _mm512_fnmadd_ps(k, ln2lo, r);
    __m512 p = _mm512_set1_ps(1.0f / 5040);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, k);
}

static const float erfc_g[11] = {8.462726328e-06f, 2.818470001e-01f, 2.852577865e-01f, 2.236536443e-01f, 2.842409015e-01f, -2.491659522e-01f, 6.795121431e-01f, -9.615439177e-01f, 6.371716261e-01f, -2.084782869e-01f, 2.749661729e-02f};

static inline __m512 gelu16(__m512 x) {
    const __m512 half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.0f);
    __m512 z = _mm512_mul_ps(x, _mm512_set1_ps(0.70710678118654752f));
    __m512 a = _mm512_abs_ps(z);
    // |z| < 0.5: erf(z) = 2/√π · Σ (−1)ⁿ z^(2n+1) / (n!·(2n+1)), n ≤ 6.
    __m512 z2 = _mm512_mul_ps(z, z);
    __m512 s = _mm512_set1_ps(1.0f / 9360);
    s = _mm512_fmadd_ps(s, z2, _mm512_set1_ps(-1.0f / 1320));
    s = _mm512_fmadd_ps(s, z2, _mm512_set1_ps(1.0f / 216));
    s = _mm512_fmadd_ps(s, z2, _mm512_set1_ps(-1.0f / 42));
    s = _mm512_fmadd_ps(s, z2, _mm512_set1_ps(1.0f / 10));
    s = _mm512_fmadd_ps(s, z2, _mm512_set1_ps(-1.0f / 3));
    s = _mm512_fmadd_ps(s, z2, one);
    __m512 erf_small = _mm512_mul_ps(_mm512_mul_ps(s, z), _mm512_set1_ps(1.12837916709551257f));
    __m512 small = _mm512_mul_ps(_mm512_mul_ps(half, x), _mm512_add_ps(one, erf_small));
    // Otherwise E = erfc(|z|) = e^(−z²)·g(t), t = 1/(1 + |z|/2); GELU = x/2·(2 − E) for x ≥ 0, x/2·E below.
    __m512 t = _mm512_div_ps(one, _mm512_fmadd_ps(a, half, one));
    __m512 g = _mm512_set1_ps(erfc_g[10]);
    for (int k = 9; k >= 0; k--) g = _mm512_fmadd_ps(g, t, _mm512_set1_ps(erfc_g[k]));
    __m512 hi = _mm512_mul_ps(a, a), lo = _mm512_fmsub_ps(a, a, hi);
    __m512 e = _mm512_mul_ps(_mm512_mul_ps(exp16(_mm512_sub_ps(_mm512_setzero_ps(), hi)), _mm512_sub_ps(one, lo)), g);
    __mmask16 neg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
    __m512 phi2 = _mm512_mask_blend_ps(neg, _mm512_sub_ps(_mm512_set1_ps(2.0f), e), e);
    __m512 large = _mm512_mul_ps(_mm512_mul_ps(half, x), phi2);
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, half, _CMP_LT_OQ), large, small);
}

static void gelu_array(float *x, int n) {
    int i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(x + i, gelu16(_mm512_loadu_ps(x + i)));
    __mmask16 tail = (__mmask16)((1u << (n - i)) - 1);
    if (tail) _mm512_mask_storeu_ps(x + i, tail, gelu16(_mm512_maskz_loadu_ps(tail, x + i)));
}

static void softmax_rows(float *x, int rows, int n, size_t stride, float scale) {
    const __m512 s = _mm512_set1_ps(scale);
    for (int row = 0; row < rows; row++) {
        float *v = x + row * stride;
        __m512 mx = _mm512_set1_ps(-INFINITY);
        int i = 0;
        for (; i + 16 <= n; i += 16) mx = _mm512_max_ps(mx, _mm512_loadu_ps(v + i));
        __mmask16 tail = (__mmask16)((1u << (n - i)) - 1);
        if (tail) mx = _mm512_mask_max_ps(mx, tail, mx, _mm512_maskz_loadu_ps(tail, v + i));
        const __m512 ms = _mm512_set1_ps(_mm512_reduce_max_ps(mx) * scale);
        __m512 sum = _mm512_setzero_ps();
        for (i = 0; i + 16 <= n; i += 16) {
            __m512 e = exp16(_mm512_fmsub_ps(_mm512_loadu_ps(v + i), s, ms));
            _mm512_storeu_ps(v + i, e);
            sum = _mm512_add_ps(sum, e);
        }
        if (tail) {
            __m512 e = exp16(_mm512_fmsub_ps(_mm512_maskz_loadu_ps(tail, v + i), s, ms));
            _mm512_mask_storeu_ps(v + i, tail, e);
            sum = _mm512_add_ps(sum, _mm512_maskz_mov_ps(tail, e));
        }
        const __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum));
        for (i = 0; i + 16 <= n; i += 16) _mm512_storeu_ps(v + i, _mm512_mul_ps(_mm512_loadu_ps(v + i), inv));
        if (tail) _mm512_mask_storeu_ps(v + i, tail, _mm512_mul_ps(_mm512_maskz_loadu_ps(tail, v + i), inv));
    }
}

static void exp_array(const float *x, float *y, int n) {
    int i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, exp16(_mm512_loadu_ps(x + i)));
    __mmask16 tail = (__mmask16)((1u << (n - i)) - 1);
    if (tail) _mm512_mask_storeu_ps(y + i, tail, exp16(_mm512_maskz_loadu_ps(tail, x + i)));
}

#pragma clang attribute pop

void ck_softmax_rows(float *x, int rows, int n, size_t stride, float scale) { softmax_rows(x, rows, n, stride, scale); }
void ck_exp(const float *x, float *y, int n) { exp_array(x, y, n); }
void ck_gelu(float *x, int n) { gelu_array(x, n); }

#else
void ck_softmax_rows(float *x, int rows, int n, size_t stride, float scale) { (void)x; (void)rows; (void)n; (void)stride; (void)scale; }
void ck_exp(const float *x, float *y, int n) { (void)x; (void)y; (void)n; }
void ck_gelu(float *x, int n) { (void)x; (void)n; }
#endif
