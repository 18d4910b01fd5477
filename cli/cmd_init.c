/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_init.c: `withyou init` creates a store and its key. The key is written first, with mode
 * 0600, and never over an existing one: losing a key loses every fingerprint encrypted with it.
 */
#include "wy_setup.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char cmd_init_help[] =
    "usage: withyou init [--db PATH] [--key-file PATH]\n"
    "\n"
    "Creates an empty store (an SQLite file) and a new secret key for it. Fingerprints and\n"
    "case notes are encrypted with that key; keep it safe and back it up separately: without\n"
    "it the store cannot be opened. The store is --db, else $WITHYOU_DB, else ./withyou.db;\n"
    "the key is written to --key-file, else $WITHYOU_KEY_FILE, else PATH.key (mode 0600).\n"
    "\n"
    "example:\n"
    "  withyou init --db centre.db && withyou bank create --db centre.db main\n";

int cmd_init(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"key-file", required_argument, NULL, 'k'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *db_opt = NULL;
    const char *key_opt = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'd' || c == 'k') {
            *(c == 'd' ? &db_opt : &key_opt) = optarg;
        } else if (c == 'h') {
            fputs(cmd_init_help, stdout);
            return CLI_EXIT_OK;
        } else {
            fputs("try 'withyou help init'\n", stderr);
            return CLI_EXIT_USAGE;
        }
    }
    const char *db = cli_store_path(db_opt);
    char *key_path = cli_key_path(db, key_opt);
    if (key_path == NULL) {
        cli_error("init writes a new key to a file: unset WITHYOU_KEY or give --key-file");
        return CLI_EXIT_USAGE;
    }
    struct wy_ctx *ctx = cli_ctx_new();
    struct wy_bank_key key;
    struct wy_diag diag;
    wy_diag_clear(&diag);
    int rc = CLI_EXIT_FAILED;
    enum wy_status st = wy_bank_key_generate(&key);
    if (st == WY_OK) {
        st = wy_bank_key_save(key_path, &key, &diag);
    }
    if (st != WY_OK) {
        cli_error("%s: %s", key_path, diag.msg[0] ? diag.msg : wy_strerror(st));
        goto out;
    }
    struct wy_bank *bank = NULL;
    st = wy_bank_create(ctx, db, &key, &diag, &bank);
    if (st != WY_OK) {
        cli_error("%s: %s", db, diag.msg[0] ? diag.msg : wy_strerror(st));
        remove(key_path); /* a key without its store would only confuse */
        goto out;
    }
    wy_bank_close(bank);
    printf("created store %s\nkey written to %s (back it up; it cannot be recovered)\n", db,
           key_path);
    rc = CLI_EXIT_OK;
out:
    wy_bank_key_wipe(&key);
    free(key_path);
    wy_ctx_free(ctx);
    return rc;
}
