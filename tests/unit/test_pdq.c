/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_pdq.c: PDQ against Meta's reference: every image of ../shared/pdq-reference hashed at full
 * size must equal the reference bit for bit, the 8 dihedral hashes must equal the reference's
 * --pdqdih output, and distances must equal hashtool256's. Plus the API's edges: hex parsing,
 * tiny images, the luma entry point, and every allocation failure.
 */
#include "wy_setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "test_support.h"

/* Hashes one file at full size, pixels as stored, as the reference does. */
static enum wy_status hash_reference_way(struct wy_ctx *ctx, const char *path,
                                         struct wy_pdq_hash *hash, struct wy_pdq_hash *dih,
                                         int *quality, struct wy_diag *diag)
{
    size_t len;
    uint8_t *data = tsup_read_file(path, &len);
    struct wy_decode_opts opts;
    wy_decode_opts_init(&opts);
    opts.raw_orientation = true;
    struct wy_image *img = NULL;
    enum wy_status st =
        wy_decode_memory(ctx, (struct wy_bytes){data, len}, &opts, &img, NULL, diag);
    free(data);
    if (st != WY_OK) {
        return st;
    }
    struct wy_pdq_ws *ws = NULL;
    st = wy_pdq_ws_new(ctx, &ws);
    if (st == WY_OK) {
        st = wy_pdq_hash_image(ws, img, hash, dih, quality);
    }
    wy_pdq_ws_free(ws);
    wy_image_free(ctx, img);
    return st;
}

static void test_reference_hashes(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    FILE *f = fopen(tsup_shared("pdq-reference/reference-hashes.csv"), "r");
    assert_non_null(f);
    char line[1024];
    int checked = 0;
    int mismatched = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        char file[512];
        char hex[80];
        int quality = -1;
        if (sscanf(line, "%511[^,],%79[^,],%d", file, hex, &quality) != 3 || strlen(hex) != 64) {
            continue; /* header */
        }
        char rel[600];
        snprintf(rel, sizeof rel, "pdq-reference/%s", file);
        struct wy_pdq_hash want;
        struct wy_pdq_hash got;
        int got_quality = -1;
        struct wy_diag diag;
        assert_int_equal(wy_pdq_from_hex(hex, 64, &want), WY_OK);
        const enum wy_status st =
            hash_reference_way(ctx, tsup_shared(rel), &got, NULL, &got_quality, &diag);
        if (st != WY_OK) {
            print_error("%s: %s (%s)\n", file, wy_strerror(st), diag.msg);
            mismatched++;
        } else if (wy_pdq_distance(&want, &got) != 0 || got_quality != quality) {
            char got_hex[65];
            wy_pdq_to_hex(&got, got_hex);
            print_error("%s: got %s q%d, reference %s q%d (distance %d)\n", file, got_hex,
                        got_quality, hex, quality, wy_pdq_distance(&want, &got));
            mismatched++;
        }
        checked++;
    }
    fclose(f);
    print_message("pdq-reference: %d images, %d differ\n", checked, mismatched);
    assert_true(checked >= 49);
    assert_int_equal(mismatched, 0);
}

/* Reads the 8 hashes that follow `command` in the regenerated reference output. */
static void reference_block(const char *command, char out[][65], int count)
{
    FILE *f = fopen(tsup_shared("pdq-reference/pdq/cpp/reg_test/expected/out.regenerated"), "r");
    assert_non_null(f);
    char line[4096];
    int found = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (found == 0 && strcmp(line, command) == 0) {
            found = 1;
            continue;
        }
        if (found > 0 && strlen(line) >= 64 && found <= count) {
            memcpy(out[found - 1], line, 64);
            out[found - 1][64] = '\0';
            found++;
        }
        if (found > count) {
            break;
        }
    }
    fclose(f);
    assert_int_equal(found, count + 1);
}

