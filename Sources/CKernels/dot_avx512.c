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


/// A Q4_K/Q5_K block's eight 6-bit scales (bytes 0-7) and mins (bytes 8-15) from its 12 packed
/// bytes (ENGINE.md "Quantization"; `ck_scales_k4` unpacked four bytes at a time). With the
/// packed words a, b, c: scales 0-3 = a & 63, 4-7 = (c & 15) | (a >> 6) << 4; mins 0-3 = b & 63,
/// 4-7 = (c >> 4) | (b >> 6) << 4. All in vector registers: building the vector from general
/// registers lets clang insert into a live register and chain iterations through it.
static inline __m128i k4_scales_mins(const uint8_t *s) {
    __m128i x = _mm_loadu_si128((const __m128i *)s);               // a, b, c (and 4 bytes past)
    __m128i acbc = _mm_shuffle_epi32(x, _MM_SHUFFLE(2, 1, 2, 0));  // a, c, b, c
    __m128i aabb = _mm_shuffle_epi32(x, _MM_SHUFFLE(1, 1, 0, 0));  // a, a, b, b
    __m128i low = _mm_and_si128(_mm_srlv_epi32(acbc, _mm_setr_epi32(0, 0, 0, 4)),
                                _mm_setr_epi32(0x3F3F3F3F, 0x0F0F0F0F, 0x3F3F3F3F, 0x0F0F0F0F));
    __m128i high = _mm_and_si128(_mm_srli_epi32(aabb, 2), _mm_setr_epi32(0, 0x30303030, 0, 0x30303030));
    return _mm_or_si128(low, high);
}

/// A half broadcast to sixteen floats (all lanes used, so clang keeps the broadcast).
static inline __m512 half16(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return _mm512_cvtph_ps(_mm256_set1_epi16((short)h));
}

/// Int16 lanes 0-15 = lane `i`, lanes 16-31 = lane `i + 1` (vpermw index).
static inline __m512i pair_index(int i) {
    return _mm512_add_epi16(_mm512_set1_epi16((short)i),
                            _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(1), 1));
}

/// Q4_K/Q5_K rows against `tokens` (≤ CK_MULTI) tokens at once: each block's nibbles and
/// scales are unpacked once and reused from registers for every token. Per 64 weights and
/// token: vpmaddubsw (u8 weight × s8 activation, pairs summed in int16, exact: ≤ 2·31·127) and
/// vpdpwssd (pairs × the sub-block's int16 scale, summed into int32). The mins go through the
/// activations' sums of 16 (vpmaddwd with each min repeated for its two sums).
static inline __attribute__((always_inline)) void dot_k4_multi(const uint8_t *row, const ck_act *acts, int tokens, int n, int five, float *out) {
    const int bytes = five ? Q5_K_BYTES : Q4_K_BYTES;
    const __m512i low4 = _mm512_set1_epi8(0xF), sixteen = _mm512_set1_epi8(16);
    const __m256i min_index = _mm256_setr_epi16(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);
    __m512 acc[CK_MULTI];
    __m256 accm[CK_MULTI];
    for (int t = 0; t < tokens; t++) { acc[t] = _mm512_setzero_ps(); accm[t] = _mm256_setzero_ps(); }
    for (int b = 0; b < n / 256; b++) {
        const uint8_t *blk = row + bytes * b, *qs = blk + (five ? 48 : 16);
        __m256i sm = _mm256_cvtepu8_epi16(k4_scales_mins(blk + 4));   // int16: scales 0-7, mins 8-15
        __m512i sm512 = _mm512_castsi256_si512(sm);
        __m256i mins = _mm256_permutexvar_epi16(min_index, sm);
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
            s[j] = _mm512_permutexvar_epi16(pair_index(2 * j), sm512);
        }
        __m512 dw = half16(blk);
        __m256 dmin = half8(blk + 2);
        for (int t = 0; t < tokens; t++) {
            const int8_t *y = acts[t].qs + 256 * b;
            __m512i sumi = _mm512_setzero_si512();
            for (int j = 0; j < 4; j++)
                sumi = _mm512_dpwssd_epi32(sumi, _mm512_maddubs_epi16(u[j], _mm512_loadu_si512((const void *)(y + 64 * j))), s[j]);
            __m512 dy = _mm512_set1_ps(acts[t].d[b]);
            acc[t] = _mm512_fmadd_ps(_mm512_mul_ps(dy, dw), _mm512_cvtepi32_ps(sumi), acc[t]);
            __m256i bs = _mm256_loadu_si256((const __m256i *)(acts[t].bsums + 16 * b));
            accm[t] = _mm256_fmadd_ps(_mm256_mul_ps(_mm512_castps512_ps256(dy), dmin), _mm256_cvtepi32_ps(_mm256_madd_epi16(bs, mins)), accm[t]);
        }
    }
    for (int t = 0; t < tokens; t++) out[t] = _mm512_reduce_add_ps(acc[t]) - hsum8(accm[t]);
}

