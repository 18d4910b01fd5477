/* SPDX-License-Identifier: Apache-2.0 */
/*
 * index_mih.c: multi-index hashing, the exact range search that the index uses for large sets
 * and small radii, where a flat scan would read every code for a handful of hits.
 *
 * Layout. For m substrings of k = 256/m bits there are m tables of 2^k bucket heads, stored one
 * after the other in a single array; the head of key `key` in table t is heads[(t << k) | key].
 * A head points to an array of 16-byte entries (slot and filter) that doubles when full, so
 * verifying a bucket reads one contiguous run of memory. Substring t of a code is bits
 * k*t .. k*t+k-1 of its 256 bits, taken from the code's 64-bit words (index_int.h).
 *
 * Filter. The key of table t lies in word kw = t / (64 / k). Its entries carry word kw + 1 and
 * the low half of word kw + 2 (mod 4): 96 bits disjoint from the key, so the key's distance
 * (the popcount of the probed flip mask) plus the filter's is a lower bound of the full distance.
 * Only entries passing that bound are looked up in the store's blocks.
 *
 * Search. With radius r = a*m + b, table t is searched to radius a for t <= b and a - 1 after
 * (index_mih.h gives the proof); the bucket keys within that radius of the query's substring are
 * enumerated from a table of all flip masks ordered by popcount. The probes of a query (every
 * table's) are listed first, then walked in a software pipeline: the head of probe i + 2D is
 * prefetched, the head of probe i + D read and its entries prefetched, and probe i verified, so
 * the cache misses of many buckets are in flight at once. A code within the radius can sit in
 * visited buckets of several tables; it is reported only from the first such table (checked on
 * the earlier tables' substrings), so no visited set is needed.
 *
 * Updates. Adding grows every bucket it needs before writing anything, so WY_ENOMEM leaves the
 * tables as they were. Removing swaps the last entry of each bucket into the freed place.
 */
#include "wy_setup.h"

#include <pthread.h>
#include <string.h>

#include "core/core_int.h"
#include "index/index_arena.h"
#include "index/index_mih.h"

#define CODE_BITS 256
#define MAX_SUBSTRINGS 32
#define ENTRY_BYTES 16
#define MIN_BUCKET_CAP (WY__ARENA_MIN_BLOCK / ENTRY_BYTES)
/* Shrinking below this is not worth a move. */
#define MIN_SHRINK_CAP 16
/* Probes listed before they are walked; a query at radius <= 50 with m = 16 needs at most
 * 16 * (1 + 16 + 120 + 560) = 11,152, so longer lists are walked in several rounds. */
#define PROBE_BATCH 1024
/* Pipeline distance (probes) between prefetching a head, reading it, and verifying its bucket. */
#define PIPELINE_AHEAD 8
/* Cache lines of each bucket prefetched ahead; the hardware prefetcher streams the rest. */
#define PREFETCH_LINES 8

struct mih_entry {
    uint64_t filter_hi; /* word kw + 1 */
    uint32_t filter_lo; /* low half of word kw + 2 */
    uint32_t slot;
};

struct mih_bucket {
    struct mih_entry *items;
    uint32_t len;
    uint32_t cap;
};

struct wy__mih {
    struct wy_ctx *ctx;
    unsigned substrings; /* m */
    unsigned key_bits;   /* 256 / m */
    uint64_t key_mask;
    uint8_t key_word[MAX_SUBSTRINGS];  /* table t's key: word key_word[t] >> key_shift[t] */
    uint8_t key_shift[MAX_SUBSTRINGS]; /* (no division in the hot loops) */
    bool popcnt;                       /* verify with the POPCNT instruction */
    struct mih_bucket *heads;          /* m << key_bits */
    uint16_t *masks;                   /* every key_bits-bit flip mask, by increasing popcount */
    size_t masks_upto[17];             /* masks_upto[w]: how many masks have popcount <= w */
    size_t size;
    struct wy__arena arena; /* every bucket array */
};

/* One bucket to visit, and the most its filter distance may be (radius - key distance). */
struct probe {
    const struct mih_bucket *head;
    uint16_t table;
    uint16_t limit;
};

