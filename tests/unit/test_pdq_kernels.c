/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_pdq_kernels.c: every accelerated PDQ kernel set the machine supports against the scalar
 * kernels, which are the specification.
 *
 * Tolerance: none. The SIMD kernels promise bit-identical floats, so outputs are compared with
 * memcmp, on random planes, on extreme and constant values, for line lengths around every vector
 * multiple (5..520), windows from 1 to the whole line, and unaligned buffers. End to end, a
 * context forced to scalar and one at the best level must give identical hashes, dihedral hashes
 * and quality. The luminance kernel is compared for every pixel format, every row length up to
 * 512 and contiguous, random and nearest-neighbour column tables, on rows that end at the end of
 * their allocation. On a machine with no SIMD level the kernel tests compare nothing and pass.
 */
#include "wy_setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#include "pdq/pdq_int.h"

/* The distinct non-scalar kernel tables for the levels this machine supports. */
static size_t accelerated_impls(const struct wy__pdq_impl *out[4])
{
    size_t n = 0;
    for (int level = WY_CPU_POPCNT; level <= (int)wy_cpu_detect(); level++) {
        const struct wy__pdq_impl *impl = wy__pdq_impl_pick((enum wy_cpu_level)level);
        if (impl == &wy__pdq_impl_scalar || (n > 0 && out[n - 1] == impl)) {
            continue;
        }
        out[n++] = impl;
    }
    return n;
}

enum fill_kind {
    FILL_RANDOM,   /* 0..255 with fractions, as luma is */
    FILL_EXTREME,  /* large magnitudes of both signs, denormals, -0.0: long cancellations */
    FILL_CONSTANT, /* one value everywhere */
    FILL_EDGES,    /* only 0 and 255, in runs */
    FILL_KINDS,
};

static float random_luma(uint64_t *rng)
{
    return (float)(tsup_rand(rng) % 256000) / 1000.0f;
}

static float random_extreme(uint64_t *rng)
{
    static const float values[] = {0.0f,    -0.0f, 255.0f, 1e30f,       -1e30f, 1e-40f,
                                   -1e-40f, 1e35f, 1e-30f, 16777217.0f, 0.1f,   -255.0f};
    const uint64_t r = tsup_rand(rng);
    if (r % 3 == 0) {
        return random_luma(rng);
    }
    return values[(r >> 8) % (sizeof values / sizeof values[0])];
}

static void fill_plane(float *p, size_t n, enum fill_kind kind, uint64_t *rng)
{
    const float constant = random_luma(rng);
    float edge = 0.0f;
    for (size_t i = 0; i < n; i++) {
        switch (kind) {
        case FILL_RANDOM:
            p[i] = random_luma(rng);
            break;
        case FILL_EXTREME:
            p[i] = random_extreme(rng);
            break;
        case FILL_CONSTANT:
            p[i] = constant;
            break;
        default:
            if (tsup_rand(rng) % 16 == 0) {
                edge = 255.0f - edge;
            }
            p[i] = edge;
            break;
        }
    }
}

/* memcmp, but on failure names the first differing float. */
static void assert_floats_identical(const float *want, const float *got, size_t n, const char *what)
{
    if (memcmp(want, got, n * sizeof(float)) == 0) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (memcmp(&want[i], &got[i], sizeof(float)) != 0) {
            fail_msg("%s: float %zu differs: scalar %.9g, accelerated %.9g", what, i,
                     (double)want[i], (double)got[i]);
        }
    }
}

/* Buffers that end exactly at an allocation's end (so ASan sees an overrun) and start one float
 * past a 32-byte boundary when `misalign` is set. */
struct planes {
    float *in_block;
    float *out_block;
    float *want_block;
    float *in;
    float *out;
    float *want;
};

static void planes_init(struct planes *pl, size_t n, bool misalign)
{
    const size_t shift = misalign ? 1 : 0;
    pl->in_block = malloc((n + shift) * sizeof(float));
    pl->out_block = malloc((n + shift) * sizeof(float));
    pl->want_block = malloc((n + shift) * sizeof(float));
    assert_non_null(pl->in_block);
    assert_non_null(pl->out_block);
    assert_non_null(pl->want_block);
    pl->in = pl->in_block + shift;
    pl->out = pl->out_block + shift;
    pl->want = pl->want_block + shift;
}

