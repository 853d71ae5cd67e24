// Portable C kernels: the reference the SIMD variants must agree with (any CPU).
#include <math.h>
#include "blocks.h"

static float dot_q8_0(const uint8_t *row, ck_act a, int n) {
    float sum = 0;
    for (int b = 0; b < n / 32; b++) {
        const uint8_t *blk = row + Q8_0_BYTES * b;
        const int8_t *q = (const int8_t *)(blk + 2), *y = a.qs + 32 * b;
        int32_t s = 0;
        for (int i = 0; i < 32; i++) s += q[i] * y[i];
        sum += ck_half(blk) * a.d[b] * (float)s;
    }
    return sum;
}

static float dot_q4_0(const uint8_t *row, ck_act a, int n) {
    float sum = 0;
    for (int b = 0; b < n / 32; b++) {
        const uint8_t *blk = row + Q4_0_BYTES * b, *q = blk + 2;
        const int8_t *y = a.qs + 32 * b;
        int32_t s = 0;
        for (int i = 0; i < 16; i++) s += ((q[i] & 0xF) - 8) * y[i] + ((q[i] >> 4) - 8) * y[i + 16];
        sum += ck_half(blk) * a.d[b] * (float)s;
    }
    return sum;
}

static float dot_q4_K(const uint8_t *row, ck_act a, int n) {
    float sum = 0;
    int32_t sc[8], mn[8];
    for (int b = 0; b < n / 256; b++) {
        const uint8_t *blk = row + Q4_K_BYTES * b, *qs = blk + 16;
        const int8_t *y = a.qs + 256 * b;
        ck_scales_k4(blk + 4, sc, mn);
        int32_t sumi = 0;
        for (int j = 0; j < 4; j++) {
            const uint8_t *q = qs + 32 * j;
            const int8_t *y0 = y + 64 * j, *y1 = y0 + 32;
            int32_t lo = 0, hi = 0;
            for (int i = 0; i < 32; i++) { lo += (q[i] & 0xF) * y0[i]; hi += (q[i] >> 4) * y1[i]; }
            sumi += sc[2 * j] * lo + sc[2 * j + 1] * hi;
        }
        int32_t summ = ck_mins_k4(mn, a.bsums + 16 * b);
        float dy = a.d[b];
        sum += dy * ck_half(blk) * (float)sumi - dy * ck_half(blk + 2) * (float)summ;
    }
    return sum;
}

static float dot_q5_K(const uint8_t *row, ck_act a, int n) {
    float sum = 0;
    int32_t sc[8], mn[8];
    for (int b = 0; b < n / 256; b++) {
        const uint8_t *blk = row + Q5_K_BYTES * b, *qh = blk + 16, *qs = blk + 48;
        const int8_t *y = a.qs + 256 * b;
        ck_scales_k4(blk + 4, sc, mn);
        int32_t sumi = 0;
        for (int j = 0; j < 4; j++) {
            const uint8_t *q = qs + 32 * j;
            const int8_t *y0 = y + 64 * j, *y1 = y0 + 32;
            int32_t lo = 0, hi = 0;
            for (int i = 0; i < 32; i++) {
                lo += ((q[i] & 0xF) | (((qh[i] >> (2 * j)) & 1) << 4)) * y0[i];
                hi += ((q[i] >> 4) | (((qh[i] >> (2 * j + 1)) & 1) << 4)) * y1[i];
            }
            sumi += sc[2 * j] * lo + sc[2 * j + 1] * hi;
        }
        int32_t summ = ck_mins_k4(mn, a.bsums + 16 * b);
        float dy = a.d[b];
        sum += dy * ck_half(blk) * (float)sumi - dy * ck_half(blk + 2) * (float)summ;
    }
    return sum;
}

