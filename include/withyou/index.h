/* SPDX-License-Identifier: Apache-2.0 */
/*
 * index.h: an in-memory index of 256-bit fingerprints for exact Hamming-distance search.
 *
 * Every entry is a PDQ hash and a caller-chosen 64-bit id (a fingerprint's row id in the bank).
 * Searches are exact: a range query returns every entry within the radius (recall 100%), never an
 * approximation. Entries are added and removed one at a time without a rebuild. A dihedral query
 * asks for the 8 rotations and mirrors of one picture in a single pass over memory and reports
 * each id once, with its closest variant.
 *
 * Structures behind this one interface: a flat scan (SIMD popcount over a packed array, several
 * queries per pass), and multi-index hashing for large indexes and small radii; the index
 * chooses by size and radius unless told otherwise.
 *
 * Thread-safety: any number of threads may search concurrently; wy_index_add/remove need
 * exclusive access (the caller holds a writer lock).
 *
 * Memory: 32 bytes per hash, 8 per id and 4 per bucket of the id map (at most 70% full), with
 * arrays that double as they grow: 48 to 80 bytes per entry, see wy_index_memory_bytes(); with
 * multi-index hashing tables, about 270 bytes more per entry and 16 MiB of bucket heads. An
 * index holds at most 2^32 - 2 entries. docs/internals/index.md has the design and figures.
 */
#ifndef WY_WITHYOU_INDEX_H
#define WY_WITHYOU_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "withyou/ctx.h"
#include "withyou/pdq.h"
#include "withyou/status.h"

