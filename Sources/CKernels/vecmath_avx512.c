// Softmax of attention rows with AVX-512: exp by range reduction (x = k·ln2 + r, |r| ≤ ln2/2, two-part
// ln2) and the degree-7 Taylor polynomial of e^r (truncation < 6e-9 relative, under float's half ulp),
// scaled by 2^k with vscalefps (exact, underflows to 0 as expf does).
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

#else
void ck_softmax_rows(float *x, int rows, int n, size_t stride, float scale) { (void)x; (void)rows; (void)n; (void)stride; (void)scale; }
void ck_exp(const float *x, float *y, int n) { (void)x; (void)y; (void)n; }
#endif
