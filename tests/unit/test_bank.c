/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_bank.c: the fingerprint store (lib/bank) through its public API, against real SQLite
 * files in a temporary folder.
 *
 * Each test gets its own folder and a checked context (so the store leaks nothing through the
 * library's allocator; SQLite and libsodium keep their own). The database file is also read
 * with plain sqlite3 and as raw bytes, to check what the API cannot show: that plaintext never
 * reaches the disk, that migrations from hand-made older schemas work, and that a registration
 * killed with SIGKILL mid-transaction leaves all or nothing and an intact file.
 */
#include "wy_setup.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "test_support.h"

#include "withyou/bank.h"
#include "withyou/bank_io.h"

/* ---- fixture: tsup_store (a temporary folder, a key and a store path) ---- */

static void fx_file(const struct tsup_store *fx, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", fx->dir, name);
}

static struct wy_bank *store_open(struct wy_ctx *ctx, const struct tsup_store *fx)
{
    struct wy_bank *bank = NULL;
    struct wy_diag diag;
    const enum wy_status st = wy_bank_open(ctx, fx->path, &fx->key, &diag, &bank);
    if (st != WY_OK) {
        fail_msg("open: %s: %s", wy_status_name(st), diag.msg);
    }
    return bank;
}

static int64_t new_bank(struct wy_bank *bank, const char *name, int min_quality)
{
    int64_t id = 0;
    assert_int_equal(wy_bank_bank_create(bank, name, 31, min_quality, &id, NULL), WY_OK);
    return id;
}

static int64_t new_case(struct wy_bank *bank, int64_t bank_id, const char *ref)
{
    struct wy_case_info c;
    struct wy_diag diag;
    assert_int_equal(wy_bank_case_new(bank, bank_id, ref, &c, &diag), WY_OK);
    return c.id;
}

static bool count_fp(void *user, const struct wy_fingerprint *fp)
{
    (void)fp;
    (*(size_t *)user)++;
    return true;
}

static size_t scan_count(struct wy_bank *bank, enum wy_fp_kind kind, int64_t bank_id)
{
    size_t n = 0;
    assert_int_equal(wy_bank_fp_scan(bank, kind, bank_id, count_fp, &n), WY_OK);
    return n;
}

static bool contains(const uint8_t *hay, size_t hay_len, const void *needle, size_t len)
{
    for (size_t i = 0; i + len <= hay_len; i++) {
        if (memcmp(hay + i, needle, len) == 0) {
            return true;
        }
    }
    return false;
}

/* ---- keys ---- */

static void test_key_files(void **state)
{
    (void)state;
    struct tsup_store fx;
    tsup_store_init(&fx);
    char key_path[256];
    fx_file(&fx, "key", key_path, sizeof key_path);
    struct wy_diag diag;
    assert_int_equal(wy_bank_key_save(key_path, &fx.key, &diag), WY_OK);
    struct stat sb;
    assert_int_equal(stat(key_path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    struct wy_bank_key loaded;
    assert_int_equal(wy_bank_key_load(key_path, &loaded, &diag), WY_OK);
    assert_memory_equal(loaded.bytes, fx.key.bytes, WY_BANK_KEY_BYTES);
    assert_int_equal(wy_bank_key_save(key_path, &fx.key, &diag), WY_EINVAL);

    assert_int_equal(chmod(key_path, 0640), 0);
    assert_int_equal(wy_bank_key_load(key_path, &loaded, &diag), WY_EINVAL);
    assert_non_null(strstr(diag.msg, "chmod 600"));

    char missing[256];
    fx_file(&fx, "nokey", missing, sizeof missing);
    assert_int_equal(wy_bank_key_load(missing, &loaded, &diag), WY_ENOENT);
    wy_bank_key_wipe(&loaded);
    for (size_t i = 0; i < WY_BANK_KEY_BYTES; i++) {
        assert_int_equal(loaded.bytes[i], 0);
    }
    tsup_store_fini(&fx);
}

static void write_key_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, 0600), 0);
}

static void test_key_malformed_and_env(void **state)
{
    (void)state;
    struct tsup_store fx;
    tsup_store_init(&fx);
    char p[256];
    fx_file(&fx, "k", p, sizeof p);
    static const char good[] = "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";
    const char *bad[] = {"", "0011",
                         "zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
                         "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00\n",
                         "00112233445566778899aabbccddeeff00112233445566778899aabbccddeef \n"};
    struct wy_bank_key key;
    struct wy_diag diag;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unlink(p);
        write_key_text(p, bad[i]);
        assert_int_equal(wy_bank_key_load(p, &key, &diag), WY_EPARSE);
    }
    unlink(p);
    char line[80];
    snprintf(line, sizeof line, "%s\r\n", good);
    write_key_text(p, line);
    assert_int_equal(wy_bank_key_load(p, &key, &diag), WY_OK);
    assert_int_equal(key.bytes[0], 0x00);
    assert_int_equal(key.bytes[31], 0xff);

    assert_int_equal(setenv("WITHYOU_KEY", good, 1), 0);
    struct wy_bank_key from_env;
    assert_int_equal(wy_bank_key_load(NULL, &from_env, &diag), WY_OK);
    assert_memory_equal(from_env.bytes, key.bytes, WY_BANK_KEY_BYTES);
    assert_int_equal(setenv("WITHYOU_KEY", "xyz", 1), 0);
    assert_int_equal(wy_bank_key_load(NULL, &from_env, &diag), WY_EPARSE);
    assert_int_equal(unsetenv("WITHYOU_KEY"), 0);
    assert_int_equal(wy_bank_key_load(NULL, &from_env, &diag), WY_ENOENT);
    tsup_store_fini(&fx);
}

/* ---- create, open, keys and schema versions ---- */

