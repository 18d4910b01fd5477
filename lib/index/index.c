/* SPDX-License-Identifier: Apache-2.0 */
/*
 * index.c: the public index API over the flat store, and the flat scan itself.
 *
 * The store is three arrays indexed by slot 0..size-1: the hashes in word-major blocks of eight
 * (layout in index_int.h), the ids, and an open-addressing map from id to slot. The map holds
 * only slots (4 bytes a bucket; the id is read back from the id array), with linear probing and
 * backward-shift deletion, so no tombstones ever build up. Removal moves the last entry into the
 * freed slot, so the arrays stay dense and a scan never skips holes; both add and remove are
 * O(1) expected, and no operation rebuilds anything.
 *
 * Every step that can fail (growing an array, growing the map) happens before the first write,
 * so WY_ENOMEM leaves the entries exactly as they were; only spare capacity may have grown.
 *
 * Searches go through a search structure (struct wy__index_ops). The flat scan keeps no state of
 * its own and drains the kernel's hit buffer into the callback, so the kernel's loop never calls
 * out per entry. Multi-index hashing (index_mih.c) keeps its tables in step through the ops'
 * added/removing hooks and answers the radii it serves faster; WY_INDEX_AUTO builds its tables
 * when the index grows past WY_INDEX_MIH_MIN and drops them past WY_INDEX_MIH_MAX or below half
 * the minimum (the hysteresis keeps an index near the edge from rebuilding on every change).
 */
#include "wy_setup.h"

#include <string.h>

#include "core/core_int.h"
#include "index/index_int.h"
#include "index/index_mih.h"

/* The map's empty bucket; slots are therefore below it, which caps an index's size. */
#define MAP_EMPTY UINT32_MAX
#define MAX_ENTRIES ((size_t)UINT32_MAX - 1)
#define MIN_ENTRIES 64
#define MIN_BUCKETS 16
/* Hits the scan may buffer before index.c hands them to the callback (2 KiB of stack). */
#define HIT_BUFFER 256
/* knn tightens its radius to the k-th best distance so far after at most this many entries. */
#define KNN_CHUNK 4096

struct wy_index {
    struct wy_ctx *ctx;
    const struct wy__hamming_impl *kernels;
    const struct wy__index_ops *ops;
    void *raw;        /* the allocation that holds `blocks`, 64-byte aligned inside it */
    uint64_t *blocks; /* capacity / 8 blocks */
    uint64_t *ids;    /* capacity ids */
    size_t capacity;  /* entries; a multiple of 8 */
    size_t size;
    uint32_t *map; /* buckets slots, or MAP_EMPTY */
    size_t buckets;
    enum wy_index_kind kind;
    struct wy__mih *mih; /* multi-index hashing tables, when held (see mih_ops) */
};

/* ---- id -> slot map ---- */

/* A 64-bit finaliser (splitmix64's): bank row ids are sequential, so they must be mixed. */
static size_t home_bucket(const struct wy_index *index, uint64_t id)
{
    id ^= id >> 30;
    id *= 0xbf58476d1ce4e5b9u;
    id ^= id >> 27;
    id *= 0x94d049bb133111ebu;
    id ^= id >> 31;
    return (size_t)id & (index->buckets - 1);
}

/* The bucket holding `id`, or SIZE_MAX. */
static size_t map_find(const struct wy_index *index, uint64_t id)
{
    if (index->buckets == 0) {
        return SIZE_MAX;
    }
    const size_t mask = index->buckets - 1;
    for (size_t b = home_bucket(index, id);; b = (b + 1) & mask) {
        const uint32_t slot = index->map[b];
        if (slot == MAP_EMPTY) {
            return SIZE_MAX;
        }
        if (index->ids[slot] == id) {
            return b;
        }
    }
}

/* Puts `slot` (whose id is ids[slot]) in its first free bucket; there always is one. */
static void map_insert(struct wy_index *index, uint32_t slot)
{
    const size_t mask = index->buckets - 1;
    size_t b = home_bucket(index, index->ids[slot]);
    while (index->map[b] != MAP_EMPTY) {
        b = (b + 1) & mask;
    }
    index->map[b] = slot;
}

/*
 * Empties bucket `hole` and shifts later members of its probe run back, so that every entry
 * stays reachable from its home bucket without tombstones (Knuth's Algorithm R).
 */
