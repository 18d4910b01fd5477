/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_align.c: wy_video_align on synthetic hit lists.
 *
 * A query is a list of sample times (one a second unless a test says otherwise); a registered
 * video is a grid of frames, one a second, or spans when consecutive frames were collapsed. Hits
 * are made from a known line r = speed * q + offset, snapped to the registered grid as a real
 * search would find them, then mixed with duplicates, gaps, spurious hits and slideshow-like
 * look-alikes. Every test states the answer it expects: the line within a stated tolerance, the
 * segment's ends, and the exact sample counts.
 */
#include "wy_setup.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#include "withyou/video.h"

/* ---- building hit lists ---- */

struct hits {
    struct wy_align_hit *items;
    size_t count;
    size_t cap;
};

static void hits_add(struct hits *h, int64_t q_ms, int64_t r_start_ms, int64_t r_end_ms,
                     int distance)
{
    if (h->count == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 64;
        h->items = realloc(h->items, h->cap * sizeof *h->items);
        assert_non_null(h->items);
    }
    h->items[h->count++] = (struct wy_align_hit){q_ms, r_start_ms, r_end_ms, distance};
}

static void hits_free(struct hits *h)
{
    free(h->items);
    memset(h, 0, sizeof *h);
}

/* Rounds ms to the nearest multiple of step_ms (halves away from zero). */
static int64_t snap(double ms, int64_t step_ms)
{
    return (int64_t)llround(ms / (double)step_ms) * step_ms;
}

/*
 * For each query sample q in [q_from, q_to] (step 1 s), a hit on the registered frame (1 s grid)
 * nearest to speed * q + offset, with the given distance.
 */
static void hits_line(struct hits *h, int64_t q_from_ms, int64_t q_to_ms, double speed,
                      double offset_ms, int distance)
{
    for (int64_t q = q_from_ms; q <= q_to_ms; q += 1000) {
        const int64_t r = snap(speed * (double)q + offset_ms, 1000);
        hits_add(h, q, r, r, distance);
    }
}

/* Sample times 0, step, 2 step, ... (count of them); free() the array. */
static int64_t *sample_times(size_t count, int64_t step_ms)
{
    int64_t *t = malloc((count ? count : 1) * sizeof *t);
    assert_non_null(t);
    for (size_t i = 0; i < count; i++) {
        t[i] = (int64_t)i * step_ms;
    }
    return t;
}

#define MAX_OUT 16

/* wy_video_align with the default options changed by `opts` (NULL: defaults). */
static size_t align(struct wy_ctx *ctx, const struct hits *h, const int64_t *q_times,
                    size_t q_count, const struct wy_align_opts *opts, struct wy_align_segment *out)
{
    struct wy_align_opts defaults;
    wy_align_opts_init(&defaults);
    if (opts == NULL) {
        opts = &defaults;
    }
    assert_true(opts->max_segments <= MAX_OUT);
    size_t found = SIZE_MAX;
    assert_int_equal(wy_video_align(ctx, h->items, h->count, q_times, q_count, opts, out, &found),
                     WY_OK);
    assert_true(found <= opts->max_segments);
    for (size_t i = 0; i < found; i++) {
        const struct wy_align_segment *s = &out[i];
        assert_true(s->q_start_ms <= s->q_end_ms);
        assert_true(s->r_start_ms <= s->r_end_ms);
        assert_true(s->frames_matched <= s->frames_total);
        assert_true(s->frames_matched >= opts->min_frames);
        assert_true(s->speed >= opts->min_speed && s->speed <= opts->max_speed);
        assert_true(s->score >= 0 && s->score <= 1);
        if (i > 0) {
            assert_true(out[i - 1].frames_matched >= s->frames_matched);
        }
    }
    return found;
}

/* The score the header documents: share matched times closeness (1 at distance 0, 0 at 128). */
static double expected_score(const struct wy_align_segment *s)
{
    const double closeness = fmax(0, 1 - s->mean_distance / 128);
    return (double)s->frames_matched / (double)s->frames_total * closeness;
}

/* Asserts |got - want| <= tol for signed values (cmocka's assert_in_range is unsigned). */
static void expect_near(int64_t got, int64_t want, int64_t tol)
{
    if (got < want - tol || got > want + tol) {
        fail_msg("%lld is not within %lld of %lld", (long long)got, (long long)tol,
                 (long long)want);
    }
}