/* One query's search. */
struct search {
    const struct wy__mih *mih;
    const uint64_t *blocks;
    const struct wy__hamming_query *q;
    const uint64_t *words; /* this query's */
    uint32_t keys[MAX_SUBSTRINGS];
    int table_radius[MAX_SUBSTRINGS]; /* -1: table skipped */
    uint64_t filter_hi[MAX_SUBSTRINGS];
    uint32_t filter_lo[MAX_SUBSTRINGS];
    unsigned query;
    bool min_only;
    wy__mih_hit_fn fn;
    void *user;
};

/* ---- codes, substrings, filters ---- */

static uint32_t substring(const struct wy__mih *mih, const uint64_t *words, unsigned t)
{
    return (uint32_t)((words[mih->key_word[t]] >> mih->key_shift[t]) & mih->key_mask);
}

static struct mih_entry make_entry(const struct wy__mih *mih, const uint64_t *words, unsigned t,
                                   uint32_t slot)
{
    const unsigned kw = mih->key_word[t];
    const struct mih_entry e = {
        .filter_hi = words[(kw + 1) % WY__INDEX_WORDS],
        .filter_lo = (uint32_t)words[(kw + 2) % WY__INDEX_WORDS],
        .slot = slot,
    };
    return e;
}

static unsigned distance(const uint64_t *a, const uint64_t *b)
{
    unsigned d = 0;
    for (unsigned w = 0; w < WY__INDEX_WORDS; w++) {
        d += (unsigned)WY_POPCOUNT64(a[w] ^ b[w]);
    }
    return d;
}

static struct mih_bucket *bucket_of(const struct wy__mih *mih, unsigned table, uint32_t key)
{
    return &mih->heads[((size_t)table << mih->key_bits) | key];
}

/* ---- search ---- */

/* Whether an earlier table also reaches this code: then that table reports it. */
static bool found_earlier(const struct search *s, const uint64_t *words, unsigned table)
{
    for (unsigned j = 0; j < table; j++) {
        const uint32_t diff = substring(s->mih, words, j) ^ s->keys[j];
        if (s->table_radius[j] >= 0 && WY_POPCOUNT64(diff) <= s->table_radius[j]) {
            return true;
        }
    }
    return false;
}

/* For dihedral search: whether this query is the closest one (lowest index on ties). */
static bool closest_query(const struct search *s, const uint64_t *words, unsigned d)
{
    for (unsigned k = 0; k < s->q->count; k++) {
        const unsigned dk = distance(words, s->q->words[k]);
        if (dk < d || (dk == d && k < s->query)) {
            return false;
        }
    }
    return true;
}

/* The cold path: an entry that passed the filter, its code read once from the store. False once
 * fn says stop. */
static bool verify(const struct search *s, uint32_t slot, unsigned table)
{
    uint64_t words[WY__INDEX_WORDS];
    wy__index_words(s->blocks, slot, words);
    const unsigned d = distance(words, s->words);
    if (d > s->q->radius || found_earlier(s, words, table)) {
        return true;
    }
    if (s->min_only && !closest_query(s, words, d)) {
        return true;
    }
    const struct wy__hamming_hit hit = {
        .slot = slot, .distance = (uint16_t)d, .query = (uint8_t)s->query};
    return s->fn(s->user, &hit);
}

/*
 * The hot loop, stamped out twice by this macro so that one copy is compiled for the POPCNT
 * instruction: a shared inline helper would not do, because gcc declines to inline a function
 * into one with different target options and the popcount would stay a library call.
 */
#define DEFINE_SCAN(name, attributes)                                                              \
    attributes static bool name(const struct search *s, const struct mih_entry *items, size_t n,   \
                                unsigned table, unsigned limit)                                    \
    {                                                                                              \
        const uint64_t hi = s->filter_hi[table];                                                   \
        const uint32_t lo = s->filter_lo[table];                                                   \
        for (size_t i = 0; i < n; i++) {                                                           \
            const unsigned d = (unsigned)(WY_POPCOUNT64(items[i].filter_hi ^ hi) +                 \
                                          WY_POPCOUNT64((uint64_t)(items[i].filter_lo ^ lo)));     \
            if (WY_UNLIKELY(d <= limit) && !verify(s, items[i].slot, table)) {                     \
                return false;                                                                      \
            }                                                                                      \
        }                                                                                          \
        return true;                                                                               \
    }

DEFINE_SCAN(scan_generic, )
#ifdef WY_HAVE_X86_SIMD
DEFINE_SCAN(scan_popcnt, WY_TARGET("popcnt"))
#endif