static void test_reference_dihedral(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    char want[8][65];
    reference_block("pdq-photo-hasher --pdqdih "
                    "./reg_test/../../data/reg-test-input/dih/bridge-1-original.jpg",
                    want, 8);
    struct wy_pdq_hash hash;
    struct wy_pdq_hash dih[WY_DIH_COUNT];
    int quality;
    struct wy_diag diag;
    assert_int_equal(hash_reference_way(ctx,
                                        tsup_shared("pdq-reference/pdq/data/reg-test-input/dih/"
                                                    "bridge-1-original.jpg"),
                                        &hash, dih, &quality, &diag),
                     WY_OK);
    for (int d = 0; d < WY_DIH_COUNT; d++) {
        char hex[65];
        wy_pdq_to_hex(&dih[d], hex);
        assert_string_equal(hex, want[d]);
    }
    assert_memory_equal(&hash, &dih[0], sizeof hash);
}

/* A rotated or flipped copy of a photo must hash close to the matching dihedral variant of the
 * original: that is what makes one DCT enough for 8 lookups. */
static void test_dihedral_files_match_variants(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    static const char *const files[WY_DIH_COUNT] = {
        "bridge-1-original.jpg",    "bridge-2-rotate-90.jpg",   "bridge-3-rotate-180.jpg",
        "bridge-4-rotate-270.jpg",  "bridge-5-flipx.jpg",       "bridge-6-flipy.jpg",
        "bridge-7-flip-plus-1.jpg", "bridge-8-flip-minus-1.jpg"};
    struct wy_pdq_hash orig;
    struct wy_pdq_hash dih[WY_DIH_COUNT];
    int q;
    struct wy_diag diag;
    char rel[256];
    snprintf(rel, sizeof rel, "pdq-reference/pdq/data/reg-test-input/dih/%s", files[0]);
    assert_int_equal(hash_reference_way(ctx, tsup_shared(rel), &orig, dih, &q, &diag), WY_OK);
    for (int d = 1; d < WY_DIH_COUNT; d++) {
        struct wy_pdq_hash h;
        snprintf(rel, sizeof rel, "pdq-reference/pdq/data/reg-test-input/dih/%s", files[d]);
        assert_int_equal(hash_reference_way(ctx, tsup_shared(rel), &h, NULL, &q, &diag), WY_OK);
        const int near = wy_pdq_distance(&h, &dih[d]);
        const int far = wy_pdq_distance(&h, &orig);
        print_message("%-28s to its variant %3d, to the original %3d\n", files[d], near, far);
        assert_true(near <= WY_PDQ_MATCH_THRESHOLD);
        assert_true(far > 31 || d == WY_DIH_FLIPX); /* a flip of a symmetric scene can be close */
    }
}

/* hashtool256 norms and deltas: popcounts and distances of consecutive hashes. */
static void test_reference_distances(void **state)
{
    (void)state;
    FILE *f = fopen(tsup_shared("pdq-reference/pdq/cpp/reg_test/expected/out.regenerated"), "r");
    assert_non_null(f);
    char line[4096];
    int mode = 0; /* 1: norms, 2: deltas */
    int checked = 0;
    struct wy_pdq_hash prev;
    struct wy_pdq_hash zero;
    memset(&zero, 0, sizeof zero);
    bool have_prev = false;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "hashtool256 norms", 17) == 0) {
            mode = 1;
            continue;
        }
        if (strncmp(line, "hashtool256 deltas", 18) == 0) {
            mode = 2;
            have_prev = false;
            continue;
        }
        if (strncmp(line, "RUNNING", 7) == 0 || line[0] == '=') {
            mode = 0;
            continue;
        }
        struct wy_pdq_hash h;
        int value = -1;
        if (mode == 0 || strlen(line) < 64 || wy_pdq_from_hex(line, 64, &h) != WY_OK) {
            continue;
        }
        const int fields = sscanf(line + 64, "%d", &value);
        if (mode == 1 && fields == 1) {
            assert_int_equal(wy_pdq_distance(&h, &zero), value);
            checked++;
        } else if (mode == 2 && have_prev && fields == 1) {
            assert_int_equal(wy_pdq_distance(&h, &prev), value);
            checked++;
        }
        prev = h;
        have_prev = true;
    }
    fclose(f);
    assert_true(checked > 20);
}

