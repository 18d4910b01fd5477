/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_support.c: the checking allocator, file helpers and decoder checks of the unit tests.
 */
#include "wy_setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_support.h"

/* Each block carries its size in a header so realloc can be checked too. */
static void *check_alloc(void *opaque, size_t size)
{
    struct tsup_alloc *a = opaque;
    a->total_allocs++;
    if (a->fail_at > 0 && (long)a->total_allocs == a->fail_at) {
        return NULL;
    }
    void *p = malloc(size);
    if (p != NULL) {
        a->live_blocks++;
    }
    return p;
}

static void *check_realloc(void *opaque, void *ptr, size_t size)
{
    struct tsup_alloc *a = opaque;
    if (ptr == NULL) {
        return check_alloc(opaque, size);
    }
    a->total_allocs++;
    if (a->fail_at > 0 && (long)a->total_allocs == a->fail_at) {
        return NULL;
    }
    return realloc(ptr, size);
}

static void check_free(void *opaque, void *ptr)
{
    struct tsup_alloc *a = opaque;
    if (ptr != NULL) {
        assert_true(a->live_blocks > 0);
        a->live_blocks--;
        free(ptr);
    }
}

struct wy_ctx *tsup_ctx_new(struct tsup_alloc *a)
{
    memset(a, 0, sizeof *a);
    const struct wy_allocator alloc = {check_alloc, check_realloc, check_free, a};
    struct wy_ctx *ctx = NULL;
    assert_int_equal(wy_ctx_new(&alloc, &ctx), WY_OK);
    return ctx;
}

void tsup_ctx_free_checked(struct wy_ctx *ctx, struct tsup_alloc *a)
{
    wy_ctx_free(ctx);
    assert_int_equal(a->live_blocks, 0);
}

struct ctx_state {
    struct tsup_alloc alloc;
    struct wy_ctx *ctx;
};

int tsup_setup_ctx(void **state)
{
    struct ctx_state *s = calloc(1, sizeof *s);
    s->ctx = tsup_ctx_new(&s->alloc);
    *state = s;
    return 0;
}

int tsup_teardown_ctx(void **state)
{
    struct ctx_state *s = *state;
    tsup_ctx_free_checked(s->ctx, &s->alloc);
    free(s);
    return 0;
}

struct wy_ctx *tsup_state_ctx(void **state)
{
    return ((struct ctx_state *)*state)->ctx;
}

const char *tsup_shared(const char *relative)
{
    static char path[4096];
    struct stat sb;
    if (stat(WY_SHARED_DIR, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        fail_msg("shared data folder %s is missing: these tests need ../shared", WY_SHARED_DIR);
    }
    snprintf(path, sizeof path, "%s/%s", WY_SHARED_DIR, relative);
    return path;
}

uint8_t *tsup_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("cannot open %s", path);
    }
    fseek(f, 0, SEEK_END);
    const long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

void tsup_oom_sweep(enum wy_status (*fn)(struct wy_ctx *ctx, void *user), void *user)
{
    for (long k = 1;; k++) {
        struct tsup_alloc a;
        struct wy_ctx *ctx = tsup_ctx_new(&a);
        a.total_allocs = 0;
        a.fail_at = k;
        const enum wy_status st = fn(ctx, user);
        const size_t made = a.total_allocs;
        if (st != WY_OK && st != WY_ENOMEM) {
            fail_msg("allocation %ld failing gave %s, expected OK or ENOMEM", k,
                     wy_status_name(st));
        }
        a.fail_at = 0;
        tsup_ctx_free_checked(ctx, &a);
        if ((long)made < k) {
            assert_int_equal(st, WY_OK);
            return; /* this run never reached allocation k: every path has been walked */
        }
    }
}

uint64_t tsup_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static struct tsup_corpus_row *find_row(struct tsup_corpus_row *rows, size_t n, const char *path)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(rows[i].path, path) == 0) {
            return &rows[i];
        }
    }
    return NULL;
}

