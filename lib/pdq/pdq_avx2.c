/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pdq_avx2.c: AVX2 versions of PDQ's luminance, box filter and partial DCT, bit-identical to
 * the scalar kernels in pdq.c, pdq_jarosz.c and pdq_dct.c.
 *
 * Why the floats are identical: every vector lane performs, for one output element, the very
 * operations of the scalar code in the very same order. Vectors run ACROSS independent lines
 * (eight columns, eight rows, eight output coefficients), never along one sum, so no sum is
 * reassociated. Additions, subtractions, multiplications and divisions are IEEE-754 single
 * precision with round-to-nearest in both the SSE scalar unit and AVX lanes, so equal operands in
 * equal order round equally. Products are never fused into an FMA: the file is compiled with
 * -ffp-contract=off and only separate _mm256_mul_ps / _mm256_add_ps are written. Running sums
 * start from +0.0f and divide by (float)count exactly as the scalar code does.
 *
 * Layout: box_cols walks the plane row by row with one running sum per column (256 columns per
 * pass, in L1), so memory is read in order. box_rows keeps eight rows per register by
 * transposing 8x4 blocks on the way in and out; the ends of each row, where the window grows and
 * shrinks, take a plain per-output path. The DCT's first stage T = D A runs across eight
 * columns of A; its second stage B = T D^T runs across eight columns of B with a transposed copy
 * of the basis. luma_row converts eight pixels per vector (bytes to float is exact; then the
 * scalar's two products, their sum, the third product and the final sum). Planes narrower or
 * shorter than 8 go to the scalar kernel, and a ragged last group of columns or rows is recomputed
 * flush with the edge, overlapping the previous group (each line is independent, so it is written
 * again with the same values). As in the scalar kernels, `in` and `out` must not overlap.
 */
#include "wy_setup.h"

#include <immintrin.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "core/core_int.h"
#include "pdq/pdq_int.h"

enum { LANES = 8 };

/*
 * sum / count, as the scalar divides. When count is a power of two, 1 / count is exact and
 * multiplying by it rounds the very same real number as dividing, for every float: a
 * multiplication costs a fraction of a division, and at the hasher's 512 px the full phase's
 * count is 4.
 */
struct divisor {
    __m256 by;
    bool reciprocal; /* `by` holds 1 / count */
};

static inline struct divisor divisor_make(uint32_t count)
{
    const bool pow2 = count != 0 && (count & (count - 1)) == 0;
    const struct divisor d = {_mm256_set1_ps(pow2 ? 1.0f / (float)count : (float)count), pow2};
    return d;
}

static inline __m256 divide(__m256 sum, struct divisor d)
{
    return d.reciprocal ? _mm256_mul_ps(sum, d.by) : _mm256_div_ps(sum, d.by);
}

/* ---- box_cols: a row of running sums, one per column ---- */

/* Columns per pass of box_cols: their running sums (1 KiB) stay in L1 between rows. */
enum { COLS_CHUNK = 256 };

/* wy__pdq_cols_step_scalar, eight columns per vector, the ragged end column by column. */
static void cols_step_avx2(float *sums, const float *add, const float *sub, float *out,
                           uint32_t width, uint32_t count)
{
    const uint32_t whole = width - width % LANES;
    const struct divisor divisor = divisor_make(count);
    for (uint32_t j = 0; j < whole; j += LANES) {
        __m256 s = _mm256_loadu_ps(sums + j);
        if (add != NULL) {
            s = _mm256_add_ps(s, _mm256_loadu_ps(add + j));
        }
        if (sub != NULL) {
            s = _mm256_sub_ps(s, _mm256_loadu_ps(sub + j));
        }
        _mm256_storeu_ps(sums + j, s);
        if (out != NULL) {
            _mm256_storeu_ps(out + j, divide(s, divisor));
        }
    }
    if (whole < width) {
        wy__pdq_cols_step_scalar(sums + whole, add != NULL ? add + whole : NULL,
                                 sub != NULL ? sub + whole : NULL, out != NULL ? out + whole : NULL,
                                 width - whole, count);
    }
}

/*
 * wy__pdq_box1d down `width` adjacent columns, walking the plane row by row so every access is
 * sequential. Phase by phase this is the scalar loop, with each column's float kept in sums[].
 */
static void cols_chunk(const float *in, float *out, size_t stride, size_t width,
                       const struct wy__pdq_box_plan *p)
{
    float sums[COLS_CHUNK] WY_ALIGNED(32);
    for (size_t j = 0; j < width; j++) {
        sums[j] = 0.0f;
    }
    const float *right = in;
    const float *left = in;
    uint32_t count = 0;
    for (uint32_t i = 0; i < p->lead; i++, right += stride) {
        cols_step_avx2(sums, right, NULL, NULL, (uint32_t)width, 0);
        count++;
    }
    for (uint32_t i = 0; i < p->grow; i++, right += stride, out += stride) {
        count++;
        cols_step_avx2(sums, right, NULL, out, (uint32_t)width, count);
    }
    for (uint32_t i = 0; i < p->full; i++, right += stride, left += stride, out += stride) {
        cols_step_avx2(sums, right, left, out, (uint32_t)width, count);
    }
    for (uint32_t i = 0; i < p->shrink; i++, left += stride, out += stride) {
        count--;
        cols_step_avx2(sums, NULL, left, out, (uint32_t)width, count);
    }
}

static void box_cols_avx2(const float *in, float *out, uint32_t rows, uint32_t cols,
                          uint32_t window)
{
    if (cols < LANES) {
        wy__pdq_box_cols_scalar(in, out, rows, cols, window);
        return;
    }
    const struct wy__pdq_box_plan p = wy__pdq_box_plan_make(rows, window);
    const size_t whole = cols - cols % LANES;
    for (size_t j = 0; j < whole; j += COLS_CHUNK) {
        const size_t width = whole - j < COLS_CHUNK ? whole - j : COLS_CHUNK;
        cols_chunk(in + j, out + j, cols, width, &p);
    }
    if (whole < cols) {
        /* The ragged columns: eight flush with the right edge, some of them recomputed. */
        cols_chunk(in + cols - LANES, out + cols - LANES, cols, LANES, &p);
    }
}

/* ---- box_rows: eight rows per register through 8x4 transposes ---- */

/*
 * Four columns of eight rows: c0..c3, lane r = row r. Written without loops or arrays so that
 * the compiler keeps every vector in a register; helpers are kept small enough to be inlined.
 */
struct quad {
    __m256 c0, c1, c2, c3;
};

/* Transposes the 4x4 block in each 128-bit lane of q. */
static inline struct quad transpose4_lanes(struct quad q)
{
    const __m256 lo01 = _mm256_unpacklo_ps(q.c0, q.c1);
    const __m256 hi01 = _mm256_unpackhi_ps(q.c0, q.c1);
    const __m256 lo23 = _mm256_unpacklo_ps(q.c2, q.c3);
    const __m256 hi23 = _mm256_unpackhi_ps(q.c2, q.c3);
    const struct quad t = {
        _mm256_shuffle_ps(lo01, lo23, _MM_SHUFFLE(1, 0, 1, 0)),
        _mm256_shuffle_ps(lo01, lo23, _MM_SHUFFLE(3, 2, 3, 2)),
        _mm256_shuffle_ps(hi01, hi23, _MM_SHUFFLE(1, 0, 1, 0)),
        _mm256_shuffle_ps(hi01, hi23, _MM_SHUFFLE(3, 2, 3, 2)),
    };
    return t;
}

/* Four floats of row r (low lane) and of row r + 4 (high lane). */
static inline __m256 load_pair(const float *p, size_t stride, size_t r)
{
    const float *lo = p + r * stride;
    return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(lo)),
                                _mm_loadu_ps(lo + 4 * stride), 1);
}

