// Block layouts and helpers shared by the kernel variants (internal header).
// Layouts: ENGINE.md "Quantization" and ggml-common.h's block structs.
#ifndef CKERNELS_BLOCKS_H
#define CKERNELS_BLOCKS_H

#include <stdint.h>
#include <string.h>
#include "ckernels.h"

enum {
    Q8_0_BYTES = 34,   // f16 d; i8 q[32]
    Q4_0_BYTES = 18,   // f16 d; u8 qs[16] (low nibbles: values 0-15, high: 16-31)
    Q4_K_BYTES = 144,  // f16 d, dmin; u8 scales[12]; u8 qs[128]
    Q5_K_BYTES = 176,  // f16 d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]
    Q6_K_BYTES = 210,  // u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d
};

/// IEEE half bits to float, exactly (subnormals, infinities, NaN).
static inline float ck_half(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1F, mant = h & 0x3FF, bits;
    if (exp == 0x1F) {
        bits = sign | 0x7F800000u | (mant << 13);
    } else if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else {
            int e = -14;
            while (!(mant & 0x400)) { mant <<= 1; e--; }
            bits = sign | (uint32_t)(e + 127) << 23 | ((mant & 0x3FF) << 13);
        }
    } else {
        bits = sign | (exp - 15 + 127) << 23 | (mant << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/// The eight 6-bit (scale, min) pairs of a Q4_K/Q5_K block (12 packed bytes).
static inline void ck_scales_k4(const uint8_t *s, int32_t sc[8], int32_t mn[8]) {
    for (int j = 0; j < 4; j++) { sc[j] = s[j] & 63; mn[j] = s[j + 4] & 63; }
    for (int j = 4; j < 8; j++) {
        sc[j] = (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4);
        mn[j] = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

/// Σ_j mn[j]·(bsum[2j] + bsum[2j+1]): the mins' share of a Q4_K/Q5_K block.
static inline int32_t ck_mins_k4(const int32_t mn[8], const int16_t *bs) {
    int32_t s = 0;
    for (int j = 0; j < 8; j++) s += mn[j] * (bs[2 * j] + bs[2 * j + 1]);
    return s;
}

/// Σ_g sc[g]·bsum[g] over the 16 groups of a Q6_K block (its −32 offset is 32 times this).
static inline int32_t ck_offset_q6_K(const int8_t *sc, const int16_t *bs) {
    int32_t s = 0;
    for (int g = 0; g < 16; g++) s += sc[g] * bs[g];
    return s;
}

typedef float (*ck_dot_fn)(const uint8_t *row, ck_act a, int n);
typedef void (*ck_quantize_q8_0_fn)(const float *x, int n, int8_t *qs, float *d);
typedef void (*ck_quantize_q8_K_fn)(const float *x, int n, int8_t *qs, float *d, int16_t *bsums);
/// out[t] = row · acts[t] for t < tokens ≤ CK_MULTI, the row's blocks decoded once for all tokens.
typedef void (*ck_multi_fn)(const uint8_t *row, const ck_act *acts, int tokens, int n, float *out);

/// Most tokens a multi-token kernel takes per call.
enum { CK_MULTI = 8 };

/// One variant's kernels, indexed by weight type; multi-token kernels may be missing (null).
typedef struct {
    const char *name;
    ck_dot_fn q8_0, q4_0, q4_K, q5_K, q6_K;
    ck_multi_fn multi_q8_0, multi_q4_K, multi_q5_K, multi_q6_K;
    ck_quantize_q8_0_fn quantize_q8_0;
    ck_quantize_q8_K_fn quantize_q8_K;
} ck_kernels;

/// The portable quantizers (the reference; the AVX2 variant uses them too).
void ck_quantize_q8_0_portable(const float *x, int n, int8_t *qs, float *d);
void ck_quantize_q8_K_portable(const float *x, int n, int8_t *qs, float *d, int16_t *bsums);

extern const ck_kernels ck_portable;
#if defined(__x86_64__) || defined(__i386__)
extern const ck_kernels ck_avx2;
extern const ck_kernels ck_avx512vnni;
#endif

#endif
