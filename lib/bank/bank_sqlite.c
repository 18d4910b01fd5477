/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bank_sqlite.c: the embedded store backend, one SQLite file; the only file that includes
 * sqlite3.h, so SQLite's result codes are translated into `enum wy_status` here and go no
 * further.
 *
 * Every connection runs in WAL mode (readers never block the writer, and a committed withdrawal
 * is seen by the next statement of every other connection), with foreign keys enforced,
 * synchronous=FULL (a commit that returned survives a power cut) and a busy timeout so that two
 * processes writing at once wait rather than fail. Statements are prepared once per connection
 * and reset after every use, so no read transaction outlives the call that opened it. The
 * schema is brought forward by the embedded migrations inside one IMMEDIATE transaction, so
 * two processes opening an old store at once migrate it once.
 */
#include "wy_setup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bank/bank_int.h"
#include "core/core_int.h"

#define BUSY_TIMEOUT_MS 10000

/* The prepared statements of a connection, by purpose. */
enum stmt_id {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_META_GET,
    ST_META_PUT,
    ST_BANK_INSERT,
    ST_BANK_BY_NAME,
    ST_BANK_BY_ID,
    ST_BANK_LIST,
    ST_CASE_INSERT,
    ST_CASE_BY_REF,
    ST_CASE_BY_ID,
    ST_CASE_STATUS,
    ST_CASE_FP_LOG,
    ST_CASE_FP_SET,
    ST_NOTES_GET,
    ST_NOTES_PUT,
    ST_FP_INSERT,
    ST_CHANGE_INSERT,
    ST_FP_GET,
    ST_FP_SCAN,
    ST_FP_SCAN_VALUES,
    ST_SUP_LIST,
    ST_FP_LOOKUP,
    ST_SUP_PUT,
    ST_SUP_HAS,
    ST_SEQ,
    ST_CHANGES,
    ST_FP_PAGE,
    ST_FP_RESEAL,
    ST_NOTES_PAGE,
    ST_NOTES_RESEAL,
    ST_SUP_PAGE,
    ST_SUP_RESEAL,
    ST_COUNT
};

#define BANK_COLS "SELECT id, name, threshold, min_quality FROM banks"
#define CASE_COLS                                                                                  \
    "SELECT c.id, c.bank_id, c.ref, c.status, c.created, c.updated, (SELECT COUNT(*) FROM "        \
    "fingerprints f WHERE f.case_id = c.id AND f.active = 1) FROM cases c"
#define FP_COLS                                                                                    \
    "SELECT f.id, f.kind, f.value_cipher, f.blind, f.quality, f.case_id, f.bank_id, f.frame_ms, "  \
    "f.source_cipher, f.added, f.active, f.frame_end_ms, f.media FROM fingerprints f"
/* A suppressed value must never match, whichever bank or case holds it. */
#define NOT_SUPPRESSED                                                                             \
    " AND NOT EXISTS (SELECT 1 FROM suppression s WHERE s.kind = f.kind AND s.blind = f.blind)"
#define FP_ACTIVE_IN " AND f.active = 1 AND (?2 = 0 OR f.bank_id = ?2)" NOT_SUPPRESSED

static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_META_GET] = "SELECT value FROM meta WHERE name = ?1",
    [ST_META_PUT] = "INSERT OR REPLACE INTO meta (name, value) VALUES (?1, ?2)",
    [ST_BANK_INSERT] = "INSERT INTO banks (name, threshold, min_quality) VALUES (?1, ?2, ?3)",
    [ST_BANK_BY_NAME] = BANK_COLS " WHERE name = ?1",
    [ST_BANK_BY_ID] = BANK_COLS " WHERE id = ?1",
    [ST_BANK_LIST] = BANK_COLS " ORDER BY name",
    [ST_CASE_INSERT] = "INSERT INTO cases (bank_id, ref, status, created, updated) "
                       "VALUES (?1, ?2, ?3, ?4, ?4)",
    [ST_CASE_BY_REF] = CASE_COLS " WHERE c.ref = ?1",
    [ST_CASE_BY_ID] = CASE_COLS " WHERE c.id = ?1",
    [ST_CASE_STATUS] = "UPDATE cases SET status = ?2, updated = ?3 WHERE id = ?1",
    [ST_CASE_FP_LOG] = "INSERT INTO changes (fp_id, active) SELECT id, ?2 FROM fingerprints "
                       "WHERE case_id = ?1 AND active <> ?2 ORDER BY id",
    [ST_CASE_FP_SET] = "UPDATE fingerprints SET active = ?2 WHERE case_id = ?1 AND active <> ?2",
    [ST_NOTES_GET] = "SELECT notes_cipher FROM cases WHERE id = ?1",
    [ST_NOTES_PUT] = "UPDATE cases SET notes_cipher = ?2, updated = ?3 WHERE id = ?1",
    [ST_FP_INSERT] = "INSERT INTO fingerprints (kind, value_cipher, blind, quality, case_id, "
                     "bank_id, frame_ms, source_cipher, added, active, frame_end_ms, media) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1, ?10, ?11)",
    [ST_CHANGE_INSERT] = "INSERT INTO changes (fp_id, active) VALUES (?1, 1)",
    [ST_FP_GET] = FP_COLS " WHERE f.id = ?1",
    [ST_FP_SCAN] = FP_COLS " WHERE f.kind = ?1" FP_ACTIVE_IN " ORDER BY f.id",
    /* The matcher's start-up: no label, no added time (constants cost no column reads), and
     * suppression checked in C against a list read once (a subquery per row was a third of the
     * scan's SQLite time). */
    /* One pass over the table in id order for every kind in the mask ?1: most rows are
     * wanted, and an index by kind would cost a lookup per row, or a sort for two kinds. */
    [ST_FP_SCAN_VALUES] = "SELECT f.id, f.kind, f.value_cipher, f.blind, f.quality, f.case_id, "
                          "f.bank_id, f.frame_ms, NULL, 0, 1, f.frame_end_ms, f.media "
                          "FROM fingerprints f NOT INDEXED WHERE ((?1 >> f.kind) & 1) = 1 AND "
                          "f.active = 1 AND (?2 = 0 OR f.bank_id = ?2) ORDER BY f.id",
    [ST_SUP_LIST] = "SELECT blind FROM suppression WHERE kind = ?1",
    [ST_FP_LOOKUP] = FP_COLS " WHERE f.blind = ?3 AND f.kind = ?1" FP_ACTIVE_IN " ORDER BY f.id",
    [ST_SUP_PUT] = "INSERT OR REPLACE INTO suppression (kind, blind, value_cipher, reason) "
                   "VALUES (?1, ?2, ?3, ?4)",
    [ST_SUP_HAS] = "SELECT 1 FROM suppression WHERE kind = ?1 AND blind = ?2",
    [ST_SEQ] = "SELECT COALESCE(MAX(seq), 0) FROM changes",
    [ST_CHANGES] = "SELECT seq, fp_id, active FROM changes WHERE seq > ?1 ORDER BY seq",
    /* Key rotation. The suppression table has no id column: its rowid is stable within the
     * transaction (only VACUUM renumbers rowids), which is all a rotation needs. */
    [ST_FP_PAGE] = FP_COLS " WHERE f.id > ?1 ORDER BY f.id LIMIT ?2",
    [ST_FP_RESEAL] = "UPDATE fingerprints SET value_cipher = ?2, blind = ?3, source_cipher = ?4 "
                     "WHERE id = ?1",
    [ST_NOTES_PAGE] = "SELECT id, notes_cipher FROM cases WHERE id > ?1 AND notes_cipher IS NOT "
                      "NULL ORDER BY id LIMIT ?2",
    [ST_NOTES_RESEAL] = "UPDATE cases SET notes_cipher = ?2 WHERE id = ?1",
    [ST_SUP_PAGE] = "SELECT rowid, kind, blind, value_cipher FROM suppression WHERE rowid > ?1 "
                    "ORDER BY rowid LIMIT ?2",
    [ST_SUP_RESEAL] = "UPDATE suppression SET blind = ?2, value_cipher = ?3 WHERE rowid = ?1",
};

