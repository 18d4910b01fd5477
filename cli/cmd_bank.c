/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_bank.c: `withyou bank create|list|import|export`: the named collections fingerprints are
 * registered in, each with its own match threshold and quality floor, and hash lists in and out
 * of them (all or nothing on import; export writes plaintext fingerprints to stdout).
 */
#include "wy_setup.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char cmd_bank_help[] =
    "usage: withyou bank create [--db PATH] [--threshold N] [--min-quality Q] NAME\n"
    "       withyou bank list [--db PATH]\n"
    "       withyou bank import [--db PATH] [--format auto|te|md5|jsonl] [--case REF]\n"
    "                           BANK FILE|-\n"
    "       withyou bank export [--db PATH] [--format te|md5|jsonl] BANK\n"
    "\n"
    "create: adds a bank: a named collection of cases with its own PDQ match threshold\n"
    "(default 31 bits) and quality floor (default 50; fingerprints below it are refused).\n"
    "list: one TSV line per bank: name, threshold, min_quality.\n"
    "import: registers a hash list ('-' reads stdin), all or nothing: te is ThreatExchange style\n"
    "(one 64-hex PDQ per line, optionally ',quality'), md5 one MD5 per line, jsonl withyou's\n"
    "JSON lines (kind, value, quality, case, source, frame_ms); auto (the default) tells them\n"
    "apart. Lines naming no case go to --case. A bad line is reported as 'FILE: line N: reason'\n"
    "and nothing is imported. A PDQ without a quality only fits a bank with --min-quality 0.\n"
    "export: writes the bank's active fingerprints to stdout (default jsonl, with cases; te: PDQ\n"
    "as hash,quality; md5: MD5s). The output is PLAINTEXT fingerprints: keep it off shared\n"
    "drives, send it only encrypted and delete it when done.\n"
    "The store and key are found as for 'withyou init' (--db, --key-file, $WITHYOU_DB, ...).\n"
    "\n"
    "example:\n"
    "  withyou bank create --threshold 24 platform-share\n"
    "  withyou bank list\n"
    "  withyou bank import --case SC-2026-001 platform-share partner-pdq.csv\n"
    "  withyou bank export --format te platform-share > pdq.csv\n";

struct bank_args {
    const char *db;
    const char *key_file;
    uint64_t threshold;
    uint64_t min_quality;
    const char *format;
    const char *case_ref;
};

/* Parses the options shared by the bank verbs; returns -1 to go on, else an exit status. */
static int parse_bank_args(int argc, char **argv, struct bank_args *a)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"key-file", required_argument, NULL, 'k'},
                                         {"threshold", required_argument, NULL, 't'},
                                         {"min-quality", required_argument, NULL, 'q'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"case", required_argument, NULL, 'c'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'd' || c == 'k') {
            *(c == 'd' ? &a->db : &a->key_file) = optarg;
        } else if (c == 'f' || c == 'c') {
            *(c == 'f' ? &a->format : &a->case_ref) = optarg;
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

/* Maps a --format value; false (and a message) for an unknown one or "auto" when writing. */
static bool parse_list_format(const char *text, bool reading, enum wy_list_format *out)
{
    static const struct {
        const char *name;
        enum wy_list_format format;
    } names[] = {{"auto", WY_LIST_AUTO},
                 {"te", WY_LIST_TE_PDQ},
                 {"md5", WY_LIST_MD5},
                 {"jsonl", WY_LIST_JSONL}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(text, names[i].name) == 0 && (reading || names[i].format != WY_LIST_AUTO)) {
            *out = names[i].format;
            return true;
        }
    }
    cli_error("--format: unknown format '%s' (%s)", text,
              reading ? "auto, te, md5 or jsonl" : "te, md5 or jsonl");
    return false;
}

/* Hash lists larger than this are refused: the library caps records at about a million. */
#define CLI_LIST_MAX_BYTES ((size_t)1 << 30)

