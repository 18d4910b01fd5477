/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bank_int.h: the inside of the fingerprint store: the backend vtable, the store object and the
 * crypto helpers of bank_crypt.c.
 *
 * The split of work: bank.c validates arguments, encrypts and decrypts (through bank_crypt.c)
 * and drives transactions; a backend only moves rows and opaque ciphertexts in and out of its
 * database, so a PostgreSQL backend never sees a key or a plaintext. Backends translate their
 * own error codes into `enum wy_status` before returning (STYLE.md section 3.8).
 */
#ifndef WY_BANK_BANK_INT_H
#define WY_BANK_BANK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "withyou/bank.h"

/* ---- crypto (bank_crypt.c) ---- */

#define WY__BANK_SUBKEY_BYTES 32
#define WY__BANK_BLIND_BYTES 32
#define WY__BANK_CHECK_BYTES 32
/* A sealed value is nonce (24 bytes) || ciphertext || tag (16 bytes). */
#define WY__BANK_SEAL_OVERHEAD (24 + 16)
/* Source labels are padded to this block size before sealing, so ciphertext lengths say little
 * about the length of a file name. */
#define WY__BANK_PAD_BLOCK 32

/* Subkeys derived from the master key, one per purpose, so that no key is used twice. */
struct wy__bank_keys {
    uint8_t seal[WY__BANK_SUBKEY_BYTES];
    uint8_t blind[WY__BANK_SUBKEY_BYTES];
    uint8_t check[WY__BANK_SUBKEY_BYTES];
};

/* Initialises libsodium once per process. @return WY_OK; WY_EINTERNAL if it cannot start. */
enum wy_status wy__bank_crypto_init(void);
void wy__bank_keys_derive(const struct wy_bank_key *master, struct wy__bank_keys *keys);
void wy__bank_keys_wipe(struct wy__bank_keys *keys);
/* The key check value stored in the database to recognise the key without revealing it. */
void wy__bank_key_check(const struct wy__bank_keys *keys, uint8_t out[WY__BANK_CHECK_BYTES]);
bool wy__bank_key_check_equal(const uint8_t *a, const uint8_t *b);
/* Keyed BLAKE2b of (kind, value): the blind index of exact lookups and of the suppression list. */
void wy__bank_blind(const struct wy__bank_keys *keys, enum wy_fp_kind kind, const uint8_t *value,
                    size_t len, uint8_t out[WY__BANK_BLIND_BYTES]);
/* Encrypts msg[0..len) with associated data ad; `out` holds len + WY__BANK_SEAL_OVERHEAD. */
void wy__bank_seal(const struct wy__bank_keys *keys, const uint8_t *msg, size_t len,
                   const uint8_t *ad, size_t ad_len, uint8_t *out);
/* Decrypts into out (out_cap >= clen - overhead). @return WY_OK; WY_ECORRUPT (forged, wrong
 * key or truncated). */
enum wy_status wy__bank_unseal(const struct wy__bank_keys *keys, const uint8_t *cipher, size_t clen,
                               const uint8_t *ad, size_t ad_len, uint8_t *out, size_t out_cap,
                               size_t *out_len);
/* Pads a label to WY__BANK_PAD_BLOCK in place (buf holds cap bytes); false if it does not fit. */
bool wy__bank_pad(uint8_t *buf, size_t len, size_t cap, size_t *padded_len);
bool wy__bank_unpad(const uint8_t *buf, size_t len, size_t *unpadded_len);
void wy__bank_random(void *buf, size_t len);
void wy__bank_wipe(void *buf, size_t len);

/* ---- schema migrations (generated from schema/NNN_name.sql) ---- */

struct wy__bank_migration {
    int version; /* the schema version after this migration */
    const char *name;
    const char *sql;
};
extern const struct wy__bank_migration wy__bank_migrations[];
extern const size_t wy__bank_migration_count;

/* ---- the backend interface ---- */

/* A fingerprint row as a backend stores it. Pointers stay valid during a row callback only. */
struct wy__fp_row {
    int64_t id;
    enum wy_fp_kind kind;
    const uint8_t *value_cipher;
    size_t value_len;
    const uint8_t *blind; /* WY__BANK_BLIND_BYTES */
    int quality;
    int64_t case_id;
    int64_t bank_id;
    int64_t frame_ms;
    int64_t frame_end_ms;
    int64_t media;                /* 0 on insert: the row starts its own item */
    const uint8_t *source_cipher; /* NULL: no label */
    size_t source_len;
    int64_t added_s;
    bool active;
};

/* Row callbacks return WY_OK to go on, WY__STOP to stop early (not an error) or an error. */
#define WY__STOP 1
typedef int (*wy__fp_row_fn)(void *user, const struct wy__fp_row *row);

/* A sealed value outside the fingerprints table (case notes, a suppression entry), as key
 * rotation reads and rewrites it. Pointers stay valid during a row callback only. */
