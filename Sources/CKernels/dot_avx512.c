// AVX-512 VNNI kernels (Zen 4/5, Ice Lake and later): vpdpbusd sums four u8×s8 products into
// each int32 lane in one instruction; K-quant blocks take 64 weights per 512-bit step.
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include "blocks.h"

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni"))), apply_to = function)

#include "avx_helpers.h"

/// Σ over 32 pairs of signed bytes as eight int32 lanes (|w| ≤ 128 as unsigned; y ≠ −128).
static inline __m256i dot_s8(__m256i w, __m256i y) {
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_abs_epi8(w), _mm256_sign_epi8(y, w));
}

static inline __m512i join(__m256i lo, __m256i hi) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}

static inline int32_t hsum8i(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

/// Q8_0 rows against `tokens` (≤ CK_MULTI) tokens at once, two blocks per 512-bit step: the
/// weights' magnitudes and signs are taken once and reused for every token.
static inline __attribute__((always_inline)) void multi_q8_0(const uint8_t *row, const ck_act *acts, int tokens, int n, float *out) {
    const __m512i pick = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    __m512 acc[CK_MULTI];
    for (int t = 0; t < tokens; t++) acc[t] = _mm512_setzero_ps();
    int b = 0;
    for (; b + 1 < n / 32; b += 2) {
        const uint8_t *b0 = row + Q8_0_BYTES * b, *b1 = b0 + Q8_0_BYTES;
        __m512i w = join(_mm256_loadu_si256((const __m256i *)(b0 + 2)), _mm256_loadu_si256((const __m256i *)(b1 + 2)));
        __m512i aw = _mm512_abs_epi8(w);
        __mmask64 neg = _mm512_movepi8_mask(w);
        __m512 dw = _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(half8(b0))),
                                                        _mm256_castps_pd(half8(b1)), 1));
        for (int t = 0; t < tokens; t++) {
            __m512i y = _mm512_loadu_si512((const void *)(acts[t].qs + 32 * b));
            __m512i sy = _mm512_mask_sub_epi8(y, neg, _mm512_setzero_si512(), y);   // y·sign(w)
            __m512i d = _mm512_dpbusd_epi32(_mm512_setzero_si512(), aw, sy);
            __m128 dy2 = _mm_castpd_ps(_mm_load_sd((const double *)(acts[t].d + b)));
            __m512 scale = _mm512_mul_ps(dw, _mm512_permutexvar_ps(pick, _mm512_castps128_ps512(dy2)));
            acc[t] = _mm512_fmadd_ps(scale, _mm512_cvtepi32_ps(d), acc[t]);
        }
    }
    for (int t = 0; t < tokens; t++) {
        float tail = 0;
        if (b < n / 32) {   // an odd last block
            const uint8_t *blk = row + Q8_0_BYTES * b;
            __m256i w = _mm256_loadu_si256((const __m256i *)(blk + 2));
            __m256i y = _mm256_loadu_si256((const __m256i *)(acts[t].qs + 32 * b));
            tail = half_f16c(blk) * acts[t].d[b] * (float)hsum8i(dot_s8(w, y));
        }
        out[t] = _mm512_reduce_add_ps(acc[t]) + tail;
    }
}

static float dot_q8_0(const uint8_t *row, ck_act a, int n) {
    float out;
    multi_q8_0(row, &a, 1, n, &out);
    return out;
}

static float dot_q4_0(const uint8_t *row, ck_act a, int n) {
    __m256 acc = _mm256_setzero_ps();
    const __m256i low4 = _mm256_set1_epi8(0xF), eight = _mm256_set1_epi8(8);
    for (int b = 0; b < n / 32; b++) {
        const uint8_t *blk = row + Q4_0_BYTES * b;
        __m128i x = _mm_loadu_si128((const __m128i *)(blk + 2));
        __m256i u = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(x, 4), x), low4);
        __m256i y = _mm256_loadu_si256((const __m256i *)(a.qs + 32 * b));
        // Σ (u − 8)·y = Σ u·y − Σ 8·y, both exact in int32.
        __m256i s = _mm256_sub_epi32(_mm256_dpbusd_epi32(_mm256_setzero_si256(), u, y),
                                     _mm256_dpbusd_epi32(_mm256_setzero_si256(), eight, y));
        acc = _mm256_fmadd_ps(_mm256_mul_ps(half8(blk), _mm256_set1_ps(a.d[b])), _mm256_cvtepi32_ps(s), acc);
    }
    return hsum8(acc);
}