/* Reads a whole file ("-": stdin) into a malloc'd buffer; NULL (and a message) on failure. */
static uint8_t *read_list(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL) {
        cli_error("%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16;
    size_t n = 0;
    uint8_t *buf = cli_xmalloc(cap);
    size_t got = 0;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap && cap < CLI_LIST_MAX_BYTES) {
            cap *= 2;
            buf = cli_xrealloc(buf, cap);
        } else if (n == cap) {
            break;
        }
    }
    const bool failed = ferror(f) != 0 || (n == cap && fgetc(f) != EOF);
    if (f != stdin) {
        fclose(f);
    }
    if (failed) {
        cli_error("%s: %s", path, n == cap ? "larger than 1 GiB" : "read error");
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static int bank_import(struct wy_bank *bank, const char *name, const char *path,
                       const struct bank_args *a)
{
    enum wy_list_format format = WY_LIST_AUTO;
    if (a->format != NULL && !parse_list_format(a->format, true, &format)) {
        return CLI_EXIT_USAGE;
    }
    struct wy_bank_info info;
    struct wy_case_info c = {0};
    if (wy_bank_bank_find(bank, name, &info) != WY_OK) {
        cli_error("bank %s: no such bank", name);
        return CLI_EXIT_FAILED;
    }
    if (a->case_ref != NULL && wy_bank_case_find(bank, a->case_ref, &c) != WY_OK) {
        cli_error("case %s: no such case", a->case_ref);
        return CLI_EXIT_FAILED;
    }
    size_t len = 0;
    uint8_t *data = read_list(path, &len);
    if (data == NULL) {
        return CLI_EXIT_FAILED;
    }
    struct wy_diag diag;
    size_t imported = 0;
    const enum wy_status st =
        wy_bank_import(bank, info.id, c.id, (struct wy_bytes){data, len}, format, &imported, &diag);
    free(data);
    if (st != WY_OK) {
        fprintf(stderr, "%s: %s\n", path, diag.msg[0] ? diag.msg : wy_strerror(st));
        fprintf(stderr, "%s: nothing imported\n", path);
        return CLI_EXIT_FAILED;
    }
    printf("%s\t%zu fingerprints imported\n", name, imported);
    return CLI_EXIT_OK;
}

static enum wy_status write_stdout(void *user, const char *line, size_t len)
{
    (void)user;
    return fwrite(line, 1, len, stdout) == len ? WY_OK : WY_EIO;
}

static int bank_export(struct wy_bank *bank, const char *name, const struct bank_args *a)
{
    enum wy_list_format format = WY_LIST_JSONL;
    if (a->format != NULL && !parse_list_format(a->format, false, &format)) {
        return CLI_EXIT_USAGE;
    }
    struct wy_bank_info info;
    if (wy_bank_bank_find(bank, name, &info) != WY_OK) {
        cli_error("bank %s: no such bank", name);
        return CLI_EXIT_FAILED;
    }
    enum wy_status st = wy_bank_export(bank, info.id, format, write_stdout, NULL);
    if (fflush(stdout) != 0 && st == WY_OK) {
        st = WY_EIO;
    }
    if (st != WY_OK) {
        cli_error("bank export %s: %s", name, wy_strerror(st));
        return CLI_EXIT_FAILED;
    }
    return CLI_EXIT_OK;
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
    if (strcmp(verb, "import") == 0 && optind + 2 == argc) {
        return bank_import(bank, argv[optind], argv[optind + 1], a);
    }
    if (strcmp(verb, "export") == 0 && optind + 1 == argc) {
        return bank_export(bank, argv[optind], a);
    }
    fputs(cmd_bank_help, stderr);
    return CLI_EXIT_USAGE;
}

int cmd_bank(int argc, char **argv)
{
    static const char *const verbs[] = {"create", "list", "import", "export"};
    if (!cli_is_verb(argc, argv, verbs, sizeof verbs / sizeof verbs[0])) {
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