static void test_create_open(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct tsup_store fx;
    tsup_store_init(&fx);
    struct wy_bank *bank = tsup_store_create(ctx, &fx);
    assert_int_equal(wy_bank_schema_version(bank), 4);
    wy_bank_close(bank);
    wy_bank_close(NULL);

    struct wy_diag diag;
    assert_int_equal(wy_bank_create(ctx, fx.path, &fx.key, &diag, &bank), WY_EINVAL);
    bank = store_open(ctx, &fx);
    wy_bank_close(bank);

    char missing[256];
    fx_file(&fx, "missing.db", missing, sizeof missing);
    assert_int_equal(wy_bank_open(ctx, missing, &fx.key, &diag, &bank), WY_ENOENT);
    assert_int_equal(access(missing, F_OK), -1); /* opening never creates */

    struct wy_bank_key other;
    assert_int_equal(wy_bank_key_generate(&other), WY_OK);
    assert_int_equal(wy_bank_open(ctx, fx.path, &other, &diag, &bank), WY_EINVAL);
    assert_string_equal(diag.msg, "the key does not open this store");

    struct stat sb;
    assert_int_equal(stat(fx.path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    tsup_store_fini(&fx);
}

static void test_not_a_store(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct tsup_store fx;
    tsup_store_init(&fx);
    FILE *f = fopen(fx.path, "w");
    assert_non_null(f);
    for (int i = 0; i < 100; i++) {
        fputs("this is not a database file. ", f);
    }
    fclose(f);
    struct wy_bank *bank = NULL;
    struct wy_diag diag;
    assert_int_equal(wy_bank_open(ctx, fx.path, &fx.key, &diag, &bank), WY_ECORRUPT);
    assert_null(bank);
    tsup_store_fini(&fx);
}

static void test_migrate_from_empty_file(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct tsup_store fx;
    tsup_store_init(&fx);
    FILE *f = fopen(fx.path, "w");
    assert_non_null(f);
    fclose(f);
    struct wy_bank *bank = store_open(ctx, &fx);
    assert_int_equal(wy_bank_schema_version(bank), 4);
    new_bank(bank, "main", 0);
    wy_bank_close(bank);
    /* The empty file became a store bound to the key it was first opened with. */
    struct wy_bank_key other;
    assert_int_equal(wy_bank_key_generate(&other), WY_OK);
    struct wy_diag diag;
    assert_int_equal(wy_bank_open(ctx, fx.path, &other, &diag, &bank), WY_EINVAL);
    bank = store_open(ctx, &fx);
    struct wy_bank_info info;
    assert_int_equal(wy_bank_bank_find(bank, "main", &info), WY_OK);
    wy_bank_close(bank);
    tsup_store_fini(&fx);
}

static bool collect_change(void *user, const struct wy_bank_change *change)
{
    struct wy_bank_change *out = user;
    for (size_t i = 0; i < 16; i++) {
        if (out[i].seq == 0) {
            out[i] = *change;
            return true;
        }
    }
    fail_msg("more than 16 changes");
    return false;
}

/* Version 1 is version 2 without the change feed: make one by hand from a current store. */
/* Takes a version 4 store back to version 2's tables. */
#define DOWN_TO_V2                                                                                 \
    "DROP INDEX fingerprints_scan; DROP INDEX fingerprints_media; "                                \
    "ALTER TABLE fingerprints DROP COLUMN media; ALTER TABLE fingerprints DROP COLUMN "            \
    "frame_end_ms; "

static void test_migrate_from_v1(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct tsup_store fx;
    tsup_store_init(&fx);
    struct wy_bank *bank = tsup_store_create(ctx, &fx);
    const int64_t b = new_bank(bank, "main", 0);
    const int64_t c1 = new_case(bank, b, "C1");
    const int64_t c2 = new_case(bank, b, "C2");
    struct wy_fingerprint fps[3] = {tsup_make_fp(WY_FP_PDQ, 1, c1), tsup_make_fp(WY_FP_MD5, 2, c2),
                                    tsup_make_fp(WY_FP_PDQ, 3, c1)};
    assert_int_equal(wy_bank_fp_add(bank, fps, 3, NULL), WY_OK);
    assert_int_equal(wy_bank_case_set_status(bank, c2, WY_CASE_WITHDRAWN), WY_OK);
    wy_bank_close(bank);
    tsup_store_sql(fx.path, DOWN_TO_V2 "DROP TABLE changes; DROP INDEX fingerprints_case; "
                                       "PRAGMA user_version = 1;");

    bank = store_open(ctx, &fx);
    assert_int_equal(wy_bank_schema_version(bank), 4);
    struct wy_bank_change got[16];
    memset(got, 0, sizeof got);
    assert_int_equal(wy_bank_changes(bank, 0, collect_change, got), WY_OK);
    /* The new feed starts with the fingerprints active at migration time, in id order. */
    assert_int_equal(got[0].fp_id, fps[0].id);
    assert_int_equal(got[1].fp_id, fps[2].id);
    assert_true(got[0].active && got[1].active);
    assert_int_equal(got[2].seq, 0);
    struct wy_fingerprint back;
    assert_int_equal(wy_bank_fp_get(bank, fps[1].id, &back), WY_OK);
    assert_memory_equal(back.value, fps[1].value, 16);
    assert_false(back.active);
    assert_int_equal(back.media_id, fps[1].id); /* old rows each stand alone */
    wy_bank_close(bank);
    tsup_store_fini(&fx);
}

static void test_migrate_from_v2(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct tsup_store fx;
    tsup_store_init(&fx);
    struct wy_bank *bank = tsup_store_create(ctx, &fx);
    const int64_t c1 = new_case(bank, new_bank(bank, "main", 0), "C1");
    struct wy_fingerprint fps[2] = {tsup_make_fp(WY_FP_VIDEO_PDQ, 1, c1),
                                    tsup_make_fp(WY_FP_PDQ, 2, c1)};
    fps[0].frame_ms = 4000;
    assert_int_equal(wy_bank_fp_add(bank, fps, 2, NULL), WY_OK);
    wy_bank_close(bank);
    tsup_store_sql(fx.path, DOWN_TO_V2 "PRAGMA user_version = 2;");

    bank = store_open(ctx, &fx);
    assert_int_equal(wy_bank_schema_version(bank), 4);
    struct wy_fingerprint back;
    assert_int_equal(wy_bank_fp_get(bank, fps[0].id, &back), WY_OK);
    assert_int_equal(back.media_id, fps[0].id);
    assert_int_equal(back.frame_ms, 4000);
    assert_int_equal(back.frame_end_ms, 4000); /* a single instant */
    assert_int_equal(wy_bank_fp_get(bank, fps[1].id, &back), WY_OK);
    assert_int_equal(back.media_id, fps[1].id);
    assert_int_equal(back.frame_end_ms, -1);
    wy_bank_close(bank);
    tsup_store_fini(&fx);
}

/* Consecutive entries with one tag are one item named by its first fingerprint's id. */
static void test_media_grouping(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct tsup_store fx;
    tsup_store_init(&fx);
    struct wy_bank *bank = tsup_store_create(ctx, &fx);
    const int64_t b = new_bank(bank, "main", 0);
    const int64_t c1 = new_case(bank, b, "C1");
    const int64_t c2 = new_case(bank, b, "C2");
    struct wy_fingerprint fps[7];
    const int64_t tags[7] = {0, 5, 5, 5, 7, 7, 7};
    const int64_t cases[7] = {c1, c1, c1, c1, c1, c1, c2};
    for (int i = 0; i < 7; i++) {
        fps[i] = tsup_make_fp(i == 0 ? WY_FP_PDQ : WY_FP_VIDEO_PDQ, (uint8_t)(i + 1), cases[i]);
        fps[i].media_id = tags[i];
        fps[i].frame_ms = i == 0 ? -1 : 1000 * i;
        fps[i].frame_end_ms = i == 2 ? 1000 * i + 2500 : -1;
    }
    assert_int_equal(wy_bank_fp_add(bank, fps, 7, NULL), WY_OK);
    const int64_t want[7] = {fps[0].id, fps[1].id, fps[1].id, fps[1].id,
                             fps[4].id, fps[4].id, fps[6].id}; /* a new case is a new item */
    for (int i = 0; i < 7; i++) {
        assert_int_equal(fps[i].media_id, want[i]);
        struct wy_fingerprint back;
        assert_int_equal(wy_bank_fp_get(bank, fps[i].id, &back), WY_OK);
        assert_int_equal(back.media_id, want[i]);
        assert_int_equal(back.frame_end_ms, i == 0 ? -1 : i == 2 ? 4500 : 1000 * i);
    }
    /* A failed registration leaves the caller's tags as they were. */
    struct wy_fingerprint bad[2] = {tsup_make_fp(WY_FP_VIDEO_PDQ, 9, c1),
                                    tsup_make_fp(WY_FP_PDQ, 9, 999)};
    bad[0].frame_ms = 0;
    bad[0].media_id = bad[1].media_id = 3;
    assert_int_equal(wy_bank_fp_add(bank, bad, 2, NULL), WY_ENOENT);
    assert_int_equal(bad[0].media_id, 3);
    assert_int_equal(bad[0].id, 0);
    wy_bank_close(bank);
    tsup_store_fini(&fx);
}

static void test_future_schema_refused(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct tsup_store fx;
    tsup_store_init(&fx);
    wy_bank_close(tsup_store_create(ctx, &fx));
    tsup_store_sql(fx.path, "PRAGMA user_version = 99;");
    struct wy_bank *bank = NULL;
    struct wy_diag diag;
    assert_int_equal(wy_bank_open(ctx, fx.path, &fx.key, &diag, &bank), WY_ENOTSUP);
    assert_non_null(strstr(diag.msg, "newer"));
    tsup_store_fini(&fx);
}

/* ---- persistence and encryption at rest ---- */

static const char secret_notes[] = "Survivor asked to be called back after 6pm. NOTE-7d1c";
static const char secret_source[] = "IMG_20240101_private_9f3e.jpg";

static uint8_t *read_whole(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        *len = 0;
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(*len + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, *len, f), *len);
    fclose(f);
    return buf;
}

/* Neither the database file nor its WAL may hold any plaintext secret. */
static void assert_no_plaintext(const struct tsup_store *fx, const struct wy_fingerprint *fps,
                                size_t n)
{
    const char *suffix[] = {"", "-wal"};
    for (size_t s = 0; s < 2; s++) {
        char p[256];
        snprintf(p, sizeof p, "%s%s", fx->path, suffix[s]);
        size_t len = 0;
        uint8_t *bytes = read_whole(p, &len);
        assert_false(contains(bytes, len, secret_notes, 12));
        assert_false(contains(bytes, len, secret_source, 12));
        for (size_t i = 0; i < n; i++) {
            assert_false(contains(bytes, len, fps[i].value, 12));
        }
        free(bytes);
    }
}

static void test_persistence_encrypted(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct tsup_store fx;
    tsup_store_init(&fx);
    struct wy_bank *bank = tsup_store_create(ctx, &fx);
    const int64_t b = new_bank(bank, "main", 50);
    const int64_t c = new_case(bank, b, "CASE-1");
    struct wy_fingerprint fps[4] = {
        tsup_make_fp(WY_FP_PDQ, 10, c), tsup_make_fp(WY_FP_VIDEO_PDQ, 11, c),
        tsup_make_fp(WY_FP_MD5, 12, c), tsup_make_fp(WY_FP_SHA256, 13, c)};
    snprintf(fps[0].source, sizeof fps[0].source, "%s", secret_source);
    assert_int_equal(wy_bank_fp_add(bank, fps, 4, NULL), WY_OK);
    assert_int_equal(wy_bank_case_set_notes(bank, c, secret_notes), WY_OK);
    assert_no_plaintext(&fx, fps, 4); /* the WAL, before any checkpoint */
    wy_bank_close(bank);
    assert_no_plaintext(&fx, fps, 4);

    bank = store_open(ctx, &fx);
    for (size_t i = 0; i < 4; i++) {
        struct wy_fingerprint back;
        assert_int_equal(wy_bank_fp_get(bank, fps[i].id, &back), WY_OK);
        assert_int_equal(back.kind, fps[i].kind);
        assert_memory_equal(back.value, fps[i].value, sizeof back.value);
        assert_int_equal(back.quality, fps[i].quality);
        assert_int_equal(back.frame_ms, fps[i].frame_ms);
        assert_int_equal(back.bank_id, b);
        assert_string_equal(back.source, fps[i].source);
        assert_true(back.active);
    }
    char notes[WY_CASE_NOTES_BYTES];
    assert_int_equal(wy_bank_case_notes(bank, c, notes), WY_OK);
    assert_string_equal(notes, secret_notes);
    struct wy_fingerprint none;
    assert_int_equal(wy_bank_fp_get(bank, 9999, &none), WY_ENOENT);
    wy_bank_close(bank);
    tsup_store_fini(&fx);
}

/* A ciphertext moved to another row must fail to open rather than read as that row's value. */
static void test_swapped_ciphertext_detected(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct tsup_store fx;
    tsup_store_init(&fx);
    struct wy_bank *bank = tsup_store_create(ctx, &fx);
    const int64_t c = new_case(bank, new_bank(bank, "main", 0), "C");
    struct wy_fingerprint fps[2] = {tsup_make_fp(WY_FP_PDQ, 1, c), tsup_make_fp(WY_FP_PDQ, 2, c)};
    assert_int_equal(wy_bank_fp_add(bank, fps, 2, NULL), WY_OK);
    wy_bank_close(bank);
    tsup_store_sql(fx.path, "UPDATE fingerprints SET value_cipher = "
                            "(SELECT value_cipher FROM fingerprints ORDER BY id LIMIT 1) "
                            "WHERE id = (SELECT MAX(id) FROM fingerprints);");
    bank = store_open(ctx, &fx);
    struct wy_fingerprint back;
    assert_int_equal(wy_bank_fp_get(bank, fps[0].id, &back), WY_OK);
    assert_int_equal(wy_bank_fp_get(bank, fps[1].id, &back), WY_ECORRUPT);
    size_t n = 0;
    assert_int_equal(wy_bank_fp_scan(bank, WY_FP_PDQ, 0, count_fp, &n), WY_ECORRUPT);
    wy_bank_close(bank);
    tsup_store_fini(&fx);
}

/* ---- banks and cases ---- */

static bool collect_name(void *user, const struct wy_bank_info *info)
{
    char *names = user;
    strcat(names, info->name);
    strcat(names, ",");
    return true;
}

static void test_banks(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct tsup_store fx;
    tsup_store_init(&fx);
    struct wy_bank *bank = tsup_store_create(ctx, &fx);
    struct wy_diag diag;
    int64_t id = 0;
    assert_int_equal(wy_bank_bank_create(bank, "b", 31, 50, &id, &diag), WY_OK);
    assert_int_equal(wy_bank_bank_create(bank, "b", 10, 0, NULL, &diag), WY_EINVAL);
    assert_non_null(strstr(diag.msg, "already exists"));
    assert_int_equal(wy_bank_bank_create(bank, "A", 0, 0, NULL, &diag), WY_OK);
    assert_int_equal(wy_bank_bank_create(bank, "C", 256, 100, NULL, &diag), WY_OK);
    assert_int_equal(wy_bank_bank_create(bank, "x", 257, 0, NULL, &diag), WY_EINVAL);
    assert_int_equal(wy_bank_bank_create(bank, "x", 0, 101, NULL, &diag), WY_EINVAL);
    assert_int_equal(wy_bank_bank_create(bank, "", 0, 0, NULL, &diag), WY_EINVAL);
    assert_int_equal(wy_bank_bank_create(bank, "tab\there", 0, 0, NULL, &diag), WY_EINVAL);
    struct wy_bank_info info;
    assert_int_equal(wy_bank_bank_find(bank, "b", &info), WY_OK);
    assert_int_equal(info.id, id);
    assert_int_equal(info.threshold, 31);
    assert_int_equal(info.min_quality, 50);
    assert_int_equal(wy_bank_bank_find(bank, "nope", &info), WY_ENOENT);
    char names[64] = "";
    assert_int_equal(wy_bank_bank_list(bank, collect_name, names), WY_OK);
    assert_string_equal(names, "A,C,b,");
    wy_bank_close(bank);
    tsup_store_fini(&fx);
}

static bool ref_well_formed(const char *ref)
{
    if (strlen(ref) != 13 || strncmp(ref, "WY-", 3) != 0) {
        return false;
    }
    for (size_t i = 3; i < 13; i++) {
        if (!((ref[i] >= 'A' && ref[i] <= 'Z') || (ref[i] >= '2' && ref[i] <= '7'))) {
            return false;
        }
    }
    return true;
}

static void test_cases(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct tsup_store fx;
    tsup_store_init(&fx);
    struct wy_bank *bank = tsup_store_create(ctx, &fx);
    const int64_t b = new_bank(bank, "main", 0);
    static char refs[64][WY_CASE_REF_BYTES];
    struct wy_diag diag;
    for (size_t i = 0; i < 64; i++) {
        struct wy_case_info c;
        assert_int_equal(wy_bank_case_new(bank, b, NULL, &c, &diag), WY_OK);
        assert_true(ref_well_formed(c.ref));
        assert_int_equal(c.status, WY_CASE_OPEN);
        for (size_t j = 0; j < i; j++) {
            assert_string_not_equal(refs[j], c.ref);
        }
        snprintf(refs[i], sizeof refs[i], "%s", c.ref);
    }
    struct wy_case_info c;
    assert_int_equal(wy_bank_case_new(bank, b, "CASE-2024.1", &c, &diag), WY_OK);
    assert_int_equal(wy_bank_case_new(bank, b, "CASE-2024.1", &c, &diag), WY_EINVAL);
    assert_non_null(strstr(diag.msg, "already taken"));
    assert_int_equal(wy_bank_case_new(bank, b, "bad ref!", &c, &diag), WY_EINVAL);
    assert_int_equal(wy_bank_case_new(bank, b, "", &c, &diag), WY_EINVAL);
    assert_int_equal(wy_bank_case_new(bank, 999, "X", &c, &diag), WY_ENOENT);

    struct wy_case_info found;
    assert_int_equal(wy_bank_case_find(bank, refs[7], &found), WY_OK);
    assert_int_equal(found.bank_id, b);
    assert_true(found.created_s > 0 && found.updated_s == found.created_s);
    assert_int_equal(found.fingerprint_count, 0);
    assert_int_equal(wy_bank_case_find(bank, "WY-NOSUCHCASE", &found), WY_ENOENT);
    /* By id, as a match reports a fingerprint's case and bank. */
    struct wy_case_info by_id;
    assert_int_equal(wy_bank_case_get(bank, found.id, &by_id), WY_OK);
    assert_string_equal(by_id.ref, refs[7]);
    assert_int_equal(by_id.bank_id, b);
    assert_int_equal(wy_bank_case_get(bank, 99999, &by_id), WY_ENOENT);
    struct wy_bank_info bi;
    assert_int_equal(wy_bank_bank_get(bank, b, &bi), WY_OK);
    assert_int_equal(bi.id, b);
    assert_int_equal(wy_bank_bank_get(bank, 99999, &bi), WY_ENOENT);
    assert_int_equal(wy_bank_case_set_status(bank, found.id, (enum wy_case_status)7), WY_EINVAL);
    assert_int_equal(wy_bank_case_set_status(bank, 99999, WY_CASE_CLOSED), WY_ENOENT);

    char notes[WY_CASE_NOTES_BYTES];
    assert_int_equal(wy_bank_case_notes(bank, found.id, notes), WY_OK);
    assert_string_equal(notes, "");
    static char big[WY_CASE_NOTES_BYTES + 1];
    memset(big, 'n', WY_CASE_NOTES_BYTES);
    assert_int_equal(wy_bank_case_set_notes(bank, found.id, big), WY_ETOOBIG);
    big[WY_CASE_NOTES_BYTES - 1] = '\0';
    assert_int_equal(wy_bank_case_set_notes(bank, found.id, big), WY_OK);
    assert_int_equal(wy_bank_case_notes(bank, found.id, notes), WY_OK);
    assert_string_equal(notes, big);
    assert_int_equal(wy_bank_case_set_notes(bank, 99999, "x"), WY_ENOENT);
    wy_bank_close(bank);
    tsup_store_fini(&fx);
}

/* ---- registration ---- */

static void test_fp_add_all_or_nothing(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct tsup_store fx;
    tsup_store_init(&fx);
    struct wy_bank *bank = tsup_store_create(ctx, &fx);
    const int64_t c = new_case(bank, new_bank(bank, "main", 0), "C");
    int64_t seq0 = -1;
    assert_int_equal(wy_bank_seq(bank, &seq0), WY_OK);
    assert_int_equal(seq0, 0);
    struct wy_fingerprint fps[10];
    for (size_t i = 0; i < 10; i++) {
        fps[i] = tsup_make_fp(WY_FP_PDQ, i, c);
    }
    fps[7].kind = (enum wy_fp_kind)9;
    struct wy_diag diag;
    assert_int_equal(wy_bank_fp_add(bank, fps, 10, &diag), WY_EINVAL);
    assert_non_null(strstr(diag.msg, "fingerprint 7"));
    assert_int_equal(scan_count(bank, WY_FP_PDQ, 0), 0);
    for (size_t i = 0; i < 10; i++) {
        assert_int_equal(fps[i].id, 0);
    }
    fps[7].kind = WY_FP_PDQ;
    fps[9].case_id = 4242;
    assert_int_equal(wy_bank_fp_add(bank, fps, 10, &diag), WY_ENOENT);
    fps[9].case_id = c;
    memset(fps[3].source, 'x', sizeof fps[3].source);
    assert_int_equal(wy_bank_fp_add(bank, fps, 10, &diag), WY_EINVAL);
    fps[3].source[0] = '\0';
    int64_t seq = -1;
    assert_int_equal(wy_bank_seq(bank, &seq), WY_OK);
    assert_int_equal(seq, seq0);

    assert_int_equal(wy_bank_fp_add(bank, fps, 10, &diag), WY_OK);
    assert_int_equal(scan_count(bank, WY_FP_PDQ, 0), 10);
    for (size_t i = 1; i < 10; i++) {
        assert_true(fps[i].id > fps[i - 1].id);
    }
    assert_int_equal(wy_bank_fp_add(bank, fps, 0, &diag), WY_OK);
    wy_bank_close(bank);
    tsup_store_fini(&fx);
}

static void test_quality_floor(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct tsup_store fx;
    tsup_store_init(&fx);
    struct wy_bank *bank = tsup_store_create(ctx, &fx);
    const int64_t c = new_case(bank, new_bank(bank, "main", 50), "C");
    struct wy_fingerprint fp = tsup_make_fp(WY_FP_PDQ, 1, c);
    fp.quality = 49;
    struct wy_diag diag;
    assert_int_equal(wy_bank_fp_add(bank, &fp, 1, &diag), WY_EINVAL);
    assert_non_null(strstr(diag.msg, "below the floor"));
    fp.kind = WY_FP_VIDEO_PDQ;
    assert_int_equal(wy_bank_fp_add(bank, &fp, 1, &diag), WY_EINVAL);
    fp.quality = 50;
    fp.frame_ms = 1000;
    assert_int_equal(wy_bank_fp_add(bank, &fp, 1, &diag), WY_OK);
    fp.frame_ms = -1;
    assert_int_equal(wy_bank_fp_add(bank, &fp, 1, &diag), WY_EINVAL);
    /* Exact hashes have no quality: the floor does not apply. */
    struct wy_fingerprint md5 = tsup_make_fp(WY_FP_MD5, 2, c);
    md5.quality = 0;
    assert_int_equal(wy_bank_fp_add(bank, &md5, 1, &diag), WY_OK);
    struct wy_fingerprint back;
    assert_int_equal(wy_bank_fp_get(bank, md5.id, &back), WY_OK);
    assert_int_equal(back.quality, -1);
    wy_bank_close(bank);
    tsup_store_fini(&fx);
}

/* ---- withdrawal, the change feed, lookups and suppression ---- */

static void test_withdrawal_seen_by_other_connection(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct tsup_store fx;
    tsup_store_init(&fx);
    struct wy_bank *writer = tsup_store_create(ctx, &fx);
    const int64_t b = new_bank(writer, "main", 0);
    const int64_t c = new_case(writer, b, "C");
    const int64_t other = new_case(writer, b, "D");
    struct wy_fingerprint fps[6];
    for (size_t i = 0; i < 6; i++) {
        fps[i] = tsup_make_fp(WY_FP_PDQ, i, i < 5 ? c : other);
    }
    assert_int_equal(wy_bank_fp_add(writer, fps, 6, NULL), WY_OK);
    struct wy_bank *reader = store_open(ctx, &fx);
    assert_int_equal(scan_count(reader, WY_FP_PDQ, b), 6);

    assert_int_equal(wy_bank_case_set_status(writer, c, WY_CASE_WITHDRAWN), WY_OK);
    assert_int_equal(scan_count(reader, WY_FP_PDQ, b), 1);
    struct wy_case_info info;
    assert_int_equal(wy_bank_case_find(reader, "C", &info), WY_OK);
    assert_int_equal(info.status, WY_CASE_WITHDRAWN);
    assert_int_equal(info.fingerprint_count, 0);
    struct wy_fingerprint more = tsup_make_fp(WY_FP_PDQ, 77, c);
    struct wy_diag diag;
    assert_int_equal(wy_bank_fp_add(reader, &more, 1, &diag), WY_EINVAL);
    assert_non_null(strstr(diag.msg, "withdrawn"));

    assert_int_equal(wy_bank_case_set_status(writer, c, WY_CASE_OPEN), WY_OK);
    assert_int_equal(scan_count(reader, WY_FP_PDQ, b), 6);
    assert_int_equal(wy_bank_case_set_status(writer, c, WY_CASE_CLOSED), WY_OK);
    assert_int_equal(scan_count(reader, WY_FP_PDQ, b), 6);
    assert_int_equal(scan_count(reader, WY_FP_PDQ, b + 1), 0);
    wy_bank_close(reader);
    wy_bank_close(writer);
    tsup_store_fini(&fx);
}

static bool stop_after_one(void *user, const struct wy_bank_change *change)
{
    (void)change;
    (*(int *)user)++;
    return false;
}

static void test_change_feed(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct tsup_store fx;
    tsup_store_init(&fx);
    struct wy_bank *bank = tsup_store_create(ctx, &fx);
    const int64_t c = new_case(bank, new_bank(bank, "main", 0), "C");
    struct wy_fingerprint fps[3] = {tsup_make_fp(WY_FP_PDQ, 1, c), tsup_make_fp(WY_FP_MD5, 2, c),
                                    tsup_make_fp(WY_FP_SHA256, 3, c)};
    assert_int_equal(wy_bank_fp_add(bank, fps, 3, NULL), WY_OK);
    int64_t after_add = 0;
    assert_int_equal(wy_bank_seq(bank, &after_add), WY_OK);
    assert_int_equal(wy_bank_case_set_status(bank, c, WY_CASE_WITHDRAWN), WY_OK);
    assert_int_equal(wy_bank_case_set_status(bank, c, WY_CASE_WITHDRAWN), WY_OK); /* no-op */
    assert_int_equal(wy_bank_case_set_status(bank, c, WY_CASE_OPEN), WY_OK);

    struct wy_bank_change got[16];
    memset(got, 0, sizeof got);
    assert_int_equal(wy_bank_changes(bank, 0, collect_change, got), WY_OK);
    for (size_t i = 0; i < 9; i++) {
        assert_int_equal(got[i].fp_id, fps[i % 3].id);
        assert_int_equal(got[i].active, i / 3 != 1);
        assert_true(i == 0 || got[i].seq > got[i - 1].seq);
    }
    assert_int_equal(got[9].seq, 0);
    assert_int_equal(got[2].seq, after_add);
    int64_t seq = 0;
    assert_int_equal(wy_bank_seq(bank, &seq), WY_OK);
    assert_int_equal(seq, got[8].seq);

    memset(got, 0, sizeof got);
    assert_int_equal(wy_bank_changes(bank, after_add, collect_change, got), WY_OK);
    assert_int_equal(got[0].fp_id, fps[0].id);
    assert_false(got[0].active);
    assert_int_equal(got[6].seq, 0);
    int calls = 0;
    assert_int_equal(wy_bank_changes(bank, 0, stop_after_one, &calls), WY_OK);
    assert_int_equal(calls, 1);
    wy_bank_close(bank);
    tsup_store_fini(&fx);
}

struct hits {
    size_t count;
    int64_t ids[8];
};

static bool collect_hit(void *user, const struct wy_fingerprint *fp)
{
    struct hits *h = user;
    assert_true(h->count < 8);
    h->ids[h->count++] = fp->id;
    return true;
}

static void test_blind_lookup(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct tsup_store fx;
    tsup_store_init(&fx);
    struct wy_bank *bank = tsup_store_create(ctx, &fx);
    const int64_t b = new_bank(bank, "main", 0);
    const int64_t c1 = new_case(bank, b, "C1");
    const int64_t c2 = new_case(bank, b, "C2");
    struct wy_fingerprint fps[4] = {
        tsup_make_fp(WY_FP_MD5, 1, c1), tsup_make_fp(WY_FP_SHA256, 2, c1),
        tsup_make_fp(WY_FP_MD5, 1, c2), tsup_make_fp(WY_FP_SHA256, 3, c2)};
    assert_int_equal(wy_bank_fp_add(bank, fps, 4, NULL), WY_OK);
    struct hits h = {0};
    assert_int_equal(wy_bank_fp_lookup(bank, WY_FP_MD5, fps[0].value, collect_hit, &h), WY_OK);
    assert_int_equal(h.count, 2);
    assert_int_equal(h.ids[0], fps[0].id);
    assert_int_equal(h.ids[1], fps[2].id);
    memset(&h, 0, sizeof h);
    assert_int_equal(wy_bank_fp_lookup(bank, WY_FP_SHA256, fps[1].value, collect_hit, &h), WY_OK);
    assert_int_equal(h.count, 1);
    assert_int_equal(h.ids[0], fps[1].id);
    /* The same bytes under another kind are another fingerprint. */
    memset(&h, 0, sizeof h);
    assert_int_equal(wy_bank_fp_lookup(bank, WY_FP_MD5, fps[1].value, collect_hit, &h), WY_OK);
    assert_int_equal(h.count, 0);
    assert_int_equal(wy_bank_case_set_status(bank, c2, WY_CASE_WITHDRAWN), WY_OK);
    memset(&h, 0, sizeof h);
    assert_int_equal(wy_bank_fp_lookup(bank, WY_FP_MD5, fps[0].value, collect_hit, &h), WY_OK);
    assert_int_equal(h.count, 1);
    wy_bank_close(bank);
    tsup_store_fini(&fx);
}

static void test_suppression(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct tsup_store fx;
    tsup_store_init(&fx);
    struct wy_bank *bank = tsup_store_create(ctx, &fx);
    const int64_t c = new_case(bank, new_bank(bank, "main", 0), "C");
    struct wy_fingerprint fps[3] = {tsup_make_fp(WY_FP_PDQ, 1, c), tsup_make_fp(WY_FP_PDQ, 2, c),
                                    tsup_make_fp(WY_FP_MD5, 3, c)};
    assert_int_equal(wy_bank_fp_add(bank, fps, 3, NULL), WY_OK);
    bool suppressed = true;
    assert_int_equal(wy_bank_is_suppressed(bank, WY_FP_PDQ, fps[0].value, &suppressed), WY_OK);
    assert_false(suppressed);
    assert_int_equal(wy_bank_suppress(bank, WY_FP_PDQ, fps[0].value, "charity logo"), WY_OK);
    assert_int_equal(wy_bank_suppress(bank, WY_FP_MD5, fps[2].value, "blank frame"), WY_OK);
    assert_int_equal(wy_bank_is_suppressed(bank, WY_FP_PDQ, fps[0].value, &suppressed), WY_OK);
    assert_true(suppressed);
    assert_int_equal(wy_bank_is_suppressed(bank, WY_FP_VIDEO_PDQ, fps[0].value, &suppressed),
                     WY_OK);
    assert_false(suppressed);
    struct hits h = {0};
    assert_int_equal(wy_bank_fp_scan(bank, WY_FP_PDQ, 0, collect_hit, &h), WY_OK);
    assert_int_equal(h.count, 1);
    assert_int_equal(h.ids[0], fps[1].id);
    memset(&h, 0, sizeof h);
    assert_int_equal(wy_bank_fp_lookup(bank, WY_FP_MD5, fps[2].value, collect_hit, &h), WY_OK);
    assert_int_equal(h.count, 0);
    assert_int_equal(wy_bank_suppress(bank, (enum wy_fp_kind)0, fps[0].value, "x"), WY_EINVAL);
    wy_bank_close(bank);
    tsup_store_fini(&fx);
}

/* What a matcher loads: values without their labels, the labels still in the store. */
static bool expect_unlabelled(void *user, const struct wy_fingerprint *fp)
{
    const struct wy_fingerprint *want = user;
    assert_int_equal(fp->id, want->id);
    assert_memory_equal(fp->value, want->value, WY_PDQ_BYTES);
    assert_string_equal(fp->source, "");
    return true;
}

static void test_scan_values(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct tsup_store fx;
    tsup_store_init(&fx);
    struct wy_bank *bank = tsup_store_create(ctx, &fx);
    const int64_t c = new_case(bank, new_bank(bank, "main", 0), "C-1");
    struct wy_fingerprint fp = tsup_make_fp(WY_FP_PDQ, 3, c);
    snprintf(fp.source, sizeof fp.source, "%s", "IMG_0001.jpg");
    assert_int_equal(wy_bank_fp_add(bank, &fp, 1, NULL), WY_OK);
    assert_int_equal(wy_bank_fp_scan_values(bank, WY_FP_PDQ, 0, expect_unlabelled, &fp), WY_OK);
    struct wy_fingerprint back;
    assert_int_equal(wy_bank_fp_get(bank, fp.id, &back), WY_OK);
    assert_string_equal(back.source, "IMG_0001.jpg");
    assert_int_equal(wy_bank_fp_scan_values(bank, (enum wy_fp_kind)9, 0, expect_unlabelled, &fp),
                     WY_EINVAL);
    wy_bank_close(bank);
    tsup_store_fini(&fx);
}

/* ---- crash safety ---- */

#define CRASH_COUNT 200000
#define CRASH_WAL_BYTES (4 << 20)

/* The child: registers CRASH_COUNT fingerprints in one call and is killed before it ends. */
WY_NORETURN static void crash_child(const struct tsup_store *fx, int64_t case_id, int ready_fd)
{
    struct wy_ctx *ctx = NULL;
    struct wy_bank *bank = NULL;
    if (wy_ctx_new(NULL, &ctx) != WY_OK || wy_bank_open(ctx, fx->path, &fx->key, NULL, &bank)) {
        _exit(2);
    }
    struct wy_fingerprint *fps = calloc(CRASH_COUNT, sizeof *fps);
    if (fps == NULL) {
        _exit(3);
    }
    for (size_t i = 0; i < CRASH_COUNT; i++) {
        fps[i] = tsup_make_fp(WY_FP_PDQ, i, case_id);
        snprintf(fps[i].source, sizeof fps[i].source, "frame-%zu.jpg", i);
    }
    if (write(ready_fd, "r", 1) != 1) {
        _exit(4);
    }
    const enum wy_status st = wy_bank_fp_add(bank, fps, CRASH_COUNT, NULL);
    _exit(st == WY_OK ? 0 : 5);
}

static void test_crash_during_registration(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct tsup_store fx;
    tsup_store_init(&fx);
    struct wy_bank *bank = tsup_store_create(ctx, &fx);
    const int64_t c = new_case(bank, new_bank(bank, "main", 0), "C");
    struct wy_fingerprint before = tsup_make_fp(WY_FP_PDQ, 999999, c);
    assert_int_equal(wy_bank_fp_add(bank, &before, 1, NULL), WY_OK);
    wy_bank_close(bank); /* no connection may cross the fork */

    int pipe_fd[2];
    assert_int_equal(pipe(pipe_fd), 0);
    const pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(pipe_fd[0]);
        crash_child(&fx, c, pipe_fd[1]);
    }
    close(pipe_fd[1]);
    char ready = 0;
    assert_int_equal(read(pipe_fd[0], &ready, 1), 1);
    close(pipe_fd[0]);
    char wal[256];
    snprintf(wal, sizeof wal, "%s-wal", fx.path);
    tsup_kill_when_grown(pid, wal, CRASH_WAL_BYTES);

    bank = store_open(ctx, &fx);
    const size_t n = scan_count(bank, WY_FP_PDQ, 0);
    assert_true(n == 1 || n == 1 + CRASH_COUNT);
    struct wy_fingerprint back;
    assert_int_equal(wy_bank_fp_get(bank, before.id, &back), WY_OK);
    assert_memory_equal(back.value, before.value, sizeof back.value);
    wy_bank_close(bank);
    tsup_store_integrity_ok(fx.path);
    tsup_store_fini(&fx);
}