static void planes_fini(struct planes *pl)
{
    free(pl->in_block);
    free(pl->out_block);
    free(pl->want_block);
}

typedef void (*box_fn)(const float *in, float *out, uint32_t rows, uint32_t cols, uint32_t window);

/* One box kernel against scalar on one plane and window. */
static void check_box(const struct planes *pl, box_fn scalar, box_fn accel, uint32_t rows,
                      uint32_t cols, uint32_t window, const char *what)
{
    const size_t n = (size_t)rows * cols;
    /* Poison both outputs alike: an element the accelerated kernel forgets keeps the poison. */
    memset(pl->want, 0xa5, n * sizeof(float));
    memset(pl->out, 0xa5, n * sizeof(float));
    scalar(pl->in, pl->want, rows, cols, window);
    accel(pl->in, pl->out, rows, cols, window);
    char label[128];
    snprintf(label, sizeof label, "%s %ux%u window %u", what, rows, cols, window);
    assert_floats_identical(pl->want, pl->out, n, label);
}

/* box_cols rebuilt from cols_step on box1d's schedule, as pdq_stream.c drives it. */
static void cols_by_steps(const struct wy__pdq_impl *impl, const float *in, float *out,
                          uint32_t rows, uint32_t cols, uint32_t window)
{
    const struct wy__pdq_box_plan p = wy__pdq_box_plan_make(rows, window);
    float *sums = calloc(cols, sizeof(float));
    assert_non_null(sums);
    for (uint32_t y = 0; y < p.lead; y++) {
        impl->cols_step(sums, in + (size_t)y * cols, NULL, NULL, cols, 0);
    }
    for (uint32_t o = 0; o < rows; o++) {
        const float *add = o + p.lead < rows ? in + (size_t)(o + p.lead) * cols : NULL;
        const float *sub = o >= p.grow ? in + (size_t)(o - p.grow) * cols : NULL;
        impl->cols_step(sums, add, sub, out + (size_t)o * cols, cols, wy__pdq_box_count(&p, o));
    }
    free(sums);
}

/* Windows worth testing for a line of `len`: small, around vector widths, half, whole. */
static size_t windows_for(uint32_t len, uint32_t out[16])
{
    static const uint32_t fixed[] = {1, 2, 3, 4, 7, 8, 9, 16, 17, 33, 64};
    size_t n = 0;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        if (fixed[i] <= len) {
            out[n++] = fixed[i];
        }
    }
    out[n++] = (len + 1) / 2;
    out[n++] = len - 1 > 0 ? len - 1 : 1;
    out[n++] = len;
    return n;
}

static void check_box_plane(const struct wy__pdq_impl *impl, uint32_t rows, uint32_t cols,
                            enum fill_kind kind, bool misalign, uint64_t *rng)
{
    struct planes pl;
    planes_init(&pl, (size_t)rows * cols, misalign);
    fill_plane(pl.in, (size_t)rows * cols, kind, rng);
    uint32_t windows[16];
    const size_t nr = windows_for(cols, windows);
    for (size_t w = 0; w < nr; w++) {
        check_box(&pl, wy__pdq_impl_scalar.box_rows, impl->box_rows, rows, cols, windows[w],
                  "box_rows");
    }
    const size_t nc = windows_for(rows, windows);
    for (size_t w = 0; w < nc; w++) {
        check_box(&pl, wy__pdq_impl_scalar.box_cols, impl->box_cols, rows, cols, windows[w],
                  "box_cols");
        /* The row-at-a-time kernel, scalar and accelerated, against the whole-plane one. */
        const size_t n = (size_t)rows * cols;
        const struct wy__pdq_impl *steppers[2] = {&wy__pdq_impl_scalar, impl};
        for (int k = 0; k < 2; k++) {
            memset(pl.out, 0xa5, n * sizeof(float));
            cols_by_steps(steppers[k], pl.in, pl.out, rows, cols, windows[w]);
            char label[128];
            snprintf(label, sizeof label, "cols_step %s %ux%u window %u", steppers[k]->name, rows,
                     cols, windows[w]);
            assert_floats_identical(pl.want, pl.out, n, label);
        }
    }
    planes_fini(&pl);
}

