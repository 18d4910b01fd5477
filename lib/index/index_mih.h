/* SPDX-License-Identifier: Apache-2.0 */
/*
 * index_mih.h: multi-index hashing (MIH), an exact range-search structure for 256-bit codes,
 * internal to the index module (index.c picks it over the flat scan by size and radius).
 *
 * Each code is cut into m substrings of 256/m bits, and each substring position has a table
 * whose bucket for a key holds every code with that substring. By the pigeonhole principle, with
 * r = a*m + b (0 <= b < m), a code within distance r of the query has substring i within a of
 * the query's for some i <= b, or within a - 1 for some i > b: otherwise the distances would
 * add up to at least (b + 1)(a + 1) + (m - b - 1)a = r + 1. A search therefore visits, in each
 * table, the buckets whose keys lie within that table's radius of the query's substring, and
 * verifies the codes found there with the full distance. Results are exact at every radius;
 * wy__mih_max_radius() says where a flat scan becomes cheaper.
 *
 * Buckets keep the codes themselves (32 bytes of code and 8 of id, contiguous), so verification
 * streams memory rather than chasing pointers. Memory: 40 * m bytes per code plus spare capacity
 * (bucket arrays double as they grow), plus 16 bytes per bucket head: 2^16 heads per table for
 * m = 16 (16 MiB in all), 2^8 for m = 32. See wy__mih_memory_bytes().
 *
 * Thread-safety: any number of threads may search concurrently; add and remove need exclusive
 * access.
 */
#ifndef WY_INDEX_INDEX_MIH_H
#define WY_INDEX_INDEX_MIH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "withyou/ctx.h"
#include "withyou/index.h"
#include "withyou/pdq.h"
#include "withyou/status.h"

struct wy__mih;

/* Substring counts: 16 substrings of 16 bits suit 256-bit codes from 10^5 to 10^7 of them. */
#define WY__MIH_DEFAULT_SUBSTRINGS 16
/* The most queries one wy__mih_range() call takes (the 8 dihedral variants of a picture). */
#define WY__MIH_MAX_QUERIES 8

/**
 * Creates an empty structure.
 * @param ctx         its allocator serves every later add; it must outlive the structure.
 * @param substrings  16 (tables of 2^16 buckets, the default) or 32 (tables of 2^8 buckets).
 *                    8 (32-bit keys, which would need hashed tables) is not implemented.
 * @param out         caller owns it; release with wy__mih_free(). Written only on success.
 * @return WY_OK; WY_EINVAL for another substring count; WY_ENOMEM.
 */
WY_NODISCARD WY_NONNULL(1, 3) enum wy_status
    wy__mih_new(struct wy_ctx *ctx, unsigned substrings, struct wy__mih **out);

/** Frees the structure and every bucket. NULL is a no-op. */
void wy__mih_free(struct wy__mih *mih);

/** Number of codes held. O(1). */
WY_NONNULL(1) size_t wy__mih_size(const struct wy__mih *mih);

/** Bytes the structure holds: bucket heads, bucket arrays with their spare room, itself. O(1). */
WY_NONNULL(1) size_t wy__mih_memory_bytes(const struct wy__mih *mih);

/**
 * Adds a code under `id`. No rebuild: one append per table, O(m) amortised. The caller keeps ids
 * unique (index.c does); the same (hash, id) added twice is held, and reported, twice.
 * @return WY_OK; WY_ENOMEM or WY_ETOOBIG (a bucket of 2^32 - 1 codes) leaves the codes exactly as
 *         they were (every bucket is grown before the first write; only spare capacity may grow).
 */
WY_NODISCARD WY_NONNULL(1, 2) enum wy_status
    wy__mih_add(struct wy__mih *mih, const struct wy_pdq_hash *hash, uint64_t id);

/**
 * Removes the code added under `id` with this hash. O(m * bucket size); never fails for memory
 * (a bucket that becomes a quarter full is shrunk when the allocator agrees, and kept otherwise).
 * @return WY_OK; WY_ENOENT if no such (hash, id) is held (nothing changes).
 */
WY_NODISCARD WY_NONNULL(1, 2) enum wy_status
    wy__mih_remove(struct wy__mih *mih, const struct wy_pdq_hash *hash, uint64_t id);

/**
 * Reports every code within `radius` of each query, exactly once per (query, id), with
 * hit.query = the query's index in `queries`. The order is unspecified. Exact at every radius
 * (256 and more report everything); past wy__mih_max_radius() it is merely slower than a scan.
 * Stops, returning WY_OK, as soon as `fn` returns false. Allocates nothing.
 * Cost per query: the number of buckets visited (see wy__mih_max_radius()) plus the codes in
 * them, about size * visited / 2^(256/m) for random codes.
 * @param count  1..WY__MIH_MAX_QUERIES queries.
 * @return WY_OK; WY_EINVAL for a count outside 1..8.
 */
WY_NODISCARD WY_NONNULL(1, 2, 5) enum wy_status
    wy__mih_range(const struct wy__mih *mih, const struct wy_pdq_hash *queries, size_t count,
                  unsigned radius, wy_index_hit_fn fn, void *user);

/**
 * The same search with dihedral semantics (wy_index_range_dihedral): each id within `radius` of
 * any query is reported once, with its smallest distance and the lowest query index giving it.
 * @return WY_OK; WY_EINVAL for a count outside 1..8.
 */
WY_NODISCARD WY_NONNULL(1, 2, 5) enum wy_status
    wy__mih_range_min(const struct wy__mih *mih, const struct wy_pdq_hash *queries, size_t count,
                      unsigned radius, wy_index_hit_fn fn, void *user);

/**
 * The largest radius at which this structure should answer rather than a flat scan: past it the
 * buckets to visit per query exceed 1/16 of all buckets of a table, so a search touches more
 * than about 1/16 of the codes m times over and a multi-query flat scan wins. 50 for m = 16,
 * 15 for m = 32. Results stay exact beyond it. O(1). Measured at 10^6 codes, m = 16, against the
 * AVX-512 flat scan with 8 queries per pass: MIH 3,700 q/s vs 1,600 at radius 40, 1,900 vs
 * 1,450 at 47; the curves cross near 50. Below about 2 * 10^5 codes the flat scan is as fast.
 */
WY_NONNULL(1) unsigned wy__mih_max_radius(const struct wy__mih *mih);

#endif /* WY_INDEX_INDEX_MIH_H */
