/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_pipeline.c: the hasher, file to fingerprints: digests of the exact bytes, PDQ from the
 * decoded pixels, fast and full decoding, dihedral hashes, statuses for unreadable files, and
 * every allocation failure.
 */
#include "wy_setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_support.h"

static struct wy_hasher *hasher(struct wy_ctx *ctx, bool full, bool dihedral)
{
    struct wy_hasher_opts opts;
    wy_hasher_opts_init(&opts);
    opts.full_decode = full;
    opts.dihedral = dihedral;
    struct wy_hasher *h = NULL;
    assert_int_equal(wy_hasher_new(ctx, &opts, &h), WY_OK);
    return h;
}

static void test_hash_file(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    const char *path = tsup_shared("corpus/orig/0001.jpg");
    size_t len;
    uint8_t *bytes = tsup_read_file(path, &len);
    struct wy_digest want;
    assert_int_equal(wy_digest_bytes((struct wy_bytes){bytes, len}, &want), WY_OK);
    struct wy_hasher *fast = hasher(ctx, false, true);
    struct wy_hasher *full = hasher(ctx, true, false);
    struct wy_hash_record a;
    struct wy_hash_record b;
    struct wy_diag d;
    assert_int_equal(wy_hasher_hash_file(fast, path, &a, &d), WY_OK);
    assert_int_equal(wy_hasher_hash_file(full, path, &b, &d), WY_OK);
    assert_memory_equal(&a.digest, &want, sizeof want);
    assert_memory_equal(&b.digest, &want, sizeof want);
    assert_int_equal(a.file_bytes, len);
    assert_int_equal(a.info.format, WY_FORMAT_JPEG);
    assert_int_equal(a.info.width_px, 1024);
    assert_int_equal(a.info.height_px, 768);
    assert_true(a.info.scaled);
    assert_false(b.info.scaled);
    assert_memory_equal(&a.dihedral[0], &a.pdq, sizeof a.pdq);
    assert_true(wy_pdq_distance(&a.pdq, &b.pdq) <= 16);
    assert_true(a.decode_ns > 0 && a.hash_ns > 0 && a.read_ns > 0);
    /* Memory and file entry points agree. */
    struct wy_hash_record c;
    assert_int_equal(wy_hasher_hash_memory(fast, (struct wy_bytes){bytes, len}, &c, &d), WY_OK);
    assert_memory_equal(&c.pdq, &a.pdq, sizeof c.pdq);
    assert_memory_equal(c.dihedral, a.dihedral, sizeof c.dihedral);
    free(bytes);
    wy_hasher_free(fast);
    wy_hasher_free(full);
}

static void hash_views(struct wy_ctx *ctx, const char *rel, bool unframe, bool zoom,
                       struct wy_hash_record *rec)
{
    struct wy_hasher_opts opts;
    wy_hasher_opts_init(&opts);
    opts.dihedral = true;
    opts.unframe = unframe;
    opts.zoom = zoom;
    struct wy_hasher *h = NULL;
    assert_int_equal(wy_hasher_new(ctx, &opts, &h), WY_OK);
    struct wy_diag d;
    assert_int_equal(wy_hasher_hash_file(h, tsup_shared(rel), rec, &d), WY_OK);
    wy_hasher_free(h);
}

static const struct wy_view *find_view(const struct wy_hash_record *rec, enum wy_view_kind kind)
{
    for (size_t i = 0; i < rec->view_count; i++) {
        if (rec->views[i].kind == kind) {
            return &rec->views[i];
        }
    }
    return NULL;
}

/* Views see what PDQ alone cannot: the picture inside a border, inside a screenshot, and the
 * centre a crop kept (corpus families border, screenshot, crop15; PDQ alone: > 31 bits). */