static void test_hex(void **state)
{
    (void)state;
    const char *hex = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22";
    struct wy_pdq_hash h;
    char back[65];
    assert_int_equal(wy_pdq_from_hex(hex, 64, &h), WY_OK);
    wy_pdq_to_hex(&h, back);
    assert_string_equal(back, hex);
    assert_int_equal(h.bytes[0], 0xd8);
    /* Bit 0 is the lowest bit of the last hex digit (2 = 0010b): clear; bit 1 set. */
    assert_false(wy_pdq_bit(&h, 0));
    assert_true(wy_pdq_bit(&h, 1));
    assert_true(wy_pdq_bit(&h, 255)); /* leading d = 1101b */
    assert_false(wy_pdq_bit(&h, 256));
    struct wy_pdq_hash upper;
    assert_int_equal(wy_pdq_from_hex("D8F8F0CEE0F4A84F0637022A078F67F0B36E2ED596621E1D33E6339C"
                                     "4E9C9B22",
                                     64, &upper),
                     WY_OK);
    assert_memory_equal(&upper, &h, sizeof h);
    struct wy_pdq_hash untouched = h;
    assert_int_equal(wy_pdq_from_hex(hex, 63, &untouched), WY_EPARSE);
    assert_int_equal(wy_pdq_from_hex("g8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9"
                                     "c9b22",
                                     64, &untouched),
                     WY_EPARSE);
    assert_int_equal(wy_pdq_from_hex("", 0, &untouched), WY_EPARSE);
    assert_memory_equal(&untouched, &h, sizeof h);
}

static struct wy_image *make_image(struct wy_ctx *ctx, uint32_t w, uint32_t h,
                                   enum wy_pixel_format fmt, uint64_t seed)
{
    struct wy_image *img = NULL;
    assert_int_equal(wy_image_new(ctx, w, h, fmt, &img), WY_OK);
    for (uint32_t y = 0; y < h; y++) {
        uint8_t *row = wy_image_row(img, y);
        for (uint32_t x = 0; x < w * (uint32_t)fmt; x++) {
            /* Smooth structure plus a little noise, so the hash is stable under resampling. */
            const double px = (double)(x / (uint32_t)fmt) / (double)w;
            const double py = (double)y / (double)h;
            const double v = 128.0 + 80.0 * sin(6.0 * px + (double)(seed % 7)) * cos(5.0 * py);
            row[x] = (uint8_t)(v + (double)(tsup_rand(&seed) & 7));
        }
    }
    return img;
}

static void test_tiny_images_hash_to_zero(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy_pdq_ws *ws = NULL;
    assert_int_equal(wy_pdq_ws_new(ctx, &ws), WY_OK);
    struct wy_image *img = make_image(ctx, 4, 100, WY_PIX_RGB8, 1);
    struct wy_pdq_hash h;
    struct wy_pdq_hash dih[WY_DIH_COUNT];
    struct wy_pdq_hash zero;
    memset(&zero, 0, sizeof zero);
    memset(&h, 0xff, sizeof h);
    int q = -1;
    assert_int_equal(wy_pdq_hash_image(ws, img, &h, dih, &q), WY_OK);
    assert_memory_equal(&h, &zero, sizeof h);
    assert_memory_equal(&dih[7], &zero, sizeof h);
    assert_int_equal(q, 0);
    wy_image_free(ctx, img);
    /* 5 px is the smallest hashable side. */
    img = make_image(ctx, 5, 5, WY_PIX_GRAY8, 2);
    assert_int_equal(wy_pdq_hash_image(ws, img, &h, NULL, &q), WY_OK);
    assert_int_not_equal(wy_pdq_distance(&h, &zero), 0);
    wy_image_free(ctx, img);
    wy_pdq_ws_free(ws);
}

static void test_flat_image_has_zero_quality(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy_pdq_ws *ws = NULL;
    assert_int_equal(wy_pdq_ws_new(ctx, &ws), WY_OK);
    struct wy_image *img = NULL;
    assert_int_equal(wy_image_new(ctx, 300, 200, WY_PIX_RGB8, &img), WY_OK);
    memset(img->pixels, 128, img->stride_bytes * img->height_px);
    struct wy_pdq_hash h;
    int q = -1;
    assert_int_equal(wy_pdq_hash_image(ws, img, &h, NULL, &q), WY_OK);
    assert_int_equal(q, 0);
    wy_image_free(ctx, img);
    img = make_image(ctx, 300, 200, WY_PIX_RGB8, 3);
    assert_int_equal(wy_pdq_hash_image(ws, img, &h, NULL, &q), WY_OK);
    assert_true(q > 0);
    wy_image_free(ctx, img);
    wy_pdq_ws_free(ws);
}