static bool scan_bucket(const struct search *s, const struct mih_bucket *b, unsigned table,
                        unsigned limit)
{
#ifdef WY_HAVE_X86_SIMD
    if (s->mih->popcnt) {
        return scan_popcnt(s, b->items, b->len, table, limit);
    }
#endif
    return scan_generic(s, b->items, b->len, table, limit);
}

static void prefetch_items(const struct mih_bucket *b)
{
    const char *p = (const char *)b->items;
    const size_t bytes = (size_t)b->len * sizeof *b->items;
    for (size_t off = 0; off < bytes && off < PREFETCH_LINES * 64; off += 64) {
        __builtin_prefetch(p + off);
    }
}

/*
 * Walks n probes in a three-stage software pipeline: prefetch the head of probe i + 2D, read the
 * head of probe i + D and prefetch the start of its entries, verify probe i.
 */
static bool walk(const struct search *s, const struct probe *probes, size_t n)
{
    for (size_t i = 0; i < n + 2 * PIPELINE_AHEAD; i++) {
        if (i < n) {
            __builtin_prefetch(probes[i].head);
        }
        if (i >= PIPELINE_AHEAD && i - PIPELINE_AHEAD < n) {
            const struct mih_bucket *b = probes[i - PIPELINE_AHEAD].head;
            if (b->len != 0) {
                prefetch_items(b);
            }
        }
        if (i >= 2 * PIPELINE_AHEAD) {
            const struct probe *p = &probes[i - 2 * PIPELINE_AHEAD];
            if (p->head->len != 0 && !scan_bucket(s, p->head, p->table, p->limit)) {
                return false;
            }
        }
    }
    return true;
}

/* Table t's radius for total radius r = a*m + b: a up to table b, a - 1 after (-1: skip). */
static void table_radii(const struct wy__mih *mih, unsigned radius, int *out)
{
    const unsigned a = radius / mih->substrings;
    const unsigned b = radius % mih->substrings;
    for (unsigned t = 0; t < mih->substrings; t++) {
        out[t] = (int)a - (t <= b ? 0 : 1);
    }
}

/* Lists every probe of the query in s->words and walks them; false once the caller stops. */
static bool search_query(struct search *s)
{
    const struct wy__mih *mih = s->mih;
    for (unsigned t = 0; t < mih->substrings; t++) {
        s->keys[t] = substring(mih, s->words, t);
        const struct mih_entry f = make_entry(mih, s->words, t, 0);
        s->filter_hi[t] = f.filter_hi;
        s->filter_lo[t] = f.filter_lo;
    }
    struct probe probes[PROBE_BATCH];
    size_t n = 0;
    for (unsigned t = 0; t < mih->substrings && s->table_radius[t] >= 0; t++) {
        const unsigned tr = (unsigned)s->table_radius[t];
        const unsigned upto = tr < mih->key_bits ? tr : mih->key_bits;
        const struct mih_bucket *heads = bucket_of(mih, t, 0);
        for (unsigned w = 0; w <= upto; w++) {
            const unsigned limit = s->q->radius - w;
            for (size_t i = w == 0 ? 0 : mih->masks_upto[w - 1]; i < mih->masks_upto[w]; i++) {
                if (n == PROBE_BATCH) {
                    if (!walk(s, probes, n)) {
                        return false;
                    }
                    n = 0;
                }
                probes[n].head = &heads[s->keys[t] ^ mih->masks[i]];
                probes[n].table = (uint16_t)t;
                probes[n].limit = (uint16_t)limit;
                n++;
            }
        }
        /* This table enumerated every key, so every later candidate was reported here. */
        if (tr >= mih->key_bits) {
            break;
        }
    }
    return walk(s, probes, n);
}

void wy__mih_range(const struct wy__mih *mih, const uint64_t *blocks,
                   const struct wy__hamming_query *q, bool min_only, wy__mih_hit_fn fn, void *user)
{
    if (mih->size == 0) {
        return;
    }
    struct search s = {
        .mih = mih, .blocks = blocks, .q = q, .min_only = min_only, .fn = fn, .user = user};
    table_radii(mih, q->radius, s.table_radius);
    for (unsigned k = 0; k < q->count; k++) {
        s.words = q->words[k];
        s.query = k;
        if (!search_query(&s)) {
            return;
        }
    }
}