static void load_reference(struct tsup_corpus_row *rows, size_t n)
{
    FILE *f = fopen(tsup_shared("corpus/reference-pdq.tsv"), "r");
    assert_non_null(f);
    char line[1024];
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        char *fields[4] = {line, NULL, NULL, NULL};
        for (int k = 1; k < 4; k++) {
            char *tab = fields[k - 1] ? strchr(fields[k - 1], '\t') : NULL;
            if (tab != NULL) {
                *tab = '\0';
                fields[k] = tab + 1;
            }
        }
        struct tsup_corpus_row *row = find_row(rows, n, fields[0]);
        if (row == NULL || fields[1] == NULL || fields[2] == NULL) {
            continue;
        }
        assert_int_equal(wy_pdq_from_hex(fields[1], strlen(fields[1]), &row->ref), WY_OK);
        row->ref_quality = atoi(fields[2]);
        row->has_ref = true;
        if (fields[3] != NULL && strlen(fields[3]) == 8 * 64 + 7) {
            for (int d = 0; d < WY_DIH_COUNT; d++) {
                assert_int_equal(wy_pdq_from_hex(fields[3] + d * 65, 64, &row->ref_dih[d]), WY_OK);
            }
        }
    }
    fclose(f);
}

struct tsup_corpus_row *tsup_corpus_load(size_t *count)
{
    FILE *f = fopen(tsup_shared("corpus/MANIFEST.tsv"), "r");
    assert_non_null(f);
    struct tsup_corpus_row *rows = calloc(1024, sizeof *rows);
    size_t n = 0;
    char line[4096];
    while (fgets(line, sizeof line, f) != NULL && n < 1024) {
        char path[128];
        char orig[16];
        char family[32];
        if (sscanf(line, "%127[^\t]\t%15[^\t]\t%31[^\t]", path, orig, family) != 3 ||
            strcmp(path, "file") == 0 || strncmp(path, "video/", 6) == 0) {
            continue;
        }
        snprintf(rows[n].path, sizeof rows[n].path, "%s", path);
        snprintf(rows[n].original, sizeof rows[n].original, "%s", orig);
        snprintf(rows[n].family, sizeof rows[n].family, "%s", family);
        n++;
    }
    fclose(f);
    load_reference(rows, n);
    *count = n;
    return rows;
}

void tsup_corpus_hash(struct wy_hasher *hasher, const char *path, struct wy_hash_record *rec)
{
    char rel[256];
    snprintf(rel, sizeof rel, "corpus/%s", path);
    struct wy_diag diag;
    const enum wy_status st = wy_hasher_hash_file(hasher, tsup_shared(rel), rec, &diag);
    if (st != WY_OK) {
        fail_msg("%s: %s (%s)", path, wy_strerror(st), diag.msg);
    }
}

/* ---- decoder tests ---- */

const uint8_t tsup_exif_orient6[26] = {
    'M',  'M',  0, 42, 0, 0, 0, 8,             /* header, IFD at 8 */
    0,    1,                                   /* one entry */
    0x01, 0x12, 0, 3,  0, 0, 0, 1, 0, 6, 0, 0, /* 0x0112 SHORT x1 = 6 */
    0,    0,    0, 0,                          /* no next IFD */
};

enum wy_status tsup_decode(struct wy_ctx *ctx, const uint8_t *data, size_t len,
                           const struct wy_decode_opts *opts, struct wy_image **img,
                           struct wy_decode_info *info, struct wy_diag *diag)
{
    return wy_decode_memory(ctx, (struct wy_bytes){data, len}, opts, img, info, diag);
}

unsigned tsup_over(unsigned c, unsigned a, unsigned bg)
{
    return (c * a + bg * (255u - a) + 127u) / 255u;
}

void tsup__assert_px(const uint8_t *px, unsigned r, unsigned g, unsigned b, const char *file,
                     int line)
{
    _assert_int_equal(px[0], r, file, line);
    _assert_int_equal(px[1], g, file, line);
    _assert_int_equal(px[2], b, file, line);
}

const uint8_t *tsup__rgb_px(const struct wy_image *img, uint32_t x, uint32_t y, const char *file,
                            int line)
{
    _assert_int_equal(img->format, WY_PIX_RGB8, file, line);
    return wy_image_row(img, y) + (size_t)x * 3;
}