/* Asserts the segment's query and registered ends and its counts; registered ends within r_tol. */
static void expect_segment(const struct wy_align_segment *s, int64_t q_start, int64_t q_end,
                           int64_t r_start, int64_t r_end, int64_t r_tol, size_t matched,
                           size_t total)
{
    assert_int_equal(s->q_start_ms, q_start);
    assert_int_equal(s->q_end_ms, q_end);
    expect_near(s->r_start_ms, r_start, r_tol);
    expect_near(s->r_end_ms, r_end, r_tol);
    assert_int_equal(s->frames_matched, matched);
    assert_int_equal(s->frames_total, total);
    assert_true(fabs(s->score - expected_score(s)) < 1e-12);
}

/* Asserts that the segment's line passes within tol_ms of (q_ms, r_ms). */
static void expect_through(const struct wy_align_segment *s, int64_t q_ms, int64_t r_ms,
                           double tol_ms)
{
    const double r = s->speed * (double)q_ms + s->offset_ms;
    if (fabs(r - (double)r_ms) > tol_ms) {
        fail_msg("line r = %.6f q + %.1f gives %.1f at %lld, expected %lld (+-%g)", s->speed,
                 s->offset_ms, r, (long long)q_ms, (long long)r_ms, tol_ms);
    }
}

static void expect_line(const struct wy_align_segment *s, double speed, double speed_tol,
                        double offset_ms, double offset_tol)
{
    if (fabs(s->speed - speed) > speed_tol || fabs(s->offset_ms - offset_ms) > offset_tol) {
        fail_msg("line r = %.6f q + %.1f, expected %.6f (+-%g) q + %.1f (+-%g)", s->speed,
                 s->offset_ms, speed, speed_tol, offset_ms, offset_tol);
    }
}

/* ---- known answers ---- */

static void test_opts_defaults(void **state)
{
    (void)state;
    struct wy_align_opts o;
    memset(&o, 0xff, sizeof o);
    wy_align_opts_init(&o);
    assert_true(o.min_speed == 0.5);
    assert_true(o.max_speed == 2.0);
    assert_int_equal(o.tolerance_ms, 700);
    assert_int_equal(o.min_frames, 3);
    assert_int_equal(o.max_segments, 4);
}

static void test_exact_copy(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct hits h = {0};
    hits_line(&h, 0, 19000, 1.0, 0, 6);
    int64_t *q = sample_times(20, 1000);
    struct wy_align_segment out[MAX_OUT];
    assert_int_equal(align(ctx, &h, q, 20, NULL, out), 1);
    expect_line(&out[0], 1.0, 1e-9, 0, 1e-6);
    expect_segment(&out[0], 0, 19000, 0, 19000, 0, 20, 20);
    assert_true(out[0].mean_distance == 6);
    assert_true(fabs(out[0].score - (1 - 6.0 / 128)) < 1e-12);
    free(q);
    hits_free(&h);
}

static void test_excerpt(void **state)
{
    /* The query is registered seconds 5..14 of a 20 s video. */
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct hits h = {0};
    hits_line(&h, 0, 9000, 1.0, 5000, 3);
    int64_t *q = sample_times(10, 1000);
    struct wy_align_segment out[MAX_OUT];
    assert_int_equal(align(ctx, &h, q, 10, NULL, out), 1);
    expect_line(&out[0], 1.0, 1e-9, 5000, 1e-6);
    expect_segment(&out[0], 0, 9000, 5000, 14000, 0, 10, 10);
    free(q);
    hits_free(&h);
}

static void test_speed_fast(void **state)
{
    /* 16 query seconds cover 20 registered seconds: speed 1.25, frames snapped to the grid. */
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct hits h = {0};
    hits_line(&h, 0, 15000, 1.25, 0, 4);
    int64_t *q = sample_times(16, 1000);
    struct wy_align_segment out[MAX_OUT];
    assert_int_equal(align(ctx, &h, q, 16, NULL, out), 1);
    expect_line(&out[0], 1.25, 0.02, 0, 300);
    expect_segment(&out[0], 0, 15000, 0, 18750, 300, 16, 16);
    free(q);
    hits_free(&h);
}