static const uint32_t sides[] = {5,   6,   7,   8,   9,   13,  15,  16,  17,  23,  24,
                                 25,  31,  32,  33,  63,  64,  65,  100, 127, 128, 129,
                                 255, 256, 257, 300, 384, 511, 512, 513, 520};
enum { SIDE_COUNT = sizeof sides / sizeof sides[0] };

static void test_box_random(void **state)
{
    (void)state;
    const struct wy__pdq_impl *impls[4];
    const size_t n = accelerated_impls(impls);
    uint64_t rng = 0x5eed1234abcdull;
    for (size_t i = 0; i < n; i++) {
        for (size_t s = 0; s < SIDE_COUNT; s++) {
            /* Each side as rows against a spread of column counts, and the transpose. */
            const uint32_t other = sides[(s * 7 + 3) % SIDE_COUNT];
            check_box_plane(impls[i], sides[s], other, FILL_RANDOM, s % 2 == 1, &rng);
            check_box_plane(impls[i], other, sides[s], FILL_RANDOM, s % 2 == 0, &rng);
            check_box_plane(impls[i], sides[s], sides[s], FILL_RANDOM, s % 3 == 0, &rng);
        }
    }
}

static void test_box_edge_values(void **state)
{
    (void)state;
    const struct wy__pdq_impl *impls[4];
    const size_t n = accelerated_impls(impls);
    uint64_t rng = 0xfeedfacecafeull;
    for (size_t i = 0; i < n; i++) {
        for (size_t s = 0; s < SIDE_COUNT; s += 2) {
            const uint32_t other = sides[(s * 5 + 1) % SIDE_COUNT];
            for (int kind = FILL_EXTREME; kind < FILL_KINDS; kind++) {
                check_box_plane(impls[i], sides[s], other, (enum fill_kind)kind, kind % 2 == 0,
                                &rng);
            }
        }
    }
}

/* The plane sizes the hasher really uses: 64x64 decimation of every side up to 512. */
static void test_box_hasher_windows(void **state)
{
    (void)state;
    const struct wy__pdq_impl *impls[4];
    const size_t n = accelerated_impls(impls);
    uint64_t rng = 42;
    for (size_t i = 0; i < n; i++) {
        for (uint32_t side = 5; side <= 512; side += 29) {
            const uint32_t other = 517 - side;
            check_box_plane(impls[i], side, other, FILL_RANDOM, false, &rng);
        }
    }
}

static void check_dct(const struct wy__pdq_impl *impl, enum fill_kind kind, bool misalign,
                      uint64_t *rng)
{
    enum { A = 64 * 64, T = 16 * 64, B = 16 * 16 };
    const size_t shift = misalign ? 1 : 0;
    float a[A + 1];
    float t_want[T + 1];
    float t_got[T + 1];
    float b_want[B + 1];
    float b_got[B + 1];
    fill_plane(a + shift, A, kind, rng);
    memset(t_got, 0xa5, sizeof t_got);
    memset(b_got, 0xa5, sizeof b_got);
    wy__pdq_impl_scalar.dct(a + shift, t_want + shift, b_want + shift);
    impl->dct(a + shift, t_got + shift, b_got + shift);
    assert_floats_identical(t_want + shift, t_got + shift, T, "dct T = D A");
    assert_floats_identical(b_want + shift, b_got + shift, B, "dct B = T D^T");
}

static void test_dct(void **state)
{
    (void)state;
    const struct wy__pdq_impl *impls[4];
    const size_t n = accelerated_impls(impls);
    uint64_t rng = 0xdc7ull;
    for (size_t i = 0; i < n; i++) {
        for (int round = 0; round < 200; round++) {
            const enum fill_kind kind = round < 150 ? FILL_RANDOM : (enum fill_kind)(round % 4);
            check_dct(impls[i], kind, round % 2 == 1, &rng);
        }
    }
}

/*
 * One luma_row call against the scalar kernel. The row holds exactly the pixels up to the last
 * one named (a NULL table names 0..n-1) and ends at the end of its allocation, and the output
 * is exactly n floats long, so ASan reports any read or write past either; the row starts
 * `shift` bytes into its block, as rows of an image with an odd stride do.
 */