bool tsup_keep_frame(void *user, const struct wy_image *img, uint32_t index, uint64_t pts_ms)
{
    struct tsup_frames *f = user;
    assert_int_equal(index, f->count);
    assert_int_equal(img->format, WY_PIX_RGB8);
    if (f->count < TSUP_FRAMES_KEPT) {
        const size_t row = (size_t)img->width_px * 3;
        f->rgb[f->count] = malloc(row * img->height_px);
        for (uint32_t y = 0; y < img->height_px; y++) {
            memcpy(f->rgb[f->count] + y * row, wy_image_row(img, y), row);
        }
        f->pts_ms[f->count] = pts_ms;
        f->width_px = img->width_px;
    }
    f->count++;
    return f->stop_after == 0 || f->count < f->stop_after;
}

void tsup_frames_free(struct tsup_frames *f)
{
    for (uint32_t i = 0; i < f->count && i < TSUP_FRAMES_KEPT; i++) {
        free(f->rgb[i]);
    }
}

const uint8_t *tsup_frame_px(const struct tsup_frames *f, uint32_t i, uint32_t x, uint32_t y)
{
    return f->rgb[i] + ((size_t)y * f->width_px + x) * 3;
}

static bool drop_frame(void *user, const struct wy_image *img, uint32_t index, uint64_t pts_ms)
{
    (void)user;
    (void)img;
    (void)index;
    (void)pts_ms;
    return true;
}

enum wy_status tsup_decode_once(struct wy_ctx *ctx, void *user)
{
    const struct tsup_decode_case *c = user;
    const struct wy_bytes data = {c->data, c->len};
    if (c->frames) {
        return wy_decode_frames(ctx, data, c->opts, drop_frame, NULL, NULL, NULL);
    }
    struct wy_image *img = NULL;
    const enum wy_status st = wy_decode_memory(ctx, data, c->opts, &img, NULL, NULL);
    wy_image_free(ctx, img);
    return st;
}

/* Fails at the caller's line, printing printf-style detail first. */
WY_PRINTF(3, 4)
static void fail_at(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint_error(fmt, ap);
    va_end(ap);
    print_error("\n");
    _fail(file, line);
}

void tsup__expect_status(struct wy_ctx *ctx, struct wy_bytes data,
                         const struct wy_decode_opts *opts, bool frames, enum wy_status want,
                         const char *prefix, const char *file, int line)
{
    struct wy_image *img = NULL;
    struct wy_diag diag = {0};
    struct tsup_frames f = {0};
    const enum wy_status st =
        frames ? wy_decode_frames(ctx, data, opts, tsup_keep_frame, &f, NULL, &diag)
               : wy_decode_memory(ctx, data, opts, &img, NULL, &diag);
    tsup_frames_free(&f);
    const bool matches = want == TSUP_ANY_ERROR ? st != WY_OK : st == want;
    if (!matches) {
        wy_image_free(ctx, img);
        fail_at(file, line, "ERROR: %zu bytes: got %s (%s), expected %s", data.len,
                wy_status_name(st), diag.msg,
                want == TSUP_ANY_ERROR ? "an error" : wy_status_name(want));
    }
    _assert_true(!(cast_ptr_to_largest_integral_type(img)), "img", file, line);
    if (prefix != NULL && strncasecmp(diag.msg, prefix, strlen(prefix)) != 0) {
        fail_at(file, line, "ERROR: %zu bytes: message \"%s\" does not start with \"%s\"", data.len,
                diag.msg, prefix);
    }
}

void tsup__expect_prefixes(struct wy_ctx *ctx, const uint8_t *data, size_t from, size_t to,
                           enum wy_status want, const char *prefix, const char *file, int line)
{
    for (size_t n = from; n < to; n++) {
        tsup__expect_status(ctx, (struct wy_bytes){data, n}, NULL, false, want, prefix, file, line);
    }
}

void tsup__expect_too_big(struct wy_bytes data, const struct wy_decode_opts *opts,
                          const char *prefix, size_t max_allocs, const char *file, int line)
{
    struct tsup_alloc a;
    struct wy_ctx *ctx = tsup_ctx_new(&a);
    const size_t before = a.total_allocs;
    tsup__expect_status(ctx, data, opts, false, WY_ETOOBIG, prefix, file, line);
    if (a.total_allocs - before > max_allocs) {
        fail_at(file, line, "ERROR: %zu allocations before refusing, expected at most %zu",
                a.total_allocs - before, max_allocs);
    }
    tsup_ctx_free_checked(ctx, &a);
}

