/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c: the `withyou` program: git-style subcommands dispatched through one table.
 */
#include "wy_setup.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"

static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);

static const char version_help[] = "usage: withyou version\n\nPrints the version.\n";
static const char help_help[] =
    "usage: withyou help [COMMAND]\n\nExplains a command, with an example.\n\n"
    "example:\n  withyou help hash\n";

static const struct cli_command commands[] = {
    {"hash", cmd_hash, "fingerprint images (PDQ, quality, SHA-256, MD5)", cmd_hash_help},
    {"compare", cmd_compare, "show which pictures are copies of which (no bank needed)",
     cmd_compare_help},
    {"init", cmd_init, "create a store of fingerprints and its key", cmd_init_help},
    {"rekey", cmd_rekey, "rotate the store's key (re-encrypts everything under a new key)",
     cmd_rekey_help},
    {"bank", cmd_bank, "create and list banks (withyou bank create NAME)", cmd_bank_help},
    {"case", cmd_case, "open a case, register pictures, withdraw", cmd_case_help},
    {"match", cmd_match, "find registered pictures among files (PDQ and MD5)", cmd_match_help},
    {"bench", cmd_bench, "measure hashing or search speed (withyou bench hash|index ...)",
     cmd_bench_help},
    {"help", cmd_help, "explain a command", help_help},
    {"version", cmd_version, "print the version", version_help},
};
static const size_t command_count = sizeof commands / sizeof commands[0];

static void usage(FILE *out)
{
    fputs("usage: withyou COMMAND [options] [args]\n"
          "\n"
          "withyou turns photos into perceptual fingerprints on your own machine, so that\n"
          "copies shared without consent can be found and taken down; the pictures\n"
          "themselves never leave the machine.\n"
          "\n"
          "commands:\n",
          out);
    for (size_t i = 0; i < command_count; i++) {
        fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
    }
    fputs("\n'withyou help COMMAND' explains a command, with an example.\n"
          "\n"
          "example:\n"
          "  withyou compare samples/orig samples/alt samples/distractors\n",
          out);
}

static const struct cli_command *find(const char *name)
{
    for (size_t i = 0; i < command_count; i++) {
        if (strcmp(commands[i].name, name) == 0) {
            return &commands[i];
        }
    }
    return NULL;
}

static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("withyou %s (library %s, kernels %s)\n", WY_VERSION_STRING, wy_version(),
           wy_cpu_level_name(wy_cpu_detect()));
    return CLI_EXIT_OK;
}

static int cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    const struct cli_command *cmd = find(argv[1]);
    if (cmd == NULL) {
        cli_error("help: unknown command '%s'", argv[1]);
        return CLI_EXIT_USAGE;
    }
    fputs(cmd->help, stdout);
    return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        return cmd_version(0, NULL);
    }
    const struct cli_command *cmd = find(argv[1]);
    if (cmd == NULL) {
        cli_error("unknown command '%s'", argv[1]);
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    static char stdout_buf[1 << 16];
    setvbuf(stdout, stdout_buf, _IOFBF, sizeof stdout_buf);
    return cmd->run(argc - 1, argv + 1);
}