static void map_erase(struct wy_index *index, size_t hole)
{
    const size_t mask = index->buckets - 1;
    for (size_t b = (hole + 1) & mask; index->map[b] != MAP_EMPTY; b = (b + 1) & mask) {
        const size_t home = home_bucket(index, index->ids[index->map[b]]);
        /* The entry may fill the hole if the hole lies on its probe path, home .. b. */
        if (((b - home) & mask) >= ((b - hole) & mask)) {
            index->map[hole] = index->map[b];
            hole = b;
        }
    }
    index->map[hole] = MAP_EMPTY;
}

/* Makes room for `entries` entries at a load factor of at most 70%. */
static enum wy_status map_reserve(struct wy_index *index, size_t entries)
{
    if (entries * 10 <= index->buckets * 7) {
        return WY_OK;
    }
    size_t buckets = index->buckets ? index->buckets * 2 : MIN_BUCKETS;
    while (entries * 10 > buckets * 7) {
        buckets *= 2;
    }
    size_t bytes;
    if (wy__mul_overflow(buckets, sizeof(uint32_t), &bytes)) {
        return WY_ETOOBIG;
    }
    uint32_t *map = wy__alloc(index->ctx, bytes);
    if (map == NULL) {
        return WY_ENOMEM;
    }
    memset(map, 0xff, bytes); /* MAP_EMPTY everywhere */
    wy__free(index->ctx, index->map);
    index->map = map;
    index->buckets = buckets;
    for (size_t slot = 0; slot < index->size; slot++) {
        map_insert(index, (uint32_t)slot);
    }
    return WY_OK;
}

/* ---- entry arrays ---- */

static uint64_t *align_blocks(void *raw)
{
    const uintptr_t p = (uintptr_t)raw;
    return (uint64_t *)((p + WY__INDEX_ALIGN - 1) & ~(uintptr_t)(WY__INDEX_ALIGN - 1));
}

/*
 * Grows the block array to `capacity` entries. realloc keeps the bytes but not the alignment:
 * when the new allocation's aligned start lies at another offset, the blocks are moved there.
 */
static enum wy_status grow_blocks(struct wy_index *index, size_t capacity)
{
    size_t bytes;
    if (wy__mul_overflow(capacity, WY__INDEX_WORDS * sizeof(uint64_t), &bytes) ||
        bytes > SIZE_MAX - WY__INDEX_ALIGN) {
        return WY_ETOOBIG;
    }
    const size_t old_offset = index->raw ? (size_t)((char *)index->blocks - (char *)index->raw) : 0;
    void *raw = wy__realloc(index->ctx, index->raw, bytes + WY__INDEX_ALIGN - 1);
    if (raw == NULL) {
        return WY_ENOMEM;
    }
    uint64_t *blocks = align_blocks(raw);
    const size_t new_offset = (size_t)((char *)blocks - (char *)raw);
    if (new_offset != old_offset) {
        memmove(blocks, (char *)raw + old_offset, index->capacity * WY__INDEX_WORDS * 8);
    }
    index->raw = raw;
    index->blocks = blocks;
    return WY_OK;
}

/* Makes room for `entries` entries: both arrays double until they hold them. */
static enum wy_status reserve_entries(struct wy_index *index, size_t entries)
{
    if (entries <= index->capacity) {
        return WY_OK;
    }
    if (entries > MAX_ENTRIES) {
        return WY_ETOOBIG;
    }
    size_t capacity = index->capacity ? index->capacity * 2 : MIN_ENTRIES;
    while (capacity < entries) {
        capacity *= 2;
    }
    uint64_t *ids = wy__realloc(index->ctx, index->ids, capacity * sizeof *ids);
    if (ids == NULL) {
        return WY_ENOMEM;
    }
    index->ids = ids;
    /* A larger id array alone changes nothing visible, so a failure here still leaves the
     * index as it was. */
    const enum wy_status st = grow_blocks(index, capacity);
    if (st == WY_OK) {
        index->capacity = capacity;
    }
    return st;
}

static void write_words(struct wy_index *index, size_t slot, const uint64_t *words)
{
    uint64_t *block = index->blocks + (slot / WY__INDEX_LANES) * WY__INDEX_BLOCK_WORDS;
    for (unsigned w = 0; w < WY__INDEX_WORDS; w++) {
        block[w * WY__INDEX_LANES + slot % WY__INDEX_LANES] = words[w];
    }
}