void tsup_hashset_add(struct tsup_hashset *m, const struct wy_pdq_hash *h, uint64_t id)
{
    if (m->size == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->hashes = realloc(m->hashes, m->cap * sizeof *m->hashes);
        m->ids = realloc(m->ids, m->cap * sizeof *m->ids);
        assert_non_null(m->hashes);
        assert_non_null(m->ids);
    }
    m->hashes[m->size] = *h;
    m->ids[m->size] = id;
    m->size++;
}

void tsup_hashset_remove_at(struct tsup_hashset *m, size_t i)
{
    assert_true(i < m->size);
    m->size--;
    m->hashes[i] = m->hashes[m->size];
    m->ids[i] = m->ids[m->size];
}

void tsup_hashset_free(struct tsup_hashset *m)
{
    free(m->hashes);
    free(m->ids);
    memset(m, 0, sizeof *m);
}

void tsup_random_hash(uint64_t *rng, struct wy_pdq_hash *h)
{
    for (size_t i = 0; i < WY_PDQ_BYTES; i += 8) {
        const uint64_t r = tsup_rand(rng);
        memcpy(h->bytes + i, &r, 8);
    }
}

void tsup_store_init(struct tsup_store *s)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(s->dir, sizeof s->dir, "%s/wy_store_XXXXXX", tmp != NULL ? tmp : "/tmp");
    assert_non_null(mkdtemp(s->dir));
    snprintf(s->path, sizeof s->path, "%s/store.db", s->dir);
    assert_int_equal(wy_bank_key_generate(&s->key), WY_OK);
}

void tsup_store_fini(struct tsup_store *s)
{
    DIR *d = opendir(s->dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            char p[512];
            snprintf(p, sizeof p, "%s/%s", s->dir, e->d_name);
            unlink(p);
        }
    }
    closedir(d);
    rmdir(s->dir);
}

struct wy_bank *tsup_store_create(struct wy_ctx *ctx, const struct tsup_store *s)
{
    struct wy_bank *bank = NULL;
    struct wy_diag diag;
    const enum wy_status st = wy_bank_create(ctx, s->path, &s->key, &diag, &bank);
    if (st != WY_OK) {
        fail_msg("create: %s: %s", wy_status_name(st), diag.msg);
    }
    return bank;
}

struct wy_fingerprint tsup_make_fp(enum wy_fp_kind kind, uint64_t seed, int64_t case_id)
{
    struct wy_fingerprint fp;
    memset(&fp, 0, sizeof fp);
    fp.kind = kind;
    fp.case_id = case_id;
    fp.quality = kind == WY_FP_PDQ || kind == WY_FP_VIDEO_PDQ ? 90 : -1;
    fp.frame_ms = kind == WY_FP_VIDEO_PDQ ? 1500 : -1;
    fp.frame_end_ms = -1;
    uint64_t s = seed * 0x9e3779b97f4a7c15u + 1;
    const size_t len = kind == WY_FP_MD5 ? 16 : 32;
    for (size_t i = 0; i < len; i++) {
        fp.value[i] = (uint8_t)tsup_rand(&s);
    }
    return fp;
}

void tsup_store_sql(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fail_msg("%s: %s", sql, err);
    }
    sqlite3_close(db);
}

void tsup_store_integrity_ok(const char *path)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "ok");
    sqlite3_finalize(s);
    sqlite3_close(db);
}

static off_t file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? sb.st_size : 0;
}

void tsup_kill_when_grown(pid_t pid, const char *path, off_t bytes)
{
    const time_t deadline = time(NULL) + 120;
    int status = 0;
    while (file_size(path) < bytes && time(NULL) < deadline) {
        assert_int_equal(waitpid(pid, &status, WNOHANG), 0); /* it must still be running */
        nanosleep(&(struct timespec){.tv_nsec = 2000000}, NULL);
    }
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGKILL);
}