static void test_views(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy_hash_record orig;
    struct wy_hash_record q;
    hash_views(ctx, "corpus/orig/0038.jpg", false, false, &orig);
    assert_int_equal(orig.view_count, 0);
    hash_views(ctx, "corpus/alt/border/0038.jpg", true, false, &q);
    assert_true(wy_pdq_distance(&q.pdq, &orig.pdq) > 31);
    const struct wy_view *v = find_view(&q, WY_VIEW_UNFRAMED);
    assert_non_null(v);
    assert_true(wy_pdq_distance(&v->pdq, &orig.pdq) <= 20);
    assert_memory_equal(&v->dihedral[0], &v->pdq, sizeof v->pdq);

    /* A photograph edge to edge has no border; its zoom views are the centred crops. */
    hash_views(ctx, "corpus/orig/0072.jpg", true, true, &orig);
    assert_null(find_view(&orig, WY_VIEW_UNFRAMED));
    assert_non_null(find_view(&orig, WY_VIEW_ZOOM90));
    const struct wy_view *z70 = find_view(&orig, WY_VIEW_ZOOM70);
    assert_non_null(z70);
    hash_views(ctx, "corpus/alt/crop15/0072.jpg", false, false, &q);
    assert_true(wy_pdq_distance(&q.pdq, &orig.pdq) > 31);
    assert_true(wy_pdq_distance(&q.pdq, &z70->pdq) <= 20);

    /* A copy turned 5 degrees on its canvas: turned back, its centre meets the original's. */
    hash_views(ctx, "corpus/alt/rotate5/0058.jpg", true, false, &q);
    hash_views(ctx, "corpus/orig/0058.jpg", false, true, &orig);
    assert_true(wy_pdq_distance(&q.pdq, &orig.pdq) > 31);
    const struct wy_view *z80 = find_view(&orig, WY_VIEW_ZOOM80);
    const struct wy_view *ccw = find_view(&q, WY_VIEW_TURNED_CCW5);
    const struct wy_view *cw = find_view(&q, WY_VIEW_TURNED_CW5);
    assert_non_null(z80);
    assert_non_null(ccw);
    assert_non_null(cw);
    const int d_ccw = wy_pdq_distance(&ccw->pdq, &z80->pdq);
    const int d_cw = wy_pdq_distance(&cw->pdq, &z80->pdq);
    assert_true((d_ccw < d_cw ? d_ccw : d_cw) <= 24);
    assert_true((d_ccw > d_cw ? d_ccw : d_cw) > 31); /* the other way turns it twice as far */

    /* The photo inside a phone screenshot: status bar, caption and comments cut away. */
    hash_views(ctx, "corpus/orig/0050.jpg", false, false, &orig);
    hash_views(ctx, "corpus/alt/screenshot/0050.jpg", true, false, &q);
    v = find_view(&q, WY_VIEW_UNBANDED);
    assert_non_null(v);
    assert_true(wy_pdq_distance(&q.pdq, &orig.pdq) > 31);
    assert_true(wy_pdq_distance(&v->pdq, &orig.pdq) <= 31);
}

static void test_unreadable_files(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy_hasher *h = hasher(ctx, false, false);
    struct wy_hash_record rec;
    struct wy_diag d;
    assert_int_equal(wy_hasher_hash_file(h, "/nonexistent/x.jpg", &rec, &d), WY_ENOENT);
    assert_int_equal(wy_hasher_hash_file(h, "/tmp", &rec, &d), WY_EISDIR);
    char path[] = "/tmp/wy_pipe_XXXXXX";
    const int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(wy_hasher_hash_file(h, path, &rec, &d), WY_EEMPTY);
    FILE *f = fopen(path, "wb");
    fputs("\x89PNG\r\n\x1a\nbut not really", f);
    fclose(f);
    assert_int_equal(wy_hasher_hash_file(h, path, &rec, &d), WY_ECORRUPT);
    assert_memory_equal(d.msg, "PNG: ", 5);
    unlink(path);
    wy_hasher_free(h);
    wy_hasher_free(NULL);
}

struct oom_input {
    const uint8_t *data;
    size_t len;
};

static enum wy_status oom_hash(struct wy_ctx *ctx, void *user)
{
    const struct oom_input *in = user;
    struct wy_hasher_opts opts;
    wy_hasher_opts_init(&opts);
    opts.dihedral = true;
    opts.unframe = true; /* the turned views allocate their planes */
    opts.zoom = true;
    struct wy_hasher *h = NULL;
    enum wy_status st = wy_hasher_new(ctx, &opts, &h);
    if (st != WY_OK) {
        return st;
    }
    struct wy_hash_record rec;
    st = wy_hasher_hash_memory(h, (struct wy_bytes){in->data, in->len}, &rec, NULL);
    wy_hasher_free(h);
    return st;
}

static void test_out_of_memory(void **state)
{
    (void)state;
    struct oom_input in;
    uint8_t *data = tsup_read_file(tsup_shared("corpus/alt/resize25/0039.jpg"), &in.len);
    in.data = data;
    tsup_oom_sweep(oom_hash, &in);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hash_file, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_views, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_unreadable_files, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests_name("pipeline", tests, NULL, NULL);
}