struct sq_conn {
    sqlite3 *db;
    sqlite3_stmt *stmts[ST_COUNT];
};

static struct sq_conn *conn_of(struct wy_bank *bank)
{
    return bank->conn;
}

/* SQLite's primary codes (the low byte of an extended code) mapped to the library's. A constraint
 * violation means the caller asked for something the schema forbids (a taken name, a dangling
 * id), so it is WY_EINVAL; callers that know which constraint give a better message first. */
static enum wy_status status_of(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return WY_OK;
    case SQLITE_NOMEM:
        return WY_ENOMEM;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return WY_ECORRUPT;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISUSE:
    case SQLITE_RANGE:
        return WY_EINVAL;
    case SQLITE_CANTOPEN:
        return WY_ENOENT;
    default:
        return WY_EIO;
    }
}

/* Puts SQLite's own message in the diag; the code stays as `native` for the curious. */
static enum wy_status fail_db(sqlite3 *db, int rc, struct wy_diag *diag)
{
    wy__diag_set(diag, -1, rc, "SQLite: %s", db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    return status_of(rc);
}

/* The cached statement for id, prepared on first use; NULL on failure (rc says why). */
static sqlite3_stmt *stmt(struct sq_conn *c, enum stmt_id id, int *rc)
{
    *rc = SQLITE_OK;
    if (c->stmts[id] == NULL) {
        *rc = sqlite3_prepare_v3(c->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &c->stmts[id],
                                 NULL);
    }
    return c->stmts[id];
}

/* SQLITE_STATIC: every bound buffer outlives the step that reads it (bindings are cleared
 * before returning). A NULL pointer stores SQL NULL, which is how "no label" is kept. */
static int bind_blob(sqlite3_stmt *s, int col, const uint8_t *data, size_t len)
{
    if (data == NULL) {
        return sqlite3_bind_null(s, col);
    }
    return sqlite3_bind_blob64(s, col, data, len, SQLITE_STATIC);
}

/* Steps a statement that returns no rows and resets it. */
static enum wy_status step_done(struct sq_conn *c, sqlite3_stmt *s, struct wy_diag *diag)
{
    const int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE ? WY_OK : fail_db(c->db, rc, diag);
}

static void finish(sqlite3_stmt *s)
{
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
}

/* Runs a parameterless statement from the cache. */
static enum wy_status run_plain(struct sq_conn *c, enum stmt_id id, struct wy_diag *diag)
{
    int rc = SQLITE_OK;
    sqlite3_stmt *s = stmt(c, id, &rc);
    return s != NULL ? step_done(c, s, diag) : fail_db(c->db, rc, diag);
}

/* ---- opening and migrating ---- */

static enum wy_status exec_sql(sqlite3 *db, const char *sql, struct wy_diag *diag)
{
    const int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? WY_OK : fail_db(db, rc, diag);
}

/* PRAGMA user_version is the schema version: 0 for a file no migration has touched. */
static enum wy_status read_user_version(sqlite3 *db, int *version, struct wy_diag *diag)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
    }
    if (rc == SQLITE_ROW) {
        *version = sqlite3_column_int(s, 0);
        rc = SQLITE_OK;
    }
    const enum wy_status st = rc == SQLITE_OK ? WY_OK : fail_db(db, rc, diag);
    sqlite3_finalize(s);
    return st;
}

/* A new store records its key check value and creation time with its first schema. */
static enum wy_status bind_key(struct wy_bank *bank, const uint8_t *check, struct wy_diag *diag)
{
    enum wy_status st =
        bank->backend->meta_put(bank, "key_check", check, WY__BANK_CHECK_BYTES, diag);
    if (st != WY_OK) {
        return st;
    }
    int64_t now = (int64_t)time(NULL);
    uint8_t created[8];
    for (size_t i = 0; i < sizeof created; i++) {
        created[i] = (uint8_t)((uint64_t)now >> (8 * i));
    }
    return bank->backend->meta_put(bank, "created", created, sizeof created, diag);
}