static void test_speed_slow(void **state)
{
    /* 25 query seconds cover 20 registered seconds, starting at registered second 3. */
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct hits h = {0};
    hits_line(&h, 0, 24000, 0.8, 3000, 4);
    int64_t *q = sample_times(25, 1000);
    struct wy_align_segment out[MAX_OUT];
    assert_int_equal(align(ctx, &h, q, 25, NULL, out), 1);
    expect_line(&out[0], 0.8, 0.02, 3000, 300);
    expect_segment(&out[0], 0, 24000, 3000, 22200, 300, 25, 25);
    free(q);
    hits_free(&h);
}

static void test_speed_range_limits(void **state)
{
    /* Speed 1.25 data: found with a range around it that excludes 1.0; with a range that
     * excludes 1.25, whatever is reported keeps to the range. */
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct hits h = {0};
    hits_line(&h, 0, 59000, 1.25, 2000, 4);
    int64_t *q = sample_times(60, 1000);
    struct wy_align_segment out[MAX_OUT];
    struct wy_align_opts o;
    wy_align_opts_init(&o);
    o.min_speed = 1.2;
    o.max_speed = 1.3;
    assert_int_equal(align(ctx, &h, q, 60, &o, out), 1);
    expect_line(&out[0], 1.25, 0.005, 2000, 300);
    expect_segment(&out[0], 0, 59000, 2000, 75750, 300, 60, 60);
    o.min_speed = 0.5;
    o.max_speed = 1.1;
    const size_t found = align(ctx, &h, q, 60, &o, out); /* align() checks every speed's range */
    assert_true(found >= 1);
    assert_true(out[0].frames_matched < 60);
    free(q);
    hits_free(&h);
}

static void test_gaps(void **state)
{
    /* Samples 5, 6, 7 and 12 found nothing: counted in frames_total, not in frames_matched. */
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct hits h = {0};
    for (int64_t s = 0; s < 20; s++) {
        if ((s < 5 || s > 7) && s != 12) {
            hits_add(&h, s * 1000, s * 1000 + 2000, s * 1000 + 2000, 5);
        }
    }
    int64_t *q = sample_times(20, 1000);
    struct wy_align_segment out[MAX_OUT];
    assert_int_equal(align(ctx, &h, q, 20, NULL, out), 1);
    expect_line(&out[0], 1.0, 1e-9, 2000, 1e-6);
    expect_segment(&out[0], 0, 19000, 2000, 21000, 0, 16, 20);
    assert_true(fabs(out[0].score - 0.8 * (1 - 5.0 / 128)) < 1e-12);

    /* Without the first and last samples the segment's ends move inwards. */
    struct hits inner = {0};
    for (size_t i = 1; i + 1 < h.count; i++) {
        hits_add(&inner, h.items[i].q_ms, h.items[i].r_start_ms, h.items[i].r_end_ms, 5);
    }
    assert_int_equal(align(ctx, &inner, q, 20, NULL, out), 1);
    expect_segment(&out[0], 1000, 18000, 3000, 20000, 0, 14, 18);
    free(q);
    hits_free(&inner);
    hits_free(&h);
}

static void test_duplicates(void **state)
{
    /* Every hit three times, once more with a worse distance, and a neighbour frame: the count
     * of distinct samples and the best distances must not change. */
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct hits h = {0};
    for (int64_t s = 0; s < 12; s++) {
        const int64_t r = 4000 + s * 1000;
        for (int k = 0; k < 3; k++) {
            hits_add(&h, s * 1000, r, r, 2 + (int)(s % 3));
        }
        hits_add(&h, s * 1000, r, r, 40);
        hits_add(&h, s * 1000, r + 1000, r + 1000, 30);
    }
    int64_t *q = sample_times(12, 1000);
    struct wy_align_segment out[MAX_OUT];
    assert_int_equal(align(ctx, &h, q, 12, NULL, out), 1);
    expect_line(&out[0], 1.0, 1e-9, 4000, 1e-6);
    expect_segment(&out[0], 0, 11000, 4000, 15000, 0, 12, 12);
    assert_true(out[0].mean_distance == 3.0); /* (2 + 3 + 4) / 3 */
    free(q);
    hits_free(&h);
}

static void test_spans(void **state)
{
    /* The registered video was collapsed into 5 s spans (a static shot each); the query is a
     * copy starting at registered second 10, so every sample hits the span around it. */
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct hits h = {0};
    for (int64_t s = 0; s < 20; s++) {
        const int64_t r = 10000 + s * 1000;
        const int64_t span_start = r / 5000 * 5000;
        hits_add(&h, s * 1000, span_start, span_start + 4000, 1);
    }
    int64_t *q = sample_times(20, 1000);
    struct wy_align_segment out[MAX_OUT];
    assert_int_equal(align(ctx, &h, q, 20, NULL, out), 1);
    expect_line(&out[0], 1.0, 1e-9, 10000, 1e-6);
    expect_segment(&out[0], 0, 19000, 10000, 29000, 0, 20, 20);
    free(q);
    hits_free(&h);
}