/* Moves entry `from` into slot `to` and points its map bucket there. */
static void move_entry(struct wy_index *index, size_t from, size_t to)
{
    uint64_t words[WY__INDEX_WORDS];
    wy__index_words(index->blocks, from, words);
    write_words(index, to, words);
    index->ids[to] = index->ids[from];
    const size_t bucket = map_find(index, index->ids[from]);
    WY_ASSERT(bucket != SIZE_MAX && index->map[bucket] == from);
    index->map[bucket] = (uint32_t)to;
    if (index->ops->moved != NULL) {
        index->ops->moved(index, from, to);
    }
}

/* ---- multi-index hashing over the store ---- */

static enum wy_status mih_added(struct wy_index *index, size_t slot)
{
    uint64_t words[WY__INDEX_WORDS];
    wy__index_words(index->blocks, slot, words);
    return wy__mih_add(index->mih, words, (uint32_t)slot);
}

static void mih_moved(struct wy_index *index, size_t from, size_t to)
{
    uint64_t words[WY__INDEX_WORDS];
    wy__index_words(index->blocks, to, words); /* already copied there */
    wy__mih_move(index->mih, words, (uint32_t)from, (uint32_t)to);
}

static void mih_removing(struct wy_index *index, size_t slot)
{
    uint64_t words[WY__INDEX_WORDS];
    wy__index_words(index->blocks, slot, words);
    const enum wy_status st = wy__mih_remove(index->mih, words, (uint32_t)slot);
    WY_ASSERT(st == WY_OK); /* the tables hold every entry of the store */
    (void)st;
}

static enum wy_status flat_range(const struct wy_index *index, const struct wy__hamming_query *q,
                                 bool dihedral, wy_index_hit_fn fn, void *user);

/* The user's callback, with slots turned into ids. */
struct mih_deliver {
    const struct wy_index *index;
    wy_index_hit_fn fn;
    void *user;
};

static bool mih_hit(void *user, const struct wy__hamming_hit *h)
{
    const struct mih_deliver *d = user;
    const struct wy_index_hit hit = {
        .id = d->index->ids[h->slot], .distance = h->distance, .query = h->query};
    return d->fn(d->user, &hit);
}

/* Radii the tables serve faster go to them; larger ones to the scan (same results). */
static enum wy_status mih_range(const struct wy_index *index, const struct wy__hamming_query *q,
                                bool dihedral, wy_index_hit_fn fn, void *user)
{
    if (q->radius > wy__mih_max_radius(index->mih)) {
        return flat_range(index, q, dihedral, fn, user);
    }
    if (index->size == 0) {
        return WY_OK; /* no blocks yet to verify against */
    }
    struct mih_deliver d = {.index = index, .fn = fn, .user = user};
    wy__mih_range(index->mih, index->blocks, q, dihedral, mih_hit, &d);
    return WY_OK;
}

static const struct wy__index_ops mih_ops = {
    .name = "mih",
    .range = mih_range,
    .added = mih_added,
    .moved = mih_moved,
    .removing = mih_removing,
};

/* Builds tables over every entry in one pass; on failure the index stays a flat scan. */
static void mih_build(struct wy_index *index)
{
    struct wy__mih *mih = NULL;
    if (wy__mih_new(index->ctx, WY__MIH_DEFAULT_SUBSTRINGS, &mih) != WY_OK) {
        return;
    }
    if (wy__mih_build(mih, index->blocks, index->size) != WY_OK) {
        wy__mih_free(mih); /* out of memory: the scan still answers everything */
        return;
    }
    index->mih = mih;
    index->ops = &mih_ops;
}

/* WY_INDEX_AUTO: tables between the bounds, with hysteresis below. */
static void auto_structure(struct wy_index *index)
{
    if (index->kind != WY_INDEX_AUTO) {
        return;
    }
    const bool held = index->mih != NULL;
    if (!held && index->size >= WY_INDEX_MIH_MIN && index->size <= WY_INDEX_MIH_MAX) {
        mih_build(index);
    } else if (held && (index->size > WY_INDEX_MIH_MAX || index->size < WY_INDEX_MIH_MIN / 2)) {
        wy__mih_free(index->mih);
        index->mih = NULL;
        index->ops = &wy__index_flat_ops;
    }
}

/* ---- public API: lifecycle and updates ---- */