static enum wy_status apply_migrations(struct wy_bank *bank, int from, const uint8_t *check,
                                       struct wy_diag *diag)
{
    sqlite3 *db = conn_of(bank)->db;
    const int newest = (int)wy__bank_migration_count;
    for (int v = from; v < newest; v++) {
        const enum wy_status st = exec_sql(db, wy__bank_migrations[v].sql, diag);
        if (st != WY_OK) {
            return st;
        }
    }
    if (from == 0) {
        const enum wy_status st = bind_key(bank, check, diag);
        if (st != WY_OK) {
            return st;
        }
    }
    char pragma[48];
    snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", newest);
    return exec_sql(db, pragma, diag);
}

static enum wy_status migrate(struct wy_bank *bank, const uint8_t *check, struct wy_diag *diag)
{
    struct sq_conn *c = conn_of(bank);
    enum wy_status st = run_plain(c, ST_BEGIN, diag);
    if (st != WY_OK) {
        return st;
    }
    int version = 0;
    st = read_user_version(c->db, &version, diag);
    const int newest = (int)wy__bank_migration_count;
    if (st == WY_OK && version > newest) {
        st = wy__fail(diag, WY_ENOTSUP,
                      "store schema version %d is newer than this program's (%d); upgrade withyou",
                      version, newest);
    } else if (st == WY_OK && version < 0) {
        st = wy__fail(diag, WY_ECORRUPT, "store schema version %d is invalid", version);
    } else if (st == WY_OK && version < newest) {
        st = apply_migrations(bank, version, check, diag);
    }
    if (st == WY_OK) {
        st = run_plain(c, ST_COMMIT, diag);
    }
    if (st != WY_OK) {
        (void)run_plain(c, ST_ROLLBACK, NULL);
        return st;
    }
    bank->schema_version = newest;
    return WY_OK;
}

/* WAL survives in the file; the other settings belong to the connection and are set each time. */
static enum wy_status configure(sqlite3 *db, struct wy_diag *diag)
{
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
    enum wy_status st = exec_sql(db, "PRAGMA journal_mode = WAL", diag);
    if (st == WY_OK) {
        st = exec_sql(db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL", diag);
    }
    if (st == WY_OK) {
        /* Reads through a memory map, not a pread and a copy per page: the matcher's start-up
         * scans the whole table. SQLite caps it at its compiled maximum (2 GiB on Debian). */
        st = exec_sql(db, "PRAGMA mmap_size = 4294967296", diag);
    }
    return st;
}

/* Makes the file ourselves, exclusively and mode 0600 (SQLite copies the mode to -wal/-shm). */
static enum wy_status create_file(const char *path, struct wy_diag *diag)
{
    const int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        close(fd);
        return WY_OK;
    }
    if (errno == EEXIST) {
        return wy__fail(diag, WY_EINVAL, "a file already exists at this path");
    }
    const int err = errno;
    wy__diag_set(diag, -1, err, "store: %s", strerror(err));
    return err == ENOENT || err == ENOTDIR ? WY_ENOENT : WY_EIO;
}

static enum wy_status check_exists(const char *path, struct wy_diag *diag)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        return wy__fail(diag, WY_ENOENT, "no store at this path");
    }
    if (!S_ISREG(sb.st_mode)) {
        return wy__fail(diag, WY_EINVAL, "the store path is not a regular file");
    }
    return WY_OK;
}

static enum wy_status connect_db(struct wy_bank *bank, const char *path, struct wy_diag *diag)
{
    struct sq_conn *c = wy__calloc(bank->ctx, 1, sizeof *c);
    if (c == NULL) {
        return WY_ENOMEM;
    }
    bank->conn = c;
    /* No SQLITE_OPEN_CREATE: the file was made (or checked) above, and a file deleted since must
     * not come back as an empty store. */
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    const int rc = sqlite3_open_v2(path, &c->db, flags, NULL);
    if (rc != SQLITE_OK) {
        return fail_db(c->db, rc, diag);
    }
    return configure(c->db, diag);
}

/* Undoes a failed create, so that a retry does not meet "a file already exists". */
static void remove_store_files(const char *path)
{
    char side[PATH_MAX];
    unlink(path);
    if ((size_t)snprintf(side, sizeof side, "%s-wal", path) < sizeof side) {
        unlink(side);
    }
    if ((size_t)snprintf(side, sizeof side, "%s-shm", path) < sizeof side) {
        unlink(side);
    }
}

static void sq_close(struct wy_bank *bank)
{
    struct sq_conn *c = conn_of(bank);
    if (c == NULL) {
        return;
    }
    for (size_t i = 0; i < ST_COUNT; i++) {
        sqlite3_finalize(c->stmts[i]);
    }
    sqlite3_close_v2(c->db);
    wy__free(bank->ctx, c);
    bank->conn = NULL;
}

static enum wy_status sq_open(struct wy_bank *bank, const char *path, bool create,
                              const uint8_t *check, struct wy_diag *diag)
{
    enum wy_status st = create ? create_file(path, diag) : check_exists(path, diag);
    if (st != WY_OK) {
        return st;
    }
    st = connect_db(bank, path, diag);
    if (st == WY_OK) {
        st = migrate(bank, check, diag);
    }
    if (st != WY_OK) {
        sq_close(bank);
        if (create) {
            remove_store_files(path);
        }
    }
    return st;
}

/* ---- transactions and metadata ---- */

static enum wy_status sq_txn_begin(struct wy_bank *bank, struct wy_diag *diag)
{
    return run_plain(conn_of(bank), ST_BEGIN, diag);
}

