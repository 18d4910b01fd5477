/* SPDX-License-Identifier: Apache-2.0 */
/*
 * index_mih.c: multi-index hashing, the exact range search that the index uses for large sets
 * and small radii, where a flat scan would read every code for a handful of hits.
 *
 * Layout. For m substrings of k = 256/m bits there are m tables of 2^k bucket heads, stored one
 * after the other in a single array; the head of key `key` in table t is heads[(t << k) | key].
 * A head points to an array of entries (code words and id, 40 bytes each) that doubles when
 * full, so verifying a bucket reads one contiguous run of memory. Substring t of a code is bits
 * k*t .. k*t+k-1 of its 256 bits, taken from the 64-bit words read little-endian from the bytes.
 *
 * Search. With radius r = a*m + b, table t is searched to radius a for t <= b and a - 1 after
 * (index_mih.h gives the proof); each bucket key within that radius of the query's substring is
 * enumerated from a table of all flip masks ordered by popcount (the first masks_upto[w] have at
 * most w bits), and each
 * code in those buckets is checked with the full distance. A code can sit in visited buckets of
 * several tables; it is reported only from the first such table, which is found by checking the
 * earlier tables' substrings against their radii. That test needs no visited set and runs only
 * for codes already within the radius, so the hot loop is four XOR-popcounts per entry.
 *
 * Updates. Adding grows every bucket it needs before writing anything, so WY_ENOMEM leaves the
 * codes as they were. Removing swaps the last entry of each bucket into the freed place.
 */
#include "wy_setup.h"

#include <string.h>

#include "core/core_int.h"
#include "index/index_mih.h"

#define CODE_WORDS 4
#define CODE_BITS 256
#define MAX_SUBSTRINGS 32
#define FIRST_BUCKET_CAP 4
/* Shrinking below this is not worth a realloc. */
#define MIN_SHRINK_CAP 16
/* Buckets whose heads are read, and whose first lines are touched, before any is verified. */
#define PROBE_BATCH 256
/* Entries of each bucket touched ahead (640 bytes); the hardware prefetcher streams the rest. */
#define TOUCH_ENTRIES 16

struct mih_entry {
    uint64_t words[CODE_WORDS];
    uint64_t id;
};

struct mih_bucket {
    struct mih_entry *items;
    uint32_t len;
    uint32_t cap;
};

struct search;
/* Verifies the n entries of one bucket found through `table`; false once the caller stops. */
typedef bool (*bucket_scan_fn)(const struct search *s, const struct mih_entry *items, size_t n,
                               unsigned table);

struct wy__mih {
    struct wy_ctx *ctx;
    bucket_scan_fn scan;
    unsigned substrings; /* m */
    unsigned key_bits;   /* 256 / m */
    uint64_t key_mask;
    struct mih_bucket *heads; /* m << key_bits */
    uint16_t *masks;          /* every key_bits-bit flip mask, by increasing popcount */
    size_t masks_upto[17];    /* masks_upto[w]: how many masks have popcount <= w */
    size_t size;
    size_t entry_capacity; /* entries allocated over all buckets */
};

/* One query's search: its words, substring keys and per-table radii (-1: table skipped). */
struct search {
    const struct wy__mih *mih;
    const uint64_t (*all)[CODE_WORDS]; /* every query, for the dihedral minimum */
    size_t count;
    uint64_t q[CODE_WORDS];
    uint32_t keys[MAX_SUBSTRINGS];
    int table_radius[MAX_SUBSTRINGS];
    unsigned radius;
    uint8_t query;
    bool min_only;
    wy_index_hit_fn fn;
    void *user;
    uint64_t touched; /* the sum of the prefetching loads, kept so they are not optimised away */
};

/* A non-empty bucket to verify. */
struct probe {
    const struct mih_entry *items;
    uint32_t len;
};

/* ---- codes and substrings ---- */

static void code_words(const struct wy_pdq_hash *hash, uint64_t words[CODE_WORDS])
{
    for (unsigned w = 0; w < CODE_WORDS; w++) {
        uint64_t word = 0;
        for (unsigned b = 0; b < 8; b++) {
            word |= (uint64_t)hash->bytes[w * 8 + b] << (8 * b);
        }
        words[w] = word;
    }
}