unsigned wy__mih_max_radius(const struct wy__mih *mih)
{
    /* Largest r whose bucket visits per query stay within 2^k / 16 (see index_mih.h). */
    return mih->substrings == 16 ? 50 : 15;
}

/* ---- lifecycle ---- */

/* Lists every flip mask of key_bits bits by increasing popcount (a counting sort). */
static enum wy_status fill_masks(struct wy__mih *mih)
{
    const size_t count = (size_t)1 << mih->key_bits;
    mih->masks = wy__alloc(mih->ctx, count * sizeof *mih->masks);
    if (mih->masks == NULL) {
        return WY_ENOMEM;
    }
    size_t next[17] = {0};
    for (size_t mask = 0; mask < count; mask++) {
        next[WY_POPCOUNT64(mask)]++;
    }
    size_t upto = 0;
    for (unsigned w = 0; w <= mih->key_bits; w++) {
        const size_t here = next[w];
        next[w] = upto;
        upto += here;
        mih->masks_upto[w] = upto;
    }
    for (size_t mask = 0; mask < count; mask++) {
        mih->masks[next[WY_POPCOUNT64(mask)]++] = (uint16_t)mask;
    }
    return WY_OK;
}

enum wy_status wy__mih_new(struct wy_ctx *ctx, unsigned substrings, struct wy__mih **out)
{
    if (substrings != 16 && substrings != 32) {
        return WY_EINVAL;
    }
    struct wy__mih *mih = wy__calloc(ctx, 1, sizeof *mih);
    if (mih == NULL) {
        return WY_ENOMEM;
    }
    mih->ctx = ctx;
    mih->substrings = substrings;
    mih->key_bits = CODE_BITS / substrings;
    mih->key_mask = ((uint64_t)1 << mih->key_bits) - 1;
    const unsigned per_word = 64 / mih->key_bits;
    for (unsigned t = 0; t < substrings; t++) {
        mih->key_word[t] = (uint8_t)(t / per_word);
        mih->key_shift[t] = (uint8_t)(mih->key_bits * (t % per_word));
    }
    wy__arena_init(&mih->arena, ctx);
    const size_t heads_bytes = ((size_t)substrings << mih->key_bits) * sizeof *mih->heads;
    mih->heads = wy__arena_alloc_large(ctx, heads_bytes);
    if (mih->heads == NULL) {
        wy__free(ctx, mih);
        return WY_ENOMEM;
    }
    memset(mih->heads, 0, heads_bytes);
    const enum wy_status st = fill_masks(mih);
    if (st != WY_OK) {
        wy__arena_free_large(ctx, mih->heads);
        wy__free(ctx, mih);
        return st;
    }
#ifdef WY_HAVE_X86_SIMD
    mih->popcnt = wy_ctx_cpu(ctx) >= WY_CPU_POPCNT;
#endif
    *out = mih;
    return WY_OK;
}

static size_t bucket_bytes(const struct mih_bucket *b)
{
    return (size_t)b->cap * ENTRY_BYTES;
}

/* Empties every bucket; blocks too large for the arena's chunks are freed one by one. */
static void free_buckets(struct wy__mih *mih)
{
    const size_t heads = (size_t)mih->substrings << mih->key_bits;
    for (size_t i = 0; i < heads; i++) {
        struct mih_bucket *b = &mih->heads[i];
        if (bucket_bytes(b) > WY__ARENA_LARGE) {
            wy__arena_free(&mih->arena, b->items, bucket_bytes(b));
        }
        *b = (struct mih_bucket){0};
    }
    wy__arena_release(&mih->arena);
    mih->size = 0;
}

void wy__mih_free(struct wy__mih *mih)
{
    if (mih == NULL) {
        return;
    }
    free_buckets(mih);
    wy__free(mih->ctx, mih->masks);
    wy__arena_free_large(mih->ctx, mih->heads);
    wy__free(mih->ctx, mih);
}

size_t wy__mih_size(const struct wy__mih *mih)
{
    return mih->size;
}

size_t wy__mih_memory_bytes(const struct wy__mih *mih)
{
    const size_t heads = (size_t)mih->substrings << mih->key_bits;
    return sizeof *mih + heads * sizeof *mih->heads +
           (heads / mih->substrings) * sizeof *mih->masks + mih->arena.bytes;
}

/* ---- updates ---- */