static enum wy_status sq_txn_commit(struct wy_bank *bank, struct wy_diag *diag)
{
    return run_plain(conn_of(bank), ST_COMMIT, diag);
}

static void sq_txn_rollback(struct wy_bank *bank)
{
    (void)run_plain(conn_of(bank), ST_ROLLBACK, NULL);
}

/* Copies a BLOB column into out[0..cap); NULL counts as empty. */
static enum wy_status copy_blob(sqlite3_stmt *s, int col, uint8_t *out, size_t cap, size_t *len)
{
    const int n = sqlite3_column_bytes(s, col);
    if ((size_t)n > cap) {
        return WY_ETOOBIG;
    }
    if (n > 0) {
        memcpy(out, sqlite3_column_blob(s, col), (size_t)n);
    }
    *len = (size_t)n;
    return WY_OK;
}

/* Steps a one-row query: WY_OK on a row, WY_ENOENT on none; the caller reads then finishes. */
static enum wy_status step_row(struct sq_conn *c, sqlite3_stmt *s)
{
    const int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        return WY_OK;
    }
    finish(s);
    return rc == SQLITE_DONE ? WY_ENOENT : fail_db(c->db, rc, NULL);
}

static enum wy_status sq_meta_get(struct wy_bank *bank, const char *name, uint8_t *out, size_t cap,
                                  size_t *len)
{
    struct sq_conn *c = conn_of(bank);
    int rc = SQLITE_OK;
    sqlite3_stmt *s = stmt(c, ST_META_GET, &rc);
    if (s == NULL) {
        return fail_db(c->db, rc, NULL);
    }
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    enum wy_status st = step_row(c, s);
    if (st == WY_OK) {
        st = copy_blob(s, 0, out, cap, len);
        finish(s);
    }
    return st;
}

static enum wy_status sq_meta_put(struct wy_bank *bank, const char *name, const uint8_t *value,
                                  size_t len, struct wy_diag *diag)
{
    struct sq_conn *c = conn_of(bank);
    int rc = SQLITE_OK;
    sqlite3_stmt *s = stmt(c, ST_META_PUT, &rc);
    if (s == NULL) {
        return fail_db(c->db, rc, diag);
    }
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    bind_blob(s, 2, value, len);
    return step_done(c, s, diag);
}

/* ---- banks ---- */

static enum wy_status sq_bank_insert(struct wy_bank *bank, const struct wy_bank_info *info,
                                     int64_t *id, struct wy_diag *diag)
{
    struct sq_conn *c = conn_of(bank);
    int rc = SQLITE_OK;
    sqlite3_stmt *s = stmt(c, ST_BANK_INSERT, &rc);
    if (s == NULL) {
        return fail_db(c->db, rc, diag);
    }
    sqlite3_bind_text(s, 1, info->name, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, info->threshold);
    sqlite3_bind_int(s, 3, info->min_quality);
    rc = sqlite3_step(s);
    finish(s);
    if (rc == SQLITE_CONSTRAINT_UNIQUE) {
        return wy__fail(diag, WY_EINVAL, "a bank named \"%s\" already exists", info->name);
    }
    if (rc != SQLITE_DONE) {
        return fail_db(c->db, rc, diag);
    }
    *id = sqlite3_last_insert_rowid(c->db);
    return WY_OK;
}

static void read_bank(sqlite3_stmt *s, struct wy_bank_info *info)
{
    memset(info, 0, sizeof *info);
    info->id = sqlite3_column_int64(s, 0);
    const unsigned char *name = sqlite3_column_text(s, 1);
    snprintf(info->name, sizeof info->name, "%s", name != NULL ? (const char *)name : "");
    info->threshold = sqlite3_column_int(s, 2);
    info->min_quality = sqlite3_column_int(s, 3);
}

static enum wy_status sq_bank_get(struct wy_bank *bank, const char *name, int64_t id,
                                  struct wy_bank_info *info)
{
    struct sq_conn *c = conn_of(bank);
    int rc = SQLITE_OK;
    sqlite3_stmt *s = stmt(c, name != NULL ? ST_BANK_BY_NAME : ST_BANK_BY_ID, &rc);
    if (s == NULL) {
        return fail_db(c->db, rc, NULL);
    }
    if (name != NULL) {
        sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_int64(s, 1, id);
    }
    const enum wy_status st = step_row(c, s);
    if (st == WY_OK) {
        read_bank(s, info);
        finish(s);
    }
    return st;
}

static enum wy_status sq_bank_list(struct wy_bank *bank, wy_bank_info_fn fn, void *user)
{
    struct sq_conn *c = conn_of(bank);
    int rc = SQLITE_OK;
    sqlite3_stmt *s = stmt(c, ST_BANK_LIST, &rc);
    if (s == NULL) {
        return fail_db(c->db, rc, NULL);
    }
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct wy_bank_info info;
        read_bank(s, &info);
        if (!fn(user, &info)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    finish(s);
    return rc == SQLITE_DONE ? WY_OK : fail_db(c->db, rc, NULL);
}

/* ---- cases ---- */

static enum wy_status sq_case_insert(struct wy_bank *bank, struct wy_case_info *info,
                                     struct wy_diag *diag)
{
    struct sq_conn *c = conn_of(bank);
    int rc = SQLITE_OK;
    sqlite3_stmt *s = stmt(c, ST_CASE_INSERT, &rc);
    if (s == NULL) {
        return fail_db(c->db, rc, diag);
    }
    sqlite3_bind_int64(s, 1, info->bank_id);
    sqlite3_bind_text(s, 2, info->ref, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, (int)info->status);
    sqlite3_bind_int64(s, 4, info->created_s);
    rc = sqlite3_step(s);
    finish(s);
    if (rc == SQLITE_CONSTRAINT_UNIQUE) {
        return wy__fail(diag, WY_EINVAL, "case reference %s is already taken", info->ref);
    }
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
        return wy__fail(diag, WY_ENOENT, "no bank with id %lld", (long long)info->bank_id);
    }
    if (rc != SQLITE_DONE) {
        return fail_db(c->db, rc, diag);
    }
    info->id = sqlite3_last_insert_rowid(c->db);
    return WY_OK;
}