/* The luma entry point and the image entry point agree on a gray image up to 512 px (larger
 * images are squashed by the image path only). */
static void test_luma_matches_image(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy_pdq_ws *ws = NULL;
    assert_int_equal(wy_pdq_ws_new(ctx, &ws), WY_OK);
    const uint32_t sizes[][2] = {{64, 64}, {100, 37}, {512, 512}, {5, 512}, {333, 64}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        const uint32_t w = sizes[s][0];
        const uint32_t h = sizes[s][1];
        struct wy_image *img = make_image(ctx, w, h, WY_PIX_GRAY8, s + 10);
        float *luma = malloc(sizeof(float) * w * h);
        for (uint32_t i = 0; i < w * h; i++) {
            luma[i] = (float)img->pixels[i];
        }
        struct wy_pdq_hash a;
        struct wy_pdq_hash b;
        int qa;
        int qb;
        assert_int_equal(wy_pdq_hash_luma(ws, luma, w, h, &a, NULL, &qa), WY_OK);
        assert_int_equal(wy_pdq_hash_image(ws, img, &b, NULL, &qb), WY_OK);
        assert_memory_equal(&a, &b, sizeof a);
        assert_int_equal(qa, qb);
        free(luma);
        wy_image_free(ctx, img);
    }
    wy_pdq_ws_free(ws);
}

/*
 * wy_pdq_hash_image streams the blur band by band (pdq_stream.c); wy_pdq_hash_luma runs it over
 * whole planes. Given the same luminance plane (squashed here as the reference squashes), both
 * must give the same hash, quality and dihedral hashes: sizes around the band and ring heights,
 * planes narrower and wider than 64, squashed up and down, gray and colour.
 */
static void test_stream_matches_planes(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy_pdq_ws *ws = NULL;
    assert_int_equal(wy_pdq_ws_new(ctx, &ws), WY_OK);
    const uint32_t sizes[][2] = {{5, 5},      {7, 300},   {300, 7},   {8, 8},      {9, 17},
                                 {63, 65},    {65, 63},   {64, 200},  {129, 16},   {17, 129},
                                 {500, 333},  {512, 511}, {513, 384}, {1024, 576}, {1000, 700},
                                 {384, 1024}, {2000, 40}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        for (int f = 0; f < 2; f++) {
            const enum wy_pixel_format fmt = f == 0 ? WY_PIX_GRAY8 : WY_PIX_RGB8;
            const uint32_t iw = sizes[s][0];
            const uint32_t ih = sizes[s][1];
            struct wy_image *img = make_image(ctx, iw, ih, fmt, s * 2 + (uint64_t)f);
            const bool squash = iw > 512 || ih > 512;
            const uint32_t w = squash ? 512 : iw;
            const uint32_t h = squash ? 512 : ih;
            float *luma = malloc(sizeof(float) * w * h);
            assert_non_null(luma);
            for (uint32_t y = 0; y < h; y++) {
                const uint32_t sy = (uint32_t)(((double)y * ih) / h);
                const uint8_t *row = wy_image_row(img, sy);
                for (uint32_t x = 0; x < w; x++) {
                    const uint8_t *p = row + (size_t)((uint32_t)(((double)x * iw) / w)) * fmt;
                    luma[(size_t)y * w + x] =
                        fmt == WY_PIX_GRAY8
                            ? (float)p[0]
                            : 0.299f * (float)p[0] + 0.587f * (float)p[1] + 0.114f * (float)p[2];
                }
            }
            struct wy_pdq_hash a;
            struct wy_pdq_hash b;
            struct wy_pdq_hash da[WY_DIH_COUNT];
            struct wy_pdq_hash db[WY_DIH_COUNT];
            int qa;
            int qb;
            assert_int_equal(wy_pdq_hash_luma(ws, luma, w, h, &a, da, &qa), WY_OK);
            assert_int_equal(wy_pdq_hash_image(ws, img, &b, db, &qb), WY_OK);
            if (memcmp(&a, &b, sizeof a) != 0 || memcmp(da, db, sizeof da) != 0 || qa != qb) {
                fail_msg("%ux%u format %d: streamed and planar hashes differ", iw, ih, (int)fmt);
            }
            free(luma);
            wy_image_free(ctx, img);
        }
    }
    wy_pdq_ws_free(ws);
}