static float dot_k4(const uint8_t *row, ck_act a, int n, int five) {
    float out;
    dot_k4_multi(row, &a, 1, n, five, &out);
    return out;
}

/// Calls `kernel(row, acts, T, n, ..., out)` with T = tokens as a constant (1…CK_MULTI), so that
/// each token's accumulators are registers: with a run-time count clang keeps them in a stack
/// array and every token's update is a load, an FMA and a store.
#define BY_TOKEN_COUNT(kernel, ...)                                   \
    switch (tokens) {                                                 \
    case 1: kernel(row, acts, 1, n, __VA_ARGS__); break;              \
    case 2: kernel(row, acts, 2, n, __VA_ARGS__); break;              \
    case 3: kernel(row, acts, 3, n, __VA_ARGS__); break;              \
    case 4: kernel(row, acts, 4, n, __VA_ARGS__); break;              \
    case 5: kernel(row, acts, 5, n, __VA_ARGS__); break;              \
    case 6: kernel(row, acts, 6, n, __VA_ARGS__); break;              \
    case 7: kernel(row, acts, 7, n, __VA_ARGS__); break;              \
    default: kernel(row, acts, CK_MULTI, n, __VA_ARGS__); break;      \
    }

static void multi_q4_K(const uint8_t *row, const ck_act *acts, int tokens, int n, float *out) { BY_TOKEN_COUNT(dot_k4_multi, 0, out) }
static void multi_q5_K(const uint8_t *row, const ck_act *acts, int tokens, int n, float *out) { BY_TOKEN_COUNT(dot_k4_multi, 1, out) }

static float dot_q4_K(const uint8_t *row, ck_act a, int n) { return dot_k4(row, a, n, 0); }
static float dot_q5_K(const uint8_t *row, ck_act a, int n) { return dot_k4(row, a, n, 1); }

/// Q6_K rows against `tokens` (≤ CK_MULTI) tokens at once, the block unpacked once; per 64
/// weights and token vpmaddubsw + vpdpwssd as for Q4_K (values 0-63, exact: ≤ 2·63·127 in int16).
static inline __attribute__((always_inline)) void multi_q6_K(const uint8_t *row, const ck_act *acts, int tokens, int n, float *out) {
    const __m512i low4 = _mm512_set1_epi8(0xF), two = _mm512_set1_epi8(3 << 4);
    // vpermw index for values 64k..64k+63: int16 lane i (values 2i, 2i+1 of the 64) → scale 4k + i/8.
    const __m512i quarter = _mm512_srli_epi16(_mm512_setr_epi32(0x00010000, 0x00030002, 0x00050004, 0x00070006,
                                                                0x00090008, 0x000B000A, 0x000D000C, 0x000F000E,
                                                                0x00110010, 0x00130012, 0x00150014, 0x00170016,
                                                                0x00190018, 0x001B001A, 0x001D001C, 0x001F001E), 3);
    __m512 acc[CK_MULTI];
    for (int t = 0; t < tokens; t++) acc[t] = _mm512_setzero_ps();
    for (int b = 0; b < n / 256; b++) {
        const uint8_t *blk = row + Q6_K_BYTES * b;
        __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(blk + 192)));
        __m512i sc512 = _mm512_castsi256_si512(sc16);
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
        }
        for (int k = 0; k < 4; k++) s[k] = _mm512_permutexvar_epi16(_mm512_add_epi16(quarter, _mm512_set1_epi16((short)(4 * k))), sc512);
        __m512 dw = half16(blk + 208);
        for (int t = 0; t < tokens; t++) {
            const int8_t *y = acts[t].qs + 256 * b;
            __m512i sumi = _mm512_setzero_si512();
            for (int k = 0; k < 4; k++)
                sumi = _mm512_dpwssd_epi32(sumi, _mm512_maddubs_epi16(q[k], _mm512_loadu_si512((const void *)(y + 64 * k))), s[k]);
            // −32·Σ_g sc[g]·bsum[g], in eight int32 lanes.
            __m256i off = _mm256_madd_epi16(sc16, _mm256_loadu_si256((const __m256i *)(acts[t].bsums + 16 * b)));
            sumi = _mm512_sub_epi32(sumi, _mm512_zextsi256_si512(_mm256_slli_epi32(off, 5)));
            acc[t] = _mm512_fmadd_ps(_mm512_mul_ps(dw, _mm512_set1_ps(acts[t].d[b])), _mm512_cvtepi32_ps(sumi), acc[t]);
        }
    }
    for (int t = 0; t < tokens; t++) out[t] = _mm512_reduce_add_ps(acc[t]);
}