static void read_case(sqlite3_stmt *s, struct wy_case_info *info)
{
    memset(info, 0, sizeof *info);
    info->id = sqlite3_column_int64(s, 0);
    info->bank_id = sqlite3_column_int64(s, 1);
    const unsigned char *ref = sqlite3_column_text(s, 2);
    snprintf(info->ref, sizeof info->ref, "%s", ref != NULL ? (const char *)ref : "");
    info->status = (enum wy_case_status)sqlite3_column_int(s, 3);
    info->created_s = sqlite3_column_int64(s, 4);
    info->updated_s = sqlite3_column_int64(s, 5);
    info->fingerprint_count = (size_t)sqlite3_column_int64(s, 6);
}

static enum wy_status sq_case_get(struct wy_bank *bank, const char *ref, int64_t id,
                                  struct wy_case_info *info)
{
    struct sq_conn *c = conn_of(bank);
    int rc = SQLITE_OK;
    sqlite3_stmt *s = stmt(c, ref != NULL ? ST_CASE_BY_REF : ST_CASE_BY_ID, &rc);
    if (s == NULL) {
        return fail_db(c->db, rc, NULL);
    }
    if (ref != NULL) {
        sqlite3_bind_text(s, 1, ref, -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_int64(s, 1, id);
    }
    const enum wy_status st = step_row(c, s);
    if (st == WY_OK) {
        read_case(s, info);
        finish(s);
    }
    return st;
}

/* Runs one of the two per-case fingerprint statements (log the changes, then apply them). */
static enum wy_status case_fp_step(struct sq_conn *c, enum stmt_id id, int64_t case_id, bool active)
{
    int rc = SQLITE_OK;
    sqlite3_stmt *s = stmt(c, id, &rc);
    if (s == NULL) {
        return fail_db(c->db, rc, NULL);
    }
    sqlite3_bind_int64(s, 1, case_id);
    sqlite3_bind_int(s, 2, active ? 1 : 0);
    return step_done(c, s, NULL);
}

static enum wy_status sq_case_set_status(struct wy_bank *bank, int64_t case_id,
                                         enum wy_case_status status, bool fps_active, int64_t now_s)
{
    struct sq_conn *c = conn_of(bank);
    int rc = SQLITE_OK;
    sqlite3_stmt *s = stmt(c, ST_CASE_STATUS, &rc);
    if (s == NULL) {
        return fail_db(c->db, rc, NULL);
    }
    sqlite3_bind_int64(s, 1, case_id);
    sqlite3_bind_int(s, 2, (int)status);
    sqlite3_bind_int64(s, 3, now_s);
    enum wy_status st = step_done(c, s, NULL);
    if (st == WY_OK && sqlite3_changes(c->db) == 0) {
        return WY_ENOENT;
    }
    /* The feed is written before the flags flip, while `active <> ?` still finds the rows. */
    if (st == WY_OK) {
        st = case_fp_step(c, ST_CASE_FP_LOG, case_id, fps_active);
    }
    if (st == WY_OK) {
        st = case_fp_step(c, ST_CASE_FP_SET, case_id, fps_active);
    }
    return st;
}

static enum wy_status sq_case_notes_get(struct wy_bank *bank, int64_t case_id, uint8_t *out,
                                        size_t cap, size_t *len)
{
    struct sq_conn *c = conn_of(bank);
    int rc = SQLITE_OK;
    sqlite3_stmt *s = stmt(c, ST_NOTES_GET, &rc);
    if (s == NULL) {
        return fail_db(c->db, rc, NULL);
    }
    sqlite3_bind_int64(s, 1, case_id);
    enum wy_status st = step_row(c, s);
    if (st == WY_OK) {
        st = copy_blob(s, 0, out, cap, len);
        finish(s);
    }
    return st;
}

static enum wy_status sq_case_notes_put(struct wy_bank *bank, int64_t case_id,
                                        const uint8_t *cipher, size_t len, int64_t now_s)
{
    struct sq_conn *c = conn_of(bank);
    int rc = SQLITE_OK;
    sqlite3_stmt *s = stmt(c, ST_NOTES_PUT, &rc);
    if (s == NULL) {
        return fail_db(c->db, rc, NULL);
    }
    sqlite3_bind_int64(s, 1, case_id);
    bind_blob(s, 2, cipher, len);
    sqlite3_bind_int64(s, 3, now_s);
    const enum wy_status st = step_done(c, s, NULL);
    return st == WY_OK && sqlite3_changes(c->db) == 0 ? WY_ENOENT : st;
}

/* ---- fingerprints ---- */

static enum wy_status log_added(struct sq_conn *c, int64_t fp_id, struct wy_diag *diag)
{
    int rc = SQLITE_OK;
    sqlite3_stmt *s = stmt(c, ST_CHANGE_INSERT, &rc);
    if (s == NULL) {
        return fail_db(c->db, rc, diag);
    }
    sqlite3_bind_int64(s, 1, fp_id);
    return step_done(c, s, diag);
}

static enum wy_status sq_fp_insert(struct wy_bank *bank, struct wy__fp_row *row,
                                   struct wy_diag *diag)
{
    struct sq_conn *c = conn_of(bank);
    int rc = SQLITE_OK;
    sqlite3_stmt *s = stmt(c, ST_FP_INSERT, &rc);
    if (s == NULL) {
        return fail_db(c->db, rc, diag);
    }
    sqlite3_bind_int(s, 1, (int)row->kind);
    bind_blob(s, 2, row->value_cipher, row->value_len);
    bind_blob(s, 3, row->blind, WY__BANK_BLIND_BYTES);
    sqlite3_bind_int(s, 4, row->quality);
    sqlite3_bind_int64(s, 5, row->case_id);
    sqlite3_bind_int64(s, 6, row->bank_id);
    sqlite3_bind_int64(s, 7, row->frame_ms);
    bind_blob(s, 8, row->source_cipher, row->source_len);
    sqlite3_bind_int64(s, 9, row->added_s);
    sqlite3_bind_int64(s, 10, row->frame_end_ms);
    sqlite3_bind_int64(s, 11, row->media);
    enum wy_status st = step_done(c, s, diag);
    if (st != WY_OK) {
        return st;
    }
    row->id = sqlite3_last_insert_rowid(c->db);
    if (row->media == 0) {
        row->media = row->id; /* stored as 0: "the item this row begins" (no second write) */
    }
    return log_added(c, row->id, diag);
}

/* Column pointers stay valid until the next step, which is after the row callback returns. */
static void read_fp(sqlite3_stmt *s, struct wy__fp_row *row)
{
    row->id = sqlite3_column_int64(s, 0);
    row->kind = (enum wy_fp_kind)sqlite3_column_int(s, 1);
    row->value_cipher = sqlite3_column_blob(s, 2);
    row->value_len = (size_t)sqlite3_column_bytes(s, 2);
    row->blind = sqlite3_column_blob(s, 3);
    /* A blind value of the wrong size would be read past its end: treat it as missing. */
    if (sqlite3_column_bytes(s, 3) != WY__BANK_BLIND_BYTES) {
        row->blind = NULL;
    }
    row->quality = sqlite3_column_int(s, 4);
    row->case_id = sqlite3_column_int64(s, 5);
    row->bank_id = sqlite3_column_int64(s, 6);
    row->frame_ms = sqlite3_column_int64(s, 7);
    row->source_cipher = sqlite3_column_blob(s, 8);
    row->source_len = (size_t)sqlite3_column_bytes(s, 8);
    row->added_s = sqlite3_column_int64(s, 9);
    row->active = sqlite3_column_int(s, 10) != 0;
    row->frame_end_ms = sqlite3_column_int64(s, 11);
    row->media = sqlite3_column_int64(s, 12);
    if (row->media == 0) {
        row->media = row->id; /* the first fingerprint of an item names it */
    }
}

/* Feeds every row of a bound query to fn; stops early on WY__STOP or an error from fn. */
static enum wy_status feed_rows(struct sq_conn *c, sqlite3_stmt *s, wy__fp_row_fn fn, void *user)
{
    int rc = SQLITE_OK;
    int verdict = WY_OK;
    while (verdict == WY_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct wy__fp_row row;
        read_fp(s, &row);
        verdict = fn(user, &row);
    }
    finish(s);
    if (verdict != WY_OK) {
        return verdict == WY__STOP ? WY_OK : (enum wy_status)verdict;
    }
    return rc == SQLITE_DONE ? WY_OK : fail_db(c->db, rc, NULL);
}

struct found {
    wy__fp_row_fn fn;
    void *user;
    bool any;
};

static int note_found(void *user, const struct wy__fp_row *row)
{
    struct found *f = user;
    f->any = true;
    return f->fn(f->user, row);
}

static enum wy_status sq_fp_get(struct wy_bank *bank, int64_t id, wy__fp_row_fn fn, void *user)
{
    struct sq_conn *c = conn_of(bank);
    int rc = SQLITE_OK;
    sqlite3_stmt *s = stmt(c, ST_FP_GET, &rc);
    if (s == NULL) {
        return fail_db(c->db, rc, NULL);
    }
    sqlite3_bind_int64(s, 1, id);
    struct found f = {fn, user, false};
    const enum wy_status st = feed_rows(c, s, note_found, &f);
    return st == WY_OK && !f.any ? WY_ENOENT : st;
}

/* The suppressed blind values of one kind, sorted, for a values-only scan. */
struct suppressed {
    struct wy_ctx *ctx;
    uint8_t (*blinds)[WY__BANK_BLIND_BYTES];
    size_t count;
    size_t cap;
    wy__fp_row_fn fn;
    void *user;
};

static int blind_cmp(const void *a, const void *b)
{
    return memcmp(a, b, WY__BANK_BLIND_BYTES);
}

static enum wy_status load_suppressed(struct sq_conn *c, enum wy_fp_kind kind,
                                      struct suppressed *out)
{
    int rc = SQLITE_OK;
    sqlite3_stmt *s = stmt(c, ST_SUP_LIST, &rc);
    if (s == NULL) {
        return fail_db(c->db, rc, NULL);
    }
    sqlite3_bind_int(s, 1, (int)kind);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if ((size_t)sqlite3_column_bytes(s, 0) != WY__BANK_BLIND_BYTES) {
            finish(s);
            return WY_ECORRUPT;
        }
        if (out->count == out->cap) {
            const size_t cap = out->cap ? out->cap * 2 : 16;
            void *grown = wy__realloc(out->ctx, out->blinds, cap * WY__BANK_BLIND_BYTES);
            if (grown == NULL) {
                finish(s);
                return WY_ENOMEM;
            }
            out->blinds = grown;
            out->cap = cap;
        }
        memcpy(out->blinds[out->count++], sqlite3_column_blob(s, 0), WY__BANK_BLIND_BYTES);
    }
    finish(s);
    if (rc != SQLITE_DONE) {
        return fail_db(c->db, rc, NULL);
    }
    return WY_OK;
}

