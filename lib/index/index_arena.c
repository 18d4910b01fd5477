/* SPDX-License-Identifier: Apache-2.0 */
/*
 * index_arena.c: chunks on huge pages, bump allocation, free lists by size class.
 *
 * Size classes are 16, 32 and 48 bytes, then 2^k and 1.5 * 2^k bytes from 64 up to
 * WY__ARENA_LARGE: class 3 + 2(k - 6) is 2^k, the next one 1.5 * 2^k. A freed block goes to the
 * largest class not above its size, so blocks of any size (a bulk build's exact buckets) are
 * recycled, wasting at most a third. A new chunk is a quarter of what the arena holds (64 KiB to 32
 * MiB), so a small index stays small and the unused tail of the newest chunk stays under a fifth.
 */
/* MADV_HUGEPAGE is Linux's, outside POSIX; without it the advice is simply not given. */
#define _DEFAULT_SOURCE
#include "wy_setup.h"

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "core/core_int.h"
#include "index/index_arena.h"

#define HUGE_PAGE ((size_t)2 << 20)
#define FIRST_CHUNK ((size_t)64 << 10)
#define MAX_CHUNK ((size_t)32 << 20)
#define SMALL_ALIGN 64
/* Room before an aligned block for the pointer to its raw allocation. */
#define HEADER 16

struct wy__arena_chunk {
    struct wy__arena_chunk *next;
};

static unsigned log2_floor(size_t x)
{
    return (unsigned)(63 - __builtin_clzll((unsigned long long)x));
}

/* The largest class not above `bytes` (>= 16, <= WY__ARENA_LARGE). */
static unsigned class_at_most(size_t bytes)
{
    if (bytes < 64) {
        return (unsigned)(bytes / 16 - 1);
    }
    const unsigned k = log2_floor(bytes);
    const size_t half_step = (size_t)3 << (k - 1);
    return 3 + 2 * (k - 6) + (bytes >= half_step ? 1 : 0);
}

static size_t class_size(unsigned c)
{
    if (c < 3) {
        return 16 * (size_t)(c + 1);
    }
    const size_t base = (size_t)1 << ((c - 3) / 2 + 6);
    return (c - 3) % 2 ? base + base / 2 : base;
}

size_t wy__arena_grow_size(size_t bytes)
{
    if (bytes < WY__ARENA_MIN_BLOCK) {
        return WY__ARENA_MIN_BLOCK;
    }
    if (bytes >= WY__ARENA_LARGE) {
        return (bytes + bytes / 2 + 15) & ~(size_t)15;
    }
    return class_size(class_at_most(bytes) + 1);
}

/* ---- separate allocations, aligned (and advised) for huge pages when large ---- */

void *wy__arena_alloc_large(struct wy_ctx *ctx, size_t bytes)
{
    const size_t align = bytes >= HUGE_PAGE ? HUGE_PAGE : SMALL_ALIGN;
    if (bytes > SIZE_MAX - align - HEADER) {
        return NULL;
    }
    char *raw = wy__alloc(ctx, bytes + align + HEADER);
    if (raw == NULL) {
        return NULL;
    }
    const uintptr_t start = ((uintptr_t)raw + HEADER + align - 1) & ~(uintptr_t)(align - 1);
    char *p = (char *)start;
    memcpy(p - sizeof raw, &raw, sizeof raw);
#ifdef MADV_HUGEPAGE
    if (align == HUGE_PAGE) {
        /* Advice only: without huge pages the memory works the same, only slower. */
        (void)madvise(p, bytes & ~(HUGE_PAGE - 1), MADV_HUGEPAGE);
    }
#endif
    return p;
}

void wy__arena_free_large(struct wy_ctx *ctx, void *p)
{
    if (p == NULL) {
        return;
    }
    char *raw;
    memcpy(&raw, (char *)p - sizeof raw, sizeof raw);
    wy__free(ctx, raw);
}

/* ---- the arena ---- */

void wy__arena_init(struct wy__arena *a, struct wy_ctx *ctx)
{
    memset(a, 0, sizeof *a);
    a->ctx = ctx;
}

void wy__arena_release(struct wy__arena *a)
{
    struct wy__arena_chunk *c = a->chunks;
    while (c != NULL) {
        struct wy__arena_chunk *next = c->next;
        wy__arena_free_large(a->ctx, c);
        c = next;
    }
    /* Large blocks are the owner's to free (it knows them by size); the count stays theirs. */
    wy__arena_init(a, a->ctx);
}

/* Starts a chunk that holds at least `bytes`; the old chunk's tail goes to a free list. */
static int new_chunk(struct wy__arena *a, size_t bytes)
{
    /* A quarter of what is held, so the last chunk's unused tail stays small. */
    size_t size = a->bytes / 4;
    size = size < FIRST_CHUNK ? FIRST_CHUNK : size > MAX_CHUNK ? MAX_CHUNK : size;
    if (size >= HUGE_PAGE) {
        size &= ~(HUGE_PAGE - 1);
    }
    if (size < bytes + SMALL_ALIGN) {
        size = bytes + SMALL_ALIGN;
    }
    struct wy__arena_chunk *c = wy__arena_alloc_large(a->ctx, size);
    if (c == NULL) {
        return -1;
    }
    const size_t tail = (size_t)(a->end - a->next);
    if (tail >= WY__ARENA_MIN_BLOCK) {
        wy__arena_free(a, a->next, tail >= WY__ARENA_LARGE ? WY__ARENA_LARGE : tail & ~(size_t)15);
    }
    c->next = a->chunks;
    a->chunks = c;
    a->next = (char *)c + SMALL_ALIGN; /* the first line holds the chunk's link */
    a->end = (char *)c + size;
    a->bytes += size;
    return 0;
}

void *wy__arena_alloc(struct wy__arena *a, size_t bytes)
{
    if (bytes > WY__ARENA_LARGE) {
        void *p = wy__arena_alloc_large(a->ctx, bytes);
        if (p != NULL) {
            a->bytes += bytes;
        }
        return p;
    }
    const unsigned c = class_at_most(bytes);
    if (class_size(c) == bytes && a->free[c] != NULL) {
        void *p = a->free[c];
        memcpy(&a->free[c], p, sizeof(void *));
        return p;
    }
    if ((size_t)(a->end - a->next) < bytes && new_chunk(a, bytes) != 0) {
        return NULL;
    }
    void *p = a->next;
    a->next += bytes;
    return p;
}

void wy__arena_free(struct wy__arena *a, void *p, size_t bytes)
{
    if (p == NULL) {
        return;
    }
    if (bytes > WY__ARENA_LARGE) {
        wy__arena_free_large(a->ctx, p);
        a->bytes -= bytes;
        return;
    }
    const unsigned c = class_at_most(bytes);
    memcpy(p, &a->free[c], sizeof(void *));
    a->free[c] = p;
}
