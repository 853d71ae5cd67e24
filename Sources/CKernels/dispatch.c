// Run-time choice of kernel variant and the row loops around the dot products.
#include "blocks.h"

static const ck_kernels *chosen;

static const ck_kernels *best(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
        __builtin_cpu_supports("f16c"))
        return &ck_avx512vnni;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c"))
        return &ck_avx2;
#endif
    return &ck_portable;
}

static inline const ck_kernels *kernels(void) {
    const ck_kernels *k = __atomic_load_n(&chosen, __ATOMIC_ACQUIRE);
    if (!k) {
        k = best();
        __atomic_store_n(&chosen, k, __ATOMIC_RELEASE);
    }
    return k;
}

#if defined(__x86_64__) || defined(__i386__)
void ck_f32_rows_avx512(const float *w, size_t w_stride, int rows, int n, const float *x, size_t x_stride,
                        int tokens, float *y, size_t y_stride);
#endif

int ck_f32_rows(const float *w, size_t w_stride, int rows, int n, const float *x, size_t x_stride,
                int tokens, float *y, size_t y_stride) {
#if defined(__x86_64__) || defined(__i386__)
    static int known = -1;   // every thread computes the same value
    int avx512 = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (avx512 < 0) {
        __builtin_cpu_init();
        avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                 __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma");
        __atomic_store_n(&known, avx512, __ATOMIC_RELAXED);
    }
    if (avx512) {
        ck_f32_rows_avx512(w, w_stride, rows, n, x, x_stride, tokens, y, y_stride);
        return 1;
    }
#endif
    return 0;
}

const char *ck_variant(void) { return kernels()->name; }

int ck_select(const char *name) {
    const ck_kernels *all[] = {
#if defined(__x86_64__) || defined(__i386__)
        &ck_avx512vnni, &ck_avx2,
#endif
        &ck_portable,
    };
    const ck_kernels *top = best();
    int allowed = 0;
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (all[i] == top) allowed = 1;  // variants at or below the best the CPU supports
        if (allowed && strcmp(all[i]->name, name) == 0) {
            __atomic_store_n(&chosen, all[i], __ATOMIC_RELEASE);
            return 1;
        }
    }
    return 0;
}

static ck_dot_fn function(const ck_kernels *k, int type) {
    switch (type) {
    case CK_Q8_0: return k->q8_0;
    case CK_Q4_0: return k->q4_0;
    case CK_Q4_K: return k->q4_K;
    case CK_Q5_K: return k->q5_K;
    case CK_Q6_K: return k->q6_K;
    default: return 0;
    }
}

float ck_dot(int type, const void *row, ck_act a, int n) {
    return function(kernels(), type)((const uint8_t *)row, a, n);
}

void ck_quantize_q8_0(const float *x, int n, int8_t *qs, float *d) { kernels()->quantize_q8_0(x, n, qs, d); }

void ck_quantize_q8_K(const float *x, int n, int8_t *qs, float *d, int16_t *bsums) {
    kernels()->quantize_q8_K(x, n, qs, d, bsums);
}

static ck_multi_fn multi_function(const ck_kernels *k, int type) {
    switch (type) {
    case CK_Q8_0: return k->multi_q8_0;
    case CK_Q4_K: return k->multi_q4_K;
    case CK_Q5_K: return k->multi_q5_K;
    case CK_Q6_K: return k->multi_q6_K;
    default: return 0;
    }
}

/// Bytes ahead of the current row that the row loops ask the memory system for: one row's worth
/// of cache lines per row, so that DRAM streams (a single core here keeps too few misses in
/// flight on its own: Q4_K one token 29 -> 34 GB/s, Q6_K 34 -> 48 GB/s with 8 KiB). Prefetching
/// past the end of a matrix is harmless (prefetches never fault) and costs one row's worth.
enum { PREFETCH_AHEAD = 8192 };

static inline void prefetch_ahead(const uint8_t *row, size_t row_bytes) {
    for (size_t o = 0; o < row_bytes; o += 64) __builtin_prefetch(row + PREFETCH_AHEAD + o);
}

void ck_dot_rows(int type, const void *w, size_t row_bytes, int rows, int n,
                 const ck_act *acts, int tokens, float *y, size_t y_stride) {
    const ck_kernels *k = kernels();
    ck_dot_fn f = function(k, type);
    ck_multi_fn multi = multi_function(k, type);
    const uint8_t *base = (const uint8_t *)w;
    if (tokens > 1 && multi) {
        // Up to CK_MULTI tokens: each row once against all of them. More (prompts): rows in
        // groups of about 64 KiB that stay in L2 while each chunk of CK_MULTI tokens (in L1)
        // runs against the group, so neither the rows nor the activations stream from memory
        // once per chunk.
        float out[CK_MULTI];
        int group = tokens <= CK_MULTI ? rows : (int)(65536 / (row_bytes ? row_bytes : 1));
        if (group < 1) group = 1;
        for (int r0 = 0; r0 < rows; r0 += group) {
            int r1 = r0 + group < rows ? r0 + group : rows;
            for (int t0 = 0; t0 < tokens; t0 += CK_MULTI) {
                int m = tokens - t0 < CK_MULTI ? tokens - t0 : CK_MULTI;
                for (int r = r0; r < r1; r++) {
                    if (t0 == 0) prefetch_ahead(base + (size_t)r * row_bytes, row_bytes);
                    multi(base + (size_t)r * row_bytes, acts + t0, m, n, out);
                    for (int t = 0; t < m; t++) y[(size_t)(t0 + t) * y_stride + r] = out[t];
                }
            }
        }
        return;
    }
    if (tokens == 1) {
        for (int r = 0; r < rows; r++) {
            prefetch_ahead(base + (size_t)r * row_bytes, row_bytes);
            y[r] = f(base + (size_t)r * row_bytes, acts[0], n);
        }
        return;
    }
    // Rows in groups that stay in L1 (about 16 KiB) while every token runs against them.
    int group = (int)(16384 / (row_bytes ? row_bytes : 1));
    if (group < 1) group = 1;
    for (int r0 = 0; r0 < rows; r0 += group) {
        int r1 = r0 + group < rows ? r0 + group : rows;
        for (int t = 0; t < tokens; t++)
            for (int r = r0; r < r1; r++) y[(size_t)t * y_stride + r] = f(base + (size_t)r * row_bytes, acts[t], n);
    }
}
