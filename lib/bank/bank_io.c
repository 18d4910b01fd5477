/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bank_io.c: hash lists in and out of a bank, on top of the public store API and the codec's
 * list reader. An import reads and checks the whole list first (cases resolved, the quality floor
 * applied, each problem named by its line) and then registers everything with one
 * wy_bank_fp_add call, which is one transaction: a bad file imports nothing. An export scans the
 * active fingerprints and formats them line by line. Both hold plaintext fingerprints in memory,
 * so every buffer that held one is wiped before it is freed.
 */
#include "wy_setup.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bank/bank_int.h"
#include "core/core_int.h"
#include "withyou/bank_io.h"

/* ---- import ---- */

struct import_state {
    struct wy_bank *bank;
    int64_t bank_id;
    int64_t default_case_id;
    struct wy_bank_info info;
    struct wy_fingerprint *fps;
    size_t count;
    size_t cap;
    struct wy_case_info last_case; /* lists group records by case: one lookup per run */
    struct wy_diag *diag;
};

static enum wy_status line_fail(const struct import_state *s, const struct wy_list_record *rec,
                                enum wy_status st, const char *fmt, ...) WY_PRINTF(4, 5);

static enum wy_status line_fail(const struct import_state *s, const struct wy_list_record *rec,
                                enum wy_status st, const char *fmt, ...)
{
    char reason[WY_DIAG_MSG_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    wy__diag_set(s->diag, -1, 0, "line %zu: %s", rec->line, reason);
    return st;
}

/* The case a record goes to: the one it names, or the default. */
static enum wy_status resolve_case(struct import_state *s, const struct wy_list_record *rec,
                                   int64_t *case_id)
{
    if (rec->case_ref[0] == '\0') {
        if (s->default_case_id == 0) {
            return line_fail(s, rec, WY_EINVAL, "no case given for this fingerprint");
        }
        *case_id = s->default_case_id;
        return WY_OK;
    }
    if (s->last_case.id == 0 || strcmp(s->last_case.ref, rec->case_ref) != 0) {
        const enum wy_status st = wy_bank_case_find(s->bank, rec->case_ref, &s->last_case);
        if (st != WY_OK) {
            s->last_case.id = 0;
            return line_fail(s, rec, st, "no case %s", rec->case_ref);
        }
    }
    if (s->last_case.bank_id != s->bank_id) {
        return line_fail(s, rec, WY_EINVAL, "case %s belongs to another bank", rec->case_ref);
    }
    if (s->last_case.status == WY_CASE_WITHDRAWN) {
        return line_fail(s, rec, WY_EINVAL, "case %s is withdrawn", rec->case_ref);
    }
    *case_id = s->last_case.id;
    return WY_OK;
}

/* The floor is checked here, not only by the store, so that the message names the line. */
static enum wy_status check_quality(const struct import_state *s, const struct wy_list_record *rec)
{
    if (rec->kind != WY_FP_PDQ && rec->kind != WY_FP_VIDEO_PDQ) {
        return WY_OK;
    }
    const int quality = rec->quality < 0 ? 0 : rec->quality;
    if (quality >= s->info.min_quality) {
        return WY_OK;
    }
    if (rec->quality < 0) {
        return line_fail(s, rec, WY_EINVAL,
                         "a PDQ hash without a quality cannot meet the floor %d of bank %s",
                         s->info.min_quality, s->info.name);
    }
    return line_fail(s, rec, WY_EINVAL, "PDQ quality %d is below the floor %d of bank %s",
                     rec->quality, s->info.min_quality, s->info.name);
}

static enum wy_status grow(struct import_state *s)
{
    const size_t cap = s->cap != 0 ? s->cap * 2 : 256;
    size_t bytes = 0;
    if (wy__mul_overflow(cap, sizeof *s->fps, &bytes)) {
        return WY_ENOMEM;
    }
    struct wy_fingerprint *fps = wy__alloc(s->bank->ctx, bytes);
    if (fps == NULL) {
        return WY_ENOMEM;
    }
    /* A copy, not a realloc: the old block held plaintext fingerprints and is wiped first. */
    if (s->count != 0) {
        memcpy(fps, s->fps, s->count * sizeof *fps);
        wy__bank_wipe(s->fps, s->count * sizeof *fps);
    }
    wy__free(s->bank->ctx, s->fps);
    s->fps = fps;
    s->cap = cap;
    return WY_OK;
}

static enum wy_status import_record(void *user, const struct wy_list_record *rec)
{
    struct import_state *s = user;
    int64_t case_id = 0;
    enum wy_status st = resolve_case(s, rec, &case_id);
    if (st == WY_OK) {
        st = check_quality(s, rec);
    }
    if (st == WY_OK && s->count == s->cap) {
        st = grow(s);
        if (st != WY_OK) {
            wy__diag_set(s->diag, -1, 0, "out of memory at line %zu", rec->line);
        }
    }
    if (st != WY_OK) {
        return st;
    }
    struct wy_fingerprint *fp = &s->fps[s->count++];
    memset(fp, 0, sizeof *fp);
    fp->kind = rec->kind;
    memcpy(fp->value, rec->value, sizeof fp->value);
    fp->quality =
        rec->quality < 0 && rec->kind != WY_FP_MD5 && rec->kind != WY_FP_SHA256 ? 0 : rec->quality;
    fp->case_id = case_id;
    fp->bank_id = s->bank_id;
    fp->frame_ms = rec->frame_ms;
    fp->frame_end_ms = rec->frame_end_ms;
    fp->media_id = rec->media; /* a grouping tag: consecutive lines with one value are one item */
    memcpy(fp->source, rec->source, sizeof fp->source);
    return WY_OK;
}

/* The default case, when given, must be an open or closed case of this bank. */
static enum wy_status check_default_case(struct import_state *s)
{
    if (s->default_case_id == 0) {
        return WY_OK;
    }
    struct wy_case_info info;
    const enum wy_status st = wy_bank_case_get(s->bank, s->default_case_id, &info);
    if (st != WY_OK) {
        return wy__fail(s->diag, st, "no case with id %lld", (long long)s->default_case_id);
    }
    if (info.bank_id != s->bank_id) {
        return wy__fail(s->diag, WY_EINVAL, "case %s belongs to another bank", info.ref);
    }
    if (info.status == WY_CASE_WITHDRAWN) {
        return wy__fail(s->diag, WY_EINVAL, "case %s is withdrawn", info.ref);
    }
    return WY_OK;
}

enum wy_status wy_bank_import(struct wy_bank *bank, int64_t bank_id, int64_t default_case_id,
                              struct wy_bytes data, enum wy_list_format format, size_t *imported,
                              struct wy_diag *diag)
{
    wy_diag_clear(diag);
    if (imported != NULL) {
        *imported = 0;
    }
    struct import_state s = {
        .bank = bank, .bank_id = bank_id, .default_case_id = default_case_id, .diag = diag};
    enum wy_status st = wy_bank_bank_get(bank, bank_id, &s.info);
    if (st != WY_OK) {
        return wy__fail(diag, st, "no bank with id %lld", (long long)bank_id);
    }
    st = check_default_case(&s);
    if (st == WY_OK) {
        st = wy_codec_list_parse(bank->ctx, data, format, WY_BANK_IMPORT_MAX_RECORDS, import_record,
                                 &s, diag);
    }
    if (st == WY_OK && s.count != 0) {
        st = wy_bank_fp_add(bank, s.fps, s.count, diag);
    }
    if (st == WY_OK && imported != NULL) {
        *imported = s.count;
    }
    if (s.fps != NULL) {
        wy__bank_wipe(s.fps, s.count * sizeof *s.fps);
        wy__free(bank->ctx, s.fps);
    }
    return st;
}

/* ---- export ---- */

/* A case id and its reference, for JSON lines. */
struct case_ref {
    int64_t id;
    char ref[WY_CASE_REF_BYTES];
};

struct export_state {
    struct wy_bank *bank;
    enum wy_list_format format;
    wy_list_line_fn write;
    void *user;
    enum wy_status st;
    struct case_ref *cases; /* sorted by id after the first pass */
    size_t ncases;
    size_t cap;
};

/* First pass: remembers each case id once (ids arrive grouped, rarely interleaved). */
static bool collect_case(void *user, const struct wy_fingerprint *fp)
{
    struct export_state *e = user;
    if (e->ncases != 0 && e->cases[e->ncases - 1].id == fp->case_id) {
        return true;
    }
    if (e->ncases == e->cap) {
        const size_t cap = e->cap != 0 ? e->cap * 2 : 64;
        size_t bytes = 0;
        struct case_ref *grown = NULL;
        if (!wy__mul_overflow(cap, sizeof *grown, &bytes)) {
            grown = wy__realloc(e->bank->ctx, e->cases, bytes);
        }
        if (grown == NULL) {
            e->st = WY_ENOMEM;
            return false;
        }
        e->cases = grown;
        e->cap = cap;
    }
    e->cases[e->ncases++] = (struct case_ref){.id = fp->case_id};
    return true;
}

static int case_cmp(const void *a, const void *b)
{
    const int64_t x = ((const struct case_ref *)a)->id;
    const int64_t y = ((const struct case_ref *)b)->id;
    return (x > y) - (x < y);
}

/* Sorts and de-duplicates the case ids, then reads each case's reference. */
static enum wy_status resolve_refs(struct export_state *e)
{
    if (e->ncases == 0) {
        return WY_OK;
    }
    qsort(e->cases, e->ncases, sizeof *e->cases, case_cmp);
    size_t n = 1;
    for (size_t i = 1; i < e->ncases; i++) {
        if (e->cases[i].id != e->cases[n - 1].id) {
            e->cases[n++] = e->cases[i];
        }
    }
    e->ncases = n;
    for (size_t i = 0; i < n; i++) {
        struct wy_case_info info;
        const enum wy_status st = wy_bank_case_get(e->bank, e->cases[i].id, &info);
        if (st != WY_OK) {
            return st;
        }
        memcpy(e->cases[i].ref, info.ref, sizeof e->cases[i].ref);
    }
    return WY_OK;
}

static const char *case_ref_of(const struct export_state *e, int64_t id)
{
    const struct case_ref key = {.id = id};
    const struct case_ref *hit = bsearch(&key, e->cases, e->ncases, sizeof *e->cases, case_cmp);
    return hit != NULL ? hit->ref : "";
}

/* Second pass: one line per fingerprint. */
static bool write_fp(void *user, const struct wy_fingerprint *fp)
{
    struct export_state *e = user;
    struct wy_list_record rec;
    wy_list_record_init(&rec);
    rec.kind = fp->kind;
    memcpy(rec.value, fp->value, sizeof rec.value);
    rec.quality = fp->quality;
    rec.frame_ms = fp->frame_ms;
    rec.frame_end_ms = fp->frame_end_ms;
    if (e->format == WY_LIST_JSONL) {
        rec.media = fp->media_id;
        snprintf(rec.case_ref, sizeof rec.case_ref, "%s", case_ref_of(e, fp->case_id));
        memcpy(rec.source, fp->source, sizeof rec.source);
        rec.source[sizeof rec.source - 1] = '\0';
    }
    char *line = NULL;
    size_t len = 0;
    e->st = wy_codec_list_line(e->bank->ctx, &rec, e->format, &line, &len);
    wy__bank_wipe(&rec, sizeof rec);
    if (e->st == WY_OK) {
        e->st = e->write(e->user, line, len);
        wy__bank_wipe(line, len);
        wy__free(e->bank->ctx, line);
    }
    return e->st == WY_OK;
}

/* Runs `fn` over every kind the format holds; stops at the first failure. */
static enum wy_status scan_kinds(struct export_state *e, int64_t bank_id, wy_fingerprint_fn fn)
{
    static const enum wy_fp_kind all[] = {WY_FP_PDQ, WY_FP_VIDEO_PDQ, WY_FP_MD5, WY_FP_SHA256};
    const enum wy_fp_kind *kinds = all;
    size_t nkinds = sizeof all / sizeof all[0];
    if (e->format != WY_LIST_JSONL) {
        kinds = e->format == WY_LIST_TE_PDQ ? &all[0] : &all[2];
        nkinds = 1;
    }
    for (size_t i = 0; i < nkinds && e->st == WY_OK; i++) {
        const enum wy_status st = wy_bank_fp_scan(e->bank, kinds[i], bank_id, fn, e);
        if (e->st == WY_OK) {
            e->st = st;
        }
    }
    return e->st;
}

enum wy_status wy_bank_export(struct wy_bank *bank, int64_t bank_id, enum wy_list_format format,
                              wy_list_line_fn write, void *user)
{
    if (format != WY_LIST_TE_PDQ && format != WY_LIST_MD5 && format != WY_LIST_JSONL) {
        return WY_EINVAL;
    }
    struct wy_bank_info info;
    enum wy_status st = wy_bank_bank_get(bank, bank_id, &info);
    if (st != WY_OK) {
        return st;
    }
    struct export_state e = {.bank = bank, .format = format, .write = write, .user = user};
    /* Case references are read between the passes: a scan callback may not call the store. */
    if (format == WY_LIST_JSONL) {
        st = scan_kinds(&e, bank_id, collect_case);
        if (st == WY_OK) {
            st = resolve_refs(&e);
        }
    }
    if (st == WY_OK) {
        st = scan_kinds(&e, bank_id, write_fp);
    }
    wy__free(bank->ctx, e.cases);
    return st;
}
