/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hamming_avx2.c: the scan kernels with AVX2, for CPUs without AVX-512's VPOPCNTQ.
 *
 * AVX2 has no vector popcount, so bits are counted with the nibble table of Mula, Kurz and
 * Lemire ("Faster population counts using AVX2 instructions"): VPSHUFB looks up the count of
 * each 4-bit half of every byte. A 256-bit register holds one word of four entries (half of a
 * block of the layout in index_int.h). The byte counts of the four XORed words are added as
 * bytes (at most 4 * 8 = 32, no overflow), and one VPSADBW against zero sums the eight bytes of
 * each 64-bit lane: four distances, no horizontal work. The block is loaded once per pass and
 * shared by every query of the pass.
 */
#include "wy_setup.h"

#include <immintrin.h>

#include "index/index_int.h"

enum { HALF = 4 }; /* entries per 256-bit register */

struct block_words {
    __m256i w[2][WY__INDEX_WORDS]; /* [half][word] */
};

static inline struct block_words load_block(const uint64_t *blocks, size_t slot)
{
    const uint64_t *block = blocks + (slot / WY__INDEX_LANES) * WY__INDEX_BLOCK_WORDS;
    struct block_words b;
    for (unsigned h = 0; h < 2; h++) {
        for (unsigned w = 0; w < WY__INDEX_WORDS; w++) {
            b.w[h][w] =
                _mm256_load_si256((const __m256i *)(block + w * WY__INDEX_LANES + h * HALF));
        }
    }
    return b;
}

static inline __m256i nibble_counts(__m256i x)
{
    const __m256i table = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1,
                                           2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    const __m256i lo = _mm256_shuffle_epi8(table, _mm256_and_si256(x, low4));
    const __m256i hi = _mm256_shuffle_epi8(table, _mm256_and_si256(_mm256_srli_epi16(x, 4), low4));
    return _mm256_add_epi8(lo, hi);
}

/* Distances of the four entries of one half to a query: one per 64-bit lane. */
static inline __m256i half_distances(const __m256i *w, const uint64_t *query)
{
    __m256i bytes = _mm256_setzero_si256();
    for (unsigned i = 0; i < WY__INDEX_WORDS; i++) {
        const __m256i q = _mm256_set1_epi64x((long long)query[i]);
        bytes = _mm256_add_epi8(bytes, nibble_counts(_mm256_xor_si256(w[i], q)));
    }
    return _mm256_sad_epu8(bytes, _mm256_setzero_si256());
}

/* Lanes (bit per entry) whose distance is within the radius. */
static inline unsigned within(__m256i d, __m256i radius)
{
    const __m256i over = _mm256_cmpgt_epi64(d, radius);
    return (unsigned)_mm256_movemask_pd(_mm256_castsi256_pd(over)) ^ 0xfu;
}

static size_t scan_avx2(const uint64_t *blocks, size_t first, size_t last,
                        const struct wy__hamming_query *q, struct wy__hamming_hit *hits, size_t cap,
                        size_t *count)
{
    const __m256i radius = _mm256_set1_epi64x(q->radius);
    uint64_t dist[WY__INDEX_MAX_QUERIES][WY__INDEX_LANES] WY_ALIGNED(32);
    unsigned masks[WY__INDEX_MAX_QUERIES];
    size_t n = 0;
    size_t slot = first;
    for (; slot < last && cap - n >= WY__INDEX_BLOCK_HITS; slot += WY__INDEX_LANES) {
        const struct block_words b = load_block(blocks, slot);
        const unsigned lanes = wy__index_lane_mask(slot, last);
        unsigned any = 0;
        for (unsigned k = 0; k < q->count; k++) {
            const __m256i d0 = half_distances(b.w[0], q->words[k]);
            const __m256i d1 = half_distances(b.w[1], q->words[k]);
            masks[k] = (within(d0, radius) | within(d1, radius) << HALF) & lanes;
            if (masks[k] != 0) {
                _mm256_store_si256((__m256i *)dist[k], d0);
                _mm256_store_si256((__m256i *)(dist[k] + HALF), d1);
                any |= masks[k];
            }
        }
        if (WY_UNLIKELY(any != 0)) {
            n += wy__hamming_emit(slot, (const uint64_t(*)[WY__INDEX_LANES])dist, masks, q->count,
                                  hits + n);
        }
    }
    *count = n;
    return slot < last ? slot : last;
}

/* Keeps, per lane, the smaller distance and its query; equal distances keep the earlier one. */
static inline void keep_closer(__m256i *best, __m256i *best_k, __m256i d, unsigned k)
{
    const __m256i closer = _mm256_cmpgt_epi64(*best, d);
    *best = _mm256_blendv_epi8(*best, d, closer);
    *best_k = _mm256_blendv_epi8(*best_k, _mm256_set1_epi64x(k), closer);
}

static size_t scan_min_avx2(const uint64_t *blocks, size_t first, size_t last,
                            const struct wy__hamming_query *q, struct wy__hamming_hit *hits,
                            size_t cap, size_t *count)
{
    const __m256i radius = _mm256_set1_epi64x(q->radius);
    uint64_t best_row[WY__INDEX_LANES] WY_ALIGNED(32);
    uint64_t best_k_row[WY__INDEX_LANES] WY_ALIGNED(32);
    size_t n = 0;
    size_t slot = first;
    for (; slot < last && cap - n >= WY__INDEX_BLOCK_HITS; slot += WY__INDEX_LANES) {
        const struct block_words b = load_block(blocks, slot);
        __m256i best[2];
        __m256i best_k[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
        for (unsigned h = 0; h < 2; h++) {
            best[h] = half_distances(b.w[h], q->words[0]);
        }
        for (unsigned k = 1; k < q->count; k++) {
            for (unsigned h = 0; h < 2; h++) {
                keep_closer(&best[h], &best_k[h], half_distances(b.w[h], q->words[k]), k);
            }
        }
        const unsigned lanes = wy__index_lane_mask(slot, last);
        const unsigned mask = (within(best[0], radius) | within(best[1], radius) << HALF) & lanes;
        if (WY_UNLIKELY(mask != 0)) {
            for (unsigned h = 0; h < 2; h++) {
                _mm256_store_si256((__m256i *)(best_row + h * HALF), best[h]);
                _mm256_store_si256((__m256i *)(best_k_row + h * HALF), best_k[h]);
            }
            n += wy__hamming_emit_min(slot, best_row, best_k_row, mask, hits + n);
        }
    }
    *count = n;
    return slot < last ? slot : last;
}

const struct wy__hamming_impl wy__hamming_avx2 = {"avx2", scan_avx2, scan_min_avx2};
