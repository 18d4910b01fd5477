/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_store.c: how long a matcher takes to start from the store and to catch up with changes.
 * Registers N random PDQ fingerprints (1000 cases, batches of 100,000 per transaction) in a new
 * store, then times:
 *   register   wy_bank_fp_add, per fingerprint (sealing, blind index, SQLite, change feed)
 *   scan       wy_bank_fp_scan_values alone: the store's part of a load (SQLite, decryption)
 *   load       wy_matcher_new: scan, decrypt and index every active fingerprint
 *   sync       wy_matcher_sync after 1,000 new fingerprints and one withdrawn case
 * One JSON line per phase on stdout.
 *
 * usage: bench_store [N] [DIR] [auto|flat|mih] [LOADS] [SCANS]   (default 1000000 fingerprints
 *        in $TMPDIR or /tmp, the matcher's default index (auto: flat until its searches pay for
 *        tables), one load, one scan; mih builds the tables at load; LOADS and SCANS repeat
 *        those phases, LOADS 0 stops after the scans)
 *
 * With BENCH_STORE_KEEP set, the store is DIR/bench_store_N.db and its key DIR/bench_store_N.key,
 * both kept: a later run with the same N and DIR opens them and skips the registration. The sync
 * phase still adds 1,000 fingerprints per run (withdrawing case 0 and then re-opening it), so a
 * kept store grows by 0.1% a run at 10^6.
 */
#include "wy_setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core_int.h"
#include "withyou/withyou.h"

#define CASES 1000
#define BATCH 100000

static double now_s(void)
{
    return (double)wy__now_ns() * 1e-9;
}

static uint64_t next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void fill(struct wy_fingerprint *fp, uint64_t *rng, int64_t case_id)
{
    memset(fp, 0, sizeof *fp);
    fp->kind = WY_FP_PDQ;
    for (size_t i = 0; i < WY_PDQ_BYTES; i += 8) {
        const uint64_t r = next(rng);
        memcpy(fp->value + i, &r, 8);
    }
    fp->quality = 90;
    fp->case_id = case_id;
    fp->frame_ms = -1;
    fp->frame_end_ms = -1;
    /* A label as a survivor's device would give (encrypted like the value). */
    snprintf(fp->source, sizeof fp->source, "IMG_2024%04u_%06u.jpg", (unsigned)(next(rng) % 10000),
             (unsigned)(next(rng) % 1000000));
}

static bool count_fp(void *user, const struct wy_fingerprint *fp)
{
    (void)fp;
    ++*(size_t *)user;
    return true;
}

static int fail(const char *what, enum wy_status st, const struct wy_diag *diag)
{
    fprintf(stderr, "bench_store: %s: %s %s\n", what, wy_strerror(st), diag ? diag->msg : "");
    return 1;
}

/* A new store with N fingerprints (or, kept from an earlier run, the same store opened again). */
static int setup(size_t n, const char *dir, struct wy_ctx *ctx, struct wy_bank **bank,
                 int64_t cases[CASES], char *path, size_t path_len)
{
    const bool keep = getenv("BENCH_STORE_KEEP") != NULL;
    char key_path[520];
    if (keep) {
        snprintf(path, path_len, "%s/bench_store_%zu.db", dir, n);
        snprintf(key_path, sizeof key_path, "%s/bench_store_%zu.key", dir, n);
    } else {
        snprintf(path, path_len, "%s/bench_store_%ld.db", dir, (long)getpid());
    }
    struct wy_bank_key key;
    struct wy_diag diag = {0};
    if (keep && access(path, F_OK) == 0) {
        enum wy_status st = wy_bank_key_load(key_path, &key, &diag);
        if (st == WY_OK) {
            st = wy_bank_open(ctx, path, &key, &diag, bank);
        }
        for (int c = 0; st == WY_OK && c < CASES; c++) {
            char ref[32];
            struct wy_case_info info;
            snprintf(ref, sizeof ref, "B-%04d", c);
            st = wy_bank_case_find(*bank, ref, &info);
            cases[c] = st == WY_OK ? info.id : 0;
        }
        fprintf(stderr, "bench_store: reusing %s\n", path);
        return st == WY_OK ? 0 : fail("reopen", st, &diag);
    }
    enum wy_status st = wy_bank_key_generate(&key);
    if (st == WY_OK && keep) {
        st = wy_bank_key_save(key_path, &key, &diag);
    }
    if (st == WY_OK) {
        st = wy_bank_create(ctx, path, &key, &diag, bank);
    }
    int64_t bank_id = 0;
    if (st != WY_OK || wy_bank_bank_create(*bank, "main", 31, 0, &bank_id, &diag) != WY_OK) {
        return fail("create", st, &diag);
    }
    for (int c = 0; c < CASES; c++) {
        char ref[32];
        struct wy_case_info info;
        snprintf(ref, sizeof ref, "B-%04d", c);
        if (wy_bank_case_new(*bank, bank_id, ref, &info, &diag) != WY_OK) {
            return fail("case", WY_EIO, &diag);
        }
        cases[c] = info.id;
    }
    struct wy_fingerprint *fps = calloc(BATCH, sizeof *fps);
    uint64_t rng = 0x9e3779b97f4a7c15u;
    const double t0 = now_s();
    for (size_t done = 0; done < n;) {
        const size_t count = n - done < BATCH ? n - done : BATCH;
        for (size_t i = 0; i < count; i++) {
            fill(&fps[i], &rng, cases[(done + i) * CASES / n]); /* one case after another */
        }
        st = wy_bank_fp_add(*bank, fps, count, &diag);
        if (st != WY_OK) {
            return fail("register", st, &diag);
        }
        done += count;
    }
    free(fps);
    const double reg = now_s() - t0;
    printf("{\"phase\":\"register\",\"fingerprints\":%zu,\"seconds\":%.2f,\"us_each\":%.2f}\n", n,
           reg, reg * 1e6 / (double)n);
    return 0;
}