/// Q4_K/Q5_K rows against `tokens` (≤ CK_MULTI) tokens at once: each block's nibbles and
/// scales are unpacked once and reused from registers for every token.
static inline __attribute__((always_inline)) void dot_k4_multi(const uint8_t *row, const ck_act *acts, int tokens, int n, int five, float *out) {
    const int bytes = five ? Q5_K_BYTES : Q4_K_BYTES;
    const __m512i low4 = _mm512_set1_epi8(0xF), sixteen = _mm512_set1_epi8(16);
    __m512 acc[CK_MULTI];
    float mins[CK_MULTI];
    for (int t = 0; t < tokens; t++) { acc[t] = _mm512_setzero_ps(); mins[t] = 0; }
    int32_t sc[8], mn[8];
    for (int b = 0; b < n / 256; b++) {
        const uint8_t *blk = row + bytes * b, *qs = blk + (five ? 48 : 16);
        ck_scales_k4(blk + 4, sc, mn);
        __m256i qh = five ? _mm256_loadu_si256((const __m256i *)(blk + 16)) : _mm256_setzero_si256();
        __m512i u[4], s[4];
        for (int j = 0; j < 4; j++) {
            // Bytes 0-31: low nibbles (values 64j..64j+31), 32-63: high nibbles (64j+32..64j+63).
            __m256i q = _mm256_loadu_si256((const __m256i *)(qs + 32 * j));
            u[j] = _mm512_and_si512(join(q, _mm256_srli_epi16(q, 4)), low4);
            if (five) {
                __mmask64 m = (__mmask64)_mm256_test_epi8_mask(qh, _mm256_set1_epi8((char)(1 << (2 * j)))) |
                              (__mmask64)_mm256_test_epi8_mask(qh, _mm256_set1_epi8((char)(2 << (2 * j)))) << 32;
                u[j] = _mm512_or_si512(u[j], _mm512_maskz_mov_epi8(m, sixteen));
            }
            s[j] = join(_mm256_set1_epi32(sc[2 * j]), _mm256_set1_epi32(sc[2 * j + 1]));
        }
        float dw = half_f16c(blk), dmin = half_f16c(blk + 2);
        for (int t = 0; t < tokens; t++) {
            const int8_t *y = acts[t].qs + 256 * b;
            __m512i sumi = _mm512_setzero_si512();
            for (int j = 0; j < 4; j++) {
                __m512i d = _mm512_dpbusd_epi32(_mm512_setzero_si512(), u[j], _mm512_loadu_si512((const void *)(y + 64 * j)));
                sumi = _mm512_add_epi32(sumi, _mm512_mullo_epi32(d, s[j]));
            }
            float dy = acts[t].d[b];
            acc[t] = _mm512_fmadd_ps(_mm512_set1_ps(dy * dw), _mm512_cvtepi32_ps(sumi), acc[t]);
            mins[t] += dy * dmin * (float)ck_mins_k4(mn, acts[t].bsums + 16 * b);
        }
    }
    for (int t = 0; t < tokens; t++) out[t] = _mm512_reduce_add_ps(acc[t]) - mins[t];
}

static float dot_k4(const uint8_t *row, ck_act a, int n, int five) {
    float out;
    dot_k4_multi(row, &a, 1, n, five, &out);
    return out;
}

static void multi_q4_K(const uint8_t *row, const ck_act *acts, int tokens, int n, float *out) { dot_k4_multi(row, acts, tokens, n, 0, out); }
static void multi_q5_K(const uint8_t *row, const ck_act *acts, int tokens, int n, float *out) { dot_k4_multi(row, acts, tokens, n, 1, out); }

