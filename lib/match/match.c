/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match.c: the matcher: the store's PDQ fingerprints in an index, kept in sync through the
 * change feed, and the queries that turn index hits into reported matches.
 *
 * Each indexed fingerprint has an entry (case, bank, item, frame times) in an array sorted by
 * fingerprint id; the index's ids are fingerprint ids. Withdrawn fingerprints leave the index at
 * once on sync, but keep their entry (marked inactive) so that a re-opened case comes back
 * without a lookup.
 */
#include "wy_setup.h"

#include <stdlib.h>
#include <string.h>

#include "core/core_int.h"
#include "match/match_query.h"
#include "withyou/index.h"
#include "withyou/match.h"

struct bank_limit {
    int64_t id;
    int threshold;
    int min_quality;
};

struct wy_matcher {
    struct wy_ctx *ctx;
    struct wy_bank *bank;
    struct wy_matcher_opts opts;
    struct wy_index *index;
    struct fp_entry *entries; /* sorted by fp_id */
    size_t count;
    size_t cap;
    struct bank_limit *banks;
    size_t bank_count;
    int radius;           /* the largest threshold searched */
    int min_quality;      /* the lowest floor searched */
    int64_t seq;          /* change feed position loaded */
    enum wy_status error; /* first failure inside a store callback */
    size_t flat_passes;   /* index searches made before tables are asked for (AUTO only) */
};

/*
 * Under WY_INDEX_AUTO the matcher loads a flat index and asks for multi-index hashing tables
 * only after this many searches. One search (up to 8 hashes, or the 8 dihedral variants of one)
 * costs one pass over the flat store, about 3 ns per entry here; building the tables costs
 * about 0.5 us per entry, some 170 passes. Waiting for 128 passes (the ski-rental rule: pay
 * rent until it adds up to the price) keeps a run's total within about twice the best choice
 * made in hindsight, and a one-off `withyou match` over a few files never pays for tables it
 * would not use; the store is ready to answer once the scan is done.
 */
enum { FLAT_PASSES_BEFORE_TABLES = 128 };

/* Counts one search and asks for tables when they have earned their build. */
static void note_search(struct wy_matcher *m)
{
    if (m->opts.index_kind != WY_INDEX_AUTO || m->flat_passes > FLAT_PASSES_BEFORE_TABLES) {
        return;
    }
    if (++m->flat_passes > FLAT_PASSES_BEFORE_TABLES) {
        /* Under AUTO this returns WY_OK even without memory for the tables: the flat scan then
         * answers as before. */
        const enum wy_status st = wy_index_set_kind(m->index, WY_INDEX_AUTO);
        WY_ASSERT(st == WY_OK);
        (void)st;
    }
}

void wy_matcher_opts_init(struct wy_matcher_opts *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->threshold = -1;
    wy_align_opts_init(&opts->align);
}

/* ---- entries ---- */