static void test_slideshow(void **state)
{
    /*
     * A slideshow: six photos, each shown for 5 registered seconds. The query is registered
     * seconds 7..26, and each query sample hits all five frames of its photo with distances
     * that differ from frame to frame. Any offset in a 2 s window fits every sample; the answer
     * must lie within the tolerance of the true one.
     */
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct hits h = {0};
    for (int64_t s = 0; s < 20; s++) {
        const int64_t photo = (7000 + s * 1000) / 5000;
        for (int64_t f = 0; f < 5; f++) {
            const int64_t r = photo * 5000 + f * 1000;
            hits_add(&h, s * 1000, r, r, (int)((r / 1000 * 7 + s * 3) % 11));
        }
    }
    int64_t *q = sample_times(20, 1000);
    struct wy_align_segment out[MAX_OUT];
    struct wy_align_opts o;
    wy_align_opts_init(&o);
    assert_int_equal(align(ctx, &h, q, 20, &o, out), 1);
    expect_line(&out[0], 1.0, 0.05, 7000, (double)o.tolerance_ms);
    assert_int_equal(out[0].frames_matched, 20);
    assert_int_equal(out[0].q_start_ms, 0);
    assert_int_equal(out[0].q_end_ms, 19000);
    assert_in_range(out[0].r_start_ms, 6000, 8000);
    assert_in_range(out[0].r_end_ms, 25000, 27000);
    free(q);
    hits_free(&h);
}

static void test_spurious(void **state)
{
    /*
     * 40 query samples; samples 10..29 are registered seconds 30..49 (speed 1, offset 20000,
     * distance 2). Every sample also gets five random hits over a 10 minute video. For twenty
     * seeds the line must stay put and keep all its samples.
     */
    struct wy_ctx *ctx = tsup_state_ctx(state);
    int64_t *q = sample_times(40, 1000);
    for (uint64_t seed = 1; seed <= 20; seed++) {
        uint64_t rng = seed * 0x9E3779B97F4A7C15ull;
        struct hits h = {0};
        hits_line(&h, 10000, 29000, 1.0, 20000, 2);
        for (int64_t s = 0; s < 40; s++) {
            for (int k = 0; k < 5; k++) {
                const int64_t r = (int64_t)(tsup_rand(&rng) % 600) * 1000;
                hits_add(&h, s * 1000, r, r, 20 + (int)(tsup_rand(&rng) % 40));
            }
        }
        struct wy_align_segment out[MAX_OUT];
        const size_t found = align(ctx, &h, q, 40, NULL, out);
        assert_true(found >= 1);
        expect_line(&out[0], 1.0, 0.01, 20000, 300);
        assert_in_range(out[0].frames_matched, 20, 40);
        assert_true(out[0].q_start_ms <= 10000 && out[0].q_end_ms >= 29000);
        for (size_t i = 1; i < found; i++) {
            assert_true(out[i].frames_matched < 20); /* chance alignments stay small */
        }
        hits_free(&h);
    }
    free(q);
}

static void test_two_segments(void **state)
{
    /*
     * Query seconds 0..5 are registered 0..5; 6..14 are unrelated (hits far away); 15..22 are
     * registered 100..107. No line within the speed range joins the two parts.
     */
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct hits h = {0};
    hits_line(&h, 0, 5000, 1.0, 0, 4);
    for (int64_t s = 6; s <= 14; s++) {
        hits_add(&h, s * 1000, 500000 + s * 37000, 500000 + s * 37000, 10);
    }
    hits_line(&h, 15000, 22000, 1.0, 85000, 8);
    int64_t *q = sample_times(25, 1000);
    struct wy_align_segment out[MAX_OUT];
    assert_int_equal(align(ctx, &h, q, 25, NULL, out), 2);
    expect_line(&out[0], 1.0, 1e-9, 85000, 1e-6);
    expect_segment(&out[0], 15000, 22000, 100000, 107000, 0, 8, 8);
    expect_line(&out[1], 1.0, 1e-9, 0, 1e-6);
    expect_segment(&out[1], 0, 5000, 0, 5000, 0, 6, 6);

    /* max_segments 1 keeps the better one. */
    struct wy_align_opts o;
    wy_align_opts_init(&o);
    o.max_segments = 1;
    assert_int_equal(align(ctx, &h, q, 25, &o, out), 1);
    assert_int_equal(out[0].q_start_ms, 15000);
    free(q);
    hits_free(&h);
}

