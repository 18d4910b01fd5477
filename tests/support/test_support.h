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

#endif /* WY_TESTS_TEST_SUPPORT_H */

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
