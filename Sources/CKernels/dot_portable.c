// Portable C kernels: the reference the SIMD variants must agree with (any CPU).
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

const ck_kernels ck_portable = { "portable", dot_q8_0, dot_q4_0, dot_q4_K, dot_q5_K, dot_q6_K, 0, 0, 0, 0 };
