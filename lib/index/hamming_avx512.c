/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hamming_avx512.c: the scan kernels with AVX-512 (F, BW and VPOPCNTDQ), the fastest set.
 *
 * One block of the word-major layout (index_int.h) is four 512-bit loads, word w of all eight
 * entries in each. Per query, XORs with the query word broadcast from memory, VPOPCNTQ and
 * additions give the eight distances in one register, with no horizontal sum.
 *
 * Why two stages: several queries share one pass over memory, so the kernel is bound by
 * arithmetic, not by memory, and VPOPCNTQ issues on a single port. The first stage counts only
 * words 0 and 1 (128 of the 256 bits) for every query and keeps the smallest such count per lane.
 * That count is a lower bound of the distance, so when it exceeds the radius in every lane the
 * block has no hit and the other half is never counted. A random code is about 64 bits away on
 * half the bits, so for the radii PDQ matching uses (up to about 45) almost every block stops
 * there, at half the work. A block that passes is counted in full by the second stage, which
 * writes out its hits; large radii simply take the second stage more often.
 */
#include "wy_setup.h"

#include <immintrin.h>

#include "index/index_int.h"

static inline const uint64_t *block_at(const uint64_t *blocks, size_t slot)
{
    return blocks + (slot / WY__INDEX_LANES) * WY__INDEX_BLOCK_WORDS;
}

/*
 * Blocks ahead to prefetch. With several queries the loop spends long enough on each block that
 * the hardware prefetcher alone lets memory idle between requests; asking early keeps it busy.
 */
#define PREFETCH_BLOCKS 8

static inline void prefetch_block(const uint64_t *block)
{
    for (unsigned line = 0; line < WY__INDEX_BLOCK_BYTES / 64; line++) {
        _mm_prefetch((const char *)(block + line * 8), _MM_HINT_T0);
    }
}

/* Prefetches the block PREFETCH_BLOCKS ahead of `slot` when it exists: forming a pointer past
 * the end of the array would be undefined behaviour even if never dereferenced. */
static inline void prefetch_ahead(const uint64_t *blocks, size_t slot, size_t last)
{
    const size_t ahead = slot + PREFETCH_BLOCKS * WY__INDEX_LANES;
    if (ahead < last) {
        prefetch_block(block_at(blocks, ahead));
    }
}

static inline __m512i load_word(const uint64_t *block, unsigned w)
{
    return _mm512_load_si512((const void *)(block + w * WY__INDEX_LANES));
}

static inline __m512i count_xor(__m512i words, uint64_t query_word)
{
    return _mm512_popcnt_epi64(_mm512_xor_si512(words, _mm512_set1_epi64((long long)query_word)));
}

/* Distances over words 0 and 1 only: a lower bound of each lane's distance. */
static inline __m512i half_distances(__m512i w0, __m512i w1, const uint64_t *query)
{
    return _mm512_add_epi64(count_xor(w0, query[0]), count_xor(w1, query[1]));
}

/* Lanes of the block where some query may lie within the radius (first stage). */
static inline unsigned maybe_within(const uint64_t *block, const struct wy__hamming_query *q,
                                    __m512i radius, __mmask8 lanes)
{
    const __m512i w0 = load_word(block, 0);
    const __m512i w1 = load_word(block, 1);
    __m512i lower = half_distances(w0, w1, q->words[0]);
    for (unsigned k = 1; k < q->count; k++) {
        lower = _mm512_min_epu64(lower, half_distances(w0, w1, q->words[k]));
    }
    return _mm512_mask_cmple_epu64_mask(lanes, lower, radius);
}

static inline __m512i distances(const uint64_t *block, const uint64_t *query)
{
    const __m512i lo = half_distances(load_word(block, 0), load_word(block, 1), query);
    const __m512i hi = _mm512_add_epi64(count_xor(load_word(block, 2), query[2]),
                                        count_xor(load_word(block, 3), query[3]));
    return _mm512_add_epi64(lo, hi);
}