static inline void store_pair(float *p, size_t stride, size_t r, __m256 v)
{
    float *lo = p + r * stride;
    _mm_storeu_ps(lo, _mm256_castps256_ps128(v));
    _mm_storeu_ps(lo + 4 * stride, _mm256_extractf128_ps(v, 1));
}

/*
 * Loads the 8x4 block whose rows start at p, `stride` floats apart, by columns. Rows r and r + 4
 * share a register, one per 128-bit lane, which leaves only an in-lane 4x4 transpose to do.
 */
static inline struct quad quad_load(const float *p, size_t stride)
{
    const struct quad rows = {load_pair(p, stride, 0), load_pair(p, stride, 1),
                              load_pair(p, stride, 2), load_pair(p, stride, 3)};
    return transpose4_lanes(rows);
}

/* The inverse of quad_load. */
static inline void quad_store(float *p, size_t stride, struct quad q)
{
    const struct quad rows = transpose4_lanes(q);
    store_pair(p, stride, 0, rows.c0);
    store_pair(p, stride, 1, rows.c1);
    store_pair(p, stride, 2, rows.c2);
    store_pair(p, stride, 3, rows.c3);
}

/* One output of the full phase: the scalar's add, then subtract, then divide. */
static inline __m256 full_step(__m256 *sum, __m256 add, __m256 sub, struct divisor divisor)
{
    *sum = _mm256_sub_ps(_mm256_add_ps(*sum, add), sub);
    return divide(*sum, divisor);
}