static void test_nothing_aligns(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    int64_t *q = sample_times(10, 1000);
    struct wy_align_segment out[MAX_OUT];

    /* Two samples on a perfect line: fewer than min_frames (3). */
    struct hits two = {0};
    hits_line(&two, 3000, 4000, 1.0, 0, 1);
    assert_int_equal(align(ctx, &two, q, 10, NULL, out), 0);

    /* Five samples no two of which a line of speed 0.5..2 can join within 1 s: every pair's
     * slope is at least 4 or negative. */
    static const int64_t r_s[] = {0, 50, 10, 80, 30};
    struct hits scattered = {0};
    for (int64_t s = 0; s < 5; s++) {
        hits_add(&scattered, s * 1000, r_s[s] * 1000, r_s[s] * 1000, 3);
    }
    assert_int_equal(align(ctx, &scattered, q, 10, NULL, out), 0);
    struct wy_align_opts o;
    wy_align_opts_init(&o);
    o.min_frames = 2;
    assert_int_equal(align(ctx, &scattered, q, 10, &o, out), 0);
    /* min_frames 1: each sample is a segment of its own, up to max_segments. */
    o.min_frames = 1;
    assert_int_equal(align(ctx, &scattered, q, 10, &o, out), 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(out[i].frames_matched, 1);
        assert_int_equal(out[i].frames_total, 1);
        assert_int_equal(out[i].r_start_ms, r_s[out[i].q_start_ms / 1000] * 1000);
    }
    o.max_segments = 8;
    assert_int_equal(align(ctx, &scattered, q, 10, &o, out), 5);
    free(q);
    hits_free(&two);
    hits_free(&scattered);
}

static void test_tolerance(void **state)
{
    /*
     * Hits alternately 400 ms after and before the line (samples 3 s apart). The default
     * tolerance takes them all; at 100 ms they fall apart into the two parallel lines of five
     * samples each (no line of speed 0.5..2 holds three samples of both).
     */
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct hits h = {0};
    for (int64_t s = 0; s < 10; s++) {
        const int64_t r = s * 3000 + (s % 2 ? -400 : 400);
        hits_add(&h, s * 3000, r, r, 1);
    }
    int64_t *q = sample_times(10, 3000);
    struct wy_align_segment out[MAX_OUT];
    assert_int_equal(align(ctx, &h, q, 10, NULL, out), 1);
    assert_int_equal(out[0].frames_matched, 10);
    expect_line(&out[0], 1.0, 0.02, 0, 400);
    struct wy_align_opts o;
    wy_align_opts_init(&o);
    o.tolerance_ms = 100;
    assert_int_equal(align(ctx, &h, q, 10, &o, out), 2);
    expect_line(&out[0], 1.0, 1e-9, 400, 1e-6);
    expect_segment(&out[0], 0, 24000, 400, 24400, 0, 5, 9);
    expect_line(&out[1], 1.0, 1e-9, -400, 1e-6);
    expect_segment(&out[1], 3000, 27000, 2600, 26600, 0, 5, 9);

    /* A zero tolerance still finds an exact copy. */
    struct hits exact = {0};
    for (int64_t s = 0; s < 10; s++) {
        hits_add(&exact, s * 3000, s * 3000 + 1000, s * 3000 + 1000, 0);
    }
    o.tolerance_ms = 0;
    assert_int_equal(align(ctx, &exact, q, 10, &o, out), 1);
    expect_line(&out[0], 1.0, 1e-9, 1000, 1e-6);
    assert_int_equal(out[0].frames_matched, 10);
    free(q);
    hits_free(&exact);
    hits_free(&h);
}

/*
 * The most distinct samples any offset at speed 1 can gather, by brute force over the hits
 * themselves: the deepest point of closed intervals is some interval's left end.
 */