/* Second stage of scan: full distances of one block, hits written out. */
static size_t block_hits(const uint64_t *block, size_t slot, const struct wy__hamming_query *q,
                         __m512i radius, __mmask8 lanes, struct wy__hamming_hit *hits)
{
    uint64_t dist[WY__INDEX_MAX_QUERIES][WY__INDEX_LANES] WY_ALIGNED(64);
    unsigned masks[WY__INDEX_MAX_QUERIES];
    for (unsigned k = 0; k < q->count; k++) {
        const __m512i d = distances(block, q->words[k]);
        masks[k] = _mm512_mask_cmple_epu64_mask(lanes, d, radius);
        _mm512_store_si512((void *)dist[k], d);
    }
    return wy__hamming_emit(slot, (const uint64_t(*)[WY__INDEX_LANES])dist, masks, q->count, hits);
}

static size_t scan_avx512(const uint64_t *blocks, size_t first, size_t last,
                          const struct wy__hamming_query *q, struct wy__hamming_hit *hits,
                          size_t cap, size_t *count)
{
    const __m512i radius = _mm512_set1_epi64(q->radius);
    size_t n = 0;
    size_t slot = first;
    for (; slot < last && cap - n >= WY__INDEX_BLOCK_HITS; slot += WY__INDEX_LANES) {
        const uint64_t *block = block_at(blocks, slot);
        prefetch_ahead(blocks, slot, last);
        const __mmask8 lanes = (__mmask8)wy__index_lane_mask(slot, last);
        if (WY_UNLIKELY(maybe_within(block, q, radius, lanes) != 0)) {
            n += block_hits(block, slot, q, radius, lanes, hits + n);
        }
    }
    *count = n;
    return slot < last ? slot : last;
}

/* Second stage of scan_min: per lane the smallest distance and the first query giving it. */
static size_t block_min_hits(const uint64_t *block, size_t slot, const struct wy__hamming_query *q,
                             __m512i radius, __mmask8 lanes, struct wy__hamming_hit *hits)
{
    uint64_t best_row[WY__INDEX_LANES] WY_ALIGNED(64);
    uint64_t best_k_row[WY__INDEX_LANES] WY_ALIGNED(64);
    __m512i best = distances(block, q->words[0]);
    __m512i best_k = _mm512_setzero_si512();
    for (unsigned k = 1; k < q->count; k++) {
        const __m512i d = distances(block, q->words[k]);
        /* Strictly less: among equal distances the lowest query index stays. */
        const __mmask8 closer = _mm512_cmplt_epu64_mask(d, best);
        best = _mm512_min_epu64(best, d);
        best_k = _mm512_mask_mov_epi64(best_k, closer, _mm512_set1_epi64(k));
    }
    const unsigned mask = _mm512_mask_cmple_epu64_mask(lanes, best, radius);
    _mm512_store_si512((void *)best_row, best);
    _mm512_store_si512((void *)best_k_row, best_k);
    return wy__hamming_emit_min(slot, best_row, best_k_row, mask, hits);
}

static size_t scan_min_avx512(const uint64_t *blocks, size_t first, size_t last,
                              const struct wy__hamming_query *q, struct wy__hamming_hit *hits,
                              size_t cap, size_t *count)
{
    const __m512i radius = _mm512_set1_epi64(q->radius);
    size_t n = 0;
    size_t slot = first;
    for (; slot < last && cap - n >= WY__INDEX_BLOCK_HITS; slot += WY__INDEX_LANES) {
        const uint64_t *block = block_at(blocks, slot);
        prefetch_ahead(blocks, slot, last);
        const __mmask8 lanes = (__mmask8)wy__index_lane_mask(slot, last);
        if (WY_UNLIKELY(maybe_within(block, q, radius, lanes) != 0)) {
            n += block_min_hits(block, slot, q, radius, lanes, hits + n);
        }
    }
    *count = n;
    return slot < last ? slot : last;
}

const struct wy__hamming_impl wy__hamming_avx512 = {"avx512", scan_avx512, scan_min_avx512};
