/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_core.c: the core module: status names and messages, contexts and allocators, CPU levels,
 * images, bounded file reads and the exact digests.
 */
#include "wy_setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_support.h"

static void test_status_strings(void **state)
{
    (void)state;
    assert_string_equal(wy_status_name(WY_OK), "OK");
    assert_string_equal(wy_status_name(WY_ENOMEM), "ENOMEM");
    assert_string_equal(wy_strerror(WY_ETOOBIG), "exceeds a configured limit");
    assert_string_equal(wy_status_name((enum wy_status) - 999), "EUNKNOWN");
    assert_string_equal(wy_strerror((enum wy_status) - 999), "unknown status");
    /* Numbers are ABI. */
    assert_int_equal(WY_EINVAL, -1);
    assert_int_equal(WY_ECORRUPT, -7);
    struct wy_diag d;
    wy_diag_clear(&d);
    assert_string_equal(d.msg, "");
    assert_int_equal(d.offset, -1);
    wy_diag_clear(NULL);
}

static void *never_alloc(void *o, size_t n)
{
    (void)o;
    (void)n;
    return NULL;
}

static void test_ctx(void **state)
{
    (void)state;
    struct wy_ctx *ctx = NULL;
    const struct wy_allocator partial = {never_alloc, NULL, NULL, NULL};
    assert_int_equal(wy_ctx_new(&partial, &ctx), WY_EINVAL);
    struct tsup_alloc a;
    ctx = tsup_ctx_new(&a);
    assert_int_equal(a.live_blocks, 1); /* the context lives in its own allocator */
    wy_ctx_set_cpu(ctx, WY_CPU_SCALAR);
    assert_int_equal(wy_ctx_cpu(ctx), WY_CPU_SCALAR);
    wy_ctx_set_cpu(ctx, WY_CPU_AVX512);
    assert_int_equal(wy_ctx_cpu(ctx), wy_cpu_detect()); /* clamped to what the machine has */
    void *p = wy_alloc(ctx, 100);
    assert_non_null(p);
    wy_free(ctx, p);
    wy_free(ctx, NULL);
    tsup_ctx_free_checked(ctx, &a);
    wy_ctx_free(NULL);
}

static void test_cpu_names(void **state)
{
    (void)state;
    enum wy_cpu_level level = WY_CPU_AVX2;
    for (int l = WY_CPU_SCALAR; l <= WY_CPU_AVX512; l++) {
        assert_int_equal(wy_cpu_level_parse(wy_cpu_level_name((enum wy_cpu_level)l), &level),
                         WY_OK);
        assert_int_equal(level, l);
    }
    assert_int_equal(wy_cpu_level_parse("sse9", &level), WY_EINVAL);
    assert_int_equal(level, WY_CPU_AVX512);
    assert_string_equal(wy_cpu_level_name((enum wy_cpu_level)42), "unknown");
}

static void test_image_new(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy_image *img = NULL;
    assert_int_equal(wy_image_new(ctx, 0, 10, WY_PIX_RGB8, &img), WY_EINVAL);
    assert_int_equal(wy_image_new(ctx, 10, 70000, WY_PIX_RGB8, &img), WY_EINVAL);
    assert_int_equal(wy_image_new(ctx, 10, 10, (enum wy_pixel_format)5, &img), WY_EINVAL);
    assert_null(img);
    assert_int_equal(wy_image_new(ctx, 7, 3, WY_PIX_RGBA8, &img), WY_OK);
    assert_int_equal(img->stride_bytes, 28);
    memset(img->pixels, 1, img->stride_bytes * img->height_px);
    assert_ptr_equal(wy_image_row(img, 2), img->pixels + 56);
    wy_image_free(ctx, img);
    wy_image_free(ctx, NULL);
}

static void test_file_read(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    char dir[] = "/tmp/wy_core_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/f.bin", dir);
    FILE *f = fopen(path, "wb");
    fputs("hello", f);
    fclose(f);
    struct wy_bytes b = {NULL, 0};
    struct wy_diag d;
    assert_int_equal(wy_file_read(ctx, path, 100, &b, &d), WY_OK);
    assert_int_equal(b.len, 5);
    assert_memory_equal(b.ptr, "hello", 5);
    wy_free(ctx, (void *)b.ptr);
    assert_int_equal(wy_file_read(ctx, path, 4, &b, &d), WY_ETOOBIG);
    assert_non_null(strstr(d.msg, "limit 4"));
    assert_int_equal(wy_file_read(ctx, dir, 100, &b, &d), WY_EISDIR);
    snprintf(path, sizeof path, "%s/missing", dir);
    assert_int_equal(wy_file_read(ctx, path, 100, &b, &d), WY_ENOENT);
    assert_non_null(strstr(d.msg, "No such file"));
    snprintf(path, sizeof path, "%s/f.bin", dir);
    unlink(path);
    rmdir(dir);
}

static void test_digest_vectors(void **state)
{
    (void)state;
    struct wy_digest d;
    char hex[65];
    assert_int_equal(wy_digest_bytes((struct wy_bytes){(const uint8_t *)"abc", 3}, &d), WY_OK);
    wy_hex_encode(d.sha256, WY_SHA256_BYTES, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    wy_hex_encode(d.md5, WY_MD5_BYTES, hex);
    assert_string_equal(hex, "900150983cd24fb0d6963f7d28e17f72");
    assert_int_equal(wy_digest_bytes((struct wy_bytes){NULL, 0}, &d), WY_OK);
    wy_hex_encode(d.md5, WY_MD5_BYTES, hex);
    assert_string_equal(hex, "d41d8cd98f00b204e9800998ecf8427e");
    wy_hex_encode(d.sha256, WY_SHA256_BYTES, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_strings),
        cmocka_unit_test(test_ctx),
        cmocka_unit_test(test_cpu_names),
        cmocka_unit_test_setup_teardown(test_image_new, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_file_read, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test(test_digest_vectors),
    };
    return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