static size_t brute_depth_at_speed_one(const struct hits *h, int64_t tol)
{
    size_t best = 0;
    for (size_t c = 0; c < h->count; c++) {
        const int64_t offset = h->items[c].r_start_ms - tol - h->items[c].q_ms;
        size_t depth = 0;
        for (size_t i = 0; i < h->count; i++) {
            bool seen = false; /* is sample q_ms counted already? */
            for (size_t j = 0; j < i && !seen; j++) {
                seen = h->items[j].q_ms == h->items[i].q_ms &&
                       h->items[j].r_start_ms - tol - h->items[j].q_ms <= offset &&
                       offset <= h->items[j].r_end_ms + tol - h->items[j].q_ms;
            }
            if (!seen && h->items[i].r_start_ms - tol - h->items[i].q_ms <= offset &&
                offset <= h->items[i].r_end_ms + tol - h->items[i].q_ms) {
                depth++;
            }
        }
        best = depth > best ? depth : best;
    }
    return best;
}

static void test_vote_is_exact(void **state)
{
    /*
     * Random small inputs: with speed fixed at 1.0 the first segment holds exactly the most
     * samples an offset can gather; with the default range of speeds, at least as many.
     */
    struct wy_ctx *ctx = tsup_state_ctx(state);
    int64_t *q = sample_times(30, 1000);
    uint64_t rng = 99;
    for (int round = 0; round < 200; round++) {
        struct hits h = {0};
        const size_t count = 1 + (size_t)(tsup_rand(&rng) % 60);
        for (size_t i = 0; i < count; i++) {
            /* Times on a 100 ms grid, so that intervals often just touch. */
            const int64_t r = (int64_t)(tsup_rand(&rng) % 400) * 100;
            const int64_t span = tsup_rand(&rng) % 4 ? 0 : (int64_t)(tsup_rand(&rng) % 50) * 100;
            hits_add(&h, (int64_t)(tsup_rand(&rng) % 30) * 1000, r, r + span,
                     (int)(tsup_rand(&rng) % 257));
        }
        struct wy_align_opts o;
        wy_align_opts_init(&o);
        o.tolerance_ms = (int64_t)(tsup_rand(&rng) % 15) * 100;
        o.min_frames = 1;
        const size_t want = brute_depth_at_speed_one(&h, o.tolerance_ms);
        struct wy_align_segment out[MAX_OUT];
        assert_true(align(ctx, &h, q, 30, &o, out) >= 1);
        assert_true(out[0].frames_matched >= want);
        o.min_speed = 1.0;
        o.max_speed = 1.0;
        assert_true(align(ctx, &h, q, 30, &o, out) >= 1);
        assert_int_equal(out[0].frames_matched, want);
        hits_free(&h);
    }
    free(q);
}

/* ---- robustness ---- */

static void shuffle(struct hits *h, uint64_t *rng)
{
    for (size_t i = h->count; i > 1; i--) {
        const size_t j = (size_t)(tsup_rand(rng) % i);
        const struct wy_align_hit t = h->items[i - 1];
        h->items[i - 1] = h->items[j];
        h->items[j] = t;
    }
}

/* Two segments with clutter and slideshow look-alikes, used by the order and OOM tests. */
static void mixed_case(struct hits *h, int64_t **q, size_t *q_count)
{
    uint64_t rng = 77;
    hits_line(h, 0, 29000, 1.1, 4000, 3);
    hits_line(h, 40000, 59000, 0.9, 200000, 6);
    for (int64_t s = 0; s < 70; s++) {
        for (int k = 0; k < 3; k++) {
            const int64_t r = (int64_t)(tsup_rand(&rng) % 300000);
            hits_add(h, s * 1000, r, r + (int64_t)(tsup_rand(&rng) % 3) * 1000,
                     (int)(tsup_rand(&rng) % 60));
        }
    }
    *q_count = 70;
    *q = sample_times(70, 1000);
}

static void test_order_independent(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct hits h = {0};
    int64_t *q;
    size_t q_count;
    mixed_case(&h, &q, &q_count);
    struct wy_align_segment first[MAX_OUT];
    const size_t found = align(ctx, &h, q, q_count, NULL, first);
    assert_true(found >= 2);
    /* Clutter this dense (each sample supports a random line with odds of about 1 in 25) joins
     * stray samples to the ends of segments, and 20 samples rounded to whole registered seconds
     * fix a speed to a few percent only: the lines are checked where the true samples are. */
    assert_true(first[0].frames_matched >= 30);
    assert_true(fabs(first[0].speed - 1.1) < 0.03);
    expect_through(&first[0], 0, 4000, 500);
    expect_through(&first[0], 29000, 35900, 500);
    assert_true(first[1].frames_matched >= 19);
    assert_true(fabs(first[1].speed - 0.9) < 0.03);
    expect_through(&first[1], 40000, 236000, 500);
    expect_through(&first[1], 59000, 253100, 500);
    uint64_t rng = 5;
    for (int round = 0; round < 5; round++) {
        shuffle(&h, &rng);
        struct wy_align_segment again[MAX_OUT];
        assert_int_equal(align(ctx, &h, q, q_count, NULL, again), found);
        assert_memory_equal(again, first, found * sizeof *first);
    }
    free(q);
    hits_free(&h);
}