enum wy_status wy_index_new(struct wy_ctx *ctx, enum wy_index_kind kind, struct wy_index **out)
{
    if (kind != WY_INDEX_AUTO && kind != WY_INDEX_FLAT && kind != WY_INDEX_MIH) {
        return WY_EINVAL;
    }
    struct wy_index *index = wy__calloc(ctx, 1, sizeof *index);
    if (index == NULL) {
        return WY_ENOMEM;
    }
    index->ctx = ctx;
    index->kernels = wy__hamming_pick(wy_ctx_cpu(ctx));
    index->kind = kind;
    index->ops = &wy__index_flat_ops;
    if (kind == WY_INDEX_MIH) {
        const enum wy_status st = wy__mih_new(ctx, WY__MIH_DEFAULT_SUBSTRINGS, &index->mih);
        if (st != WY_OK) {
            wy__free(ctx, index);
            return st;
        }
        index->ops = &mih_ops;
    }
    *out = index;
    return WY_OK;
}

void wy_index_free(struct wy_index *index)
{
    if (index == NULL) {
        return;
    }
    struct wy_ctx *ctx = index->ctx;
    wy__mih_free(index->mih);
    wy__free(ctx, index->raw);
    wy__free(ctx, index->ids);
    wy__free(ctx, index->map);
    wy__free(ctx, index);
}

size_t wy_index_size(const struct wy_index *index)
{
    return index->size;
}

size_t wy_index_memory_bytes(const struct wy_index *index)
{
    const size_t blocks =
        index->raw ? index->capacity * WY__INDEX_WORDS * 8 + WY__INDEX_ALIGN - 1 : 0;
    return sizeof *index + blocks + index->capacity * sizeof(uint64_t) +
           index->buckets * sizeof(uint32_t) +
           (index->mih != NULL ? wy__mih_memory_bytes(index->mih) : 0);
}

const char *wy_index_impl(const struct wy_index *index)
{
    return index->kernels->name;
}

enum wy_status wy_index_add(struct wy_index *index, const struct wy_pdq_hash *hash, uint64_t id)
{
    if (map_find(index, id) != SIZE_MAX) {
        return WY_EINVAL;
    }
    enum wy_status st = reserve_entries(index, index->size + 1);
    if (st == WY_OK) {
        st = map_reserve(index, index->size + 1);
    }
    if (st != WY_OK) {
        return st;
    }
    const size_t slot = index->size;
    uint64_t words[WY__INDEX_WORDS];
    wy__index_hash_words(hash, words);
    write_words(index, slot, words);
    index->ids[slot] = id;
    map_insert(index, (uint32_t)slot);
    index->size++;
    if (index->ops->added != NULL) {
        st = index->ops->added(index, slot);
        if (st != WY_OK) {
            /* The structure could not take it: undo, so the index is unchanged. */
            map_erase(index, map_find(index, id));
            index->size--;
        }
    }
    if (st == WY_OK) {
        auto_structure(index);
    }
    return st;
}

/* Takes entries [first, size) out of the store and its map (an add_many that failed). */
static void drop_tail(struct wy_index *index, size_t first)
{
    while (index->size > first) {
        index->size--;
        map_erase(index, map_find(index, index->ids[index->size]));
    }
}

/*
 * Tells the structure about entries [first, size). A batch at least as large as the entries
 * before it gets new tables built in one pass (so loading a bank builds them once, and repeated
 * batches cost at most twice the final build); smaller batches are added one by one. On failure
 * the structure is as it was before the batch.
 */
static enum wy_status structure_add_tail(struct wy_index *index, size_t first)
{
    if (index->ops->added == NULL) {
        return WY_OK;
    }
    if (index->size - first >= first) {
        struct wy__mih *mih = NULL;
        enum wy_status st = wy__mih_new(index->ctx, WY__MIH_DEFAULT_SUBSTRINGS, &mih);
        if (st == WY_OK) {
            st = wy__mih_build(mih, index->blocks, index->size);
        }
        if (st != WY_OK) {
            wy__mih_free(mih);
            return st;
        }
        wy__mih_free(index->mih);
        index->mih = mih;
        return WY_OK;
    }
    for (size_t slot = first; slot < index->size; slot++) {
        const enum wy_status st = index->ops->added(index, slot);
        if (st != WY_OK) {
            while (slot-- > first) {
                index->ops->removing(index, slot);
            }
            return st;
        }
    }
    return WY_OK;
}

/* Ids ahead of the one being added whose map bucket is prefetched. */
enum { MAP_PREFETCH_AHEAD = 16 };

static bool ids_increasing(const uint64_t *ids, size_t count)
{
    for (size_t i = 1; i < count; i++) {
        if (ids[i] <= ids[i - 1]) {
            return false;
        }
    }
    return true;
}

