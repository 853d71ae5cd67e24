// AVX2 kernels (Haswell and later, Zen): 32 weights per step, int8 products summed in 16 then
// 32 bits with maddubs/madd, each block's exact integer sum scaled into a float accumulator.
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include "blocks.h"

#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)

#include "avx_helpers.h"

/// Σ over 32 pairs of signed bytes, as eight int32 lanes (exact: |w·y| ≤ 128·127, pairs fit int16).
static inline __m256i dot_s8(__m256i w, __m256i y) {
    __m256i p = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(y, w));
    return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
}

/// Σ over 32 pairs (unsigned byte u ≤ 63, signed y), each pair sum times a per-16 int16 scale.
static inline __m256i dot_u8_scaled(__m256i u, __m256i y, __m256i scale16) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, y), scale16);
}

static inline __m256i load_nibbles16(const uint8_t *q) {
    __m128i x = _mm_loadu_si128((const __m128i *)q);
    __m256i both = _mm256_set_m128i(_mm_srli_epi16(x, 4), x);
    return _mm256_and_si256(both, _mm256_set1_epi8(0xF));
}

static float dot_q8_0(const uint8_t *row, ck_act a, int n) {
    __m256 acc = _mm256_setzero_ps();
    for (int b = 0; b < n / 32; b++) {
        const uint8_t *blk = row + Q8_0_BYTES * b;
        __m256i w = _mm256_loadu_si256((const __m256i *)(blk + 2));
        __m256i y = _mm256_loadu_si256((const __m256i *)(a.qs + 32 * b));
        __m256 s = _mm256_cvtepi32_ps(dot_s8(w, y));
        acc = _mm256_fmadd_ps(_mm256_mul_ps(half8(blk), _mm256_set1_ps(a.d[b])), s, acc);
    }
    return hsum8(acc);
}

static float dot_q4_0(const uint8_t *row, ck_act a, int n) {
    __m256 acc = _mm256_setzero_ps();
    const __m256i eight = _mm256_set1_epi8(8);
    for (int b = 0; b < n / 32; b++) {
        const uint8_t *blk = row + Q4_0_BYTES * b;
        __m256i w = _mm256_sub_epi8(load_nibbles16(blk + 2), eight);
        __m256i y = _mm256_loadu_si256((const __m256i *)(a.qs + 32 * b));
        __m256 s = _mm256_cvtepi32_ps(dot_s8(w, y));
        acc = _mm256_fmadd_ps(_mm256_mul_ps(half8(blk), _mm256_set1_ps(a.d[b])), s, acc);
    }
    return hsum8(acc);
}

/// Σ_j sc_j·(nibble products) of a Q4_K/Q5_K block, high bits `hb` (0 or 16 per byte, Q5_K) added.
static float dot_k4(const uint8_t *row, ck_act a, int n, int five) {
    const int bytes = five ? Q5_K_BYTES : Q4_K_BYTES;
    const __m256i low4 = _mm256_set1_epi8(0xF);
    float mins = 0;
    __m256 acc = _mm256_setzero_ps();
    int32_t sc[8], mn[8];
    for (int b = 0; b < n / 256; b++) {
        const uint8_t *blk = row + bytes * b, *qs = blk + (five ? 48 : 16);
        const int8_t *y = a.qs + 256 * b;
        ck_scales_k4(blk + 4, sc, mn);
        __m256i qh = five ? _mm256_loadu_si256((const __m256i *)(blk + 16)) : _mm256_setzero_si256();
        __m256i sumi = _mm256_setzero_si256();
        for (int j = 0; j < 4; j++) {
            __m256i q = _mm256_loadu_si256((const __m256i *)(qs + 32 * j));
            __m256i lo = _mm256_and_si256(q, low4);
            __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
            if (five) {
                __m256i b0 = _mm256_set1_epi8((char)(1 << (2 * j))), b1 = _mm256_set1_epi8((char)(2 << (2 * j)));
                __m256i sixteen = _mm256_set1_epi8(16);
                lo = _mm256_or_si256(lo, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, b0), b0), sixteen));
                hi = _mm256_or_si256(hi, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, b1), b1), sixteen));
            }
            __m256i y0 = _mm256_loadu_si256((const __m256i *)(y + 64 * j));
            __m256i y1 = _mm256_loadu_si256((const __m256i *)(y + 64 * j + 32));
            sumi = _mm256_add_epi32(sumi, dot_u8_scaled(lo, y0, _mm256_set1_epi16((short)sc[2 * j])));
            sumi = _mm256_add_epi32(sumi, dot_u8_scaled(hi, y1, _mm256_set1_epi16((short)sc[2 * j + 1])));
        }
        float dy = a.d[b];
        acc = _mm256_fmadd_ps(_mm256_set1_ps(dy * half_f16c(blk)), _mm256_cvtepi32_ps(sumi), acc);
        mins += dy * half_f16c(blk + 2) * (float)ck_mins_k4(mn, a.bsums + 16 * b);
    }
    return hsum8(acc) - mins;
}