static int skip_suppressed(void *user, const struct wy__fp_row *row)
{
    const struct suppressed *sup = user;
    if (sup->count != 0 && row->blind != NULL &&
        bsearch(row->blind, sup->blinds, sup->count, WY__BANK_BLIND_BYTES, blind_cmp) != NULL) {
        return WY_OK;
    }
    return sup->fn(sup->user, row);
}

static enum wy_status scan_values(struct wy_bank *bank, const struct wy__fp_filter *filter,
                                  wy__fp_row_fn fn, void *user)
{
    struct sq_conn *c = conn_of(bank);
    struct suppressed sup = {.ctx = bank->ctx, .fn = fn, .user = user};
    enum wy_status st = WY_OK;
    /* Blind values are keyed by kind, so one sorted list serves every kind scanned. */
    for (int kind = 1; kind < 32 && st == WY_OK; kind++) {
        if ((filter->kinds >> kind) & 1u) {
            st = load_suppressed(c, (enum wy_fp_kind)kind, &sup);
        }
    }
    if (st == WY_OK && sup.count > 1) {
        qsort(sup.blinds, sup.count, WY__BANK_BLIND_BYTES, blind_cmp);
    }
    if (st == WY_OK) {
        int rc = SQLITE_OK;
        sqlite3_stmt *s = stmt(c, ST_FP_SCAN_VALUES, &rc);
        if (s == NULL) {
            st = fail_db(c->db, rc, NULL);
        } else {
            sqlite3_bind_int64(s, 1, (sqlite3_int64)filter->kinds);
            sqlite3_bind_int64(s, 2, filter->bank_id);
            st = feed_rows(c, s, skip_suppressed, &sup);
        }
    }
    wy__free(bank->ctx, sup.blinds);
    return st;
}