static struct fp_entry *find_entry(const struct wy_matcher *m, int64_t fp_id)
{
    size_t lo = 0;
    size_t hi = m->count;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (m->entries[mid].fp_id < fp_id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < m->count && m->entries[lo].fp_id == fp_id ? &m->entries[lo] : NULL;
}

/* Inserts in id order; fingerprints arrive in increasing id order, so this is an append. */
static enum wy_status insert_entry(struct wy_matcher *m, const struct fp_entry *e)
{
    if (m->count == m->cap) {
        const size_t cap = m->cap ? m->cap * 2 : 1024;
        struct fp_entry *grown = wy__realloc(m->ctx, m->entries, cap * sizeof *grown);
        if (grown == NULL) {
            return WY_ENOMEM;
        }
        m->entries = grown;
        m->cap = cap;
    }
    size_t at = m->count;
    while (at > 0 && m->entries[at - 1].fp_id > e->fp_id) {
        at--;
    }
    memmove(m->entries + at + 1, m->entries + at, (m->count - at) * sizeof *m->entries);
    m->entries[at] = *e;
    m->count++;
    return WY_OK;
}

static bool searched_kind(enum wy_fp_kind kind)
{
    return kind == WY_FP_PDQ || kind == WY_FP_VIDEO_PDQ;
}

/* Adds an active fingerprint to the index and its entry (re-activating a known entry). */
static enum wy_status activate(struct wy_matcher *m, const struct wy_fingerprint *fp)
{
    struct wy_pdq_hash h;
    memcpy(h.bytes, fp->value, WY_PDQ_BYTES);
    struct fp_entry *known = find_entry(m, fp->id);
    if (known != NULL && known->active) {
        return WY_OK;
    }
    enum wy_status st = wy_index_add(m->index, &h, (uint64_t)fp->id);
    if (st != WY_OK) {
        return st;
    }
    if (known != NULL) {
        known->active = true;
        return WY_OK;
    }
    const struct fp_entry e = {fp->id,       fp->case_id,      fp->bank_id, fp->media_id,
                               fp->frame_ms, fp->frame_end_ms, fp->kind,    true};
    st = insert_entry(m, &e);
    if (st != WY_OK && wy_index_remove(m->index, (uint64_t)fp->id) != WY_OK) {
        return WY_EINTERNAL; /* the entry was added a moment ago */
    }
    return st;
}

/* The start-up load: entries now, the index in one wy_index_add_many() at the end. */
struct initial_load {
    struct wy_matcher *m;
    struct wy_pdq_hash *hashes;
    uint64_t *ids;
    size_t count;
    size_t cap;
};

static enum wy_status stage_fp(struct initial_load *l, const struct wy_fingerprint *fp)
{
    if (l->count == l->cap) {
        const size_t cap = l->cap ? l->cap * 2 : 4096;
        struct wy_pdq_hash *hashes = wy__realloc(l->m->ctx, l->hashes, cap * sizeof *hashes);
        if (hashes == NULL) {
            return WY_ENOMEM;
        }
        l->hashes = hashes;
        uint64_t *ids = wy__realloc(l->m->ctx, l->ids, cap * sizeof *ids);
        if (ids == NULL) {
            return WY_ENOMEM;
        }
        l->ids = ids;
        l->cap = cap;
    }
    const struct fp_entry e = {fp->id,       fp->case_id,      fp->bank_id, fp->media_id,
                               fp->frame_ms, fp->frame_end_ms, fp->kind,    true};
    const enum wy_status st = insert_entry(l->m, &e);
    if (st == WY_OK) {
        memcpy(l->hashes[l->count].bytes, fp->value, WY_PDQ_BYTES);
        l->ids[l->count++] = (uint64_t)fp->id;
    }
    return st;
}

static bool load_fp(void *user, const struct wy_fingerprint *fp)
{
    struct initial_load *l = user;
    l->m->error = stage_fp(l, fp);
    return l->m->error == WY_OK;
}

/* Every active fingerprint of the kinds searched, into entries and index. */
static enum wy_status load_all(struct wy_matcher *m)
{
    struct initial_load l = {.m = m};
    /* Both kinds in one pass, so ids arrive in increasing order: entries are appended, and the
     * index takes the batch without looking each id up. */
    m->error = WY_OK;
    enum wy_status st = wy_bank_fp_scan_values_kinds(
        m->bank, (1u << WY_FP_PDQ) | (1u << WY_FP_VIDEO_PDQ), m->opts.bank_id, load_fp, &l);
    if (st == WY_OK) {
        st = m->error;
    }
    if (st == WY_OK) {
        st = wy_index_add_many(m->index, l.hashes, l.ids, l.count);
    }
    wy__free(m->ctx, l.hashes);
    wy__free(m->ctx, l.ids);
    return st;
}

/* ---- banks ---- */

static bool collect_bank(void *user, const struct wy_bank_info *info)
{
    struct wy_matcher *m = user;
    if (m->opts.bank_id != 0 && m->opts.bank_id != info->id) {
        return true;
    }
    struct bank_limit *grown =
        wy__realloc(m->ctx, m->banks, (m->bank_count + 1) * sizeof *m->banks);
    if (grown == NULL) {
        m->error = WY_ENOMEM;
        return false;
    }
    m->banks = grown;
    m->banks[m->bank_count++] = (struct bank_limit){info->id, info->threshold, info->min_quality};
    return true;
}

static enum wy_status load_banks(struct wy_matcher *m)
{
    m->bank_count = 0;
    m->error = WY_OK;
    enum wy_status st = wy_bank_bank_list(m->bank, collect_bank, m);
    if (st == WY_OK) {
        st = m->error;
    }
    if (st != WY_OK) {
        return st;
    }
    m->radius = m->opts.threshold >= 0 ? m->opts.threshold : 0;
    m->min_quality = m->bank_count > 0 ? 100 : 0;
    for (size_t i = 0; i < m->bank_count; i++) {
        if (m->opts.threshold < 0 && m->banks[i].threshold > m->radius) {
            m->radius = m->banks[i].threshold;
        }
        if (m->banks[i].min_quality < m->min_quality) {
            m->min_quality = m->banks[i].min_quality;
        }
    }
    return WY_OK;
}

static const struct bank_limit *bank_limit(const struct wy_matcher *m, int64_t bank_id)
{
    for (size_t i = 0; i < m->bank_count; i++) {
        if (m->banks[i].id == bank_id) {
            return &m->banks[i];
        }
    }
    return NULL;
}

/* Is a hit at this distance a match in its bank? */
static bool within(const struct wy_matcher *m, int64_t bank_id, int distance)
{
    if (m->opts.threshold >= 0) {
        return distance <= m->opts.threshold;
    }
    const struct bank_limit *b = bank_limit(m, bank_id);
    return b != NULL && distance <= b->threshold;
}

/* ---- lifecycle ---- */

enum wy_status wy_matcher_new(struct wy_ctx *ctx, struct wy_bank *bank,
                              const struct wy_matcher_opts *opts, struct wy_matcher **out,
                              struct wy_diag *diag)
{
    struct wy_matcher *m = wy__calloc(ctx, 1, sizeof *m);
    if (m == NULL) {
        return WY_ENOMEM;
    }
    m->ctx = ctx;
    m->bank = bank;
    if (opts != NULL) {
        m->opts = *opts;
    } else {
        wy_matcher_opts_init(&m->opts);
    }
    enum wy_status st = WY_OK;
    if (m->opts.bank_id != 0) {
        struct wy_bank_info info;
        st = wy_bank_bank_get(bank, m->opts.bank_id, &info);
    }
    /* The sequence is read first: a change committed during the scan is replayed by the next
     * sync, and replaying one already seen is harmless. */
    if (st == WY_OK) {
        st = wy_bank_seq(bank, &m->seq);
    }
    if (st == WY_OK) {
        st = load_banks(m);
    }
    if (st == WY_OK) {
        const bool defer = m->opts.index_kind == WY_INDEX_AUTO;
        st = wy_index_new(ctx, defer ? WY_INDEX_FLAT : m->opts.index_kind, &m->index);
    }
    if (st == WY_OK) {
        st = load_all(m);
    }
    if (st != WY_OK) {
        wy_matcher_free(m);
        return wy__fail(diag, st, "cannot load the fingerprints: %s", wy_strerror(st));
    }
    *out = m;
    return WY_OK;
}

void wy_matcher_free(struct wy_matcher *m)
{
    if (m == NULL) {
        return;
    }
    wy_index_free(m->index);
    wy__free(m->ctx, m->entries);
    wy__free(m->ctx, m->banks);
    wy__free(m->ctx, m);
}

size_t wy_matcher_memory_bytes(const struct wy_matcher *m)
{
    return sizeof *m + wy_index_memory_bytes(m->index) + m->cap * sizeof *m->entries +
           m->bank_count * sizeof *m->banks;
}

size_t wy_matcher_size(const struct wy_matcher *m)
{
    return wy_index_size(m->index);
}

int wy_matcher_min_quality(const struct wy_matcher *m)
{
    return m->min_quality;
}

/* ---- sync ---- */

struct change_list {
    struct wy_ctx *ctx;
    struct wy_bank_change *items;
    size_t count;
    size_t cap;
    bool oom;
};

static bool collect_change(void *user, const struct wy_bank_change *change)
{
    struct change_list *l = user;
    if (l->count == l->cap) {
        const size_t cap = l->cap ? l->cap * 2 : 256;
        struct wy_bank_change *grown = wy__realloc(l->ctx, l->items, cap * sizeof *grown);
        if (grown == NULL) {
            l->oom = true;
            return false;
        }
        l->items = grown;
        l->cap = cap;
    }
    l->items[l->count++] = *change;
    return true;
}

static enum wy_status apply_change(struct wy_matcher *m, const struct wy_bank_change *c)
{
    if (!c->active) {
        struct fp_entry *e = find_entry(m, c->fp_id);
        if (e != NULL && e->active) {
            e->active = false;
            return wy_index_remove(m->index, (uint64_t)c->fp_id);
        }
        return WY_OK;
    }
    struct wy_fingerprint fp;
    enum wy_status st = wy_bank_fp_get(m->bank, c->fp_id, &fp);
    if (st == WY_ENOENT) {
        return WY_OK;
    }
    bool suppressed = false;
    if (st == WY_OK && fp.active && searched_kind(fp.kind) &&
        (m->opts.bank_id == 0 || m->opts.bank_id == fp.bank_id)) {
        st = wy_bank_is_suppressed(m->bank, fp.kind, fp.value, &suppressed);
        if (st == WY_OK && !suppressed) {
            st = activate(m, &fp);
        }
    }
    memset(&fp, 0, sizeof fp);
    return st;
}

enum wy_status wy_matcher_sync(struct wy_matcher *m)
{
    int64_t seq = 0;
    enum wy_status st = wy_bank_seq(m->bank, &seq);
    if (st != WY_OK || seq == m->seq) {
        return st;
    }
    struct change_list list = {.ctx = m->ctx};
    st = wy_bank_changes(m->bank, m->seq, collect_change, &list);
    if (st == WY_OK && list.oom) {
        st = WY_ENOMEM;
    }
    if (st == WY_OK) {
        st = load_banks(m);
    }
    for (size_t i = 0; i < list.count && st == WY_OK; i++) {
        st = apply_change(m, &list.items[i]);
        if (st == WY_OK) {
            m->seq = list.items[i].seq;
        }
    }
    wy__free(m->ctx, list.items);
    return st;
}

/* ---- queries ---- */

struct qhits {
    struct wy_ctx *ctx;
    const struct wy_matcher *m;
    struct qhit *items;
    size_t count;
    size_t cap;
    int64_t q_ms;
    const enum wy_dihedral *variants; /* NULL: hit->query is the variant; else its map */
    bool oom;
};

static bool keep_qhit(void *user, const struct wy_index_hit *hit)
{
    struct qhits *h = user;
    const struct fp_entry *e = find_entry(h->m, (int64_t)hit->id);
    if (e == NULL || !within(h->m, e->bank_id, hit->distance)) {
        return true;
    }
    if (h->count == h->cap) {
        const size_t cap = h->cap ? h->cap * 2 : 256;
        struct qhit *grown = wy__realloc(h->ctx, h->items, cap * sizeof *grown);
        if (grown == NULL) {
            h->oom = true;
            return false;
        }
        h->items = grown;
        h->cap = cap;
    }
    const enum wy_dihedral variant =
        h->variants != NULL ? h->variants[hit->query] : (enum wy_dihedral)hit->query;
    h->items[h->count++] = (struct qhit){e, h->q_ms, hit->distance, variant};
    return true;
}

/* Groups hits by item, then variant, then query time. */
static int cmp_qhit(const void *pa, const void *pb)
{
    const struct qhit *a = pa;
    const struct qhit *b = pb;
    if (a->e->media_id != b->e->media_id) {
        return a->e->media_id < b->e->media_id ? -1 : 1;
    }
    if (a->variant != b->variant) {
        return a->variant < b->variant ? -1 : 1;
    }
    if (a->q_ms != b->q_ms) {
        return a->q_ms < b->q_ms ? -1 : 1;
    }
    return a->distance - b->distance;
}

struct wy_match wy__match_base(const struct qhit *h)
{
    struct wy_match mt;
    memset(&mt, 0, sizeof mt);
    mt.case_id = h->e->case_id;
    mt.bank_id = h->e->bank_id;
    mt.media_id = h->e->media_id;
    mt.ref_kind = h->e->kind;
    mt.distance = h->distance;
    mt.variant = h->variant;
    mt.frames_matched = 1;
    mt.frames_total = 1;
    mt.speed = 1.0;
    mt.score = 1.0 - (double)h->distance / 256.0;
    return mt;
}

/* A picture query: one match per registered item, at its closest fingerprint; for a video, the
 * span of its frames that match. Hits arrive grouped by item and variant. */
static bool emit_image_hits(const struct qhits *h, wy_match_fn fn, void *user)
{
    size_t i = 0;
    while (i < h->count) {
        const struct qhit *best = &h->items[i];
        int64_t r_start = best->e->frame_ms;
        int64_t r_end = best->e->frame_end_ms;
        size_t j = i;
        for (; j < h->count && h->items[j].e->media_id == best->e->media_id; j++) {
            const struct qhit *x = &h->items[j];
            if (x->distance < best->distance) {
                best = x;
            }
            r_start = x->e->frame_ms < r_start ? x->e->frame_ms : r_start;
            r_end = x->e->frame_end_ms > r_end ? x->e->frame_end_ms : r_end;
        }
        struct wy_match mt = wy__match_base(best);
        if (best->e->kind == WY_FP_VIDEO_PDQ) {
            mt.ref_time = true;
            mt.r_start_ms = r_start;
            mt.r_end_ms = r_end;
        }
        if (!fn(user, &mt)) {
            return false;
        }
        i = j;
    }
    return true;
}

struct exact_emit {
    const struct wy_matcher *m;
    wy_match_fn fn;
    void *user;
    bool go_on;
};

static bool emit_exact(void *user, const struct wy_fingerprint *fp)
{
    struct exact_emit *x = user;
    if (x->m->opts.bank_id != 0 && x->m->opts.bank_id != fp->bank_id) {
        return true;
    }
    struct wy_match mt;
    memset(&mt, 0, sizeof mt);
    mt.case_id = fp->case_id;
    mt.bank_id = fp->bank_id;
    mt.media_id = fp->media_id;
    mt.ref_kind = WY_FP_MD5;
    mt.frames_matched = 1;
    mt.frames_total = 1;
    mt.speed = 1.0;
    mt.score = 1.0;
    x->go_on = x->fn(x->user, &mt);
    return x->go_on;
}

static enum wy_status match_exact(struct wy_matcher *m, const uint8_t *md5, wy_match_fn fn,
                                  void *user, bool go_on)
{
    if (md5 == NULL || !go_on) {
        return WY_OK;
    }
    struct exact_emit x = {m, fn, user, true};
    return wy_bank_fp_lookup(m->bank, WY_FP_MD5, md5, emit_exact, &x);
}

/* The queries of one picture: its 8 dihedral hashes, and of each view the hash as it is and
 * mirrored (a framed, captioned or turned copy is rarely also rotated by quarter turns), packed
 * 8 to an index pass: 3 passes for a picture with 6 views rather than 7. */
#define PICTURE_QUERIES (WY_DIH_COUNT + 2 * WY_VIEWS_MAX)

struct picture_queries {
    struct wy_pdq_hash hashes[PICTURE_QUERIES];
    enum wy_dihedral variants[PICTURE_QUERIES];
    size_t count;
};

static void add_query(struct picture_queries *q, const struct wy_pdq_hash *h, enum wy_dihedral v)
{
    q->hashes[q->count] = *h;
    q->variants[q->count] = v;
    q->count++;
}

static enum wy_status search_picture(struct wy_matcher *m, const struct picture_queries *q,
                                     const uint8_t *md5, wy_match_fn fn, void *user)
{
    struct qhits h = {.ctx = m->ctx, .m = m};
    enum wy_status st = WY_OK;
    for (size_t i = 0; i < q->count && st == WY_OK && !h.oom; i += 8) {
        const size_t n = q->count - i < 8 ? q->count - i : 8;
        h.variants = q->variants + i;
        note_search(m);
        st = wy_index_range(m->index, q->hashes + i, n, (unsigned)m->radius, keep_qhit, &h);
    }
    if (st == WY_OK && h.oom) {
        st = WY_ENOMEM;
    }
    bool go_on = true;
    if (st == WY_OK && h.count > 0) {
        qsort(h.items, h.count, sizeof *h.items, cmp_qhit);
        go_on = emit_image_hits(&h, fn, user);
    }
    wy__free(m->ctx, h.items);
    return st == WY_OK ? match_exact(m, md5, fn, user, go_on) : st;
}

enum wy_status wy_matcher_image(struct wy_matcher *m,
                                const struct wy_pdq_hash dihedral[WY_DIH_COUNT], const uint8_t *md5,
                                wy_match_fn fn, void *user)
{
    struct picture_queries q = {.count = 0};
    for (int v = 0; v < WY_DIH_COUNT; v++) {
        add_query(&q, &dihedral[v], (enum wy_dihedral)v);
    }
    return search_picture(m, &q, md5, fn, user);
}

enum wy_status wy_matcher_picture(struct wy_matcher *m, const struct wy_hash_record *rec,
                                  wy_match_fn fn, void *user)
{
    struct picture_queries q = {.count = 0};
    for (int v = 0; v < WY_DIH_COUNT; v++) {
        add_query(&q, &rec->dihedral[v], (enum wy_dihedral)v);
    }
    for (size_t k = 0; k < rec->view_count && k < WY_VIEWS_MAX; k++) {
        if (rec->views[k].quality >= m->min_quality) {
            add_query(&q, &rec->views[k].dihedral[WY_DIH_ORIGINAL], WY_DIH_ORIGINAL);
            add_query(&q, &rec->views[k].dihedral[WY_DIH_FLIPY], WY_DIH_FLIPY);
        }
    }
    return search_picture(m, &q, rec->digest.md5, fn, user);
}

enum wy_status wy_matcher_video(struct wy_matcher *m, const struct wy_video_fp *q, wy_match_fn fn,
                                void *user)
{
    if (q->count > 0 && q->dihedral == NULL) {
        return WY_EINVAL;
    }
    struct qhits h = {.ctx = m->ctx, .m = m};
    enum wy_status st = WY_OK;
    for (size_t i = 0; i < q->count && st == WY_OK && !h.oom; i++) {
        if (q->frames[i].quality < m->min_quality) {
            continue;
        }
        h.q_ms = q->frames[i].start_ms;
        note_search(m);
        st = wy_index_range_dihedral(m->index, q->dihedral + i * WY_DIH_COUNT, (unsigned)m->radius,
                                     keep_qhit, &h);
    }
    if (st == WY_OK && h.oom) {
        st = WY_ENOMEM;
    }
    bool go_on = true;
    if (st == WY_OK && h.count > 0) {
        qsort(h.items, h.count, sizeof *h.items, cmp_qhit);
        st = wy__match_video_groups(m->ctx, &m->opts.align, q, h.items, h.count, fn, user, &go_on);
    }
    wy__free(m->ctx, h.items);
    return st == WY_OK ? match_exact(m, q->digest.md5, fn, user, go_on) : st;
}