struct wy__sealed_row {
    int64_t key;          /* notes: the case id; suppression: a key stable within a transaction */
    enum wy_fp_kind kind; /* suppression only */
    const uint8_t *blind; /* suppression only: WY__BANK_BLIND_BYTES, NULL if malformed */
    const uint8_t *cipher;
    size_t len;
};
typedef int (*wy__sealed_row_fn)(void *user, const struct wy__sealed_row *row);

/* Scan filters; `blind` NULL scans by kind and bank, non-NULL looks up one exact value. */
struct wy__fp_filter {
    enum wy_fp_kind kind;
    int64_t bank_id; /* 0: every bank */
    const uint8_t *blind;
    bool values_only; /* the caller reads no source label (the backend may skip it) */
    unsigned kinds;   /* values-only scans: bit k set for every kind k wanted (`kind` unused) */
};

struct wy_bank;

/*
 * A storage backend. Every operation returns a status and fills its out-parameters only on
 * success. Writes happen inside txn_begin/txn_commit (txn_rollback undoes them); reads need no
 * transaction. `diag` may be NULL everywhere.
 */
struct wy__bank_backend {
    const char *name;
    /* Opens (create: makes a new file, refusing an existing one) and migrates to the newest
     * schema. A store that had no schema yet records `check` (the key check value) in the same
     * transaction as its first schema, so a store never exists without one. */
    enum wy_status (*open)(struct wy_bank *bank, const char *path, bool create,
                           const uint8_t *check, struct wy_diag *diag);
    void (*close)(struct wy_bank *bank);
    enum wy_status (*txn_begin)(struct wy_bank *bank, struct wy_diag *diag);
    enum wy_status (*txn_commit)(struct wy_bank *bank, struct wy_diag *diag);
    void (*txn_rollback)(struct wy_bank *bank);
    /* Metadata blobs; get gives WY_ENOENT when unset and WY_ETOOBIG when over `cap`. */
    enum wy_status (*meta_get)(struct wy_bank *bank, const char *name, uint8_t *out, size_t cap,
                               size_t *len);
    enum wy_status (*meta_put)(struct wy_bank *bank, const char *name, const uint8_t *value,
                               size_t len, struct wy_diag *diag);
    enum wy_status (*bank_insert)(struct wy_bank *bank, const struct wy_bank_info *info,
                                  int64_t *id, struct wy_diag *diag);
    /* By name when `name` is non-NULL, else by id. */
    enum wy_status (*bank_get)(struct wy_bank *bank, const char *name, int64_t id,
                               struct wy_bank_info *info);
    enum wy_status (*bank_list)(struct wy_bank *bank, wy_bank_info_fn fn, void *user);
    /* Fills info->id; a reference already taken gives WY_EINVAL. */
    enum wy_status (*case_insert)(struct wy_bank *bank, struct wy_case_info *info,
                                  struct wy_diag *diag);
    /* By ref when `ref` is non-NULL, else by id. */
    enum wy_status (*case_get)(struct wy_bank *bank, const char *ref, int64_t id,
                               struct wy_case_info *info);
    /* Sets status and updated time, (de)activates the case's fingerprints and logs changes. */
    enum wy_status (*case_set_status)(struct wy_bank *bank, int64_t case_id,
                                      enum wy_case_status status, bool fps_active, int64_t now_s);
    /* Notes ciphertext; `*len` 0 when there are none. */
    enum wy_status (*case_notes_get)(struct wy_bank *bank, int64_t case_id, uint8_t *out,
                                     size_t cap, size_t *len);
    enum wy_status (*case_notes_put)(struct wy_bank *bank, int64_t case_id, const uint8_t *cipher,
                                     size_t len, int64_t now_s);
    /* Inserts an active fingerprint and its change-feed entry; fills row->id (ignored on input). */
    enum wy_status (*fp_insert)(struct wy_bank *bank, struct wy__fp_row *row, struct wy_diag *diag);
    enum wy_status (*fp_get)(struct wy_bank *bank, int64_t id, wy__fp_row_fn fn, void *user);
    /* Active, unsuppressed fingerprints matching the filter, in id order. */
    enum wy_status (*fp_scan)(struct wy_bank *bank, const struct wy__fp_filter *filter,
                              wy__fp_row_fn fn, void *user);
    enum wy_status (*suppress_put)(struct wy_bank *bank, enum wy_fp_kind kind, const uint8_t *blind,
                                   const uint8_t *value_cipher, size_t value_len,
                                   const char *reason);
    enum wy_status (*suppress_has)(struct wy_bank *bank, enum wy_fp_kind kind, const uint8_t *blind,
                                   bool *found);
    enum wy_status (*seq)(struct wy_bank *bank, int64_t *seq);
    enum wy_status (*changes)(struct wy_bank *bank, int64_t since, wy_bank_change_fn fn,
                              void *user);
    /*
     * Key rotation, inside a transaction. A page is at most `limit` rows with an id (or key)
     * above `after`, in increasing order: every fingerprint (active or not, suppressed or not),
     * every case with notes, every suppression entry. Pages are read whole before any row is
     * rewritten, so no backend has to update a table under an open cursor. A reseal replaces the
     * sealed columns and blind value of one row in place and nothing else: ids, the change feed
     * and `updated` times stay as they were. A row that is gone gives WY_EINTERNAL.
     */
    enum wy_status (*fp_page)(struct wy_bank *bank, int64_t after, size_t limit, wy__fp_row_fn fn,
                              void *user);
    /* Writes row->value_cipher, ->blind and ->source_cipher (NULL: no label) of row->id. */
    enum wy_status (*fp_reseal)(struct wy_bank *bank, const struct wy__fp_row *row,
                                struct wy_diag *diag);
    enum wy_status (*notes_page)(struct wy_bank *bank, int64_t after, size_t limit,
                                 wy__sealed_row_fn fn, void *user);
    enum wy_status (*notes_reseal)(struct wy_bank *bank, const struct wy__sealed_row *row,
                                   struct wy_diag *diag);
    enum wy_status (*suppress_page)(struct wy_bank *bank, int64_t after, size_t limit,
                                    wy__sealed_row_fn fn, void *user);
    /* Writes row->blind and row->cipher of the entry row->key. */
    enum wy_status (*suppress_reseal)(struct wy_bank *bank, const struct wy__sealed_row *row,
                                      struct wy_diag *diag);
};