static enum wy_status sq_fp_scan(struct wy_bank *bank, const struct wy__fp_filter *filter,
                                 wy__fp_row_fn fn, void *user)
{
    if (filter->values_only && filter->blind == NULL) {
        return scan_values(bank, filter, fn, user);
    }
    struct sq_conn *c = conn_of(bank);
    int rc = SQLITE_OK;
    sqlite3_stmt *s = stmt(c, filter->blind != NULL ? ST_FP_LOOKUP : ST_FP_SCAN, &rc);
    if (s == NULL) {
        return fail_db(c->db, rc, NULL);
    }
    sqlite3_bind_int(s, 1, (int)filter->kind);
    sqlite3_bind_int64(s, 2, filter->bank_id);
    if (filter->blind != NULL) {
        bind_blob(s, 3, filter->blind, WY__BANK_BLIND_BYTES);
    }
    return feed_rows(c, s, fn, user);
}

/* ---- suppression and the change feed ---- */

static enum wy_status sq_suppress_put(struct wy_bank *bank, enum wy_fp_kind kind,
                                      const uint8_t *blind, const uint8_t *value_cipher,
                                      size_t value_len, const char *reason)
{
    struct sq_conn *c = conn_of(bank);
    int rc = SQLITE_OK;
    sqlite3_stmt *s = stmt(c, ST_SUP_PUT, &rc);
    if (s == NULL) {
        return fail_db(c->db, rc, NULL);
    }
    sqlite3_bind_int(s, 1, (int)kind);
    bind_blob(s, 2, blind, WY__BANK_BLIND_BYTES);
    bind_blob(s, 3, value_cipher, value_len);
    sqlite3_bind_text(s, 4, reason, -1, SQLITE_STATIC);
    return step_done(c, s, NULL);
}

static enum wy_status sq_suppress_has(struct wy_bank *bank, enum wy_fp_kind kind,
                                      const uint8_t *blind, bool *found)
{
    struct sq_conn *c = conn_of(bank);
    int rc = SQLITE_OK;
    sqlite3_stmt *s = stmt(c, ST_SUP_HAS, &rc);
    if (s == NULL) {
        return fail_db(c->db, rc, NULL);
    }
    sqlite3_bind_int(s, 1, (int)kind);
    bind_blob(s, 2, blind, WY__BANK_BLIND_BYTES);
    const enum wy_status st = step_row(c, s);
    if (st == WY_OK) {
        finish(s);
    }
    if (st == WY_OK || st == WY_ENOENT) {
        *found = st == WY_OK;
        return WY_OK;
    }
    return st;
}

/* MAX(seq) rather than sqlite_sequence: it reads only committed rows of our own table. */
static enum wy_status sq_seq(struct wy_bank *bank, int64_t *seq)
{
    struct sq_conn *c = conn_of(bank);
    int rc = SQLITE_OK;
    sqlite3_stmt *s = stmt(c, ST_SEQ, &rc);
    if (s == NULL) {
        return fail_db(c->db, rc, NULL);
    }
    const enum wy_status st = step_row(c, s);
    if (st == WY_OK) {
        *seq = sqlite3_column_int64(s, 0);
        finish(s);
    }
    return st;
}