/* Parts of a table for fill_staged(): keys by their high half, at most 2^8 of them. */
#define MAX_PARTS 256
/* Builds of at least this many entries count and fill half of the tables on a second thread. */
#define BUILD_THREAD_MIN 16384

/* Scratch for fill_staged(): entries and their keys, grouped by the key's high half. */
struct stage {
    struct mih_entry *entries;
    uint16_t *keys;
};

/* One thread's share of a build: tables [first, end), in two phases. */
struct build_part {
    struct wy__mih *mih;
    const uint64_t *blocks;
    size_t count;
    unsigned first;
    unsigned end;
    uint32_t *counts;           /* every table's, 4 bytes a bucket; this part's tables only */
    size_t (*parts)[MAX_PARTS]; /* by table */
    struct stage stage;         /* this part's own; without it the fill goes direct */
    bool filling;               /* the phase: counting, then filling */
};

/*
 * Counts the keys of tables [p->first, p->end) in one pass over the blocks into each bucket's
 * len, and table t's into parts[t][key >> k / 2]. The counting goes through `counts` (4 bytes a
 * bucket, 4 MiB for m = 16), a quarter of the heads' footprint: these increments land at random
 * and are the bulk of the pass.
 */
static void count_tables(const struct build_part *p)
{
    struct wy__mih *mih = p->mih;
    const size_t first = (size_t)p->first << mih->key_bits;
    const size_t end = (size_t)p->end << mih->key_bits;
    memset(p->counts + first, 0, (end - first) * sizeof *p->counts);
    uint64_t words[WY__INDEX_WORDS];
    for (size_t slot = 0; slot < p->count; slot++) {
        wy__index_words(p->blocks, slot, words);
        for (unsigned t = p->first; t < p->end; t++) {
            p->counts[((size_t)t << mih->key_bits) | substring(mih, words, t)]++;
        }
    }
    const unsigned shift = mih->key_bits / 2;
    memset(p->parts[p->first], 0, (p->end - p->first) * sizeof *p->parts);
    for (size_t i = first; i < end; i++) {
        mih->heads[i].len = p->counts[i];
        p->parts[i >> mih->key_bits][(i & mih->key_mask) >> shift] += p->counts[i];
    }
}

/*
 * Gives every counted bucket of table t a block of exactly its size, in key order, so that
 * neighbouring keys lie side by side; len goes back to 0. On failure the caller frees all.
 */
static enum wy_status alloc_table(struct wy__mih *mih, unsigned t)
{
    struct mih_bucket *heads = bucket_of(mih, t, 0);
    for (size_t key = 0; key <= mih->key_mask; key++) {
        struct mih_bucket *b = &heads[key];
        if (b->len == 0) {
            continue;
        }
        const uint32_t cap = b->len < MIN_BUCKET_CAP ? MIN_BUCKET_CAP : b->len;
        b->items = wy__arena_alloc(&mih->arena, (size_t)cap * ENTRY_BYTES);
        if (b->items == NULL) {
            return WY_ENOMEM;
        }
        b->cap = cap;
        b->len = 0;
    }
    return WY_OK;
}

/* Appends every slot to its bucket of table t directly: a cache miss per entry. */
static void fill_direct(struct wy__mih *mih, const uint64_t *blocks, size_t count, unsigned t)
{
    uint64_t words[WY__INDEX_WORDS];
    for (size_t slot = 0; slot < count; slot++) {
        wy__index_words(blocks, slot, words);
        struct mih_bucket *b = bucket_of(mih, t, substring(mih, words, t));
        b->items[b->len++] = make_entry(mih, words, t, (uint32_t)slot);
    }
}

/*
 * The same in two cache-friendly passes: first every entry into the run of its key's high half
 * (a few hundred sequential streams), then each run into its buckets, whose blocks lie within a
 * small stretch of memory because alloc_table() placed them in key order.
 */
static void fill_staged(struct wy__mih *mih, const uint64_t *blocks, size_t count, unsigned t,
                        const struct stage *st, size_t cursor[MAX_PARTS])
{
    const unsigned shift = mih->key_bits / 2;
    size_t upto = 0;
    for (size_t p = 0; p < MAX_PARTS; p++) {
        const size_t here = cursor[p];
        cursor[p] = upto;
        upto += here;
    }
    uint64_t words[WY__INDEX_WORDS];
    for (size_t slot = 0; slot < count; slot++) {
        wy__index_words(blocks, slot, words);
        const uint32_t key = substring(mih, words, t);
        const size_t at = cursor[key >> shift]++;
        st->entries[at] = make_entry(mih, words, t, (uint32_t)slot);
        st->keys[at] = (uint16_t)key;
    }
    struct mih_bucket *out = bucket_of(mih, t, 0);
    for (size_t i = 0; i < count; i++) {
        struct mih_bucket *b = &out[st->keys[i]];
        b->items[b->len++] = st->entries[i];
    }
}