static void test_large(void **state)
{
    /*
     * 100,000 hits: a 10 minute query at speed 1.1 against a 1 hour video, each sample with 165
     * random hits besides its true one. The speed grid is thinned to keep the work bounded; the
     * refinement must still recover the whole line.
     */
    struct wy_ctx *ctx = tsup_state_ctx(state);
    uint64_t rng = 2024;
    struct hits h = {0};
    hits_line(&h, 0, 599000, 1.1, 12000, 5);
    for (int64_t s = 0; s < 600; s++) {
        for (int k = 0; k < 166 - (s >= 400 ? 1 : 0); k++) {
            const int64_t r = (int64_t)(tsup_rand(&rng) % 3600) * 1000;
            hits_add(&h, s * 1000, r, r, 10 + (int)(tsup_rand(&rng) % 50));
        }
    }
    assert_int_equal(h.count, 100000);
    int64_t *q = sample_times(600, 1000);
    struct wy_align_segment out[MAX_OUT];
    assert_true(align(ctx, &h, q, 600, NULL, out) >= 1);
    expect_line(&out[0], 1.1, 0.001, 12000, 500);
    assert_int_equal(out[0].frames_matched, 600);
    expect_segment(&out[0], 0, 599000, 12000, 670900, 500, 600, 600);
    free(q);
    hits_free(&h);
}

static void test_invalid(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct hits h = {0};
    hits_line(&h, 0, 4000, 1.0, 0, 1);
    int64_t *q = sample_times(5, 1000);
    struct wy_align_segment out[MAX_OUT];
    struct wy_align_opts good;
    wy_align_opts_init(&good);
    size_t found = 99;

    struct wy_align_opts o = good;
    o.min_speed = 0;
    assert_int_equal(wy_video_align(ctx, h.items, h.count, q, 5, &o, out, &found), WY_EINVAL);
    o.min_speed = -1;
    assert_int_equal(wy_video_align(ctx, h.items, h.count, q, 5, &o, out, &found), WY_EINVAL);
    o.min_speed = NAN;
    assert_int_equal(wy_video_align(ctx, h.items, h.count, q, 5, &o, out, &found), WY_EINVAL);
    o = good;
    o.min_speed = 2.5; /* above max_speed */
    assert_int_equal(wy_video_align(ctx, h.items, h.count, q, 5, &o, out, &found), WY_EINVAL);
    o = good;
    o.max_speed = INFINITY;
    assert_int_equal(wy_video_align(ctx, h.items, h.count, q, 5, &o, out, &found), WY_EINVAL);
    o = good;
    o.max_segments = 0;
    assert_int_equal(wy_video_align(ctx, h.items, h.count, q, 5, &o, out, &found), WY_EINVAL);
    o = good;
    o.tolerance_ms = -1;
    assert_int_equal(wy_video_align(ctx, h.items, h.count, q, 5, &o, out, &found), WY_EINVAL);

    assert_int_equal(wy_video_align(ctx, NULL, 3, q, 5, &good, out, &found), WY_EINVAL);
    assert_int_equal(wy_video_align(ctx, h.items, h.count, NULL, 5, &good, out, &found), WY_EINVAL);
    /* Hits whose sample is not among q_times. */
    assert_int_equal(wy_video_align(ctx, h.items, h.count, q, 0, &good, out, &found), WY_EINVAL);
    assert_int_equal(wy_video_align(ctx, h.items, h.count, q, 3, &good, out, &found), WY_EINVAL);
    /* q_times out of order or repeated. */
    int64_t bad_q[5] = {0, 1000, 3000, 2000, 4000};
    assert_int_equal(wy_video_align(ctx, h.items, h.count, bad_q, 5, &good, out, &found),
                     WY_EINVAL);
    bad_q[3] = 3000;
    assert_int_equal(wy_video_align(ctx, h.items, h.count, bad_q, 5, &good, out, &found),
                     WY_EINVAL);
    /* Malformed hits. */
    const struct wy_align_hit bad_hits[] = {
        {1000, 5000, 4000, 1},           /* ends before it starts */
        {1000, 0, 0, -1},                /* negative distance */
        {1000, 0, 0, 257},               /* beyond 256 bits */
        {1000, INT64_MAX, INT64_MAX, 1}, /* absurd time */
    };
    for (size_t i = 0; i < sizeof bad_hits / sizeof bad_hits[0]; i++) {
        struct hits one = {0};
        hits_line(&one, 0, 4000, 1.0, 0, 1);
        hits_add(&one, bad_hits[i].q_ms, bad_hits[i].r_start_ms, bad_hits[i].r_end_ms,
                 bad_hits[i].distance);
        assert_int_equal(wy_video_align(ctx, one.items, one.count, q, 5, &good, out, &found),
                         WY_EINVAL);
        hits_free(&one);
    }
    assert_int_equal(found, 99); /* untouched by every failure */

    /* Nothing to align is not an error, with or without sample times. */
    assert_int_equal(wy_video_align(ctx, NULL, 0, NULL, 0, &good, out, &found), WY_OK);
    assert_int_equal(found, 0);
    found = 99;
    assert_int_equal(wy_video_align(ctx, NULL, 0, q, 5, &good, out, &found), WY_OK);
    assert_int_equal(found, 0);
    /* min_frames 0 behaves as 1; min_speed == max_speed is a one-speed grid. */
    o = good;
    o.min_frames = 0;
    o.min_speed = 1.0;
    o.max_speed = 1.0;
    assert_int_equal(wy_video_align(ctx, h.items, h.count, q, 5, &o, out, &found), WY_OK);
    assert_int_equal(found, 1);
    assert_true(out[0].speed == 1.0);
    free(q);
    hits_free(&h);
}

