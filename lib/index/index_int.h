/* SPDX-License-Identifier: Apache-2.0 */
/*
 * index_int.h: the index's storage layout, its Hamming kernels and their implementation table,
 * and the table through which index.c reaches a search structure.
 *
 * Layout. Entries live in blocks of WY__INDEX_LANES (8) hashes stored word-major: block b holds
 * word w of lane i at blocks[b * WY__INDEX_BLOCK_WORDS + w * WY__INDEX_LANES + i]. Entry `slot`
 * is lane slot % 8 of block slot / 8. Word w of a hash is its bytes 8w..8w+7 read little-endian;
 * any fixed order would do, because the distance is the popcount of the XOR of all 256 bits.
 * With this layout one 512-bit load brings the same word of eight entries, so a kernel XORs it
 * with the query word broadcast, counts bits per 64-bit lane and adds four such vectors: eight
 * distances with no horizontal sum. A block is 256 bytes: four cache lines, always aligned to
 * 64 bytes. Lanes past the last entry of the last block hold stale data and are never reported.
 *
 * Kernels. Every implementation gives exactly the scalar results (hamming.c is the
 * specification), in the same order: entries by increasing slot, queries by increasing index.
 */
#ifndef WY_INDEX_INDEX_INT_H
#define WY_INDEX_INDEX_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "withyou/ctx.h"
#include "withyou/index.h"

#define WY__INDEX_LANES 8
#define WY__INDEX_WORDS 4 /* 64-bit words per hash */
#define WY__INDEX_BLOCK_WORDS (WY__INDEX_LANES * WY__INDEX_WORDS)
#define WY__INDEX_BLOCK_BYTES (WY__INDEX_BLOCK_WORDS * 8)
#define WY__INDEX_ALIGN 64
#define WY__INDEX_MAX_QUERIES 8
#define WY__INDEX_MAX_DISTANCE 256
/* The most hits one block can produce: every lane within radius of every query. */
#define WY__INDEX_BLOCK_HITS (WY__INDEX_LANES * WY__INDEX_MAX_QUERIES)

/* Up to 8 queries as words (see the layout above), with the radius, for one scan. */
struct wy__hamming_query {
    uint64_t words[WY__INDEX_MAX_QUERIES][WY__INDEX_WORDS];
    unsigned count;  /* 1..8 */
    unsigned radius; /* 0..256 */
};

/* One kernel result: the entry's slot, the query index and the distance. */
struct wy__hamming_hit {
    uint32_t slot;
    uint16_t distance;
    uint8_t query;
};

/*
 * scan: compares the entries of slots [first, last) with every query and writes a hit for each
 * (entry, query) pair within the radius, entries in slot order, then queries in index order.
 * `first` is a multiple of 8. It stops before a block whose hits might not fit in the `cap`
 * (at least WY__INDEX_BLOCK_HITS) slots of `hits`, and returns the slot it stopped at (`last` when
 * done); `*count` receives the number of hits written.
 *
 * scan_min: the same, but one hit per entry whose smallest distance over the queries is within
 * the radius, naming the query that gave it (the lowest index among equals). For dihedral search.
 */
typedef size_t (*wy__hamming_scan_fn)(const uint64_t *blocks, size_t first, size_t last,
                                      const struct wy__hamming_query *q,
                                      struct wy__hamming_hit *hits, size_t cap, size_t *count);

struct wy__hamming_impl {
    const char *name;
    wy__hamming_scan_fn scan;
    wy__hamming_scan_fn scan_min;
};

extern const struct wy__hamming_impl wy__hamming_scalar;
#ifdef WY_HAVE_X86_SIMD
extern const struct wy__hamming_impl wy__hamming_popcnt;
extern const struct wy__hamming_impl wy__hamming_avx2;
extern const struct wy__hamming_impl wy__hamming_avx512;
#endif

