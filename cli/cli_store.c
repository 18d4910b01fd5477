/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli_store.c: how the program finds its store and key. The store is `--db PATH`, else
 * $WITHYOU_DB, else ./withyou.db; its key is `--key-file PATH`, else $WITHYOU_KEY_FILE, else the
 * hex key in $WITHYOU_KEY, else PATH.key next to the store (created by `withyou init`, mode 0600).
 * Secrets never come from the command line, where other users could read them in ps.
 * `withyou rekey` stages a new key beside the key file as KEYFILE.new (see cmd_rekey.c).
 */
/* realpath() is X/Open, beyond the POSIX level wy_setup.h sets. */
#define _XOPEN_SOURCE 700
#include "wy_setup.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

const char *cli_store_path(const char *opt_db)
{
    if (opt_db != NULL) {
        return opt_db;
    }
    const char *env = getenv("WITHYOU_DB");
    return env != NULL && *env != '\0' ? env : "withyou.db";
}

/* The key file to use, or NULL when the key comes from $WITHYOU_KEY. Caller frees. */
char *cli_key_path(const char *db, const char *opt_key_file)
{
    if (opt_key_file != NULL) {
        return cli_xstrdup(opt_key_file);
    }
    const char *env = getenv("WITHYOU_KEY_FILE");
    if (env != NULL && *env != '\0') {
        return cli_xstrdup(env);
    }
    const char *hex = getenv("WITHYOU_KEY");
    if (hex != NULL && *hex != '\0') {
        return NULL;
    }
    const size_t n = strlen(db) + 5;
    char *path = cli_xmalloc(n);
    snprintf(path, n, "%s.key", db);
    return path;
}

char *cli_key_new_path(const char *key_path)
{
    char *real = realpath(key_path, NULL);
    if (real == NULL) {
        return NULL;
    }
    const size_t n = strlen(real) + sizeof ".new";
    char *path = cli_xmalloc(n);
    snprintf(path, n, "%s.new", real);
    free(real);
    return path;
}

/* A wrong key next to a KEYFILE.new is most likely a rotation that committed and was stopped
 * before it could put the new key in place: say how to finish it. */
static void hint_interrupted_rekey(const char *key_path)
{
    char *staged = key_path != NULL ? cli_key_new_path(key_path) : NULL;
    if (staged != NULL && access(staged, F_OK) == 0) {
        fprintf(stderr,
                "%s exists: a key rotation was interrupted; run 'withyou rekey' to finish it\n",
                staged);
    }
    free(staged);
}

struct wy_bank *cli_store_open(struct wy_ctx *ctx, const char *opt_db, const char *opt_key_file)
{
    const char *db = cli_store_path(opt_db);
    char *key_path = cli_key_path(db, opt_key_file);
    struct wy_bank_key key;
    struct wy_diag diag;
    wy_diag_clear(&diag);
    enum wy_status st = wy_bank_key_load(key_path, &key, &diag);
    if (st != WY_OK) {
        cli_error("%s: cannot load the store's key: %s", key_path ? key_path : "$WITHYOU_KEY",
                  diag.msg[0] ? diag.msg : wy_strerror(st));
        free(key_path);
        return NULL;
    }
    struct wy_bank *bank = NULL;
    st = wy_bank_open(ctx, db, &key, &diag, &bank);
    wy_bank_key_wipe(&key);
    if (st != WY_OK) {
        cli_error("%s: %s", db, diag.msg[0] ? diag.msg : wy_strerror(st));
        if (st == WY_ENOENT) {
            fputs("create one with: withyou init --db PATH\n", stderr);
        }
        if (st == WY_EINVAL) {
            hint_interrupted_rekey(key_path);
        }
    }
    free(key_path);
    return bank;
}