static enum wy_status sq_changes(struct wy_bank *bank, int64_t since, wy_bank_change_fn fn,
                                 void *user)
{
    struct sq_conn *c = conn_of(bank);
    int rc = SQLITE_OK;
    sqlite3_stmt *s = stmt(c, ST_CHANGES, &rc);
    if (s == NULL) {
        return fail_db(c->db, rc, NULL);
    }
    sqlite3_bind_int64(s, 1, since);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const struct wy_bank_change change = {
            .seq = sqlite3_column_int64(s, 0),
            .fp_id = sqlite3_column_int64(s, 1),
            .active = sqlite3_column_int(s, 2) != 0,
        };
        if (!fn(user, &change)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    finish(s);
    return rc == SQLITE_DONE ? WY_OK : fail_db(c->db, rc, NULL);
}

/* ---- key rotation ---- */

/* SQLite's LIMIT takes a signed 64-bit value; a page never comes near it. */
static void bind_page(sqlite3_stmt *s, int64_t after, size_t limit)
{
    sqlite3_bind_int64(s, 1, after);
    sqlite3_bind_int64(s, 2, limit > (size_t)INT64_MAX ? INT64_MAX : (int64_t)limit);
}

static enum wy_status sq_fp_page(struct wy_bank *bank, int64_t after, size_t limit,
                                 wy__fp_row_fn fn, void *user)
{
    struct sq_conn *c = conn_of(bank);
    int rc = SQLITE_OK;
    sqlite3_stmt *s = stmt(c, ST_FP_PAGE, &rc);
    if (s == NULL) {
        return fail_db(c->db, rc, NULL);
    }
    bind_page(s, after, limit);
    return feed_rows(c, s, fn, user);
}

/* Runs a reseal UPDATE that must change exactly one row. */
static enum wy_status reseal_step(struct sq_conn *c, sqlite3_stmt *s, struct wy_diag *diag)
{
    const enum wy_status st = step_done(c, s, diag);
    if (st == WY_OK && sqlite3_changes(c->db) != 1) {
        return wy__fail(diag, WY_EINTERNAL, "a row vanished during the key rotation");
    }
    return st;
}

static enum wy_status sq_fp_reseal(struct wy_bank *bank, const struct wy__fp_row *row,
                                   struct wy_diag *diag)
{
    struct sq_conn *c = conn_of(bank);
    int rc = SQLITE_OK;
    sqlite3_stmt *s = stmt(c, ST_FP_RESEAL, &rc);
    if (s == NULL) {
        return fail_db(c->db, rc, diag);
    }
    sqlite3_bind_int64(s, 1, row->id);
    bind_blob(s, 2, row->value_cipher, row->value_len);
    bind_blob(s, 3, row->blind, WY__BANK_BLIND_BYTES);
    bind_blob(s, 4, row->source_cipher, row->source_len);
    return reseal_step(c, s, diag);
}

/* Feeds the rows of a notes or suppression page; `suppression` picks the column layout. */
static enum wy_status feed_sealed(struct sq_conn *c, sqlite3_stmt *s, bool suppression,
                                  wy__sealed_row_fn fn, void *user)
{
    int rc = SQLITE_OK;
    int verdict = WY_OK;
    const int cipher_col = suppression ? 3 : 1;
    while (verdict == WY_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct wy__sealed_row row = {
            .key = sqlite3_column_int64(s, 0),
            .cipher = sqlite3_column_blob(s, cipher_col),
            .len = (size_t)sqlite3_column_bytes(s, cipher_col),
        };
        if (suppression) {
            row.kind = (enum wy_fp_kind)sqlite3_column_int(s, 1);
            row.blind = sqlite3_column_blob(s, 2);
            if (sqlite3_column_bytes(s, 2) != WY__BANK_BLIND_BYTES) {
                row.blind = NULL;
            }
        }
        verdict = fn(user, &row);
    }
    finish(s);
    if (verdict != WY_OK) {
        return verdict == WY__STOP ? WY_OK : (enum wy_status)verdict;
    }
    return rc == SQLITE_DONE ? WY_OK : fail_db(c->db, rc, NULL);
}

static enum wy_status sealed_page(struct wy_bank *bank, enum stmt_id id, int64_t after,
                                  size_t limit, wy__sealed_row_fn fn, void *user)
{
    struct sq_conn *c = conn_of(bank);
    int rc = SQLITE_OK;
    sqlite3_stmt *s = stmt(c, id, &rc);
    if (s == NULL) {
        return fail_db(c->db, rc, NULL);
    }
    bind_page(s, after, limit);
    return feed_sealed(c, s, id == ST_SUP_PAGE, fn, user);
}

static enum wy_status sq_notes_page(struct wy_bank *bank, int64_t after, size_t limit,
                                    wy__sealed_row_fn fn, void *user)
{
    return sealed_page(bank, ST_NOTES_PAGE, after, limit, fn, user);
}

static enum wy_status sq_suppress_page(struct wy_bank *bank, int64_t after, size_t limit,
                                       wy__sealed_row_fn fn, void *user)
{
    return sealed_page(bank, ST_SUP_PAGE, after, limit, fn, user);
}

static enum wy_status sq_notes_reseal(struct wy_bank *bank, const struct wy__sealed_row *row,
                                      struct wy_diag *diag)
{
    struct sq_conn *c = conn_of(bank);
    int rc = SQLITE_OK;
    sqlite3_stmt *s = stmt(c, ST_NOTES_RESEAL, &rc);
    if (s == NULL) {
        return fail_db(c->db, rc, diag);
    }
    sqlite3_bind_int64(s, 1, row->key);
    bind_blob(s, 2, row->cipher, row->len);
    return reseal_step(c, s, diag);
}

static enum wy_status sq_suppress_reseal(struct wy_bank *bank, const struct wy__sealed_row *row,
                                         struct wy_diag *diag)
{
    struct sq_conn *c = conn_of(bank);
    int rc = SQLITE_OK;
    sqlite3_stmt *s = stmt(c, ST_SUP_RESEAL, &rc);
    if (s == NULL) {
        return fail_db(c->db, rc, diag);
    }
    sqlite3_bind_int64(s, 1, row->key);
    bind_blob(s, 2, row->blind, WY__BANK_BLIND_BYTES);
    bind_blob(s, 3, row->cipher, row->len);
    return reseal_step(c, s, diag);
}

const struct wy__bank_backend wy__bank_sqlite = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .txn_begin = sq_txn_begin,
    .txn_commit = sq_txn_commit,
    .txn_rollback = sq_txn_rollback,
    .meta_get = sq_meta_get,
    .meta_put = sq_meta_put,
    .bank_insert = sq_bank_insert,
    .bank_get = sq_bank_get,
    .bank_list = sq_bank_list,
    .case_insert = sq_case_insert,
    .case_get = sq_case_get,
    .case_set_status = sq_case_set_status,
    .case_notes_get = sq_case_notes_get,
    .case_notes_put = sq_case_notes_put,
    .fp_insert = sq_fp_insert,
    .fp_get = sq_fp_get,
    .fp_scan = sq_fp_scan,
    .suppress_put = sq_suppress_put,
    .suppress_has = sq_suppress_has,
    .seq = sq_seq,
    .changes = sq_changes,
    .fp_page = sq_fp_page,
    .fp_reseal = sq_fp_reseal,
    .notes_page = sq_notes_page,
    .notes_reseal = sq_notes_reseal,
    .suppress_page = sq_suppress_page,
    .suppress_reseal = sq_suppress_reseal,
};
