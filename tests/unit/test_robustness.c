/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_robustness.c: how PDQ as withyou computes it survives edits, per family of
 * ../shared/corpus. An altered copy counts as found when it lies within distance 31 of any of the
 * 8 dihedral hashes of its original. Each family must do at least as well as Meta's reference on
 * the same files (computed here from reference-pdq.tsv, less one image of slack), and no
 * distractor may come within 31 of any original. Crops, borders, captions, screenshots and small
 * rotations defeat PDQ alone; the table shows it and a later matcher goes beyond it.
 */
#include "wy_setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

struct family {
    char name[32];
    int total;
    int ours;
    int reference;
};

static int compare_families(const void *a, const void *b)
{
    return strcmp(((const struct family *)a)->name, ((const struct family *)b)->name);
}

static struct family *family_of(struct family *fams, int *nfam, const char *name)
{
    for (int i = 0; i < *nfam; i++) {
        if (strcmp(fams[i].name, name) == 0) {
            return &fams[i];
        }
    }
    snprintf(fams[*nfam].name, sizeof fams[*nfam].name, "%s", name);
    return &fams[(*nfam)++];
}

static void run_families(struct wy_ctx *ctx, bool full)
{
    size_t n;
    struct tsup_corpus_row *rows = tsup_corpus_load(&n);
    struct wy_hasher_opts opts;
    wy_hasher_opts_init(&opts);
    opts.full_decode = full;
    opts.dihedral = true;
    struct wy_hasher *h = NULL;
    assert_int_equal(wy_hasher_new(ctx, &opts, &h), WY_OK);
    struct wy_hash_record *recs = calloc(n, sizeof *recs);
    int orig_index[10000];
    for (size_t i = 0; i < n; i++) {
        tsup_corpus_hash(h, rows[i].path, &recs[i]);
        if (strcmp(rows[i].family, "original") == 0) {
            orig_index[atoi(rows[i].original)] = (int)i;
        }
    }
    struct family fams[64];
    memset(fams, 0, sizeof fams);
    int nfam = 0;
    int distractor_hits = 0;
    int distractor_pairs = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(rows[i].family, "original") == 0) {
            continue;
        }
        if (strcmp(rows[i].family, "distractor") == 0) {
            for (size_t j = 0; j < n; j++) {
                if (strcmp(rows[j].family, "original") != 0) {
                    continue;
                }
                distractor_pairs++;
                if (wy_pdq_distance_dihedral(&recs[i].pdq, recs[j].dihedral, NULL) <=
                    WY_PDQ_MATCH_THRESHOLD) {
                    print_error("distractor %s matches %s\n", rows[i].path, rows[j].path);
                    distractor_hits++;
                }
            }
            continue;
        }
        const int o = orig_index[atoi(rows[i].original)];
        struct family *f = family_of(fams, &nfam, rows[i].family);
        f->total++;
        f->ours += wy_pdq_distance_dihedral(&recs[i].pdq, recs[o].dihedral, NULL) <=
                   WY_PDQ_MATCH_THRESHOLD;
        f->reference +=
            wy_pdq_distance_dihedral(&rows[i].ref, rows[o].ref_dih, NULL) <= WY_PDQ_MATCH_THRESHOLD;
    }
    qsort(fams, (size_t)nfam, sizeof fams[0], compare_families);
    print_message("%s decoding: family, withyou, reference\n", full ? "full" : "fast");
    int failures = 0;
    for (int i = 0; i < nfam; i++) {
        print_message("  %-14s %3d/%-3d %5.1f%%   %3d/%-3d %5.1f%%\n", fams[i].name, fams[i].ours,
                      fams[i].total, 100.0 * fams[i].ours / fams[i].total, fams[i].reference,
                      fams[i].total, 100.0 * fams[i].reference / fams[i].total);
        if (fams[i].ours < fams[i].reference - 1) {
            print_error("family %s: %d found, the reference finds %d\n", fams[i].name, fams[i].ours,
                        fams[i].reference);
            failures++;
        }
    }
    print_message("  distractor false matches: %d of %d pairs\n", distractor_hits,
                  distractor_pairs);
    assert_true(nfam >= 21);
    assert_int_equal(failures, 0);
    assert_int_equal(distractor_hits, 0);
    assert_true(distractor_pairs >= 160 * 80);
    free(recs);
    wy_hasher_free(h);
    free(rows);
}

static void test_families_fast(void **state)
{
    run_families(tsup_state_ctx(state), false);
}

static void test_families_full(void **state)
{
    run_families(tsup_state_ctx(state), true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_families_fast, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_families_full, tsup_setup_ctx, tsup_teardown_ctx),
    };
    return cmocka_run_group_tests_name("robustness", tests, NULL, NULL);
}
