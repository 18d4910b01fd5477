/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hamming_scan.h: the portable scan loops, written once and compiled twice: by hamming.c for
 * baseline x86-64 (the specification) and by hamming_popcnt.c with -mpopcnt, where each
 * __builtin_popcountll becomes one instruction. Include only from those two files.
 *
 * The loops walk the word-major blocks of index_int.h one entry at a time. They favour clarity:
 * the vector kernels are where speed comes from.
 */
#ifndef WY_INDEX_HAMMING_SCAN_H
#define WY_INDEX_HAMMING_SCAN_H

#include "core/core_int.h"
#include "index/index_int.h"

static inline unsigned wy__hamming_lane_distance(const uint64_t *block, size_t lane,
                                                 const uint64_t *query)
{
    unsigned d = 0;
    for (unsigned w = 0; w < WY__INDEX_WORDS; w++) {
        d += (unsigned)WY_POPCOUNT64(block[w * WY__INDEX_LANES + lane] ^ query[w]);
    }
    return d;
}

static inline void wy__hamming_put(struct wy__hamming_hit *hit, size_t slot, unsigned query,
                                   unsigned distance)
{
    hit->slot = (uint32_t)slot;
    hit->query = (uint8_t)query;
    hit->distance = (uint16_t)distance;
}

/* Entries of the block starting at `slot` that lie below `last`. */
static inline size_t wy__hamming_lanes(size_t slot, size_t last)
{
    return last - slot < WY__INDEX_LANES ? last - slot : WY__INDEX_LANES;
}

static inline size_t wy__hamming_scan_generic(const uint64_t *blocks, size_t first, size_t last,
                                              const struct wy__hamming_query *q,
                                              struct wy__hamming_hit *hits, size_t cap,
                                              size_t *count)
{
    size_t n = 0;
    size_t slot = first;
    for (; slot < last && cap - n >= WY__INDEX_BLOCK_HITS; slot += WY__INDEX_LANES) {
        const uint64_t *block = blocks + (slot / WY__INDEX_LANES) * WY__INDEX_BLOCK_WORDS;
        const size_t lanes = wy__hamming_lanes(slot, last);
        for (size_t lane = 0; lane < lanes; lane++) {
            for (unsigned k = 0; k < q->count; k++) {
                const unsigned d = wy__hamming_lane_distance(block, lane, q->words[k]);
                if (d <= q->radius) {
                    wy__hamming_put(&hits[n++], slot + lane, k, d);
                }
            }
        }
    }
    *count = n;
    return slot < last ? slot : last;
}

static inline size_t wy__hamming_scan_min_generic(const uint64_t *blocks, size_t first, size_t last,
                                                  const struct wy__hamming_query *q,
                                                  struct wy__hamming_hit *hits, size_t cap,
                                                  size_t *count)
{
    size_t n = 0;
    size_t slot = first;
    for (; slot < last && cap - n >= WY__INDEX_BLOCK_HITS; slot += WY__INDEX_LANES) {
        const uint64_t *block = blocks + (slot / WY__INDEX_LANES) * WY__INDEX_BLOCK_WORDS;
        const size_t lanes = wy__hamming_lanes(slot, last);
        for (size_t lane = 0; lane < lanes; lane++) {
            unsigned best = WY__INDEX_MAX_DISTANCE + 1;
            unsigned best_k = 0;
            for (unsigned k = 0; k < q->count; k++) {
                const unsigned d = wy__hamming_lane_distance(block, lane, q->words[k]);
                /* Strictly less: among equal distances the lowest query index wins. */
                if (d < best) {
                    best = d;
                    best_k = k;
                }
            }
            if (best <= q->radius) {
                wy__hamming_put(&hits[n++], slot + lane, best_k, best);
            }
        }
    }
    *count = n;
    return slot < last ? slot : last;
}

#endif /* WY_INDEX_HAMMING_SCAN_H */
