/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hamming.c: the scalar Hamming-distance kernels, which are the specification every accelerated
 * set (hamming_popcnt.c, hamming_avx2.c, hamming_avx512.c) must match hit for hit, and the choice
 * of a set for a CPU level.
 *
 * The loops themselves are in hamming_scan.h, shared with hamming_popcnt.c, which compiles the
 * very same code with the POPCNT instruction enabled; here the compiler's generic popcount is a
 * table-free bit trick, since this file is built for baseline x86-64.
 */
#include "wy_setup.h"

#include <string.h>

#include "core/core_int.h"
#include "index/hamming_scan.h"
#include "index/index_int.h"

void wy__index_hash_words(const struct wy_pdq_hash *hash, uint64_t words[WY__INDEX_WORDS])
{
    for (unsigned w = 0; w < WY__INDEX_WORDS; w++) {
        uint64_t word = 0;
        for (unsigned b = 0; b < 8; b++) {
            word |= (uint64_t)hash->bytes[w * 8 + b] << (8 * b);
        }
        words[w] = word;
    }
}

static size_t scan_scalar(const uint64_t *blocks, size_t first, size_t last,
                          const struct wy__hamming_query *q, struct wy__hamming_hit *hits,
                          size_t cap, size_t *count)
{
    return wy__hamming_scan_generic(blocks, first, last, q, hits, cap, count);
}

static size_t scan_min_scalar(const uint64_t *blocks, size_t first, size_t last,
                              const struct wy__hamming_query *q, struct wy__hamming_hit *hits,
                              size_t cap, size_t *count)
{
    return wy__hamming_scan_min_generic(blocks, first, last, q, hits, cap, count);
}

const struct wy__hamming_impl wy__hamming_scalar = {"scalar", scan_scalar, scan_min_scalar};

const struct wy__hamming_impl *wy__hamming_pick(enum wy_cpu_level level)
{
#ifdef WY_HAVE_X86_SIMD
    static const struct wy__hamming_impl *const by_level[] = {
        &wy__hamming_scalar, &wy__hamming_popcnt, &wy__hamming_avx2, &wy__hamming_avx512};
    if ((unsigned)level < sizeof by_level / sizeof by_level[0]) {
        return by_level[level];
    }
#else
    (void)level;
#endif
    return &wy__hamming_scalar;
}
