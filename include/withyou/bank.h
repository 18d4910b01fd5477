/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bank.h: the fingerprint store of a support centre.
 *
 * A store holds banks (named collections with their own match threshold and quality floor),
 * cases (a survivor's registration: reference code, status, encrypted notes) and fingerprints
 * (PDQ hashes of images and video frames, MD5 and SHA-256 of files), plus a suppression list of
 * fingerprints that must never match (a common logo, a blank frame). Fingerprint values and notes
 * and source labels are encrypted at rest with a secret key (libsodium's XChaCha20-Poly1305 AEAD,
 * a random nonce per value); exact-hash lookups go through a keyed BLAKE2b "blind index", so the
 * database file alone reveals neither fingerprints nor notes nor file names. A store opened with
 * a missing or wrong key refuses to open; wy_bank_rekey() rotates the key. See
 * docs/internals/bank.md for what stays in clear.
 *
 * Withdrawing a case deactivates its fingerprints in the same transaction, so every reader of the
 * store sees it at once. Every change bumps a sequence number; wy_bank_changes() lets an
 * in-memory index follow additions and withdrawals without reloading.
 *
 * The embedded backend is SQLite (one file, WAL, foreign keys, synchronous=FULL, schema versioned
 * with forward migrations); the interface leaves room for PostgreSQL.
 *
 * Thread-safety: a `struct wy_bank` is used by one thread at a time; open one per thread (SQLite's
 * WAL lets readers and a writer work concurrently across connections).
 */
#ifndef WY_WITHYOU_BANK_H
#define WY_WITHYOU_BANK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "withyou/ctx.h"
#include "withyou/pdq.h"
#include "withyou/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WY_BANK_KEY_BYTES 32

/** A store's secret key (wipe with wy_bank_key_wipe when done). */
struct wy_bank_key {
    uint8_t bytes[WY_BANK_KEY_BYTES];
};

/** Kinds of fingerprints. Values are stored in the database: never renumber. */
enum wy_fp_kind {
    WY_FP_PDQ = 1,       /* image PDQ hash, 32 bytes */
    WY_FP_VIDEO_PDQ = 2, /* PDQ of a video frame, 32 bytes (frame time in `frame_ms`) */
    WY_FP_MD5 = 3,       /* 16 bytes */
    WY_FP_SHA256 = 4,    /* 32 bytes */
};

/** Case status. Values are stored: never renumber. */
enum wy_case_status {
    WY_CASE_OPEN = 1,
    WY_CASE_WITHDRAWN = 2, /* the survivor withdrew: fingerprints inactive */
    WY_CASE_CLOSED = 3,    /* resolved; fingerprints stay active for re-upload watching */
};

struct wy_bank;

/** A bank's settings. */
struct wy_bank_info {
    int64_t id;
    char name[64];
    int threshold;   /* PDQ match distance, 0..256 */
    int min_quality; /* PDQ quality floor for registration and queries, 0..100 */
};

/** A case. `notes` is decrypted on read; NUL-terminated, at most WY_CASE_NOTES_BYTES - 1. */
#define WY_CASE_REF_BYTES 64
#define WY_CASE_NOTES_BYTES 4096
struct wy_case_info {
    int64_t id;
    int64_t bank_id;
    char ref[WY_CASE_REF_BYTES];
    enum wy_case_status status;
    int64_t created_s; /* Unix time */
    int64_t updated_s;
    size_t fingerprint_count; /* active ones */
};

/** A fingerprint to register or one read back. */
struct wy_fingerprint {
    int64_t id; /* assigned by the store */
    enum wy_fp_kind kind;
    uint8_t value[32]; /* 16 used for MD5 */
    int quality;       /* PDQ quality, -1 when not applicable */
    int64_t case_id;
    int64_t bank_id;
    int64_t frame_ms;     /* video frames: time in the video; else -1 */
    int64_t frame_end_ms; /* video frames: last time this hash stands for (>= frame_ms); else -1 */
    int64_t media_id;     /* the registered picture or video this belongs to; see wy_bank_fp_add */
    char source[128];     /* a label such as the file name on the survivor's device */
    bool active;
};

/**
 * Generates a fresh random key. @return WY_OK; WY_EINTERNAL (libsodium could not start).
 */
WY_API WY_NONNULL(1) enum wy_status wy_bank_key_generate(struct wy_bank_key *key);

/**
 * Reads a key as 64 hex digits from a file (a trailing newline is allowed; the file must not be
 * readable by group or others) or, when `path` is NULL, from the environment variable
 * WITHYOU_KEY.
 * @return WY_OK; WY_ENOENT (no such file / variable unset); WY_EPARSE (malformed);
 *         WY_EINVAL (file permissions too open); WY_EIO. The diag says which.
 */
WY_API WY_NODISCARD WY_NONNULL(2) enum wy_status
    wy_bank_key_load(const char *path, struct wy_bank_key *key, struct wy_diag *diag);

/**
 * Writes a key as 64 hex digits to a new file with mode 0600 (refuses to overwrite). The file
 * and its folder are synced before returning, so the key survives a power cut.
 * @return WY_OK; WY_EINVAL if the file exists; WY_EIO.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2) enum wy_status
    wy_bank_key_save(const char *path, const struct wy_bank_key *key, struct wy_diag *diag);

/** Overwrites a key in memory (sodium_memzero). */
WY_API WY_NONNULL(1) void wy_bank_key_wipe(struct wy_bank_key *key);

/**
 * Creates a new store at `path` (SQLite file), bound to `key` (a check value derived from the key
 * is stored so a wrong key is detected on open).
 * @return WY_OK; WY_EINVAL if the file exists; WY_EIO with the SQLite message in the diag.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2, 3, 5) enum wy_status
    wy_bank_create(struct wy_ctx *ctx, const char *path, const struct wy_bank_key *key,
                   struct wy_diag *diag, struct wy_bank **out);

/**
 * Opens an existing store, migrating its schema forward if it is older (in one transaction). An
 * empty (zero-byte) file is initialised as a new store bound to `key`; a missing file is never
 * created.
 * @return WY_OK; WY_ENOENT (no store at path); WY_EINVAL (wrong key: "the key does not open
 *         this store"); WY_ENOTSUP (schema newer than this program); WY_ECORRUPT; WY_EIO.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2, 3, 5) enum wy_status
    wy_bank_open(struct wy_ctx *ctx, const char *path, const struct wy_bank_key *key,
                 struct wy_diag *diag, struct wy_bank **out);

/** Closes a store. NULL is a no-op. The key copy held inside is wiped. */
WY_API void wy_bank_close(struct wy_bank *bank);

/** The schema version of the open store. */
WY_API WY_NONNULL(1) int wy_bank_schema_version(const struct wy_bank *bank);

/* ---- key rotation ---- */

/** What wy_bank_rekey() re-encrypted. */
struct wy_bank_rekey_stats {
    size_t fingerprints; /* values, active or not, each with a new blind value */
    size_t labels;       /* source labels among those fingerprints */
    size_t notes;        /* cases with notes */
    size_t suppressions; /* suppression entries, each with a new blind value */
};

/**
 * Rotates the store's key: re-encrypts every secret (fingerprint values and source labels, case
 * notes, suppressed values) under `new_key`, recomputes every blind value (so exact lookups and
 * the suppression list keep working) and replaces the key check value, all in one transaction:
 * a crash or an error leaves the store entirely under the old key, a return of WY_OK entirely
 * under the new one. Ids, the change feed and every clear column are unchanged.
 *
 * Save `new_key` durably first (wy_bank_key_save): once this returns WY_OK the old key opens
 * nothing. On success this handle goes on with the new key. Every other handle on the store, in
 * this process or another, still holds the old one: wy_bank_open with the old key fails with
 * "the key does not open this store", writes of sealed values through an old handle are
 * refused with WY_EINVAL, and its reads of re-encrypted rows fail with WY_ECORRUPT, so close
 * them and reopen with the new key.
 *
 * Costs one decryption, one blind hash and one encryption per value, holds the write lock for
 * the whole run (other writers wait, readers go on reading the old state) and grows SQLite's
 * WAL to about the size of the fingerprints table. Memory stays bounded: rows are rewritten in
 * pages. `stats` (nullable) is written only on success.
 * @return WY_OK; WY_EINVAL (this handle's key no longer opens the store: another rotation
 *         happened since it was opened); WY_ECORRUPT (a value does not decrypt, or the store
 *         has no key check value; nothing was changed); WY_ENOMEM; WY_EIO (including another
 *         writer holding the store past the busy timeout). The diag says which.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2) enum wy_status
    wy_bank_rekey(struct wy_bank *bank, const struct wy_bank_key *new_key,
                  struct wy_bank_rekey_stats *stats, struct wy_diag *diag);

/* ---- banks ---- */

/**
 * Creates a bank. `name`: 1 to 63 characters, no control characters. `id` (nullable) receives
 * the new bank's id. @return WY_OK; WY_EINVAL (bad name/threshold/quality, or name taken).
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2) enum wy_status
    wy_bank_bank_create(struct wy_bank *bank, const char *name, int threshold, int min_quality,
                        int64_t *id, struct wy_diag *diag);

/** Finds a bank by name. @return WY_OK; WY_ENOENT. */
WY_API WY_NODISCARD WY_NONNULL(1, 2, 3) enum wy_status
    wy_bank_bank_find(struct wy_bank *bank, const char *name, struct wy_bank_info *info);

/** Reads a bank by id. @return WY_OK; WY_ENOENT. */
WY_API WY_NODISCARD WY_NONNULL(1, 3) enum wy_status
    wy_bank_bank_get(struct wy_bank *bank, int64_t id, struct wy_bank_info *info);

/**
 * Calls fn for each bank in name order (bytewise); fn returns false to stop. Callbacks of this
 * header must not call back into the same `struct wy_bank` (open a second one for that).
 */
typedef bool (*wy_bank_info_fn)(void *user, const struct wy_bank_info *info);
WY_API WY_NODISCARD WY_NONNULL(1, 2) enum wy_status
    wy_bank_bank_list(struct wy_bank *bank, wy_bank_info_fn fn, void *user);

/* ---- cases ---- */

/**
 * Opens a case in a bank. `ref` NULL generates a reference ("WY-" and 10 random base32 chars);
 * a given one is 1 to 63 of A-Z a-z 0-9 - _ . (not starting with '.').
 * @return WY_OK with the case in `info`; WY_EINVAL (ref taken or malformed); WY_ENOENT (bank).
 */
WY_API WY_NODISCARD WY_NONNULL(1, 4) enum wy_status
    wy_bank_case_new(struct wy_bank *bank, int64_t bank_id, const char *ref,
                     struct wy_case_info *info, struct wy_diag *diag);

/** Finds a case by reference. @return WY_OK; WY_ENOENT. */
WY_API WY_NODISCARD WY_NONNULL(1, 2, 3) enum wy_status
    wy_bank_case_find(struct wy_bank *bank, const char *ref, struct wy_case_info *info);

/** Reads a case by id (for instance the case_id of a matched fingerprint). @return WY_OK;
 *  WY_ENOENT. */
WY_API WY_NODISCARD WY_NONNULL(1, 3) enum wy_status
    wy_bank_case_get(struct wy_bank *bank, int64_t id, struct wy_case_info *info);

/**
 * Sets a case's status. Withdrawing deactivates all its fingerprints in the same transaction;
 * re-opening (or closing) reactivates them. Each fingerprint whose flag changes gets one entry
 * in the change feed. @return WY_OK; WY_EINVAL (unknown status); WY_ENOENT; WY_EIO.
 */
WY_API WY_NODISCARD WY_NONNULL(1) enum wy_status
    wy_bank_case_set_status(struct wy_bank *bank, int64_t case_id, enum wy_case_status status);

/**
 * Replaces a case's notes (encrypted at rest). @return WY_OK; WY_ENOENT; WY_ETOOBIG; WY_EINVAL
 * (the store's key was rotated since this handle was opened); WY_EIO.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 3) enum wy_status
    wy_bank_case_set_notes(struct wy_bank *bank, int64_t case_id, const char *notes);

/**
 * Reads (decrypts) a case's notes into `notes` (WY_CASE_NOTES_BYTES); "" when none were set.
 * @return WY_OK; WY_ENOENT; WY_ECORRUPT (the stored notes do not decrypt).
 */
WY_API WY_NODISCARD WY_NONNULL(1, 3) enum wy_status
    wy_bank_case_notes(struct wy_bank *bank, int64_t case_id, char notes[WY_CASE_NOTES_BYTES]);

/* ---- fingerprints ---- */

/**
 * Registers fingerprints in one transaction (all or nothing; synchronous=FULL). `fps[i].id` and
 * `.bank_id` are filled in (on failure every `.id` is set to 0); `.case_id`, `.kind`, `.value`,
 * `.quality`, `.frame_ms`, `.source` are read. A PDQ below the bank's quality floor is refused
 * (WY_EINVAL naming its index in the diag), as is a fingerprint for a withdrawn case or a video
 * frame without a time. Quality and frame times are stored as -1 for kinds they do not apply to
 * (a video frame's `frame_end_ms` below `frame_ms` is taken as `frame_ms`).
 * Grouping: consecutive entries with the same non-zero `.media_id` are one item (a video's frames,
 * a picture's PDQ and digests); 0 makes an entry an item of its own. The store replaces
 * `.media_id` with the id of the item's first fingerprint, which readers see from then on.
 * @return WY_OK; WY_ENOENT (case); WY_EINVAL (also when the store's key was rotated since this
 *         handle was opened: reopen it with the new key); WY_EIO.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2) enum wy_status
    wy_bank_fp_add(struct wy_bank *bank, struct wy_fingerprint *fps, size_t count,
                   struct wy_diag *diag);

/**
 * Calls fn for every active, unsuppressed fingerprint of `kind` (decrypted), in id order, in
 * `bank_id` (0: all banks). For loading an in-memory index: read wy_bank_seq() first, then
 * follow wy_bank_changes() from that sequence. The fingerprint passed to fn is wiped after fn
 * returns: copy what you keep. @return WY_OK; WY_EINVAL; WY_ECORRUPT (a row does not decrypt).
 */
typedef bool (*wy_fingerprint_fn)(void *user, const struct wy_fingerprint *fp);
WY_API WY_NODISCARD WY_NONNULL(1, 4) enum wy_status
    wy_bank_fp_scan(struct wy_bank *bank, enum wy_fp_kind kind, int64_t bank_id,
                    wy_fingerprint_fn fn, void *user);

/**
 * wy_bank_fp_scan() without opening the source labels (`source` is ""): what a matcher loads,
 * since a match never shows the label, for one decryption per fingerprint instead of two. Large
 * scans open the values on a second thread while the store steps through rows; `fn` is still
 * called on the caller's thread, one row at a time, in id order.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 4) enum wy_status
    wy_bank_fp_scan_values(struct wy_bank *bank, enum wy_fp_kind kind, int64_t bank_id,
                           wy_fingerprint_fn fn, void *user);

/**
 * wy_bank_fp_scan_values() for several kinds in one pass: `kinds` has bit k set (1u << k) for
 * every kind k wanted, and their rows come interleaved, in id order (a matcher loads picture
 * and video-frame PDQs this way). @return WY_OK; WY_EINVAL for an empty mask or an unknown kind;
 * WY_ECORRUPT.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 4) enum wy_status
    wy_bank_fp_scan_values_kinds(struct wy_bank *bank, unsigned kinds, int64_t bank_id,
                                 wy_fingerprint_fn fn, void *user);

/**
 * Exact lookup (meant for MD5 and SHA-256; any kind works) through the blind index: calls fn for
 * each active, unsuppressed fingerprint of `kind` with exactly this value, in id order. `value`
 * holds 16 bytes for MD5, 32 otherwise. @return WY_OK; WY_EINVAL; WY_ECORRUPT.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 3, 4) enum wy_status
    wy_bank_fp_lookup(struct wy_bank *bank, enum wy_fp_kind kind, const uint8_t *value,
                      wy_fingerprint_fn fn, void *user);

/** Reads one fingerprint by id (decrypted; active or not). @return WY_OK; WY_ENOENT; WY_ECORRUPT.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 3) enum wy_status
    wy_bank_fp_get(struct wy_bank *bank, int64_t id, struct wy_fingerprint *fp);

/* ---- suppression list ---- */

/**
 * Adds a value that must never match (e.g. a logo's PDQ), with a reason (at most 1024 bytes,
 * stored in clear: it is written by staff, not survivors). The value itself is stored encrypted,
 * with its blind index. Adding it again replaces the reason. @return WY_OK; WY_EINVAL (also when
 * the store's key was rotated since this handle was opened); WY_ETOOBIG; WY_EIO.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 3, 4) enum wy_status
    wy_bank_suppress(struct wy_bank *bank, enum wy_fp_kind kind, const uint8_t *value,
                     const char *reason);

/** True if the value is on the suppression list (exact value). */
WY_API WY_NODISCARD WY_NONNULL(1, 3, 4) enum wy_status
    wy_bank_is_suppressed(struct wy_bank *bank, enum wy_fp_kind kind, const uint8_t *value,
                          bool *suppressed);

/* ---- change feed ---- */

/** The store's current change sequence number (grows with every committed change). */
WY_API WY_NODISCARD WY_NONNULL(1, 2) enum wy_status wy_bank_seq(struct wy_bank *bank, int64_t *seq);

/** One change: a fingerprint became active (added, case re-opened) or inactive. */
struct wy_bank_change {
    int64_t seq;
    int64_t fp_id;
    bool active;
};
typedef bool (*wy_bank_change_fn)(void *user, const struct wy_bank_change *change);

/**
 * Calls fn for every change with sequence > `since`, in order. An index loaded at sequence S
 * applies the changes since S to stay in sync without a reload.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 3) enum wy_status
    wy_bank_changes(struct wy_bank *bank, int64_t since, wy_bank_change_fn fn, void *user);

#ifdef __cplusplus
}
#endif

#endif /* WY_WITHYOU_BANK_H */