static uint32_t substring(const struct wy__mih *mih, const uint64_t words[CODE_WORDS], unsigned t)
{
    const unsigned per_word = 64 / mih->key_bits;
    const unsigned shift = mih->key_bits * (t % per_word);
    return (uint32_t)((words[t / per_word] >> shift) & mih->key_mask);
}

static unsigned distance(const uint64_t a[CODE_WORDS], const uint64_t b[CODE_WORDS])
{
    return (unsigned)(WY_POPCOUNT64(a[0] ^ b[0]) + WY_POPCOUNT64(a[1] ^ b[1]) +
                      WY_POPCOUNT64(a[2] ^ b[2]) + WY_POPCOUNT64(a[3] ^ b[3]));
}

static struct mih_bucket *bucket_of(const struct wy__mih *mih, unsigned table, uint32_t key)
{
    return &mih->heads[((size_t)table << mih->key_bits) | key];
}

/* ---- search ---- */

/* Whether an earlier table already reached this code: then that table reports it. */
static bool found_earlier(const struct search *s, const uint64_t words[CODE_WORDS], unsigned table)
{
    for (unsigned j = 0; j < table; j++) {
        const uint32_t diff = substring(s->mih, words, j) ^ s->keys[j];
        if (s->table_radius[j] >= 0 && WY_POPCOUNT64(diff) <= s->table_radius[j]) {
            return true;
        }
    }
    return false;
}

/* For dihedral search: whether the current query is the closest one (lowest index on ties). */
static bool closest_query(const struct search *s, const uint64_t words[CODE_WORDS], unsigned d)
{
    for (size_t k = 0; k < s->count; k++) {
        const unsigned dk = distance(s->all[k], words);
        if (dk < d || (dk == d && k < s->query)) {
            return false;
        }
    }
    return true;
}

/* The cold path of a bucket scan: an entry within the radius. False once fn says stop. */
static bool report(const struct search *s, const struct mih_entry *e, unsigned d, unsigned table)
{
    if (found_earlier(s, e->words, table)) {
        return true;
    }
    if (s->min_only && !closest_query(s, e->words, d)) {
        return true;
    }
    const struct wy_index_hit hit = {.id = e->id, .distance = (uint16_t)d, .query = s->query};
    return s->fn(s->user, &hit);
}

/*
 * The hot loop, stamped out twice by this macro so that one copy is compiled for the POPCNT
 * instruction: a shared inline helper would not do, because gcc declines to inline a function
 * into one with different target options and the popcount would stay a library call.
 */
#define DEFINE_SCAN(name, attributes)                                                              \
    attributes static bool name(const struct search *s, const struct mih_entry *items, size_t n,   \
                                unsigned table)                                                    \
    {                                                                                              \
        const uint64_t q0 = s->q[0];                                                               \
        const uint64_t q1 = s->q[1];                                                               \
        const uint64_t q2 = s->q[2];                                                               \
        const uint64_t q3 = s->q[3];                                                               \
        const unsigned radius = s->radius;                                                         \
        for (size_t i = 0; i < n; i++) {                                                           \
            const uint64_t *w = items[i].words;                                                    \
            const unsigned d = (unsigned)(WY_POPCOUNT64(w[0] ^ q0) + WY_POPCOUNT64(w[1] ^ q1) +    \
                                          WY_POPCOUNT64(w[2] ^ q2) + WY_POPCOUNT64(w[3] ^ q3));    \
            if (WY_UNLIKELY(d <= radius) && !report(s, &items[i], d, table)) {                     \
                return false;                                                                      \
            }                                                                                      \
        }                                                                                          \
        return true;                                                                               \
    }

DEFINE_SCAN(scan_generic, )
#ifdef WY_HAVE_X86_SIMD
DEFINE_SCAN(scan_popcnt, WY_TARGET("popcnt"))
#endif

/*
 * Verifies the buckets of masks [first, last) of `table`. Heads are read in one pass and the
 * leading entries of each bucket in a second, before any verification: the loads are independent,
 * so the memory system serves the cache misses of a whole batch at once instead of one by one.
 */