#ifdef __cplusplus
extern "C" {
#endif

struct wy_index;

/** Which structure answers range queries. */
enum wy_index_kind {
    WY_INDEX_AUTO = 0, /* by size and radius: multi-index hashing between WY_INDEX_MIH_MIN and
                          WY_INDEX_MIH_MAX entries for radii it serves faster, else the scan */
    WY_INDEX_FLAT = 1, /* always scan */
    WY_INDEX_MIH = 2,  /* multi-index hashing at every size (scan past its radius limit) */
};

/** AUTO keeps multi-index hashing tables from this many entries (below, a scan is about as fast
 * for dihedral searches and far smaller)... */
#define WY_INDEX_MIH_MIN 100000u
/** ...up to this many: the tables cost about 270 bytes an entry (10 GiB here), the scan 50. */
#define WY_INDEX_MIH_MAX 32000000u

/** One result: which entry, how far, and for multi-query searches which query matched. */
struct wy_index_hit {
    uint64_t id;
    uint16_t distance; /* 0..256 */
    uint8_t query;     /* index of the query (for dihedral searches: enum wy_dihedral) */
};

/**
 * Receives results one by one, in no particular order. Return false to stop the search early
 * (not an error).
 */
typedef bool (*wy_index_hit_fn)(void *user, const struct wy_index_hit *hit);

/**
 * Creates an empty index. Its kernels follow the context's CPU level at creation. The context
 * must outlive the index (its allocator is used for every later add).
 * @param out  caller owns it; release with wy_index_free(). Written only on success.
 * @return WY_OK; WY_EINVAL for an unknown kind; WY_ENOMEM.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 3) enum wy_status
    wy_index_new(struct wy_ctx *ctx, enum wy_index_kind kind, struct wy_index **out);

/** Frees an index. NULL is a no-op. */
WY_API void wy_index_free(struct wy_index *index);

/** Number of entries. O(1). */
WY_API WY_NONNULL(1) size_t wy_index_size(const struct wy_index *index);

/** Bytes of memory the index holds (entries, id map, structures). */
WY_API WY_NONNULL(1) size_t wy_index_memory_bytes(const struct wy_index *index);

/** Name of the kernel set in use ("scalar", "popcnt", "avx2", "avx512"). */
WY_API WY_NONNULL(1) const char *wy_index_impl(const struct wy_index *index);

/**
 * Adds an entry (the hash is copied). Amortised O(1): the arrays double when full.
 * @return WY_OK; WY_EINVAL if `id` is already present (ids are unique; the index is unchanged);
 *         WY_ENOMEM (the index is unchanged); WY_ETOOBIG past 2^32 - 2 entries.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2) enum wy_status
    wy_index_add(struct wy_index *index, const struct wy_pdq_hash *hash, uint64_t id);

/**
 * Adds `count` entries (hashes[i] under ids[i]) at once: all or nothing. The bulk load for a bank
 * of known size: arrays grow once, and multi-index hashing tables are built in one pass when the
 * batch is at least as large as the index before it (seconds for 10^7 entries, where adding one
 * at a time keeps growing every bucket). O(count) expected, plus O(size) for such a build.
 * @return WY_OK; WY_EINVAL if an id is already present or appears twice in the batch;
 *         WY_ENOMEM; WY_ETOOBIG past 2^32 - 2 entries. On any error the index is unchanged.
 */
WY_API WY_NODISCARD WY_NONNULL(1) enum wy_status
    wy_index_add_many(struct wy_index *index, const struct wy_pdq_hash *hashes, const uint64_t *ids,
                      size_t count);

/**
 * Changes the structure policy of a filled index, as if it had been created with `kind`:
 * WY_INDEX_MIH or WY_INDEX_AUTO (at a size that wants them) build the multi-index hashing tables
 * now, WY_INDEX_FLAT frees them. Results never change, only speed. A caller that loads a large
 * index for a few queries can start flat and ask for tables once the queries justify the build.
 * Needs the same exclusive access as wy_index_add().
 * @return WY_OK; WY_EINVAL for an unknown kind; WY_ENOMEM when WY_INDEX_MIH cannot be built (the
 *         index is unchanged; under WY_INDEX_AUTO a failed build leaves the flat scan).
 */
WY_API WY_NODISCARD WY_NONNULL(1) enum wy_status
    wy_index_set_kind(struct wy_index *index, enum wy_index_kind kind);

/**
 * Removes the entry with this id. O(1) expected; never allocates, so it cannot fail for memory.
 * Memory is kept for later adds.
 * @return WY_OK; WY_ENOENT if there is none.
 */
WY_API WY_NODISCARD WY_NONNULL(1) enum wy_status
    wy_index_remove(struct wy_index *index, uint64_t id);

/**
 * Calls `fn` for every (query, entry) pair within `radius` (0..256; larger means 256) of each of
 * the `count` queries (1..8); `hit->query` is the query's index. The queries share one pass over
 * memory. The index must not change during the call (fn must not add or remove).
 * @return WY_OK (also when `fn` stopped the search); WY_EINVAL for count 0 or > 8.
 * Complexity: O(size * count / SIMD width) for the flat scan; no allocation.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2, 5) enum wy_status
    wy_index_range(const struct wy_index *index, const struct wy_pdq_hash *queries, size_t count,
                   unsigned radius, wy_index_hit_fn fn, void *user);

/**
 * Dihedral range search: like wy_index_range() with the 8 variants of one picture as queries,
 * but each entry is reported once, with its smallest distance and the variant that gave it
 * (`hit->query`; among variants at the same distance, the lowest index).
 * @return WY_OK (also when `fn` stopped the search).
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2, 4) enum wy_status
    wy_index_range_dihedral(const struct wy_index *index,
                            const struct wy_pdq_hash dihedral[WY_DIH_COUNT], unsigned radius,
                            wy_index_hit_fn fn, void *user);

/**
 * The k entries nearest to `query`, closest first (ties by smaller id). Exact: a flat scan
 * keeping the best k in a heap; the radius of the scan shrinks to the k-th best distance.
 * @param hits   array of at least k; entries [0, *found) are written (`query` is 0).
 * @param found  receives min(k, size).
 * @return WY_OK; WY_EINVAL for k 0.
 * Complexity: O(size + found * log k); no allocation.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2, 4, 5) enum wy_status
    wy_index_knn(const struct wy_index *index, const struct wy_pdq_hash *query, size_t k,
                 struct wy_index_hit *hits, size_t *found);

#ifdef __cplusplus
}
#endif

#endif /* WY_WITHYOU_INDEX_H */
