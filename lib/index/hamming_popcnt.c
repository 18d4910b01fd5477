/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hamming_popcnt.c: the scalar scan loops of hamming_scan.h compiled with -mpopcnt, for CPUs
 * with the POPCNT instruction but no AVX2. Each 64-bit word then costs one XOR and one POPCNT,
 * about four times fewer instructions than the portable bit trick of the baseline build.
 */
#include "wy_setup.h"

#include "index/hamming_scan.h"
#include "index/index_int.h"

static size_t scan_popcnt(const uint64_t *blocks, size_t first, size_t last,
                          const struct wy__hamming_query *q, struct wy__hamming_hit *hits,
                          size_t cap, size_t *count)
{
    return wy__hamming_scan_generic(blocks, first, last, q, hits, cap, count);
}

static size_t scan_min_popcnt(const uint64_t *blocks, size_t first, size_t last,
                              const struct wy__hamming_query *q, struct wy__hamming_hit *hits,
                              size_t cap, size_t *count)
{
    return wy__hamming_scan_min_generic(blocks, first, last, q, hits, cap, count);
}

const struct wy__hamming_impl wy__hamming_popcnt = {"popcnt", scan_popcnt, scan_min_popcnt};