enum wy_status wy_index_add_many(struct wy_index *index, const struct wy_pdq_hash *hashes,
                                 const uint64_t *ids, size_t count)
{
    if (count == 0) {
        return WY_OK;
    }
    if (count > MAX_ENTRIES - index->size) {
        return WY_ETOOBIG;
    }
    enum wy_status st = reserve_entries(index, index->size + count);
    if (st == WY_OK) {
        st = map_reserve(index, index->size + count);
    }
    if (st != WY_OK) {
        return st;
    }
    const size_t first = index->size;
    /* A store's start-up scan hands its ids in increasing order to an empty index: then no id
     * can be held already or come twice, and the lookups (a random read of the map and one of
     * ids[] per probe) are skipped; the inserts' buckets are prefetched a few ids ahead. */
    const bool fresh = first == 0 && ids_increasing(ids, count);
    for (size_t i = 0; i < count; i++) {
        if (i + MAP_PREFETCH_AHEAD < count) {
            __builtin_prefetch(&index->map[home_bucket(index, ids[i + MAP_PREFETCH_AHEAD])]);
        }
        /* An id already held, or twice in the batch: nothing of the batch stays. */
        if (!fresh && map_find(index, ids[i]) != SIZE_MAX) {
            drop_tail(index, first);
            return WY_EINVAL;
        }
        uint64_t words[WY__INDEX_WORDS];
        wy__index_hash_words(&hashes[i], words);
        write_words(index, index->size, words);
        index->ids[index->size] = ids[i];
        map_insert(index, (uint32_t)index->size);
        index->size++;
    }
    st = structure_add_tail(index, first);
    if (st != WY_OK) {
        drop_tail(index, first);
        return st;
    }
    auto_structure(index);
    return WY_OK;
}

enum wy_status wy_index_set_kind(struct wy_index *index, enum wy_index_kind kind)
{
    if (kind != WY_INDEX_AUTO && kind != WY_INDEX_FLAT && kind != WY_INDEX_MIH) {
        return WY_EINVAL;
    }
    if (kind == WY_INDEX_MIH && index->mih == NULL) {
        struct wy__mih *mih = NULL;
        enum wy_status st = wy__mih_new(index->ctx, WY__MIH_DEFAULT_SUBSTRINGS, &mih);
        if (st == WY_OK && index->size > 0) {
            st = wy__mih_build(mih, index->blocks, index->size);
        }
        if (st != WY_OK) {
            wy__mih_free(mih);
            return st; /* unchanged */
        }
        index->mih = mih;
        index->ops = &mih_ops;
    } else if (kind == WY_INDEX_FLAT && index->mih != NULL) {
        wy__mih_free(index->mih);
        index->mih = NULL;
        index->ops = &wy__index_flat_ops;
    }
    index->kind = kind;
    auto_structure(index);
    return WY_OK;
}

enum wy_status wy_index_remove(struct wy_index *index, uint64_t id)
{
    const size_t bucket = map_find(index, id);
    if (bucket == SIZE_MAX) {
        return WY_ENOENT;
    }
    const size_t slot = index->map[bucket];
    const size_t last = index->size - 1;
    if (index->ops->removing != NULL) {
        index->ops->removing(index, slot);
    }
    map_erase(index, bucket);
    if (slot != last) {
        move_entry(index, last, slot);
    }
    index->size--;
    auto_structure(index);
    return WY_OK;
}

/* ---- searches ---- */

static void prepare_query(struct wy__hamming_query *q, const struct wy_pdq_hash *queries,
                          size_t count, unsigned radius)
{
    memset(q, 0, sizeof *q);
    for (size_t k = 0; k < count; k++) {
        wy__index_hash_words(&queries[k], q->words[k]);
    }
    q->count = (unsigned)count;
    q->radius = radius > WY__INDEX_MAX_DISTANCE ? WY__INDEX_MAX_DISTANCE : radius;
}

/* Hands kernel hits to the callback; false when it asked to stop. */
static bool deliver(const struct wy_index *index, const struct wy__hamming_hit *hits, size_t n,
                    wy_index_hit_fn fn, void *user)
{
    for (size_t i = 0; i < n; i++) {
        const struct wy_index_hit hit = {
            .id = index->ids[hits[i].slot],
            .distance = hits[i].distance,
            .query = hits[i].query,
        };
        if (!fn(user, &hit)) {
            return false;
        }
    }
    return true;
}