static float dot_q6_K(const uint8_t *row, ck_act a, int n) {
    float sum = 0;
    for (int b = 0; b < n / 256; b++) {
        const uint8_t *blk = row + Q6_K_BYTES * b;
        const int8_t *y = a.qs + 256 * b, *scales = (const int8_t *)(blk + 192);
        int32_t sumi = 0;
        for (int h = 0; h < 2; h++) {
            const uint8_t *ql = blk + 64 * h, *qh = blk + 128 + 32 * h;
            const int8_t *sc = scales + 8 * h, *yh = y + 128 * h;
            for (int g = 0; g < 2; g++) {
                int32_t s1 = 0, s2 = 0, s3 = 0, s4 = 0;
                for (int l = 16 * g; l < 16 * g + 16; l++) {
                    s1 += ((ql[l] & 0xF) | ((qh[l] & 3) << 4)) * yh[l];
                    s2 += ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) * yh[l + 32];
                    s3 += ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) * yh[l + 64];
                    s4 += ((ql[l + 32] >> 4) | ((qh[l] >> 6) << 4)) * yh[l + 96];
                }
                sumi += sc[g] * s1 + sc[g + 2] * s2 + sc[g + 4] * s3 + sc[g + 6] * s4;
            }
        }
        // Values are q − 32: subtract 32·Σ sc·(sum of the 16 activations it scales).
        sumi -= 32 * ck_offset_q6_K(scales, a.bsums + 16 * b);
        sum += ck_half(blk + 208) * a.d[b] * (float)sumi;
    }
    return sum;
}

/// Round half to even for |v| < 2²² (adding 1.5·2²³ leaves no fraction bits). The product to
/// round is computed by the caller in its own statement, so it is never fused into this add.
static inline float round_even(float v) { return (v + 12582912.0f) - 12582912.0f; }

/// A float rounded to the nearest half (ties to even) and back, as F16C's vcvtps2ph/vcvtph2ps.
static float round_to_half(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000, exp = (x >> 23) & 0xFF, mant = x & 0x7FFFFF;
    uint16_t h;
    int e = (int)exp - 127 + 15;
    if (exp == 0xFF) {
        h = (uint16_t)(sign | 0x7C00 | (mant ? 0x200 : 0));
    } else if (e >= 0x1F) {
        h = (uint16_t)(sign | 0x7C00);
    } else if (e <= 0) {
        if (e < -10) {
            h = (uint16_t)sign;
        } else {
            uint32_t m = mant | 0x800000, shift = (uint32_t)(14 - e);
            uint32_t r = m >> shift, rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
            if (rem > half || (rem == half && (r & 1))) r++;
            h = (uint16_t)(sign | r);
        }
    } else {
        uint32_t r = (uint32_t)e << 10 | (mant >> 13), rem = mant & 0x1FFF;
        if (rem > 0x1000 || (rem == 0x1000 && (r & 1))) r++;
        h = (uint16_t)(sign | r);
    }
    uint8_t bytes[2];
    memcpy(bytes, &h, 2);
    return ck_half(bytes);
}

void ck_quantize_q8_0_portable(const float *x, int n, int8_t *qs, float *d) {
    for (int b = 0; b < n / 32; b++) {
        const float *xb = x + 32 * b;
        float amax = 0;
        for (int i = 0; i < 32; i++) amax = fmaxf(amax, fabsf(xb[i]));
        d[b] = round_to_half(amax / 127);
        float id = amax != 0 ? 127 / amax : 0;
        for (int i = 0; i < 32; i++) {
            float v = xb[i] * id;
            qs[32 * b + i] = (int8_t)round_even(v);
        }
    }
}

void ck_quantize_q8_K_portable(const float *x, int n, int8_t *qs, float *d, int16_t *bsums) {
    for (int b = 0; b < n / 256; b++) {
        const float *xb = x + 256 * b;
        int8_t *q = qs + 256 * b;
        float amax = 0, mx = 0;
        for (int i = 0; i < 256; i++) {
            float a = fabsf(xb[i]);
            if (a > amax) { amax = a; mx = xb[i]; }
        }
        if (amax == 0) {
            d[b] = 0;
            memset(q, 0, 256);
        } else {
            float iscale = -127 / mx;
            d[b] = 1 / iscale;
            for (int i = 0; i < 256; i++) {
                float v = iscale * xb[i];
                float r = round_even(v);
                q[i] = (int8_t)(r < 127 ? r : 127);
            }
        }
        for (int j = 0; j < 16; j++) {
            int s = 0;
            for (int i = 0; i < 16; i++) s += q[16 * j + i];
            bsums[16 * b + j] = (int16_t)s;
        }
    }
}

const ck_kernels ck_portable = { "portable", dot_q8_0, dot_q4_0, dot_q4_K, dot_q5_K, dot_q6_K, 0, 0, 0, 0,
                                 ck_quantize_q8_0_portable, ck_quantize_q8_K_portable };