/*
 * `quads` runs of four outputs from o0 on, all in the scalar's full phase, for eight rows. The
 * next quad's inputs are loaded before this quad's outputs are stored: a load that follows a
 * pending store with the same address bits 0..11 waits for it (4 KiB aliasing), and two planes
 * allocated alike usually sit a multiple of 4 KiB apart, which halved the speed.
 */
static __m256 rows_full_run(const float *in, float *out, size_t stride, size_t o0, size_t quads,
                            const struct wy__pdq_box_plan *p, __m256 sum)
{
    const struct divisor divisor = divisor_make(p->lead + p->grow);
    struct quad a = quad_load(in + o0 + p->lead, stride);
    struct quad s = quad_load(in + o0 - p->grow, stride);
    for (size_t q = 0; q < quads; q++, o0 += 4) {
        struct quad y;
        y.c0 = full_step(&sum, a.c0, s.c0, divisor);
        y.c1 = full_step(&sum, a.c1, s.c1, divisor);
        y.c2 = full_step(&sum, a.c2, s.c2, divisor);
        y.c3 = full_step(&sum, a.c3, s.c3, divisor);
        if (q + 1 < quads) {
            a = quad_load(in + o0 + 4 + p->lead, stride);
            s = quad_load(in + o0 + 4 - p->grow, stride);
        }
        quad_store(out + o0, stride, y);
    }
    return sum;
}

/*
 * Columns col + k, k_begin <= k < k_end <= 8, of eight rows, by columns in memory: v[8 * k + r]
 * is row r of column col + k. The caller asks only for columns inside the row; the other
 * entries of v are left alone and never read.
 */
static void tile_gather(const float *in, size_t stride, size_t col, uint32_t k_begin,
                        uint32_t k_end, float v[LANES * LANES])
{
    if (k_begin == 0 && k_end == LANES) {
        const struct quad lo = quad_load(in + col, stride);
        const struct quad hi = quad_load(in + col + 4, stride);
        const __m256 cols[LANES] = {lo.c0, lo.c1, lo.c2, lo.c3, hi.c0, hi.c1, hi.c2, hi.c3};
        for (int k = 0; k < LANES; k++) {
            _mm256_storeu_ps(v + LANES * k, cols[k]);
        }
        return;
    }
    for (uint32_t k = k_begin; k < k_end; k++) {
        for (size_t r = 0; r < LANES; r++) {
            v[LANES * k + r] = in[r * stride + col + k];
        }
    }
}

/*
 * Outputs o0..o_end-1 (at most eight) of eight rows, in the growing or shrinking phase: each
 * output gets exactly the add and the subtract the scalar loop applies to it, in the same order,
 * and the scalar's count. Only the ends of each row come here, so this is plain and unhurried.
 */
