/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_index_arena.c: the bucket allocator of multi-index hashing (lib/index/index_arena.c).
 *
 * Blocks must never overlap while live (each is filled with its own pattern and checked after
 * every other allocation), freed blocks must come back through the free lists, growth must
 * follow the size classes, and large blocks and chunks must all be returned (the checking
 * allocator fails the test on a leak).
 */
#include "wy_setup.h"

#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#include "index/index_arena.h"

struct live {
    unsigned char *p;
    size_t bytes;
    unsigned char fill;
};

static void check_live(const struct live *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < v[i].bytes; j++) {
            assert_int_equal(v[i].p[j], v[i].fill);
        }
    }
}

static void test_grow_sizes(void **state)
{
    (void)state;
    assert_int_equal(wy__arena_grow_size(0), 16);
    assert_int_equal(wy__arena_grow_size(16), 32);
    assert_int_equal(wy__arena_grow_size(32), 48);
    assert_int_equal(wy__arena_grow_size(48), 64);
    assert_int_equal(wy__arena_grow_size(64), 96);
    assert_int_equal(wy__arena_grow_size(96), 128);
    assert_int_equal(wy__arena_grow_size(100), 128);
    assert_int_equal(wy__arena_grow_size(128), 192);
    assert_int_equal(wy__arena_grow_size(1536), 2048);
    /* Every step grows, by at most 1.5x past the first classes, and stays a multiple of 16. */
    for (size_t b = 16; b < 4 * WY__ARENA_LARGE; b = wy__arena_grow_size(b)) {
        const size_t next = wy__arena_grow_size(b);
        assert_true(next > b);
        assert_int_equal(next % 16, 0);
        if (b >= 64) {
            assert_true(next * 2 <= b * 3);
        }
    }
}

/* Random allocations and frees of class and odd sizes, large ones included; no overlap. */
static void test_no_overlap(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy__arena a;
    wy__arena_init(&a, ctx);
    enum { N = 3000 };
    struct live *v = calloc(N, sizeof *v);
    assert_non_null(v);
    size_t n = 0;
    uint64_t seed = 42;
    for (size_t step = 0; step < 6000; step++) {
        if (n < N && (tsup_rand(&seed) % 3 != 0 || n == 0)) {
            size_t bytes = 16 * (1 + tsup_rand(&seed) % 64);
            if (step % 500 == 0) {
                bytes = WY__ARENA_LARGE + 16 * (1 + tsup_rand(&seed) % 1000);
            } else if (step % 7 == 0) {
                bytes = wy__arena_grow_size(bytes);
            }
            v[n].p = wy__arena_alloc(&a, bytes);
            assert_non_null(v[n].p);
            assert_int_equal((uintptr_t)v[n].p % 16, 0);
            v[n].bytes = bytes;
            v[n].fill = (unsigned char)(step + 1);
            memset(v[n].p, v[n].fill, bytes);
            n++;
        } else {
            const size_t i = tsup_rand(&seed) % n;
            wy__arena_free(&a, v[i].p, v[i].bytes);
            v[i] = v[--n];
        }
        if (step % 250 == 0) {
            check_live(v, n);
        }
    }
    check_live(v, n);
    /* Large blocks are the owner's to free; chunks go with the release. */
    for (size_t i = 0; i < n; i++) {
        if (v[i].bytes > WY__ARENA_LARGE) {
            wy__arena_free(&a, v[i].p, v[i].bytes);
        }
    }
    wy__arena_release(&a);
    assert_int_equal(a.bytes, 0);
    free(v);
}

/* A freed class-size block is the next one handed out for that size. */
static void test_reuse(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy__arena a;
    wy__arena_init(&a, ctx);
    void *x = wy__arena_alloc(&a, 96);
    void *y = wy__arena_alloc(&a, 96);
    assert_non_null(x);
    assert_non_null(y);
    assert_ptr_not_equal(x, y);
    const size_t held = a.bytes;
    wy__arena_free(&a, x, 96);
    assert_ptr_equal(wy__arena_alloc(&a, 96), x);
    /* An odd size goes to the largest class below it: 112 bytes serve a 96-byte request. */
    void *z = wy__arena_alloc(&a, 112);
    wy__arena_free(&a, z, 112);
    assert_ptr_equal(wy__arena_alloc(&a, 96), z);
    assert_int_equal(a.bytes, held);
    wy__arena_release(&a);
    /* Released arenas work again. */
    assert_non_null(wy__arena_alloc(&a, 16));
    wy__arena_release(&a);
}

static void test_large(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    unsigned char *p = wy__arena_alloc_large(ctx, (size_t)5 << 20);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % ((size_t)2 << 20), 0);
    memset(p, 7, (size_t)5 << 20);
    wy__arena_free_large(ctx, p);
    p = wy__arena_alloc_large(ctx, 100);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 64, 0);
    wy__arena_free_large(ctx, p);
    wy__arena_free_large(ctx, NULL);
    assert_null(wy__arena_alloc_large(ctx, SIZE_MAX - 8));
}

static enum wy_status oom_once(struct wy_ctx *ctx, void *user)
{
    (void)user;
    struct wy__arena a;
    wy__arena_init(&a, ctx);
    void *big = NULL;
    enum wy_status st = WY_OK;
    for (size_t i = 0; i < 20000 && st == WY_OK; i++) {
        void *p = wy__arena_alloc(&a, 16 * (1 + i % 40));
        if (p == NULL) {
            st = WY_ENOMEM;
        }
    }
    if (st == WY_OK) {
        big = wy__arena_alloc(&a, WY__ARENA_LARGE * 2);
        st = big == NULL ? WY_ENOMEM : WY_OK;
    }
    wy__arena_free(&a, big, WY__ARENA_LARGE * 2);
    wy__arena_release(&a);
    return st;
}

static void test_oom(void **state)
{
    (void)state;
    tsup_oom_sweep(oom_once, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grow_sizes),
        cmocka_unit_test_setup_teardown(test_no_overlap, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_reuse, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_large, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test(test_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