struct oom_case {
    struct hits hits;
    int64_t *q;
    size_t q_count;
    size_t found_ok; /* segments of an unhindered run */
};

static enum wy_status oom_run(struct wy_ctx *ctx, void *user)
{
    struct oom_case *c = user;
    struct wy_align_opts o;
    wy_align_opts_init(&o);
    struct wy_align_segment out[MAX_OUT];
    size_t found = SIZE_MAX;
    const enum wy_status st =
        wy_video_align(ctx, c->hits.items, c->hits.count, c->q, c->q_count, &o, out, &found);
    if (st == WY_OK) {
        assert_int_equal(found, c->found_ok);
    } else {
        assert_int_equal(found, SIZE_MAX);
    }
    return st;
}

static void test_oom_sweep(void **state)
{
    (void)state;
    struct oom_case c = {0};
    mixed_case(&c.hits, &c.q, &c.q_count);
    struct tsup_alloc a;
    struct wy_ctx *ctx = tsup_ctx_new(&a);
    struct wy_align_segment out[MAX_OUT];
    c.found_ok = align(ctx, &c.hits, c.q, c.q_count, NULL, out);
    assert_true(a.total_allocs >= 2); /* the sweep below has failures to walk */
    tsup_ctx_free_checked(ctx, &a);
    tsup_oom_sweep(oom_run, &c);
    free(c.q);
    hits_free(&c.hits);
}

/* Each test gets its own checked context, so a leak fails the test that caused it. */
#define CTX_TEST(fn) cmocka_unit_test_setup_teardown(fn, tsup_setup_ctx, tsup_teardown_ctx)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_opts_defaults),
        CTX_TEST(test_exact_copy),
        CTX_TEST(test_excerpt),
        CTX_TEST(test_speed_fast),
        CTX_TEST(test_speed_slow),
        CTX_TEST(test_speed_range_limits),
        CTX_TEST(test_gaps),
        CTX_TEST(test_duplicates),
        CTX_TEST(test_spans),
        CTX_TEST(test_slideshow),
        CTX_TEST(test_spurious),
        CTX_TEST(test_two_segments),
        CTX_TEST(test_nothing_aligns),
        CTX_TEST(test_tolerance),
        CTX_TEST(test_vote_is_exact),
        CTX_TEST(test_order_independent),
        CTX_TEST(test_large),
        CTX_TEST(test_invalid),
        cmocka_unit_test(test_oom_sweep),
    };
    return cmocka_run_group_tests_name("align", tests, NULL, NULL);
}