static __m256 rows_edge_tile(const float *in, float *out, size_t stride, uint32_t o0,
                             uint32_t o_end, const struct wy__pdq_box_plan *p, __m256 sum)
{
    /* Output o0 + k adds sample o0 + k + lead for k < n_add and subtracts o0 + k - grow for
     * k >= k_sub. */
    const uint32_t n = o_end - o0;
    const uint32_t add_end = p->len - p->lead > o0 ? p->len - p->lead - o0 : 0;
    const uint32_t n_add = add_end < n ? add_end : n;
    const uint32_t k_sub = p->grow > o0 ? (p->grow - o0 < n ? p->grow - o0 : n) : 0;
    float add[LANES * LANES];
    float sub[LANES * LANES];
    float y[LANES];
    if (n_add > 0) {
        tile_gather(in, stride, (size_t)o0 + p->lead, 0, n_add, add);
    }
    if (k_sub < n) {
        tile_gather(in, stride, (size_t)o0 + k_sub - p->grow, 0, n - k_sub, sub + LANES * k_sub);
    }
    for (uint32_t k = 0; k < n; k++) {
        if (k < n_add) {
            sum = _mm256_add_ps(sum, _mm256_loadu_ps(add + LANES * k));
        }
        if (k >= k_sub) {
            sum = _mm256_sub_ps(sum, _mm256_loadu_ps(sub + LANES * k));
        }
        _mm256_storeu_ps(y,
                         _mm256_div_ps(sum, _mm256_set1_ps((float)wy__pdq_box_count(p, o0 + k))));
        for (size_t r = 0; r < LANES; r++) {
            out[r * stride + o0 + k] = y[r];
        }
    }
    return sum;
}

static __m256 rows_edge(const float *in, float *out, size_t stride, uint32_t o_begin,
                        uint32_t o_end, const struct wy__pdq_box_plan *p, __m256 sum)
{
    for (uint32_t o0 = o_begin; o0 < o_end; o0 += LANES) {
        const uint32_t end = o_end - o0 < LANES ? o_end : o0 + LANES;
        sum = rows_edge_tile(in, out, stride, o0, end, p, sum);
    }
    return sum;
}

/* The scalar kernel's sum before its first output: samples 0..lead-1 added in order to +0. */
static __m256 rows_lead(const float *in, size_t stride, const struct wy__pdq_box_plan *p)
{
    __m256 sum = _mm256_setzero_ps();
    float v[LANES * LANES];
    for (uint32_t c = 0; c < p->lead; c += LANES) {
        const uint32_t n = p->lead - c < LANES ? p->lead - c : (uint32_t)LANES;
        tile_gather(in, stride, c, 0, n, v);
        for (uint32_t k = 0; k < n; k++) {
            sum = _mm256_add_ps(sum, _mm256_loadu_ps(v + LANES * k));
        }
    }
    return sum;
}

/*
 * wy__pdq_box1d along the eight rows starting at in (and out), `stride` floats apart: the
 * scalar's phases in order, its full phase four outputs at a time.
 */
static void rows8(const float *in, float *out, size_t stride, const struct wy__pdq_box_plan *p)
{
    const uint32_t quads = p->full / 4;
    const uint32_t full_end = p->grow + 4 * quads;
    __m256 sum = rows_lead(in, stride, p);
    sum = rows_edge(in, out, stride, 0, p->grow, p, sum);
    if (quads > 0) {
        sum = rows_full_run(in, out, stride, p->grow, quads, p, sum);
    }
    (void)rows_edge(in, out, stride, full_end, p->len, p, sum);
}

static void box_rows_avx2(const float *in, float *out, uint32_t rows, uint32_t cols,
                          uint32_t window)
{
    if (rows < LANES) {
        wy__pdq_box_rows_scalar(in, out, rows, cols, window);
        return;
    }
    const struct wy__pdq_box_plan p = wy__pdq_box_plan_make(cols, window);
    /* Groups of eight rows; the last group is placed flush with the bottom edge. */
    const size_t last = rows - LANES;
    for (size_t i = 0; i < rows; i += LANES) {
        const size_t r = i < last ? i : last;
        rows8(in + r * cols, out + r * cols, cols, &p);
    }
}

/* ---- luma_row ---- */