static enum wy_status flat_range(const struct wy_index *index, const struct wy__hamming_query *q,
                                 bool dihedral, wy_index_hit_fn fn, void *user)
{
    const wy__hamming_scan_fn scan = dihedral ? index->kernels->scan_min : index->kernels->scan;
    struct wy__hamming_hit hits[HIT_BUFFER];
    size_t slot = 0;
    while (slot < index->size) {
        size_t n;
        slot = scan(index->blocks, slot, index->size, q, hits, HIT_BUFFER, &n);
        if (!deliver(index, hits, n, fn, user)) {
            break;
        }
    }
    return WY_OK;
}

const struct wy__index_ops wy__index_flat_ops = {
    .name = "flat",
    .range = flat_range,
};

enum wy_status wy_index_range(const struct wy_index *index, const struct wy_pdq_hash *queries,
                              size_t count, unsigned radius, wy_index_hit_fn fn, void *user)
{
    if (count == 0 || count > WY__INDEX_MAX_QUERIES) {
        return WY_EINVAL;
    }
    struct wy__hamming_query q;
    prepare_query(&q, queries, count, radius);
    return index->ops->range(index, &q, false, fn, user);
}

enum wy_status wy_index_range_dihedral(const struct wy_index *index,
                                       const struct wy_pdq_hash dihedral[WY_DIH_COUNT],
                                       unsigned radius, wy_index_hit_fn fn, void *user)
{
    struct wy__hamming_query q;
    prepare_query(&q, dihedral, WY_DIH_COUNT, radius);
    return index->ops->range(index, &q, true, fn, user);
}

/* ---- k nearest: a bounded max-heap on (distance, id) in the caller's array ---- */

static bool worse(const struct wy_index_hit *a, const struct wy_index_hit *b)
{
    return a->distance != b->distance ? a->distance > b->distance : a->id > b->id;
}

static void sift_down(struct wy_index_hit *heap, size_t n, size_t i)
{
    for (;;) {
        size_t top = i;
        const size_t l = 2 * i + 1;
        const size_t r = l + 1;
        if (l < n && worse(&heap[l], &heap[top])) {
            top = l;
        }
        if (r < n && worse(&heap[r], &heap[top])) {
            top = r;
        }
        if (top == i) {
            return;
        }
        const struct wy_index_hit t = heap[i];
        heap[i] = heap[top];
        heap[top] = t;
        i = top;
    }
}

static void heap_push(struct wy_index_hit *heap, size_t *n, size_t k,
                      const struct wy_index_hit *hit)
{
    if (*n < k) {
        size_t i = (*n)++;
        /* Sift up. */
        while (i > 0 && worse(hit, &heap[(i - 1) / 2])) {
            heap[i] = heap[(i - 1) / 2];
            i = (i - 1) / 2;
        }
        heap[i] = *hit;
    } else if (worse(&heap[0], hit)) {
        heap[0] = *hit;
        sift_down(heap, k, 0);
    }
}

/* Heap sort: repeatedly moves the worst to the end, leaving the array best first. */
static void heap_sort(struct wy_index_hit *heap, size_t n)
{
    for (size_t end = n; end > 1; end--) {
        const struct wy_index_hit t = heap[0];
        heap[0] = heap[end - 1];
        heap[end - 1] = t;
        sift_down(heap, end - 1, 0);
    }
}

enum wy_status wy_index_knn(const struct wy_index *index, const struct wy_pdq_hash *query, size_t k,
                            struct wy_index_hit *hits, size_t *found)
{
    if (k == 0) {
        return WY_EINVAL;
    }
    struct wy__hamming_query q;
    prepare_query(&q, query, 1, WY__INDEX_MAX_DISTANCE);
    struct wy__hamming_hit buf[HIT_BUFFER];
    size_t n = 0;
    size_t slot = 0;
    while (slot < index->size) {
        /* Once k are held, only entries at most as far as the worst of them can enter. */
        q.radius = n == k ? hits[0].distance : WY__INDEX_MAX_DISTANCE;
        const size_t last = index->size - slot > KNN_CHUNK ? slot + KNN_CHUNK : index->size;
        size_t count;
        slot = index->kernels->scan(index->blocks, slot, last, &q, buf, HIT_BUFFER, &count);
        for (size_t i = 0; i < count; i++) {
            const struct wy_index_hit hit = {index->ids[buf[i].slot], buf[i].distance, 0};
            heap_push(hits, &n, k, &hit);
        }
    }
    heap_sort(hits, n);
    *found = n;
    return WY_OK;
}