static float dot_q4_K(const uint8_t *row, ck_act a, int n) { return dot_k4(row, a, n, 0); }
static float dot_q5_K(const uint8_t *row, ck_act a, int n) { return dot_k4(row, a, n, 1); }

/// Two int16 scales as a 256-bit vector: `lo` for bytes 0-15, `hi` for bytes 16-31.
static inline __m256i scales_pair(int8_t lo, int8_t hi) {
    return _mm256_set_m128i(_mm_set1_epi16(hi), _mm_set1_epi16(lo));
}

static float dot_q6_K(const uint8_t *row, ck_act a, int n) {
    const __m256i low4 = _mm256_set1_epi8(0xF), two = _mm256_set1_epi8(3 << 4);
    __m256 acc = _mm256_setzero_ps();
    for (int b = 0; b < n / 256; b++) {
        const uint8_t *blk = row + Q6_K_BYTES * b;
        const int8_t *y = a.qs + 256 * b, *scales = (const int8_t *)(blk + 192);
        __m256i sumi = _mm256_setzero_si256();
        for (int h = 0; h < 2; h++) {
            const uint8_t *ql = blk + 64 * h;
            const int8_t *sc = scales + 8 * h, *yh = y + 128 * h;
            __m256i l0 = _mm256_loadu_si256((const __m256i *)ql);
            __m256i l1 = _mm256_loadu_si256((const __m256i *)(ql + 32));
            __m256i qh = _mm256_loadu_si256((const __m256i *)(blk + 128 + 32 * h));
            // Unsigned 6-bit values 0-63; the −32 offset is applied through bsums below.
            __m256i q1 = _mm256_or_si256(_mm256_and_si256(l0, low4), _mm256_and_si256(_mm256_slli_epi16(qh, 4), two));
            __m256i q2 = _mm256_or_si256(_mm256_and_si256(l1, low4), _mm256_and_si256(_mm256_slli_epi16(qh, 2), two));
            __m256i q3 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), low4), _mm256_and_si256(qh, two));
            __m256i q4 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), low4), _mm256_and_si256(_mm256_srli_epi16(qh, 2), two));
            sumi = _mm256_add_epi32(sumi, dot_u8_scaled(q1, _mm256_loadu_si256((const __m256i *)yh), scales_pair(sc[0], sc[1])));
            sumi = _mm256_add_epi32(sumi, dot_u8_scaled(q2, _mm256_loadu_si256((const __m256i *)(yh + 32)), scales_pair(sc[2], sc[3])));
            sumi = _mm256_add_epi32(sumi, dot_u8_scaled(q3, _mm256_loadu_si256((const __m256i *)(yh + 64)), scales_pair(sc[4], sc[5])));
            sumi = _mm256_add_epi32(sumi, dot_u8_scaled(q4, _mm256_loadu_si256((const __m256i *)(yh + 96)), scales_pair(sc[6], sc[7])));
        }
        sumi = _mm256_sub_epi32(sumi, _mm256_setr_epi32(32 * ck_offset_q6_K(scales, a.bsums + 16 * b), 0, 0, 0, 0, 0, 0, 0));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(half_f16c(blk + 208) * a.d[b]), _mm256_cvtepi32_ps(sumi), acc);
    }
    return hsum8(acc);
}

#pragma clang attribute pop

const ck_kernels ck_avx2 = { "avx2", dot_q8_0, dot_q4_0, dot_q4_K, dot_q5_K, dot_q6_K, 0, 0, 0, 0,
                             ck_quantize_q8_0_portable, ck_quantize_q8_K_portable };
#endif