/*
 * Luminance of eight pixels held one per 32-bit lane, channel 0 (R or gray) in the low byte,
 * then G and B; higher bytes are ignored. Bytes become floats exactly, and the products and sums
 * are the scalar expression's, in its order: (R * cr + G * cg) + B * cb, each rounded.
 */
static inline __m256 luma_px8(__m256i px, bool gray)
{
    const __m256i byte = _mm256_set1_epi32(0xff);
    const __m256 c0 = _mm256_cvtepi32_ps(_mm256_and_si256(px, byte));
    if (gray) {
        return c0;
    }
    const __m256 c1 = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32(px, 8), byte));
    const __m256 c2 = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32(px, 16), byte));
    const __m256 rg = _mm256_add_ps(_mm256_mul_ps(_mm256_set1_ps(WY_PDQ_LUMA_R), c0),
                                    _mm256_mul_ps(_mm256_set1_ps(WY_PDQ_LUMA_G), c1));
    return _mm256_add_ps(rg, _mm256_mul_ps(_mm256_set1_ps(WY_PDQ_LUMA_B), c2));
}

/*
 * Eight consecutive pixels from p, one per lane as luma_px8 wants them. Each load stays inside
 * the 8 * ch bytes of the eight pixels, so nothing past the row's last pixel is read.
 */
static inline __m256i load_px8(const uint8_t *p, unsigned ch)
{
    switch (ch) {
    case 1:
        return _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)p));
    case 2:
        return _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(const void *)p));
    case 3: {
        /* Pixels 0..3 are bytes 0..11 of the low load, pixels 4..7 bytes 4..15 of the high. */
        const __m256i rgb = _mm256_inserti128_si256(
            _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)p)),
            _mm_loadu_si128((const __m128i *)(const void *)(p + 8)), 1);
        const __m256i spread =
            _mm256_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1, 4, 5, 6, -1, 7,
                             8, 9, -1, 10, 11, 12, -1, 13, 14, 15, -1);
        return _mm256_shuffle_epi8(rgb, spread);
    }
    default:
        return _mm256_loadu_si256((const __m256i *)(const void *)p);
    }
}

/* Columns 0..n-1, n >= 8: eight at a time, the last eight placed flush with the row's end. */
static inline void luma_contiguous(const uint8_t *row, unsigned ch, uint32_t n, float *out)
{
    const bool gray = ch <= 2;
    for (uint32_t x = 0; x < n; x += LANES) {
        const uint32_t at = x + LANES <= n ? x : n - LANES;
        _mm256_storeu_ps(out + at, luma_px8(load_px8(row + (size_t)at * ch, ch), gray));
    }
}

/* The 32-bit word whose last byte is the last byte of pixel c, shifted so that channel 0 of
 * pixel c is its low byte. The caller ensures the word starts inside the row. */
static inline int pixel_word(const uint8_t *row, uint32_t c, unsigned ch)
{
    uint32_t w;
    memcpy(&w, row + (size_t)c * ch + ch - 4, sizeof w);
    return (int)(w >> (8 * (4 - ch)));
}

/*
 * Columns from a table, n >= 8, eight at a time. Each pixel is read as the 32-bit word that ENDS
 * at its last byte, so only bytes of pixels 0..c are touched; a group with a column whose word
 * would start before the row (c * ch + ch < 4, only columns 0..2) takes the scalar kernel.
 * The eight words are plain loads inserted into a vector: measured on the development Xeon,
 * _mm256_i32gather_epi32 took 1.7x as long (it is microcoded there), and the scalar kernel 2.5x.
 */
/*
 * Eight one-byte pixels at columns c0 + 1, c0 + 3, ..., c0 + 15, the squash of an image exactly
 * twice as wide (1024 px to 512, the common case of fast-decoded JPEGs): one load of the 16 bytes
 * that END at the last of them, so nothing past it is read, and a shuffle of the odd bytes.
 */
static inline __m256i gray_every_other8(const uint8_t *row, uint32_t c0)
{
    const __m128i bytes = _mm_loadu_si128((const __m128i *)(const void *)(row + c0));
    const __m128i odd = _mm_setr_epi8(1, 3, 5, 7, 9, 11, 13, 15, -1, -1, -1, -1, -1, -1, -1, -1);
    return _mm256_cvtepu8_epi32(_mm_shuffle_epi8(bytes, odd));
}

