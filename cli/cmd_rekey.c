/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_rekey.c: `withyou rekey` rotates a store's key without ever leaving it unopenable. The new
 * key is saved (and synced) before the store changes; the store switches keys in one
 * transaction (wy_bank_rekey); only after the commit does the new key file take the old one's
 * name, by an atomic rename. A run stopped at any point therefore leaves the store under the key
 * in KEYFILE or under the one in KEYFILE.new, and the next run tells which by trying them: it
 * finishes a rotation that committed, and discards the staged key of one that did not.
 */
/* realpath() is X/Open, beyond the POSIX level wy_setup.h sets. */
#define _XOPEN_SOURCE 700
#include "wy_setup.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

const char cmd_rekey_help[] =
    "usage: withyou rekey [--db PATH] [--key-file PATH] [--new-key-file PATH]\n"
    "\n"
    "Rotates the store's secret key, for instance when a copy of it may have leaked or someone\n"
    "who held it leaves. A new key is generated and saved beside the key file as KEYFILE.new\n"
    "(mode 0600); every fingerprint, source label, case note and suppression entry is then\n"
    "re-encrypted under it in one transaction, and only after that transaction has committed\n"
    "does the new key replace the old key file (whose contents are overwritten). Prints what\n"
    "was re-encrypted. The store and key are found as for 'withyou init'.\n"
    "\n"
    "If a rotation is interrupted, the store is entirely under the old key or entirely under\n"
    "the new one: run 'withyou rekey' again. It finishes a rotation that committed (moving\n"
    "KEYFILE.new into place) or discards the new key of one that did not, and rotates.\n"
    "\n"
    "A key given in $WITHYOU_KEY cannot be replaced in place: the new key is written to\n"
    "--new-key-file (required then, and refused otherwise); set WITHYOU_KEY to its contents\n"
    "afterwards. Programs that have the store open must be restarted with the new key. Backups\n"
    "of the store made before the rotation open only with the old key.\n"
    "\n"
    "examples:\n"
    "  withyou rekey --db centre.db\n"
    "  WITHYOU_KEY=$(cat old.key) withyou rekey --db centre.db --new-key-file new.key\n";

struct rekey_args {
    const char *db;
    const char *key_file;
    const char *new_key_file;
};

static int parse_rekey_args(int argc, char **argv, struct rekey_args *a)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"key-file", required_argument, NULL, 'k'},
                                         {"new-key-file", required_argument, NULL, 'n'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'd') {
            a->db = optarg;
        } else if (c == 'k') {
            a->key_file = optarg;
        } else if (c == 'n') {
            a->new_key_file = optarg;
        } else if (c == 'h') {
            fputs(cmd_rekey_help, stdout);
            return CLI_EXIT_OK;
        } else {
            fputs("try 'withyou help rekey'\n", stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        cli_error("rekey takes no arguments; try 'withyou help rekey'");
        return CLI_EXIT_USAGE;
    }
    return -1; /* go on */
}

/* Opens and closes the store with `key`: WY_OK if it opens, WY_EINVAL if the key is wrong. */
static enum wy_status probe_key(struct wy_ctx *ctx, const char *db, const struct wy_bank_key *key,
                                struct wy_diag *diag)
{
    struct wy_bank *bank = NULL;
    const enum wy_status st = wy_bank_open(ctx, db, key, diag, &bank);
    wy_bank_close(bank);
    return st;
}

/* Syncs the folder holding `path`, so that a rename in it survives a power cut. */
static bool sync_folder_of(const char *path)
{
    char *copy = cli_xstrdup(path);
    const int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    bool ok = fd >= 0 && (fsync(fd) == 0 || errno == EINVAL);
    if (fd >= 0) {
        close(fd);
    }
    return ok;
}

/* Overwrites the whole file behind fd with zeros. Best effort: a journalling or copy-on-write
 * file system, or an SSD, may keep the old blocks; backups of the key are the user's to destroy. */
