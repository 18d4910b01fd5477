/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_support.h: helpers shared by the cmocka unit tests.
 *
 * The checking allocator counts live blocks so that every test can assert it leaked nothing, and
 * can fail the Nth allocation so that every WY_ENOMEM path is walked (see tsup_oom_sweep()).
 * Paths into ../shared come from WY_SHARED_DIR; a missing shared folder FAILS the test, never
 * skips it.
 */
#ifndef WY_TESTS_TEST_SUPPORT_H
#define WY_TESTS_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cmocka.h>

#include "withyou/withyou.h"

struct tsup_alloc {
    size_t live_blocks;
    size_t total_allocs;
    long fail_at; /* fail the allocation with this 1-based number; 0: never */
};

/* A context using the checking allocator `a` (reset by this call). */
struct wy_ctx *tsup_ctx_new(struct tsup_alloc *a);

/* Frees the context and fails the test if any block is still live. */
void tsup_ctx_free_checked(struct wy_ctx *ctx, struct tsup_alloc *a);

/* cmocka group setup/teardown that put a checked context in *state. */
int tsup_setup_ctx(void **state);
int tsup_teardown_ctx(void **state);
struct wy_ctx *tsup_state_ctx(void **state);

/* Absolute path of a file under WY_SHARED_DIR (static buffer, overwritten by the next call).
 * Fails the test when the shared folder is missing. */
const char *tsup_shared(const char *relative);

/* Reads a whole file with plain malloc (free with free()); fails the test on error. */
uint8_t *tsup_read_file(const char *path, size_t *len);

/*
 * Runs fn(ctx, user) with allocation k failing, for k = 1, 2, ... until a run makes no failing
 * allocation. Each run must return either WY_OK or WY_ENOMEM and leak nothing.
 */
void tsup_oom_sweep(enum wy_status (*fn)(struct wy_ctx *ctx, void *user), void *user);

/* Deterministic pseudo-random numbers (xorshift64*). */
uint64_t tsup_rand(uint64_t *state);

/* One row of ../shared/corpus: MANIFEST.tsv joined with reference-pdq.tsv. */
struct tsup_corpus_row {
    char path[128];    /* relative to corpus/ */
    char original[16]; /* "0001".. or "distractor" (videos are skipped) */
    char family[32];
    struct wy_pdq_hash ref; /* the reference's hash */
    int ref_quality;
    struct wy_pdq_hash ref_dih[WY_DIH_COUNT]; /* originals only */
    bool has_ref;
};

/* Loads every image row of the corpus (videos excluded); free() the array. */
struct tsup_corpus_row *tsup_corpus_load(size_t *count);

/* Hashes corpus/<path> with the given hasher options; fails the test on error. */
void tsup_corpus_hash(struct wy_hasher *hasher, const char *path, struct wy_hash_record *rec);

/*
 * ---- decoder tests (tests/unit/test_decode*.c) ----
 *
 * The assertions below are lower-case macros, like cmocka's own: each passes its caller's
 * __FILE__ and __LINE__ to a tsup__ function, so a failure names the line of the test and prints
 * both operands. Call the macros, never the tsup__ functions.
 */

/* An EXIF block (big-endian TIFF) holding one IFD entry: Orientation = 6 (rotate 90 CW). */
extern const uint8_t tsup_exif_orient6[26];

/* wy_decode_memory() over the bytes data[0..len). */
enum wy_status tsup_decode(struct wy_ctx *ctx, const uint8_t *data, size_t len,
                           const struct wy_decode_opts *opts, struct wy_image **img,
                           struct wy_decode_info *info, struct wy_diag *diag);

/* decode.c's compositing rule, restated: c * a + bg * (255 - a), rounded. */
unsigned tsup_over(unsigned c, unsigned a, unsigned bg);

/* Asserts the three samples at px are (r, g, b). */
#define tsup_assert_px(px, r, g, b) tsup__assert_px((px), (r), (g), (b), __FILE__, __LINE__)
void tsup__assert_px(const uint8_t *px, unsigned r, unsigned g, unsigned b, const char *file,
                     int line);

/* The samples of pixel (x, y) of img, after asserting that img is WY_PIX_RGB8. */
#define tsup_rgb_px(img, x, y) tsup__rgb_px((img), (x), (y), __FILE__, __LINE__)
const uint8_t *tsup__rgb_px(const struct wy_image *img, uint32_t x, uint32_t y, const char *file,
                            int line);

/* Asserts that img is WY_PIX_RGB8 and that its pixel (x, y) is (r, g, b). */
#define tsup_assert_rgb(img, x, y, r, g, b) tsup_assert_px(tsup_rgb_px(img, x, y), r, g, b)

/*
 * Frames kept by tsup_keep_frame, the callback of wy_decode_frames (copied with malloc: not the
 * checked path). The callback asserts that frames come in order and as WY_PIX_RGB8; it keeps the
 * first TSUP_FRAMES_KEPT and counts them all. Release with tsup_frames_free().
 */