static inline void luma_table(const uint8_t *row, enum wy_pixel_format fmt, unsigned ch,
                              const uint32_t *cols, uint32_t n, float *out)
{
    const bool gray = ch <= 2;
    const __m256i first_whole = _mm256_set1_epi32((int)((4 + ch - 1) / ch - 1));
    const __m256i every_other = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
    for (uint32_t x = 0; x < n; x += LANES) {
        const uint32_t at = x + LANES <= n ? x : n - LANES;
        const uint32_t *c = cols + at;
        const __m256i c_v = _mm256_loadu_si256((const __m256i *)(const void *)c);
        if (_mm256_movemask_epi8(_mm256_cmpgt_epi32(first_whole, c_v)) != 0) {
            wy__pdq_luma_row_scalar(row, fmt, c, LANES, out + at);
            continue;
        }
        const __m256i from_first = _mm256_sub_epi32(c_v, _mm256_set1_epi32((int)c[0]));
        if (ch == 1 && c[0] > 0 &&
            _mm256_movemask_epi8(_mm256_cmpeq_epi32(from_first, every_other)) == -1) {
            _mm256_storeu_ps(out + at, luma_px8(gray_every_other8(row, c[0] - 1), true));
            continue;
        }
        const __m256i px = _mm256_setr_epi32(pixel_word(row, c[0], ch), pixel_word(row, c[1], ch),
                                             pixel_word(row, c[2], ch), pixel_word(row, c[3], ch),
                                             pixel_word(row, c[4], ch), pixel_word(row, c[5], ch),
                                             pixel_word(row, c[6], ch), pixel_word(row, c[7], ch));
        _mm256_storeu_ps(out + at, luma_px8(px, gray));
    }
}

/* wy__pdq_luma_row_scalar, eight outputs per step; rows shorter than eight go to it. */
static void luma_row_avx2(const uint8_t *row, enum wy_pixel_format fmt, const uint32_t *cols,
                          uint32_t n, float *out)
{
    const unsigned ch = (unsigned)fmt;
    WY_ASSERT(ch >= 1 && ch <= 4);
    if (n < LANES) {
        wy__pdq_luma_row_scalar(row, fmt, cols, n, out);
        return;
    }
    if (cols != NULL) {
        luma_table(row, fmt, ch, cols, n, out);
        return;
    }
    /* One call per format, so each inlined copy has a constant channel count. */
    switch (ch) {
    case 1:
        luma_contiguous(row, 1, n, out);
        break;
    case 2:
        luma_contiguous(row, 2, n, out);
        break;
    case 3:
        luma_contiguous(row, 3, n, out);
        break;
    default:
        luma_contiguous(row, 4, n, out);
        break;
    }
}

/* ---- DCT ---- */

enum { DCT_N = WY_PDQ_DOWNSAMPLE_PX, DCT_M = WY_PDQ_DCT_PX };

/* D^T (64x16, row k = column k of D), so the second stage can load eight j at once. */
static float dct_t[DCT_N * DCT_M] WY_ALIGNED(32);
static pthread_once_t dct_t_once = PTHREAD_ONCE_INIT;

static void dct_t_init(void)
{
    const float *d = wy__pdq_dct_matrix();
    for (int j = 0; j < DCT_M; j++) {
        for (int k = 0; k < DCT_N; k++) {
            dct_t[k * DCT_M + j] = d[j * DCT_N + k];
        }
    }
}

/* acc + x * y, rounded twice like the scalar `sum += x * y` (never fused). */
static inline __m256 mul_add(__m256 acc, __m256 x, __m256 y)
{
    return _mm256_add_ps(acc, _mm256_mul_ps(x, y));
}

/*
 * Row i of T = D A: eight accumulators span the 64 columns; lane j sums D[i][k] * A[k][j] over
 * k in increasing order, as the scalar does. Eight independent chains hide the add latency.
 */