static void overwrite_file(int fd)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        return;
    }
    static const char zeros[256];
    for (off_t done = 0; done < sb.st_size;) {
        const off_t left = sb.st_size - done;
        const size_t n = left < (off_t)sizeof zeros ? (size_t)left : sizeof zeros;
        const ssize_t w = pwrite(fd, zeros, n, done);
        if (w <= 0) {
            return;
        }
        done += w;
    }
    (void)fsync(fd);
}

/*
 * Puts the new key file in the old one's place. rename() is atomic, so the key file's name
 * always holds one whole key; the folder is synced so the rename survives a power cut. The old
 * file is held open across the rename and overwritten once nothing names it: the old key opens
 * nothing any more, and a copy of it is only a liability.
 */
static bool replace_key_file(const char *new_path, const char *key_path)
{
    const int old_fd = open(key_path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (rename(new_path, key_path) != 0) {
        cli_error("%s: cannot move the new key into place: %s; the store's key is now the one "
                  "in %s",
                  key_path, strerror(errno), new_path);
        if (old_fd >= 0) {
            close(old_fd);
        }
        return false;
    }
    if (!sync_folder_of(key_path)) {
        cli_error("warning: %s: cannot sync its folder: %s", key_path, strerror(errno));
    }
    if (old_fd >= 0) {
        overwrite_file(old_fd);
        close(old_fd);
    }
    return true;
}

enum leftover { LEFTOVER_NONE, LEFTOVER_FINISHED, LEFTOVER_FAILED };

/*
 * A KEYFILE.new from an earlier run: if its key opens the store, that rotation committed and
 * only the rename is missing, so it is done now; if it does not (or the file was cut short
 * while being written), that rotation never committed and the file opens nothing: it goes.
 */
static enum leftover settle_leftover(struct wy_ctx *ctx, const char *db, const char *key_path,
                                     const char *new_path)
{
    if (access(new_path, F_OK) != 0) {
        return LEFTOVER_NONE;
    }
    struct wy_bank_key key;
    struct wy_diag diag;
    wy_diag_clear(&diag);
    enum wy_status st = wy_bank_key_load(new_path, &key, &diag);
    if (st == WY_OK) {
        st = probe_key(ctx, db, &key, &diag);
        wy_bank_key_wipe(&key);
        if (st == WY_OK) {
            if (!replace_key_file(new_path, key_path)) {
                return LEFTOVER_FAILED;
            }
            printf("finished an interrupted key rotation: %s now holds the store's key\n",
                   key_path);
            return LEFTOVER_FINISHED;
        }
    }
    if (st == WY_EPARSE || (st == WY_EINVAL && strstr(diag.msg, "does not open") != NULL)) {
        if (unlink(new_path) != 0) {
            cli_error("%s: %s", new_path, strerror(errno));
            return LEFTOVER_FAILED;
        }
        fprintf(stderr, "withyou: removed %s, left by a key rotation that did not complete\n",
                new_path);
        return LEFTOVER_NONE;
    }
    cli_error("%s: %s", st == WY_ENOENT || st == WY_EIO ? db : new_path,
              diag.msg[0] ? diag.msg : wy_strerror(st));
    return LEFTOVER_FAILED;
}

static void print_done(const struct wy_bank_rekey_stats *stats, const char *key_path,
                       const char *new_path)
{
    printf("re-encrypted %zu fingerprint%s (%zu with a source label), notes of %zu case%s, "
           "%zu suppression entr%s\n",
           stats->fingerprints, stats->fingerprints == 1 ? "" : "s", stats->labels, stats->notes,
           stats->notes == 1 ? "" : "s", stats->suppressions,
           stats->suppressions == 1 ? "y" : "ies");
    if (key_path != NULL) {
        printf("%s now holds the new key (back it up); the old key no longer opens the store\n",
               key_path);
    } else {
        printf("new key written to %s (back it up): set WITHYOU_KEY to its contents wherever the "
               "store is used; the old key no longer opens the store\n",
               new_path);
    }
}

/*
 * The rotation proper. `key_path` is the resolved key file (NULL: the key is in WITHYOU_KEY),
 * `new_path` where the new key goes. The store decides whether it committed: after a failure
 * the new key is tried, since an error reported by the commit itself does not prove that
 * nothing reached the disk. The new key file is removed only once it is known to open nothing.
 */
static int rotate(struct wy_ctx *ctx, const struct rekey_args *a, const char *db,
                  const char *key_path, const char *new_path)
{
    struct wy_bank *bank = cli_store_open(ctx, a->db, a->key_file);
    if (bank == NULL) {
        return CLI_EXIT_FAILED;
    }
    struct wy_bank_key key;
    struct wy_diag diag;
    wy_diag_clear(&diag);
    enum wy_status st = wy_bank_key_generate(&key);
    if (st == WY_OK) {
        st = wy_bank_key_save(new_path, &key, &diag);
    }
    if (st != WY_OK) {
        cli_error("%s: %s", new_path, diag.msg[0] ? diag.msg : wy_strerror(st));
        wy_bank_close(bank);
        wy_bank_key_wipe(&key);
        return CLI_EXIT_FAILED;
    }
    struct wy_bank_rekey_stats stats = {0};
    st = wy_bank_rekey(bank, &key, &stats, &diag);
    wy_bank_close(bank);
    int rc = CLI_EXIT_OK;
    if (st != WY_OK) {
        cli_error("%s: %s", db, diag.msg[0] ? diag.msg : wy_strerror(st));
        const enum wy_status probe = probe_key(ctx, db, &key, NULL);
        if (probe == WY_EINVAL) {
            unlink(new_path);
        } else if (probe == WY_OK && key_path != NULL) {
            cli_error("the store opens with the new key all the same: run 'withyou rekey' again "
                      "to move it from %s into place",
                      new_path);
        } else if (probe == WY_OK) {
            cli_error("the store opens with the new key all the same: set WITHYOU_KEY to the "
                      "contents of %s",
                      new_path);
        } else {
            cli_error("kept the new key in %s: cannot tell which key the store is under", new_path);
        }
        rc = CLI_EXIT_FAILED;
    }
    wy_bank_key_wipe(&key);
    if (rc == CLI_EXIT_OK && key_path != NULL && !replace_key_file(new_path, key_path)) {
        rc = CLI_EXIT_FAILED;
    }
    if (rc == CLI_EXIT_OK) {
        print_done(&stats, key_path, new_path);
    }
    return rc;
}

int cmd_rekey(int argc, char **argv)
{
    struct rekey_args a = {NULL, NULL, NULL};
    const int parsed = parse_rekey_args(argc, argv, &a);
    if (parsed >= 0) {
        return parsed;
    }
    const char *db = cli_store_path(a.db);
    char *key_file = cli_key_path(db, a.key_file);
    if (key_file == NULL && a.new_key_file == NULL) {
        cli_error("the key is in WITHYOU_KEY: give --new-key-file PATH for the new key");
        return CLI_EXIT_USAGE;
    }
    if (key_file != NULL && a.new_key_file != NULL) {
        cli_error("--new-key-file is for a key given in WITHYOU_KEY; the new key replaces %s",
                  key_file);
        free(key_file);
        return CLI_EXIT_USAGE;
    }
    /* A key file reached through a link is replaced where it really is, beside its .new. */
    char *key_path = key_file != NULL ? realpath(key_file, NULL) : NULL;
    if (key_file != NULL && key_path == NULL) {
        cli_error("%s: cannot load the store's key: %s", key_file, strerror(errno));
        free(key_file);
        return CLI_EXIT_FAILED;
    }
    free(key_file);
    char *new_path = key_path != NULL ? cli_key_new_path(key_path) : cli_xstrdup(a.new_key_file);
    struct wy_ctx *ctx = cli_ctx_new();
    int rc = CLI_EXIT_FAILED;
    enum leftover lo = LEFTOVER_NONE;
    if (new_path != NULL && key_path != NULL) {
        lo = settle_leftover(ctx, db, key_path, new_path);
    }
    if (new_path == NULL) {
        cli_error("%s: %s", key_path, strerror(errno));
    } else if (lo == LEFTOVER_FINISHED) {
        rc = CLI_EXIT_OK;
    } else if (lo == LEFTOVER_NONE) {
        rc = rotate(ctx, &a, db, key_path, new_path);
    }
    free(new_path);
    free(key_path);
    wy_ctx_free(ctx);
    return rc;
}
