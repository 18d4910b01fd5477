/* SPDX-License-Identifier: Apache-2.0 */
/*
 * index_arena.h: the allocator behind multi-index hashing's buckets.
 *
 * Millions of small bucket arrays, each read at a random place per search, make two costs that
 * the general allocator cannot avoid: a TLB miss per bucket (4 KiB pages) and a header per
 * allocation. The arena carves blocks out of large chunks that are aligned to 2 MiB and marked
 * for transparent huge pages (madvise; where the kernel declines, nothing else changes), and
 * recycles freed blocks through free lists by size class. A bulk build bump-allocates buckets
 * of exact sizes in key order, so the buckets of neighbouring keys, which a search visits
 * together, also lie together in memory.
 *
 * Blocks are multiples of 16 bytes, at least WY__ARENA_MIN_BLOCK. Blocks over
 * WY__ARENA_LARGE bytes are separate allocations (still huge-page aligned when large enough).
 * Not thread-safe: the owner serialises updates.
 */
#ifndef WY_INDEX_INDEX_ARENA_H
#define WY_INDEX_INDEX_ARENA_H

#include <stddef.h>

#include "withyou/ctx.h"

#define WY__ARENA_MIN_BLOCK 16
#define WY__ARENA_LARGE (1u << 20)
#define WY__ARENA_CLASSES 32

struct wy__arena_chunk;

struct wy__arena {
    struct wy_ctx *ctx;
    struct wy__arena_chunk *chunks; /* every chunk, newest first */
    char *next;                     /* bump pointer in the newest chunk */
    char *end;
    size_t bytes;                  /* chunks and large blocks held */
    void *free[WY__ARENA_CLASSES]; /* per size class, linked through each block's first word */
};

/** An empty arena on ctx's allocator. Allocates nothing yet. */
void wy__arena_init(struct wy__arena *a, struct wy_ctx *ctx);

/** Frees every chunk and large block; the arena is empty (and usable) again. */
void wy__arena_release(struct wy__arena *a);

/**
 * A block of `bytes` (a multiple of 16, >= WY__ARENA_MIN_BLOCK), 16-byte aligned, from the free
 * list when `bytes` is a class size, else from the current chunk. NULL when out of memory.
 */
void *wy__arena_alloc(struct wy__arena *a, size_t bytes);

/** Gives back a block of `bytes` (the size it was allocated with). NULL is a no-op. */
void wy__arena_free(struct wy__arena *a, void *p, size_t bytes);

/** The smallest class size above `bytes` (about 1.4x): the size to grow a block to. */
size_t wy__arena_grow_size(size_t bytes);

/**
 * A separate zeroed allocation of `bytes`, aligned for huge pages when large: for big arrays
 * the arena does not carve (bucket heads). Release with wy__arena_free_large(). NULL on failure.
 */
void *wy__arena_alloc_large(struct wy_ctx *ctx, size_t bytes);
void wy__arena_free_large(struct wy_ctx *ctx, void *p);

#endif /* WY_INDEX_INDEX_ARENA_H */