static void dct_stage1_row(const float *d_row, const float *a64, float *t_row)
{
    __m256 s0 = _mm256_setzero_ps();
    __m256 s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
    for (int k = 0; k < DCT_N; k++) {
        const __m256 dk = _mm256_set1_ps(d_row[k]);
        const float *a = a64 + k * DCT_N;
        s0 = mul_add(s0, dk, _mm256_loadu_ps(a));
        s1 = mul_add(s1, dk, _mm256_loadu_ps(a + 8));
        s2 = mul_add(s2, dk, _mm256_loadu_ps(a + 16));
        s3 = mul_add(s3, dk, _mm256_loadu_ps(a + 24));
        s4 = mul_add(s4, dk, _mm256_loadu_ps(a + 32));
        s5 = mul_add(s5, dk, _mm256_loadu_ps(a + 40));
        s6 = mul_add(s6, dk, _mm256_loadu_ps(a + 48));
        s7 = mul_add(s7, dk, _mm256_loadu_ps(a + 56));
    }
    _mm256_storeu_ps(t_row, s0);
    _mm256_storeu_ps(t_row + 8, s1);
    _mm256_storeu_ps(t_row + 16, s2);
    _mm256_storeu_ps(t_row + 24, s3);
    _mm256_storeu_ps(t_row + 32, s4);
    _mm256_storeu_ps(t_row + 40, s5);
    _mm256_storeu_ps(t_row + 48, s6);
    _mm256_storeu_ps(t_row + 56, s7);
}

/*
 * Rows i..i+3 of B = T D^T: lane j sums T[i][k] * D[j][k] over k in increasing order, as the
 * scalar does. Four rows of two vectors give eight independent chains.
 */
static void dct_stage2_rows4(const float *t, float *b)
{
    __m256 s00 = _mm256_setzero_ps();
    __m256 s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00, s30 = s00, s31 = s00;
    for (int k = 0; k < DCT_N; k++) {
        const __m256 lo = _mm256_load_ps(dct_t + k * DCT_M);
        const __m256 hi = _mm256_load_ps(dct_t + k * DCT_M + 8);
        const __m256 t0 = _mm256_set1_ps(t[k]);
        const __m256 t1 = _mm256_set1_ps(t[DCT_N + k]);
        const __m256 t2 = _mm256_set1_ps(t[2 * DCT_N + k]);
        const __m256 t3 = _mm256_set1_ps(t[3 * DCT_N + k]);
        s00 = mul_add(s00, t0, lo);
        s01 = mul_add(s01, t0, hi);
        s10 = mul_add(s10, t1, lo);
        s11 = mul_add(s11, t1, hi);
        s20 = mul_add(s20, t2, lo);
        s21 = mul_add(s21, t2, hi);
        s30 = mul_add(s30, t3, lo);
        s31 = mul_add(s31, t3, hi);
    }
    _mm256_storeu_ps(b, s00);
    _mm256_storeu_ps(b + 8, s01);
    _mm256_storeu_ps(b + DCT_M, s10);
    _mm256_storeu_ps(b + DCT_M + 8, s11);
    _mm256_storeu_ps(b + 2 * DCT_M, s20);
    _mm256_storeu_ps(b + 2 * DCT_M + 8, s21);
    _mm256_storeu_ps(b + 3 * DCT_M, s30);
    _mm256_storeu_ps(b + 3 * DCT_M + 8, s31);
}

static void dct_avx2(const float *a64, float *t16x64, float *b16)
{
    const float *d = wy__pdq_dct_matrix();
    pthread_once(&dct_t_once, dct_t_init);
    for (int i = 0; i < DCT_M; i++) {
        dct_stage1_row(d + i * DCT_N, a64, t16x64 + i * DCT_N);
    }
    for (int i = 0; i < DCT_M; i += 4) {
        dct_stage2_rows4(t16x64 + i * DCT_N, b16 + i * DCT_M);
    }
}

const struct wy__pdq_impl wy__pdq_impl_avx2 = {
    .name = "avx2",
    .luma_row = luma_row_avx2,
    .box_rows = box_rows_avx2,
    .box_cols = box_cols_avx2,
    .cols_step = cols_step_avx2,
    .dct = dct_avx2,
};