static float dot_q4_K(const uint8_t *row, ck_act a, int n) { return dot_k4(row, a, n, 0); }
static float dot_q5_K(const uint8_t *row, ck_act a, int n) { return dot_k4(row, a, n, 1); }

/// Scales of four groups of 16 as sixteen int32 lanes (lanes 4g..4g+3 = sc[g]).
static inline __m512i scales4(const int8_t *sc) {
    int32_t s;
    memcpy(&s, sc, 4);
    __m128i rep = _mm_shuffle_epi8(_mm_cvtsi32_si128(s), _mm_setr_epi8(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3));
    return _mm512_cvtepi8_epi32(rep);
}

/// Q6_K rows against `tokens` (≤ CK_MULTI) tokens at once, the block unpacked once.
static inline __attribute__((always_inline)) void multi_q6_K(const uint8_t *row, const ck_act *acts, int tokens, int n, float *out) {
    const __m512i low4 = _mm512_set1_epi8(0xF), two = _mm512_set1_epi8(3 << 4);
    __m512 acc[CK_MULTI];
    float offset[CK_MULTI];
    for (int t = 0; t < tokens; t++) { acc[t] = _mm512_setzero_ps(); offset[t] = 0; }
    for (int b = 0; b < n / 256; b++) {
        const uint8_t *blk = row + Q6_K_BYTES * b;
        const int8_t *scales = (const int8_t *)(blk + 192);
        __m512i q[4], s[4];
        for (int h = 0; h < 2; h++) {
            __m512i l = _mm512_loadu_si512((const void *)(blk + 64 * h));
            __m256i qh = _mm256_loadu_si256((const __m256i *)(blk + 128 + 32 * h));
            // Values 0-63 (the −32 offset goes through bsums below): first 64 from low nibbles
            // with qh bits 0-1 and 2-3, next 64 from high nibbles with bits 4-5 and 6-7.
            __m512i hA = _mm512_and_si512(join(_mm256_slli_epi16(qh, 4), _mm256_slli_epi16(qh, 2)), two);
            __m512i hB = _mm512_and_si512(join(qh, _mm256_srli_epi16(qh, 2)), two);
            q[2 * h] = _mm512_or_si512(_mm512_and_si512(l, low4), hA);
            q[2 * h + 1] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l, 4), low4), hB);
            s[2 * h] = scales4(scales + 8 * h);
            s[2 * h + 1] = scales4(scales + 8 * h + 4);
        }
        float dw = half_f16c(blk + 208);
        for (int t = 0; t < tokens; t++) {
            const int8_t *y = acts[t].qs + 256 * b;
            __m512i sumi = _mm512_setzero_si512();
            for (int k = 0; k < 4; k++) {
                __m512i d = _mm512_dpbusd_epi32(_mm512_setzero_si512(), q[k], _mm512_loadu_si512((const void *)(y + 64 * k)));
                sumi = _mm512_add_epi32(sumi, _mm512_mullo_epi32(d, s[k]));
            }
            float d = dw * acts[t].d[b];
            acc[t] = _mm512_fmadd_ps(_mm512_set1_ps(d), _mm512_cvtepi32_ps(sumi), acc[t]);
            offset[t] += d * (float)(32 * ck_offset_q6_K(scales, acts[t].bsums + 16 * b));
        }
    }
    for (int t = 0; t < tokens; t++) out[t] = _mm512_reduce_add_ps(acc[t]) - offset[t];
}

static float dot_q6_K(const uint8_t *row, ck_act a, int n) {
    float out;
    multi_q6_K(row, &a, 1, n, &out);
    return out;
}

static void multi_q8_0_fn(const uint8_t *row, const ck_act *acts, int tokens, int n, float *out) { multi_q8_0(row, acts, tokens, n, out); }
static void multi_q6_K_fn(const uint8_t *row, const ck_act *acts, int tokens, int n, float *out) { multi_q6_K(row, acts, tokens, n, out); }

#pragma clang attribute pop

const ck_kernels ck_avx512vnni = { "avx512vnni", dot_q8_0, dot_q4_0, dot_q4_K, dot_q5_K, dot_q6_K, multi_q8_0_fn, multi_q4_K, multi_q5_K, multi_q6_K_fn };
#endif
