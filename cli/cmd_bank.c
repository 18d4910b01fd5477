/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_bank.c: `withyou bank create|list`: the named collections fingerprints are registered in,
 * each with its own match threshold and quality floor.
 */
#include "wy_setup.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char cmd_bank_help[] =
    "usage: withyou bank create [--db PATH] [--threshold N] [--min-quality Q] NAME\n"
    "       withyou bank list [--db PATH]\n"
    "\n"
    "create: adds a bank: a named collection of cases with its own PDQ match threshold\n"
    "(default 31 bits) and quality floor (default 50; fingerprints below it are refused).\n"
    "list: one TSV line per bank: name, threshold, min_quality.\n"
    "The store and key are found as for 'withyou init' (--db, --key-file, $WITHYOU_DB, ...).\n"
    "\n"
    "example:\n"
    "  withyou bank create --threshold 24 platform-share\n"
    "  withyou bank list\n";

struct bank_args {
    const char *db;
    const char *key_file;
    uint64_t threshold;
    uint64_t min_quality;
};

/* Parses the options shared by the bank verbs; returns -1 to go on, else an exit status. */
static int parse_bank_args(int argc, char **argv, struct bank_args *a)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"key-file", required_argument, NULL, 'k'},
                                         {"threshold", required_argument, NULL, 't'},
                                         {"min-quality", required_argument, NULL, 'q'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'd' || c == 'k') {
            *(c == 'd' ? &a->db : &a->key_file) = optarg;
        } else if (c == 't' && cli_parse_u64("--threshold", optarg, 0, 256, &a->threshold)) {
            continue;
        } else if (c == 'q' && cli_parse_u64("--min-quality", optarg, 0, 100, &a->min_quality)) {
            continue;
        } else {
            fputs("try 'withyou help bank'\n", stderr);
            return CLI_EXIT_USAGE;
        }
    }
    return -1;
}

static bool print_bank(void *user, const struct wy_bank_info *info)
{
    (void)user;
    printf("%s\t%d\t%d\n", info->name, info->threshold, info->min_quality);
    return true;
}

static int bank_run(struct wy_bank *bank, const char *verb, int argc, char **argv,
                    const struct bank_args *a)
{
    struct wy_diag diag;
    wy_diag_clear(&diag);
    if (strcmp(verb, "list") == 0 && optind == argc) {
        return wy_bank_bank_list(bank, print_bank, NULL) == WY_OK ? CLI_EXIT_OK : CLI_EXIT_FAILED;
    }
    if (strcmp(verb, "create") == 0 && optind + 1 == argc) {
        int64_t id = 0;
        const enum wy_status st = wy_bank_bank_create(bank, argv[optind], (int)a->threshold,
                                                      (int)a->min_quality, &id, &diag);
        if (st != WY_OK) {
            cli_error("bank %s: %s", argv[optind], diag.msg[0] ? diag.msg : wy_strerror(st));
            return CLI_EXIT_FAILED;
        }
        printf("%s\n", argv[optind]);
        return CLI_EXIT_OK;
    }
    fputs(cmd_bank_help, stderr);
    return CLI_EXIT_USAGE;
}

int cmd_bank(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "create") != 0 && strcmp(argv[1], "list") != 0)) {
        fputs(cmd_bank_help, stderr);
        return CLI_EXIT_USAGE;
    }
    struct bank_args a = {.threshold = WY_PDQ_MATCH_THRESHOLD, .min_quality = 50};
    const int early = parse_bank_args(argc - 1, argv + 1, &a);
    if (early >= 0) {
        return early;
    }
    struct wy_ctx *ctx = cli_ctx_new();
    struct wy_bank *bank = cli_store_open(ctx, a.db, a.key_file);
    int rc = CLI_EXIT_FAILED;
    if (bank != NULL) {
        rc = bank_run(bank, argv[1], argc - 1, argv + 1, &a);
        wy_bank_close(bank);
    }
    wy_ctx_free(ctx);
    return rc;
}