static void check_luma(const struct wy__pdq_impl *impl, enum wy_pixel_format fmt,
                       const uint32_t *cols, uint32_t n, size_t shift, uint64_t *rng,
                       const char *what)
{
    uint32_t width_px = n;
    if (cols != NULL) {
        width_px = 0;
        for (uint32_t x = 0; x < n; x++) {
            width_px = cols[x] + 1 > width_px ? cols[x] + 1 : width_px;
        }
    }
    const size_t row_bytes = (size_t)width_px * (size_t)fmt;
    uint8_t *block = malloc(shift + row_bytes);
    float *want = malloc(n * sizeof(float));
    float *got = malloc(n * sizeof(float));
    assert_non_null(block);
    assert_non_null(want);
    assert_non_null(got);
    uint8_t *row = block + shift;
    for (size_t i = 0; i < shift + row_bytes; i++) {
        /* Mostly random bytes, with runs of the extremes 0 and 255. */
        const uint64_t r = tsup_rand(rng);
        block[i] = r % 8 == 0 ? 0 : r % 8 == 1 ? 255 : (uint8_t)(r >> 8);
    }
    memset(want, 0xa5, n * sizeof(float));
    memset(got, 0xa5, n * sizeof(float));
    wy__pdq_luma_row_scalar(row, fmt, cols, n, want);
    impl->luma_row(row, fmt, cols, n, got);
    char label[128];
    snprintf(label, sizeof label, "luma_row %s format %d n %u", what, (int)fmt, n);
    assert_floats_identical(want, got, n, label);
    free(block);
    free(want);
    free(got);
}

/*
 * Every format and length 1..512 with these column tables: none (the contiguous path), random
 * columns including 0..2 (whose gathered word would start before the row), the hasher's
 * nearest-neighbour tables for a wider, a narrower and a twice as wide source row, and every
 * other column with a shift part way.
 */
static void test_luma_row(void **state)
{
    (void)state;
    const struct wy__pdq_impl *impls[4];
    const size_t n_impls = accelerated_impls(impls);
    uint64_t rng = 0x1e6a5eedull;
    static uint32_t cols[WY_PDQ_SQUASH_PX];
    for (size_t i = 0; i < n_impls; i++) {
        assert_non_null(impls[i]->luma_row);
        for (int fmt = WY_PIX_GRAY8; fmt <= WY_PIX_RGBA8; fmt++) {
            const enum wy_pixel_format f = (enum wy_pixel_format)fmt;
            for (uint32_t n = 1; n <= WY_PDQ_SQUASH_PX; n++) {
                check_luma(impls[i], f, NULL, n, n % 4, &rng, "contiguous");
                const uint32_t span = n + (uint32_t)(tsup_rand(&rng) % 1000);
                for (uint32_t x = 0; x < n; x++) {
                    cols[x] = (uint32_t)(tsup_rand(&rng) % 8 == 0 ? tsup_rand(&rng) % 3
                                                                  : tsup_rand(&rng) % span);
                }
                check_luma(impls[i], f, cols, n, n % 3, &rng, "random table");
                /* Wider, narrower, and exactly twice as wide (AVX2's one-load path for gray),
                 * also with a step that breaks the pattern part way. */
                const uint32_t srcs[3] = {n * 3 + 1, n / 2 + 1, 2 * n};
                for (int k = 0; k < 3; k++) {
                    for (uint32_t x = 0; x < n; x++) {
                        cols[x] = (uint32_t)(((double)x * (double)srcs[k]) / (double)n);
                    }
                    check_luma(impls[i], f, cols, n, 0, &rng, "nearest table");
                }
                for (uint32_t x = 0; x < n; x++) {
                    cols[x] = 2 * x + (x >= n / 3 ? 1 : 0);
                }
                check_luma(impls[i], f, cols, n, n % 5, &rng, "twice as wide, then shifted");
            }
        }
    }
}

/* A random image: smooth gradients plus noise, so blurring leaves structure to hash. */
static struct wy_image *random_image(struct wy_ctx *ctx, uint32_t w, uint32_t h,
                                     enum wy_pixel_format fmt, uint64_t *rng)
{
    struct wy_image *img = NULL;
    assert_int_equal(wy_image_new(ctx, w, h, fmt, &img), WY_OK);
    const unsigned ch = (unsigned)fmt;
    const uint32_t fx = (uint32_t)(tsup_rand(rng) % 7) + 1;
    const uint32_t fy = (uint32_t)(tsup_rand(rng) % 5) + 1;
    for (uint32_t y = 0; y < h; y++) {
        uint8_t *row = wy_image_row(img, y);
        for (uint32_t x = 0; x < w; x++) {
            for (unsigned c = 0; c < ch; c++) {
                const uint32_t smooth = (x * fx * (c + 1) + y * fy) % 200;
                row[(size_t)x * ch + c] = (uint8_t)(smooth + tsup_rand(rng) % 56);
            }
        }
    }
    return img;
}