static float dot_q6_K(const uint8_t *row, ck_act a, int n) {
    float out;
    multi_q6_K(row, &a, 1, n, &out);
    return out;
}

static void multi_q8_0_fn(const uint8_t *row, const ck_act *acts, int tokens, int n, float *out) { BY_TOKEN_COUNT(multi_q8_0, out) }
static void multi_q6_K_fn(const uint8_t *row, const ck_act *acts, int tokens, int n, float *out) { BY_TOKEN_COUNT(multi_q6_K, out) }

/// `ck_quantize_q8_0`, sixteen values per step (vcvtps2dq rounds half to even, as the portable
/// version's rounding does; the scale goes through F16C).
static void quantize_q8_0(const float *x, int n, int8_t *qs, float *d) {
    for (int b = 0; b < n / 32; b++) {
        __m512 x0 = _mm512_loadu_ps(x + 32 * b), x1 = _mm512_loadu_ps(x + 32 * b + 16);
        float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(x0), _mm512_abs_ps(x1)));
        d[b] = _cvtsh_ss(_cvtss_sh(amax / 127, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        __m512 id = _mm512_set1_ps(amax != 0 ? 127 / amax : 0);
        _mm_storeu_si128((__m128i *)(qs + 32 * b), _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(_mm512_mul_ps(x0, id))));
        _mm_storeu_si128((__m128i *)(qs + 32 * b + 16), _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(_mm512_mul_ps(x1, id))));
    }
}

/// `ck_quantize_q8_K`, sixteen values (one bsum) per step.
static void quantize_q8_K(const float *x, int n, int8_t *qs, float *d, int16_t *bsums) {
    for (int b = 0; b < n / 256; b++) {
        const float *xb = x + 256 * b;
        __m512 m = _mm512_setzero_ps();
        for (int v = 0; v < 16; v++) m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_loadu_ps(xb + 16 * v)));
        float amax = _mm512_reduce_max_ps(m);
        if (amax == 0) {
            d[b] = 0;
            memset(qs + 256 * b, 0, 256);
            memset(bsums + 16 * b, 0, 32);
            continue;
        }
        float mx = 0;
        for (int v = 0; v < 16; v++) {   // the first value of largest magnitude
            __mmask16 at = _mm512_cmp_ps_mask(_mm512_abs_ps(_mm512_loadu_ps(xb + 16 * v)), _mm512_set1_ps(amax), _CMP_EQ_OQ);
            if (at) { mx = xb[16 * v + __builtin_ctz(at)]; break; }
        }
        float iscale = -127 / mx;
        d[b] = 1 / iscale;
        __m512 is = _mm512_set1_ps(iscale);
        const __m512i top = _mm512_set1_epi32(127);
        for (int v = 0; v < 16; v++) {
            __m512i q = _mm512_min_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(is, _mm512_loadu_ps(xb + 16 * v))), top);
            _mm_storeu_si128((__m128i *)(qs + 256 * b + 16 * v), _mm512_cvtepi32_epi8(q));
            bsums[16 * b + v] = (int16_t)_mm512_reduce_add_epi32(q);
        }
    }
}

#pragma clang attribute pop

const ck_kernels ck_avx512vnni = { "avx512vnni", dot_q8_0, dot_q4_0, dot_q4_K, dot_q5_K, dot_q6_K, multi_q8_0_fn, multi_q4_K, multi_q5_K, multi_q6_K_fn,
                                   quantize_q8_0, quantize_q8_K };
#endif
