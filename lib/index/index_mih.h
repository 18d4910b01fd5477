/* SPDX-License-Identifier: Apache-2.0 */
/*
 * index_mih.h: multi-index hashing (MIH), an exact range-search structure over the index's flat
 * store, internal to the index module (index.c picks it over the flat scan by size and radius).
 *
 * Each code is cut into m substrings of 256/m bits, and each substring position has a table
 * whose bucket for a key holds every entry with that substring. By the pigeonhole principle, with
 * r = a*m + b (0 <= b < m), a code within distance r of the query has substring i within a of
 * the query's for some i <= b, or within a - 1 for some i > b: otherwise the distances would
 * add up to at least (b + 1)(a + 1) + (m - b - 1)a = r + 1. A search therefore visits, in each
 * table, the buckets whose keys lie within that table's radius of the query's substring, and
 * verifies the entries found there. Results are exact at every radius; wy__mih_max_radius() says
 * where a flat scan becomes cheaper.
 *
 * The structure does not own the codes: the flat store (index_int.h's blocks) does, and the
 * tables name entries by slot. A bucket entry is 16 bytes: the slot and 96 further bits of the
 * code (none of the key's), a filter whose distance to the query's same bits is a lower bound of
 * the full distance. For random codes at radius 31 it rejects all but about 4 in 10^4 entries,
 * so a search streams 16 bytes per candidate and reads the full code (from the blocks) only for
 * the few that pass. Memory: 16 * m bytes per entry plus spare capacity (bucket arrays double as
 * they grow), plus 16 bytes per bucket head: 2^16 heads per table for m = 16 (16 MiB in all),
 * 2^8 for m = 32. See wy__mih_memory_bytes().
 *
 * Thread-safety: any number of threads may search concurrently; updates need exclusive access.
 */
#ifndef WY_INDEX_INDEX_MIH_H
#define WY_INDEX_INDEX_MIH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "index/index_int.h"
#include "withyou/ctx.h"
#include "withyou/status.h"

struct wy__mih;

/* Substring counts: 16 substrings of 16 bits suit 256-bit codes from 10^5 to 10^7 of them. */
#define WY__MIH_DEFAULT_SUBSTRINGS 16

/** Receives one entry within the radius: hit->slot, its distance and the query index. */
typedef bool (*wy__mih_hit_fn)(void *user, const struct wy__hamming_hit *hit);

/**
 * Creates an empty structure.
 * @param ctx         its allocator serves every later update; it must outlive the structure.
 * @param substrings  16 (tables of 2^16 buckets, the default) or 32 (tables of 2^8 buckets).
 * @param out         caller owns it; release with wy__mih_free(). Written only on success.
 * @return WY_OK; WY_EINVAL for another substring count; WY_ENOMEM.
 */
WY_NODISCARD WY_NONNULL(1, 3) enum wy_status
    wy__mih_new(struct wy_ctx *ctx, unsigned substrings, struct wy__mih **out);

/** Frees the structure and every bucket. NULL is a no-op. */
void wy__mih_free(struct wy__mih *mih);

/** Number of entries held. O(1). */
WY_NONNULL(1) size_t wy__mih_size(const struct wy__mih *mih);

/** Bytes the structure holds: bucket heads, bucket arrays with their spare room, itself. O(1). */
WY_NONNULL(1) size_t wy__mih_memory_bytes(const struct wy__mih *mih);

/**
 * Fills an empty structure with slots [0, count) of `blocks` in one pass per table, each bucket
 * allocated at its exact size: the bulk load (seconds for 10^7 entries, where one add at a time
 * pays for every doubling).
 * @return WY_OK; WY_EINVAL if entries are already held; WY_ENOMEM leaves it empty.
 */
WY_NODISCARD WY_NONNULL(1) enum wy_status
    wy__mih_build(struct wy__mih *mih, const uint64_t *blocks, size_t count);

/**
 * Adds entry `slot` whose code is `words` (index_int.h's word order). O(m) amortised.
 * @return WY_OK; WY_ENOMEM or WY_ETOOBIG (a bucket of 2^32 - 1 entries) leaves the tables exactly
 *         as they were (every bucket is grown before the first write).
 */
WY_NODISCARD WY_NONNULL(1, 2) enum wy_status
    wy__mih_add(struct wy__mih *mih, const uint64_t words[WY__INDEX_WORDS], uint32_t slot);

/**
 * Removes entry `slot` whose code is `words`. O(m * bucket size); never fails for memory (a
 * bucket that becomes a quarter full is shrunk when the allocator agrees, and kept otherwise).
 * @return WY_OK; WY_ENOENT if the tables hold no such entry (nothing changes).
 */
WY_NODISCARD WY_NONNULL(1, 2) enum wy_status
    wy__mih_remove(struct wy__mih *mih, const uint64_t words[WY__INDEX_WORDS], uint32_t slot);

/** Renames entry `from` (code `words`) to `to`, after the store moved it. O(m * bucket size). */
WY_NONNULL(1, 2)
void wy__mih_move(struct wy__mih *mih, const uint64_t words[WY__INDEX_WORDS], uint32_t from,
                  uint32_t to);

/**
 * Reports every entry within q->radius of each of q->count queries, exactly once per (query,
 * slot); with `min_only` (dihedral search) each slot once, with its smallest distance and the
 * lowest query index giving it. Full codes are read from `blocks`, the store the slots refer to.
 * The order is unspecified. Stops as soon as `fn` returns false. Allocates nothing.
 * Cost per query: the buckets visited (see wy__mih_max_radius()) plus the entries in them,
 * about size * visited / 2^(256/m) for random codes, 16 bytes each.
 */
WY_NONNULL(1, 2, 3, 5)
void wy__mih_range(const struct wy__mih *mih, const uint64_t *blocks,
                   const struct wy__hamming_query *q, bool min_only, wy__mih_hit_fn fn, void *user);

/**
 * The largest radius at which this structure should answer rather than a flat scan: past it the
 * buckets to visit per query exceed 1/16 of all buckets of a table, so a search touches more
 * than about 1/16 of the entries m times over and a multi-query flat scan wins. 50 for m = 16,
 * 15 for m = 32. Results stay exact beyond it. O(1).
 */
WY_NONNULL(1) unsigned wy__mih_max_radius(const struct wy__mih *mih);

#endif /* WY_INDEX_INDEX_MIH_H */