extern const struct wy__bank_backend wy__bank_sqlite;

struct wy_bank {
    struct wy_ctx *ctx;
    const struct wy__bank_backend *backend;
    void *conn; /* the backend's connection state */
    struct wy__bank_keys keys;
    int schema_version;
};

/* ---- shared by bank.c and bank_rekey.c ---- */

/* Kinds come from callers and from the database alike; both are checked, never trusted. */
static inline bool wy__bank_kind_valid(enum wy_fp_kind kind)
{
    return kind >= WY_FP_PDQ && kind <= WY_FP_SHA256;
}

/* Bytes of a fingerprint value: 16 for MD5, 32 for the others. */
static inline size_t wy__bank_kind_bytes(enum wy_fp_kind kind)
{
    return kind == WY_FP_MD5 ? 16 : 32;
}

#define WY__BANK_SOURCE_BYTES sizeof(((struct wy_fingerprint *)0)->source)
/* A label is padded to a block before sealing: its padded form never exceeds this. */
#define WY__BANK_SOURCE_PADDED_MAX (WY__BANK_SOURCE_BYTES + WY__BANK_PAD_BLOCK)
#define WY__BANK_SOURCE_SEALED_MAX (WY__BANK_SOURCE_PADDED_MAX + WY__BANK_SEAL_OVERHEAD)
#define WY__BANK_VALUE_SEALED_MAX (32 + WY__BANK_SEAL_OVERHEAD)
#define WY__BANK_NOTES_SEALED_MAX (WY_CASE_NOTES_BYTES + WY__BANK_SEAL_OVERHEAD)
#define WY__BANK_NOTES_AD_PREFIX "withyou case notes"
#define WY__BANK_NOTES_AD_BYTES (sizeof WY__BANK_NOTES_AD_PREFIX - 1 + 8)

/* The associated data of a case's notes: a fixed label and the case id (little-endian). */
void wy__bank_notes_ad(int64_t case_id, uint8_t ad[WY__BANK_NOTES_AD_BYTES]);

/*
 * Begins a transaction that writes sealed values, after checking that the store is still under
 * this handle's key (another process may have rotated it since the open; a value sealed with
 * the old key could never be read again). Nothing is left open on failure.
 * @return WY_OK; WY_EINVAL (the key changed); WY_ECORRUPT (no key check value); WY_EIO.
 */
enum wy_status wy__bank_begin_keyed(struct wy_bank *bank, struct wy_diag *diag);

/* ---- reading (bank.c, bank_scan.c) ---- */

/* Decrypts a row into the public form (the label too with `with_source`); WY_ECORRUPT for a row
 * that fails to open. Thread-safe: reads only the bank's keys. */
enum wy_status wy__bank_open_row(const struct wy_bank *bank, const struct wy__fp_row *row,
                                 bool with_source, struct wy_fingerprint *fp);

/* wy_bank_fp_scan_values: the rows of `filter` opened on a second thread, delivered in order on
 * the caller's. */
enum wy_status wy__bank_scan_values(struct wy_bank *bank, const struct wy__fp_filter *filter,
                                    wy_fingerprint_fn fn, void *user);

#endif /* WY_BANK_BANK_INT_H */