struct hash_result {
    struct wy_pdq_hash hash;
    struct wy_pdq_hash dihedral[WY_DIH_COUNT];
    int quality;
};

static void hash_at_level(enum wy_cpu_level level, const struct wy_image *img,
                          const char *want_impl, struct hash_result *out)
{
    struct tsup_alloc a;
    struct wy_ctx *ctx = tsup_ctx_new(&a);
    wy_ctx_set_cpu(ctx, level);
    struct wy_pdq_ws *ws = NULL;
    assert_int_equal(wy_pdq_ws_new(ctx, &ws), WY_OK);
    assert_string_equal(wy_pdq_ws_impl(ws), want_impl);
    memset(out, 0, sizeof *out);
    assert_int_equal(wy_pdq_hash_image(ws, img, &out->hash, NULL, &out->quality), WY_OK);
    int quality = -1;
    struct wy_pdq_hash single;
    assert_int_equal(wy_pdq_hash_image(ws, img, &single, out->dihedral, &quality), WY_OK);
    assert_memory_equal(&single, &out->hash, sizeof single);
    assert_int_equal(quality, out->quality);
    wy_pdq_ws_free(ws);
    tsup_ctx_free_checked(ctx, &a);
}

static void test_hash_end_to_end(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    static const uint32_t sizes[][2] = {{5, 5},     {6, 9},     {17, 40},   {64, 64},   {63, 65},
                                        {100, 37},  {256, 192}, {333, 127}, {512, 512}, {513, 200},
                                        {700, 520}, {1030, 66}, {300, 600}, {512, 900}};
    const enum wy_cpu_level best = wy_cpu_detect();
    const char *best_impl = wy__pdq_impl_pick(best)->name;
    uint64_t rng = 0xe2eull;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        for (int fmt = WY_PIX_GRAY8; fmt <= WY_PIX_RGBA8; fmt++) {
            struct wy_image *img =
                random_image(ctx, sizes[i][0], sizes[i][1], (enum wy_pixel_format)fmt, &rng);
            struct hash_result scalar;
            struct hash_result accel;
            hash_at_level(WY_CPU_SCALAR, img, "scalar", &scalar);
            hash_at_level(best, img, best_impl, &accel);
            if (memcmp(&scalar, &accel, sizeof scalar) != 0) {
                fail_msg("%ux%u format %d: scalar and %s hashes differ (quality %d vs %d)",
                         sizes[i][0], sizes[i][1], fmt, best_impl, scalar.quality, accel.quality);
            }
            wy_image_free(ctx, img);
        }
    }
}

/* The dispatch itself: the best level of an AVX2 machine must really use the AVX2 kernels. */
static void test_pick(void **state)
{
    (void)state;
    assert_ptr_equal(wy__pdq_impl_pick(WY_CPU_SCALAR), &wy__pdq_impl_scalar);
#ifdef WY_HAVE_X86_SIMD
    assert_string_equal(wy__pdq_impl_avx2.name, "avx2");
    if (wy_cpu_detect() >= WY_CPU_AVX2) {
        assert_ptr_equal(wy__pdq_impl_pick(wy_cpu_detect()), &wy__pdq_impl_avx2);
    }
#endif
    const struct wy__pdq_impl *impls[4];
    print_message("accelerated PDQ kernel sets on this machine: %zu\n", accelerated_impls(impls));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pick),
        cmocka_unit_test(test_box_random),
        cmocka_unit_test(test_box_edge_values),
        cmocka_unit_test(test_box_hasher_windows),
        cmocka_unit_test(test_dct),
        cmocka_unit_test(test_luma_row),
        cmocka_unit_test(test_hash_end_to_end),
    };
    return cmocka_run_group_tests(tests, tsup_setup_ctx, tsup_teardown_ctx);
}