int main(int argc, char **argv)
{
    const size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
    const char *dir = argc > 2 ? argv[2] : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    char path[512];
    struct wy_ctx *ctx = NULL;
    struct wy_bank *bank = NULL;
    struct wy_diag diag = {0};
    enum wy_status st = wy_ctx_new(NULL, &ctx);
    if (st != WY_OK) {
        return fail("context", st, NULL);
    }
    int64_t cases[CASES];
    if (setup(n, dir, ctx, &bank, cases, path, sizeof path) != 0) {
        return 1;
    }
    uint64_t rng = 0x9e3779b97f4a7c15u ^ (uint64_t)wy__now_ns();
    double t0 = 0;

    struct wy_matcher_opts mopts;
    wy_matcher_opts_init(&mopts);
    if (argc > 3 && strcmp(argv[3], "flat") == 0) {
        mopts.index_kind = WY_INDEX_FLAT;
    } else if (argc > 3 && strcmp(argv[3], "mih") == 0) {
        mopts.index_kind = WY_INDEX_MIH;
    }
    /* The store's share of a load: the scan and its decryption alone (argv[5] times). */
    const int scans = argc > 5 ? atoi(argv[5]) : 1;
    for (int rep = 0; rep < scans; rep++) {
        size_t scanned = 0;
        t0 = now_s();
        st = wy_bank_fp_scan_values(bank, WY_FP_PDQ, 0, count_fp, &scanned);
        const double scan = now_s() - t0;
        if (st != WY_OK) {
            return fail("scan", st, NULL);
        }
        printf("{\"phase\":\"scan\",\"fingerprints\":%zu,\"seconds\":%.3f,"
               "\"s_per_million\":%.3f}\n",
               scanned, scan, scan * 1e6 / (double)n);
    }

    /* Loads are repeated (argv[4], default 1) to time them apart from the registration; 0 stops
     * after the scans. */
    const int loads = argc > 4 ? atoi(argv[4]) : 1;
    if (loads <= 0) {
        wy_bank_close(bank);
        wy_ctx_free(ctx);
        return 0;
    }
    struct wy_matcher *m = NULL;
    for (int rep = 0; rep < loads; rep++) {
        wy_matcher_free(m);
        m = NULL;
        t0 = now_s();
        st = wy_matcher_new(ctx, bank, &mopts, &m, &diag);
        const double load = now_s() - t0;
        if (st != WY_OK) {
            return fail("load", st, &diag);
        }
        printf("{\"phase\":\"load\",\"index\":\"%s\",\"fingerprints\":%zu,\"seconds\":%.3f,"
               "\"s_per_million\":%.3f}\n",
               mopts.index_kind == WY_INDEX_FLAT  ? "flat"
               : mopts.index_kind == WY_INDEX_MIH ? "mih"
                                                  : "auto",
               wy_matcher_size(m), load, load * 1e6 / (double)n);
    }

    struct wy_fingerprint *fps = calloc(1000, sizeof *fps);
    for (size_t i = 0; i < 1000; i++) {
        fill(&fps[i], &rng, cases[i % CASES]);
    }
    if (wy_bank_fp_add(bank, fps, 1000, &diag) != WY_OK ||
        wy_bank_case_set_status(bank, cases[0], WY_CASE_WITHDRAWN) != WY_OK) {
        return fail("changes", WY_EIO, &diag);
    }
    t0 = now_s();
    st = wy_matcher_sync(m);
    const double sync = now_s() - t0;
    if (st != WY_OK) {
        return fail("sync", st, NULL);
    }
    printf("{\"phase\":\"sync\",\"added\":1000,\"withdrawn\":%zu,\"seconds\":%.3f,"
           "\"fingerprints\":%zu}\n",
           n / CASES + 1, sync, wy_matcher_size(m));
    if (wy_bank_case_set_status(bank, cases[0], WY_CASE_OPEN) != WY_OK) {
        return fail("re-open", WY_EIO, NULL);
    }
    wy_matcher_free(m);
    wy_bank_close(bank);
    free(fps);
    wy_ctx_free(ctx);
    if (getenv("BENCH_STORE_KEEP") != NULL) {
        fprintf(stderr, "bench_store: kept %s and its key\n", path);
        return 0;
    }
    char side[600];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    return 0;
}