/* The best kernel set for a CPU level (scalar when SIMD is compiled out). */
const struct wy__hamming_impl *wy__hamming_pick(enum wy_cpu_level level);

/* Word w of entry `slot`. */
static inline uint64_t wy__index_word(const uint64_t *blocks, size_t slot, unsigned w)
{
    return blocks[(slot / WY__INDEX_LANES) * WY__INDEX_BLOCK_WORDS + w * WY__INDEX_LANES +
                  slot % WY__INDEX_LANES];
}

/* All four words of entry `slot`. */
static inline void wy__index_words(const uint64_t *blocks, size_t slot,
                                   uint64_t words[WY__INDEX_WORDS])
{
    for (unsigned w = 0; w < WY__INDEX_WORDS; w++) {
        words[w] = wy__index_word(blocks, slot, w);
    }
}

/* Converts a hash to words (little-endian reads of its 8-byte groups). */
void wy__index_hash_words(const struct wy_pdq_hash *hash, uint64_t words[WY__INDEX_WORDS]);

/*
 * Bits set in lanes [0, 8) of the block that starts at slot `block_first` that lie below `last`:
 * the kernels' mask for the final, partial block.
 */
static inline unsigned wy__index_lane_mask(size_t block_first, size_t last)
{
    const size_t valid = last - block_first;
    return valid >= WY__INDEX_LANES ? 0xffu : (1u << valid) - 1u;
}

/*
 * Writes the hits of one block from per-query distance rows and lane masks (bit i: lane i is
 * within the radius of that query), lanes first, then queries, as the scalar kernel orders them.
 * For the vector kernels, which only reach here when some lane matched.
 */
static inline size_t wy__hamming_emit(size_t slot, const uint64_t dist[][WY__INDEX_LANES],
                                      const unsigned *masks, unsigned count,
                                      struct wy__hamming_hit *hits)
{
    size_t n = 0;
    for (unsigned lane = 0; lane < WY__INDEX_LANES; lane++) {
        for (unsigned k = 0; k < count; k++) {
            if (masks[k] >> lane & 1u) {
                hits[n].slot = (uint32_t)(slot + lane);
                hits[n].query = (uint8_t)k;
                hits[n].distance = (uint16_t)dist[k][lane];
                n++;
            }
        }
    }
    return n;
}

/* The same for scan_min: one row of best distances, one of the queries that gave them. */
static inline size_t wy__hamming_emit_min(size_t slot, const uint64_t *best, const uint64_t *best_k,
                                          unsigned mask, struct wy__hamming_hit *hits)
{
    size_t n = 0;
    for (unsigned lane = 0; lane < WY__INDEX_LANES; lane++) {
        if (mask >> lane & 1u) {
            hits[n].slot = (uint32_t)(slot + lane);
            hits[n].query = (uint8_t)best_k[lane];
            hits[n].distance = (uint16_t)best[lane];
            n++;
        }
    }
    return n;
}

/*
 * A search structure. The flat store (blocks, ids, id map in index.c) always exists and owns the
 * entries; a structure only answers range queries over it, and is told about every change of
 * slot so that it can keep its own tables (multi-index hashing keeps per-substring buckets of
 * slots). The flat scan needs no state: its hooks are NULL.
 */
struct wy_index;
struct wy__index_ops {
    const char *name;
    /* Range search; `dihedral` selects scan_min semantics. Calls fn until it returns false. */
    enum wy_status (*range)(const struct wy_index *index, const struct wy__hamming_query *q,
                            bool dihedral, wy_index_hit_fn fn, void *user);
    /* Entry `slot` was added; entry `from` moved to `to`; entry `slot` is about to go. */
    enum wy_status (*added)(struct wy_index *index, size_t slot);
    void (*moved)(struct wy_index *index, size_t from, size_t to);
    void (*removing)(struct wy_index *index, size_t slot);
};

extern const struct wy__index_ops wy__index_flat_ops;

#endif /* WY_INDEX_INDEX_INT_H */