/* One phase of a part's work: it writes only its own tables' heads, buckets and counts. */
static void *build_part_run(void *arg)
{
    struct build_part *p = arg;
    if (!p->filling) {
        count_tables(p);
        return NULL;
    }
    for (unsigned t = p->first; t < p->end; t++) {
        if (p->stage.entries != NULL && p->stage.keys != NULL) {
            fill_staged(p->mih, p->blocks, p->count, t, &p->stage, p->parts[t]);
        } else {
            fill_direct(p->mih, p->blocks, p->count, t);
        }
    }
    return NULL;
}

/* Runs a phase on parts [0, n): the last on the caller's thread, the first on a second one
 * (or on the caller's too when no thread can be made). */
static void build_phase(struct build_part *parts, size_t n, bool filling)
{
    pthread_t helper;
    bool started = false;
    for (size_t i = 0; i < n; i++) {
        parts[i].filling = filling;
    }
    if (n == 2) {
        started = pthread_create(&helper, NULL, build_part_run, &parts[0]) == 0;
        if (!started) {
            build_part_run(&parts[0]);
        }
    }
    build_part_run(&parts[n - 1]);
    if (started) {
        pthread_join(helper, NULL);
    }
}

static void stage_alloc(struct wy_ctx *ctx, struct stage *st, size_t count)
{
    st->entries = wy__alloc(ctx, count * sizeof *st->entries + 1);
    st->keys = wy__alloc(ctx, count * sizeof *st->keys + 1);
}

static void stage_free(struct wy_ctx *ctx, struct stage *st)
{
    wy__free(ctx, st->entries);
    wy__free(ctx, st->keys);
}

/*
 * Splits the tables between one or two parts (two when the build is large and the second part
 * gets its scratch; without scratch a part still fills, only slower).
 */
static size_t plan_parts(struct wy__mih *mih, const uint64_t *blocks, size_t count,
                         uint32_t *counts, struct build_part parts[2])
{
    size_t n = 1;
    stage_alloc(mih->ctx, &parts[0].stage, count);
    if (count >= BUILD_THREAD_MIN) {
        stage_alloc(mih->ctx, &parts[1].stage, count);
        n = parts[1].stage.entries != NULL && parts[1].stage.keys != NULL ? 2 : 1;
    }
    for (size_t i = 0; i < 2; i++) {
        parts[i].mih = mih;
        parts[i].blocks = blocks;
        parts[i].count = count;
        parts[i].counts = counts;
    }
    parts[0].first = 0;
    parts[0].end = n == 2 ? mih->substrings / 2 : mih->substrings;
    parts[1].first = parts[0].end;
    parts[1].end = mih->substrings;
    return n;
}

enum wy_status wy__mih_build(struct wy__mih *mih, const uint64_t *blocks, size_t count)
{
    if (mih->size != 0) {
        return WY_EINVAL;
    }
    if (count > UINT32_MAX) {
        return WY_ETOOBIG;
    }
    size_t table_parts[MAX_SUBSTRINGS][MAX_PARTS];
    uint32_t *counts =
        wy__alloc(mih->ctx, ((size_t)mih->substrings << mih->key_bits) * sizeof *counts);
    if (counts == NULL) {
        return WY_ENOMEM;
    }
    struct build_part parts[2] = {{.parts = table_parts}, {.parts = table_parts}};
    const size_t n = plan_parts(mih, blocks, count, counts, parts);
    build_phase(parts, n, false);
    wy__free(mih->ctx, counts);
    /* The arena is not shared between threads: every bucket is allocated here, then filled. */
    enum wy_status rc = WY_OK;
    for (unsigned t = 0; t < mih->substrings && rc == WY_OK; t++) {
        rc = alloc_table(mih, t);
    }
    if (rc == WY_OK) {
        build_phase(parts, n, true);
    }
    stage_free(mih->ctx, &parts[0].stage);
    stage_free(mih->ctx, &parts[1].stage);
    if (rc != WY_OK) {
        free_buckets(mih);
        return rc;
    }
    mih->size = count;
    return WY_OK;
}