/* ---- out of memory ---- */

static enum wy_status create_once(struct wy_ctx *ctx, void *user)
{
    const struct tsup_store *fx = user;
    struct wy_bank *bank = NULL;
    unlink(fx->path);
    enum wy_status st = wy_bank_create(ctx, fx->path, &fx->key, NULL, &bank);
    if (st == WY_OK) {
        wy_bank_close(bank);
        bank = NULL;
        st = wy_bank_open(ctx, fx->path, &fx->key, NULL, &bank);
    }
    wy_bank_close(bank);
    return st;
}

static void test_out_of_memory(void **state)
{
    (void)state;
    struct tsup_store fx;
    tsup_store_init(&fx);
    tsup_oom_sweep(create_once, &fx);
    tsup_store_fini(&fx);
}

/* ---- hash lists: import and export ---- */

struct export_buf {
    char text[4096];
    size_t len;
};

static enum wy_status append_line(void *user, const char *line, size_t len)
{
    struct export_buf *b = user;
    assert_true(b->len + len < sizeof b->text);
    memcpy(b->text + b->len, line, len + 1);
    b->len += len;
    return WY_OK;
}

static void test_import_export_round_trip(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct tsup_store fx;
    tsup_store_init(&fx);
    struct wy_bank *bank = tsup_store_create(ctx, &fx);
    const int64_t b = new_bank(bank, "main", 50);
    const int64_t c1 = new_case(bank, b, "C-1");
    new_case(bank, b, "C-2");
    static const char list[] =
        "{\"kind\":\"pdq\",\"value\":\""
        "0123456789abcdef0123456789abcdef"
        "0123456789abcdef0123456789abcdef\",\"quality\":80,\"case\":\"C-2\",\"source\":\"a.jpg\"}\n"
        "{\"kind\":\"video_pdq\",\"value\":\""
        "1123456789abcdef0123456789abcdef"
        "0123456789abcdef0123456789abcdef\",\"quality\":60,\"frame_ms\":2000,"
        "\"frame_end_ms\":2500}\n"
        "{\"kind\":\"md5\",\"value\":\"d41d8cd98f00b204e9800998ecf8427e\",\"case\":\"C-2\"}\n";
    struct wy_diag diag;
    size_t imported = 0;
    const struct wy_bytes data = {(const uint8_t *)list, strlen(list)};
    assert_int_equal(wy_bank_import(bank, b, c1, data, WY_LIST_AUTO, &imported, &diag), WY_OK);
    assert_int_equal(imported, 3);
    struct export_buf out = {.len = 0};
    assert_int_equal(wy_bank_export(bank, b, WY_LIST_JSONL, append_line, &out), WY_OK);
    /* Kind order (pdq, video_pdq, md5); the video frame went to the default case C-1. */
    assert_non_null(strstr(out.text, "\"frame_ms\":2000"));
    assert_non_null(strstr(out.text, "\"quality\":60,\"case\":\"C-1\""));
    assert_non_null(strstr(out.text, "\"frame_ms\":2000,\"frame_end_ms\":2500,\"media\":"));
    /* Each line stands alone: three items, numbered by the store. */
    assert_int_equal(out.len,
                     strlen(list) + strlen(",\"case\":\"C-1\"") + 3 * strlen(",\"media\":1"));
    struct export_buf te = {.len = 0};
    assert_int_equal(wy_bank_export(bank, b, WY_LIST_TE_PDQ, append_line, &te), WY_OK);
    assert_string_equal(te.text, "0123456789abcdef0123456789abcdef"
                                 "0123456789abcdef0123456789abcdef,80\n");
    struct export_buf md5 = {.len = 0};
    assert_int_equal(wy_bank_export(bank, b, WY_LIST_MD5, append_line, &md5), WY_OK);
    assert_string_equal(md5.text, "d41d8cd98f00b204e9800998ecf8427e\n");
    assert_int_equal(wy_bank_export(bank, b, WY_LIST_AUTO, append_line, &md5), WY_EINVAL);
    assert_int_equal(wy_bank_export(bank, 999, WY_LIST_MD5, append_line, &md5), WY_ENOENT);

    /* Case references are global: a list naming another bank's case is refused by line. */
    const int64_t b2 = new_bank(bank, "copy", 0);
    assert_int_equal(wy_bank_import(bank, b2, 0, data, WY_LIST_JSONL, &imported, &diag), WY_EINVAL);
    assert_non_null(strstr(diag.msg, "line 1: case C-2 belongs to another bank"));
    wy_bank_close(bank);
    tsup_store_fini(&fx);
}