#define TSUP_FRAMES_KEPT 8
struct tsup_frames {
    uint32_t count;
    uint32_t stop_after; /* 0: never stop */
    uint64_t pts_ms[TSUP_FRAMES_KEPT];
    uint8_t *rgb[TSUP_FRAMES_KEPT];
    uint32_t width_px;
};

bool tsup_keep_frame(void *user, const struct wy_image *img, uint32_t index, uint64_t pts_ms);
void tsup_frames_free(struct tsup_frames *f);

/* The samples of pixel (x, y) of kept frame i. */
const uint8_t *tsup_frame_px(const struct tsup_frames *f, uint32_t i, uint32_t x, uint32_t y);

/* One decode of bytes, as run by tsup_decode_once(). */
struct tsup_decode_case {
    const uint8_t *data;
    size_t len;
    const struct wy_decode_opts *opts; /* NULL: the defaults */
    bool frames; /* every frame through wy_decode_frames, not wy_decode_memory's first */
};

/* A tsup_oom_sweep() callback: decodes the struct tsup_decode_case at user once, frees what it
 * made and returns the status. */
enum wy_status tsup_decode_once(struct wy_ctx *ctx, void *user);

/* As an expected status: any error (any status but WY_OK). */
#define TSUP_ANY_ERROR ((enum wy_status)1)

/*
 * Decodes data (frames: with wy_decode_frames and tsup_keep_frame) and asserts that the status is
 * want (or any error, for TSUP_ANY_ERROR), that no image came out, and, unless prefix is NULL,
 * that the diagnostic starts with prefix, in any case ("PNG: "; decode.c names the format in
 * lower case, the backends in upper case). Leaks show at the context's checked free.
 */
#define tsup_expect_status(ctx, data, opts, frames, want, prefix)                                  \
    tsup__expect_status((ctx), (data), (opts), (frames), (want), (prefix), __FILE__, __LINE__)
void tsup__expect_status(struct wy_ctx *ctx, struct wy_bytes data,
                         const struct wy_decode_opts *opts, bool frames, enum wy_status want,
                         const char *prefix, const char *file, int line);

/* tsup_expect_status(ctx, data[0..n), NULL, false, want, prefix) for every n in [from, to). */
#define tsup_expect_prefixes(ctx, data, from, to, want, prefix)                                    \
    tsup__expect_prefixes((ctx), (data), (from), (to), (want), (prefix), __FILE__, __LINE__)
void tsup__expect_prefixes(struct wy_ctx *ctx, const uint8_t *data, size_t from, size_t to,
                           enum wy_status want, const char *prefix, const char *file, int line);

/*
 * Decodes data with a fresh checked context and asserts WY_ETOOBIG (with prefix as in
 * tsup_expect_status) refused from the header alone: at most max_allocs allocations (0: none, or
 * a backend's small state block) and no leak.
 */
#define tsup_expect_too_big(data, opts, prefix, max_allocs)                                        \
    tsup__expect_too_big((data), (opts), (prefix), (max_allocs), __FILE__, __LINE__)
void tsup__expect_too_big(struct wy_bytes data, const struct wy_decode_opts *opts,
                          const char *prefix, size_t max_allocs, const char *file, int line);

/* A naive model of an index's contents for property tests: parallel arrays (plain malloc). */
struct tsup_hashset {
    struct wy_pdq_hash *hashes;
    uint64_t *ids;
    size_t size;
    size_t cap;
};

void tsup_hashset_add(struct tsup_hashset *m, const struct wy_pdq_hash *h, uint64_t id);

/* Removes entry i by moving the last entry into its place, as the index does. */
void tsup_hashset_remove_at(struct tsup_hashset *m, size_t i);
void tsup_hashset_free(struct tsup_hashset *m);

/* A uniformly random hash from tsup_rand. */
void tsup_random_hash(uint64_t *rng, struct wy_pdq_hash *h);

/* A store in a fresh temporary folder, with a new key (removed by tsup_store_fini). */
struct tsup_store {
    char dir[128];
    char path[192];
    struct wy_bank_key key;
};
void tsup_store_init(struct tsup_store *s);
void tsup_store_fini(struct tsup_store *s);
struct wy_bank *tsup_store_create(struct wy_ctx *ctx, const struct tsup_store *s);

/* A fingerprint of `kind` whose value is drawn from `seed` (the same seed, the same value), in
 * case `case_id`, with no label; quality 90 and frame time 1.5 s where the kind has them. */
struct wy_fingerprint tsup_make_fp(enum wy_fp_kind kind, uint64_t seed, int64_t case_id);

/* Runs SQL on the store file through a connection of its own, as another program would (to
 * forge or inspect what the API cannot); fails the test on an SQL error. */
void tsup_store_sql(const char *path, const char *sql);

/* Fails the test unless SQLite's integrity_check of the file says "ok". */
void tsup_store_integrity_ok(const char *path);

/* Waits (at most 2 minutes) until the file at `path` (a store's -wal) holds `bytes`, with the
 * child `pid` still running, then kills it with SIGKILL and reaps it: a crash in the middle of
 * its transaction. */
void tsup_kill_when_grown(pid_t pid, const char *path, off_t bytes);

#endif /* WY_TESTS_TEST_SUPPORT_H */