static bool visit_batch(struct search *s, unsigned table, size_t first, size_t last)
{
    const struct wy__mih *mih = s->mih;
    const struct mih_bucket *heads = bucket_of(mih, table, 0);
    const uint32_t key = s->keys[table];
    struct probe batch[PROBE_BATCH];
    size_t n = 0;
    for (size_t i = first; i < last; i++) {
        const struct mih_bucket *b = &heads[key ^ mih->masks[i]];
        if (b->len != 0) {
            batch[n].items = b->items;
            batch[n].len = b->len;
            n++;
        }
    }
    uint64_t touched = 0;
    for (size_t i = 0; i < n; i++) {
        const size_t lead = batch[i].len < TOUCH_ENTRIES ? batch[i].len : TOUCH_ENTRIES;
        for (size_t j = 0; j < lead; j++) {
            touched += batch[i].items[j].words[0];
        }
    }
    s->touched += touched;
    for (size_t i = 0; i < n; i++) {
        if (!mih->scan(s, batch[i].items, batch[i].len, table)) {
            return false;
        }
    }
    return true;
}

/* Visits every bucket of `table` whose key is within `radius` of the query's substring. */
static bool visit_table(struct search *s, unsigned table, unsigned radius)
{
    const struct wy__mih *mih = s->mih;
    const size_t masks = mih->masks_upto[radius < mih->key_bits ? radius : mih->key_bits];
    for (size_t first = 0; first < masks; first += PROBE_BATCH) {
        const size_t last = masks - first < PROBE_BATCH ? masks : first + PROBE_BATCH;
        if (!visit_batch(s, table, first, last)) {
            return false;
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

/* All tables for the query in s->q; false once the caller stops. */
static bool search_query(struct search *s)
{
    const struct wy__mih *mih = s->mih;
    for (unsigned t = 0; t < mih->substrings; t++) {
        s->keys[t] = substring(mih, s->q, t);
    }
    for (unsigned t = 0; t < mih->substrings && s->table_radius[t] >= 0; t++) {
        const unsigned radius = (unsigned)s->table_radius[t];
        if (!visit_table(s, t, radius)) {
            return false;
        }
        /* This table enumerated every key, so every later candidate was reported here. */
        if (radius >= mih->key_bits) {
            break;
        }
    }
    return true;
}

static enum wy_status search(const struct wy__mih *mih, const struct wy_pdq_hash *queries,
                             size_t count, unsigned radius, bool min_only, wy_index_hit_fn fn,
                             void *user)
{
    if (count == 0 || count > WY__MIH_MAX_QUERIES) {
        return WY_EINVAL;
    }
    if (mih->size == 0) {
        return WY_OK;
    }
    uint64_t all[WY__MIH_MAX_QUERIES][CODE_WORDS];
    for (size_t k = 0; k < count; k++) {
        code_words(&queries[k], all[k]);
    }
    struct search s = {.mih = mih,
                       .all = (const uint64_t(*)[CODE_WORDS])all,
                       .count = count,
                       .radius = radius > CODE_BITS ? CODE_BITS : radius,
                       .min_only = min_only,
                       .fn = fn,
                       .user = user};
    table_radii(mih, s.radius, s.table_radius);
    for (size_t k = 0; k < count; k++) {
        memcpy(s.q, all[k], sizeof s.q);
        s.query = (uint8_t)k;
        if (!search_query(&s)) {
            break;
        }
    }
    return WY_OK;
}

enum wy_status wy__mih_range(const struct wy__mih *mih, const struct wy_pdq_hash *queries,
                             size_t count, unsigned radius, wy_index_hit_fn fn, void *user)
{
    return search(mih, queries, count, radius, false, fn, user);
}

enum wy_status wy__mih_range_min(const struct wy__mih *mih, const struct wy_pdq_hash *queries,
                                 size_t count, unsigned radius, wy_index_hit_fn fn, void *user)
{
    return search(mih, queries, count, radius, true, fn, user);
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
    mih->heads = wy__calloc(ctx, (size_t)substrings << mih->key_bits, sizeof *mih->heads);
    if (mih->heads == NULL) {
        wy__free(ctx, mih);
        return WY_ENOMEM;
    }
    enum wy_status st;
    st = fill_masks(mih);
    if (st != WY_OK) {
        wy__free(ctx, mih->heads);
        wy__free(ctx, mih);
        return st;
    }
    mih->scan = scan_generic;
#ifdef WY_HAVE_X86_SIMD
    if (wy_ctx_cpu(ctx) >= WY_CPU_POPCNT) {
        mih->scan = scan_popcnt;
    }
#endif
    *out = mih;
    return WY_OK;
}

void wy__mih_free(struct wy__mih *mih)
{
    if (mih == NULL) {
        return;
    }
    const size_t heads = (size_t)mih->substrings << mih->key_bits;
    for (size_t i = 0; i < heads; i++) {
        wy__free(mih->ctx, mih->heads[i].items);
    }
    wy__free(mih->ctx, mih->masks);
    wy__free(mih->ctx, mih->heads);
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
           (heads / mih->substrings) * sizeof *mih->masks +
           mih->entry_capacity * sizeof(struct mih_entry);
}

/* ---- updates ---- */

/* Makes room for one more entry in b. */
static enum wy_status bucket_reserve(struct wy__mih *mih, struct mih_bucket *b)
{
    if (b->len < b->cap) {
        return WY_OK;
    }
    if (b->cap == UINT32_MAX) {
        return WY_ETOOBIG;
    }
    uint32_t cap = b->cap == 0 ? FIRST_BUCKET_CAP : b->cap * 2;
    if (cap < b->cap) {
        cap = UINT32_MAX;
    }
    struct mih_entry *items = wy__realloc(mih->ctx, b->items, (size_t)cap * sizeof *items);
    if (items == NULL) {
        return WY_ENOMEM;
    }
    mih->entry_capacity += cap - b->cap;
    b->items = items;
    b->cap = cap;
    return WY_OK;
}

enum wy_status wy__mih_add(struct wy__mih *mih, const struct wy_pdq_hash *hash, uint64_t id)
{
    struct mih_entry entry = {.id = id};
    code_words(hash, entry.words);
    for (unsigned t = 0; t < mih->substrings; t++) {
        const enum wy_status st =
            bucket_reserve(mih, bucket_of(mih, t, substring(mih, entry.words, t)));
        if (st != WY_OK) {
            return st;
        }
    }
    for (unsigned t = 0; t < mih->substrings; t++) {
        struct mih_bucket *b = bucket_of(mih, t, substring(mih, entry.words, t));
        b->items[b->len++] = entry;
    }
    mih->size++;
    return WY_OK;
}

/* Position of (words, id) in b, or UINT32_MAX. */
static uint32_t bucket_find(const struct mih_bucket *b, const struct mih_entry *want)
{
    for (uint32_t i = 0; i < b->len; i++) {
        const struct mih_entry *e = &b->items[i];
        if (e->id == want->id && memcmp(e->words, want->words, sizeof e->words) == 0) {
            return i;
        }
    }
    return UINT32_MAX;
}

/* Gives memory back once a bucket is a quarter full; a failed shrink keeps the larger array. */
static void bucket_shrink(struct wy__mih *mih, struct mih_bucket *b)
{
    if (b->len == 0) {
        wy__free(mih->ctx, b->items);
        mih->entry_capacity -= b->cap;
        b->items = NULL;
        b->cap = 0;
        return;
    }
    if (b->cap < MIN_SHRINK_CAP || b->len > b->cap / 4) {
        return;
    }
    const uint32_t cap = b->cap / 2;
    struct mih_entry *items = wy__realloc(mih->ctx, b->items, (size_t)cap * sizeof *items);
    if (items != NULL) {
        mih->entry_capacity -= b->cap - cap;
        b->items = items;
        b->cap = cap;
    }
}

enum wy_status wy__mih_remove(struct wy__mih *mih, const struct wy_pdq_hash *hash, uint64_t id)
{
    struct mih_entry want = {.id = id};
    code_words(hash, want.words);
    if (bucket_find(bucket_of(mih, 0, substring(mih, want.words, 0)), &want) == UINT32_MAX) {
        return WY_ENOENT;
    }
    for (unsigned t = 0; t < mih->substrings; t++) {
        struct mih_bucket *b = bucket_of(mih, t, substring(mih, want.words, t));
        const uint32_t at = bucket_find(b, &want);
        /* Every table holds every code: a miss here means the tables disagree. */
        if (at == UINT32_MAX) {
            wy__panic(__FILE__, __LINE__, "mih tables out of step");
        }
        b->items[at] = b->items[b->len - 1];
        b->len--;
        bucket_shrink(mih, b);
    }
    mih->size--;
    return WY_OK;
}