/* Moves b's entries to a block of `bytes`. */
static enum wy_status bucket_resize(struct wy__mih *mih, struct mih_bucket *b, size_t bytes)
{
    struct mih_entry *items = wy__arena_alloc(&mih->arena, bytes);
    if (items == NULL) {
        return WY_ENOMEM;
    }
    if (b->len != 0) {
        memcpy(items, b->items, (size_t)b->len * sizeof *items);
    }
    wy__arena_free(&mih->arena, b->items, bucket_bytes(b));
    b->items = items;
    b->cap = (uint32_t)(bytes / ENTRY_BYTES);
    return WY_OK;
}

/* Makes room for one more entry in b. */
static enum wy_status bucket_reserve(struct wy__mih *mih, struct mih_bucket *b)
{
    if (b->len < b->cap) {
        return WY_OK;
    }
    const size_t bytes = wy__arena_grow_size(bucket_bytes(b));
    if (bytes / ENTRY_BYTES > UINT32_MAX) {
        return WY_ETOOBIG;
    }
    return bucket_resize(mih, b, bytes);
}

enum wy_status wy__mih_add(struct wy__mih *mih, const uint64_t words[WY__INDEX_WORDS],
                           uint32_t slot)
{
    for (unsigned t = 0; t < mih->substrings; t++) {
        const enum wy_status st = bucket_reserve(mih, bucket_of(mih, t, substring(mih, words, t)));
        if (st != WY_OK) {
            return st;
        }
    }
    for (unsigned t = 0; t < mih->substrings; t++) {
        struct mih_bucket *b = bucket_of(mih, t, substring(mih, words, t));
        b->items[b->len++] = make_entry(mih, words, t, slot);
    }
    mih->size++;
    return WY_OK;
}

/* Position of entry `slot` in b, or UINT32_MAX. */
static uint32_t bucket_find(const struct mih_bucket *b, uint32_t slot)
{
    for (uint32_t i = 0; i < b->len; i++) {
        if (b->items[i].slot == slot) {
            return i;
        }
    }
    return UINT32_MAX;
}

/* Every table holds every entry: a miss after the first table means they disagree. */
static uint32_t bucket_find_held(const struct mih_bucket *b, uint32_t slot)
{
    const uint32_t at = bucket_find(b, slot);
    if (at == UINT32_MAX) {
        wy__panic(__FILE__, __LINE__, "mih tables out of step");
    }
    return at;
}

/* Gives memory back once a bucket is a quarter full; a failed shrink keeps the larger array. */
static void bucket_shrink(struct wy__mih *mih, struct mih_bucket *b)
{
    if (b->len == 0) {
        wy__arena_free(&mih->arena, b->items, bucket_bytes(b));
        b->items = NULL;
        b->cap = 0;
        return;
    }
    if (b->cap < MIN_SHRINK_CAP || b->len > b->cap / 4) {
        return;
    }
    /* The smallest class with room for twice the entries; a failed move keeps the block. */
    (void)bucket_resize(mih, b, wy__arena_grow_size((size_t)b->len * 2 * ENTRY_BYTES - 1));
}

enum wy_status wy__mih_remove(struct wy__mih *mih, const uint64_t words[WY__INDEX_WORDS],
                              uint32_t slot)
{
    if (bucket_find(bucket_of(mih, 0, substring(mih, words, 0)), slot) == UINT32_MAX) {
        return WY_ENOENT;
    }
    for (unsigned t = 0; t < mih->substrings; t++) {
        struct mih_bucket *b = bucket_of(mih, t, substring(mih, words, t));
        const uint32_t at = bucket_find_held(b, slot);
        b->items[at] = b->items[b->len - 1];
        b->len--;
        bucket_shrink(mih, b);
    }
    mih->size--;
    return WY_OK;
}

void wy__mih_move(struct wy__mih *mih, const uint64_t words[WY__INDEX_WORDS], uint32_t from,
                  uint32_t to)
{
    for (unsigned t = 0; t < mih->substrings; t++) {
        struct mih_bucket *b = bucket_of(mih, t, substring(mih, words, t));
        b->items[bucket_find_held(b, from)].slot = to;
    }
}