static void test_import_all_or_nothing(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct tsup_store fx;
    tsup_store_init(&fx);
    struct wy_bank *bank = tsup_store_create(ctx, &fx);
    const int64_t b = new_bank(bank, "main", 50);
    const int64_t c = new_case(bank, b, "C");
    const char *bad[] = {
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef,80\n"
        "1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef,80\n"
        "bad\n",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef,80\n"
        "1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef,80\n"
        "2123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef,49\n",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef,80\n"
        "#\n"
        "1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
    };
    const enum wy_status want[] = {WY_EPARSE, WY_EINVAL, WY_EINVAL};
    for (size_t i = 0; i < 3; i++) {
        struct wy_diag diag;
        size_t imported = 99;
        const struct wy_bytes data = {(const uint8_t *)bad[i], strlen(bad[i])};
        assert_int_equal(wy_bank_import(bank, b, c, data, WY_LIST_TE_PDQ, &imported, &diag),
                         want[i]);
        assert_non_null(strstr(diag.msg, "line 3: "));
        assert_int_equal(imported, 0);
        assert_int_equal(scan_count(bank, WY_FP_PDQ, 0), 0);
    }
    struct wy_diag diag;
    const struct wy_bytes data = {(const uint8_t *)bad[2], strlen(bad[2])};
    assert_int_equal(wy_bank_import(bank, b, 0, data, WY_LIST_TE_PDQ, NULL, &diag), WY_EINVAL);
    assert_non_null(strstr(diag.msg, "line 1: no case given"));
    assert_int_equal(wy_bank_import(bank, b, 4242, data, WY_LIST_TE_PDQ, NULL, &diag), WY_ENOENT);
    assert_int_equal(wy_bank_case_set_status(bank, c, WY_CASE_WITHDRAWN), WY_OK);
    assert_int_equal(wy_bank_import(bank, b, c, data, WY_LIST_TE_PDQ, NULL, &diag), WY_EINVAL);
    wy_bank_close(bank);
    tsup_store_fini(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_files),
        cmocka_unit_test(test_key_malformed_and_env),
        cmocka_unit_test_setup_teardown(test_create_open, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_not_a_store, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_migrate_from_empty_file, tsup_setup_ctx,
                                        tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_migrate_from_v1, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_migrate_from_v2, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_media_grouping, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_future_schema_refused, tsup_setup_ctx,
                                        tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_persistence_encrypted, tsup_setup_ctx,
                                        tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_swapped_ciphertext_detected, tsup_setup_ctx,
                                        tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_banks, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_cases, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_fp_add_all_or_nothing, tsup_setup_ctx,
                                        tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_quality_floor, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_withdrawal_seen_by_other_connection, tsup_setup_ctx,
                                        tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_change_feed, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_blind_lookup, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_suppression, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_scan_values, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_crash_during_registration, tsup_setup_ctx,
                                        tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_import_export_round_trip, tsup_setup_ctx,
                                        tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_import_all_or_nothing, tsup_setup_ctx,
                                        tsup_teardown_ctx),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests_name("bank", tests, NULL, NULL);
}