static void test_hash_as(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy_pdq_ws *ws = NULL;
    assert_int_equal(wy_pdq_ws_new(ctx, &ws), WY_OK);
    struct wy_image *img = make_image(ctx, 300, 200, WY_PIX_RGB8, 5);
    struct wy_pdq_hash a;
    struct wy_pdq_hash b;
    int qa;
    int qb;
    assert_int_equal(wy_pdq_hash_image(ws, img, &a, NULL, &qa), WY_OK);
    assert_int_equal(wy_pdq_hash_image_as(ws, img, 300, 200, &b, NULL, &qb), WY_OK);
    assert_memory_equal(&a, &b, sizeof a);
    /* Declared as a downscaled 1200x800: squashed to 512x512, a different but close hash. */
    assert_int_equal(wy_pdq_hash_image_as(ws, img, 1200, 800, &b, NULL, &qb), WY_OK);
    assert_true(wy_pdq_distance(&a, &b) < 48);
    assert_int_equal(wy_pdq_hash_image_as(ws, img, 299, 200, &b, NULL, &qb), WY_EINVAL);
    wy_image_free(ctx, img);
    wy_pdq_ws_free(ws);
}

struct oom_job {
    uint32_t w;
    uint32_t h;
};

static enum wy_status oom_hash(struct wy_ctx *ctx, void *user)
{
    const struct oom_job *job = user;
    struct wy_image *img = NULL;
    enum wy_status st = wy_image_new(ctx, job->w, job->h, WY_PIX_RGB8, &img);
    if (st != WY_OK) {
        return st;
    }
    memset(img->pixels, 7, img->stride_bytes * img->height_px);
    struct wy_pdq_ws *ws = NULL;
    st = wy_pdq_ws_new(ctx, &ws);
    if (st == WY_OK) {
        struct wy_pdq_hash h;
        struct wy_pdq_hash d[WY_DIH_COUNT];
        int q;
        st = wy_pdq_hash_image(ws, img, &h, d, &q);
    }
    if (st == WY_OK) {
        /* An exactly 64x64 image takes the planar path, whose planes are made on first use. */
        struct wy_image *small = NULL;
        st = wy_image_new(ctx, 64, 64, WY_PIX_RGB8, &small);
        if (st == WY_OK) {
            memset(small->pixels, 9, small->stride_bytes * small->height_px);
            struct wy_pdq_hash h;
            int q;
            st = wy_pdq_hash_image(ws, small, &h, NULL, &q);
            wy_image_free(ctx, small);
        }
    }
    if (st == WY_OK) {
        /* The luma path may grow the workspace past 512x512. */
        float *luma = wy_alloc(ctx, sizeof(float) * 600 * 600);
        if (luma == NULL) {
            st = WY_ENOMEM;
        } else {
            memset(luma, 0, sizeof(float) * 600 * 600);
            struct wy_pdq_hash h;
            int q;
            st = wy_pdq_hash_luma(ws, luma, 600, 600, &h, NULL, &q);
            wy_free(ctx, luma);
        }
    }
    wy_pdq_ws_free(ws);
    wy_image_free(ctx, img);
    return st;
}

static void test_out_of_memory(void **state)
{
    (void)state;
    struct oom_job job = {640, 480};
    tsup_oom_sweep(oom_hash, &job);
}

static void test_dihedral_names(void **state)
{
    (void)state;
    assert_string_equal(wy_dihedral_name(WY_DIH_ORIGINAL), "original");
    assert_string_equal(wy_dihedral_name(WY_DIH_FLIP_MINUS1), "flipminus1");
    assert_string_equal(wy_dihedral_name((enum wy_dihedral)99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_dihedral_names),
        cmocka_unit_test(test_reference_distances),
        cmocka_unit_test_setup_teardown(test_reference_hashes, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_reference_dihedral, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_dihedral_files_match_variants, tsup_setup_ctx,
                                        tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_tiny_images_hash_to_zero, tsup_setup_ctx,
                                        tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_flat_image_has_zero_quality, tsup_setup_ctx,
                                        tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_luma_matches_image, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_stream_matches_planes, tsup_setup_ctx,
                                        tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_hash_as, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests_name("pdq", tests, NULL, NULL);
}
