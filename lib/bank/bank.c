/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bank.c: the public API of the fingerprint store (withyou/bank.h), dispatching to a backend
 * through `struct wy__bank_backend` (bank_int.h).
 *
 * This file owns every rule that does not depend on the database: argument checks, case
 * reference syntax, the quality floor, and the encryption boundary. Plaintext fingerprints,
 * notes and source labels exist only here and in the caller's memory; what crosses into a
 * backend is ciphertext plus the blind index. Each sealed value carries its blind index (or, for
 * notes, its case id) as associated data, so a ciphertext copied into another row fails to open
 * instead of silently reading as that row's value. Multi-row writes run in one backend
 * transaction and roll back on the first failure, which is what makes registration
 * all-or-nothing. Every transaction that writes sealed values first checks that the store is
 * still under this handle's key: after a key rotation (bank_rekey.c) by another handle, a value
 * sealed with the old key could never be read again.
 */
#include "wy_setup.h"

#include <string.h>
#include <time.h>

#include "bank/bank_int.h"
#include "core/core_int.h"

#define REF_PREFIX "WY-"
#define REF_RANDOM_CHARS 10
/* Ten base32 characters are 50 bits: a collision is rare, and a few retries make it vanish. */
#define REF_TRIES 8
#define SOURCE_BYTES WY__BANK_SOURCE_BYTES
#define SOURCE_SEALED_MAX WY__BANK_SOURCE_SEALED_MAX
#define VALUE_SEALED_MAX WY__BANK_VALUE_SEALED_MAX
#define NOTES_SEALED_MAX WY__BANK_NOTES_SEALED_MAX
#define REASON_MAX_BYTES 1024

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

static bool kind_is_pdq(enum wy_fp_kind kind)
{
    return kind == WY_FP_PDQ || kind == WY_FP_VIDEO_PDQ;
}

/* ---- opening and closing ---- */

static enum wy_status verify_key(struct wy_bank *bank, const uint8_t *check, struct wy_diag *diag)
{
    uint8_t stored[WY__BANK_CHECK_BYTES];
    size_t len = 0;
    const enum wy_status st =
        bank->backend->meta_get(bank, "key_check", stored, sizeof stored, &len);
    if (st == WY_ENOENT || st == WY_ETOOBIG || (st == WY_OK && len != sizeof stored)) {
        return wy__fail(diag, WY_ECORRUPT, "the store has no valid key check value");
    }
    if (st != WY_OK) {
        return wy__fail(diag, st, "cannot read the store's key check value");
    }
    if (!wy__bank_key_check_equal(stored, check)) {
        return wy__fail(diag, WY_EINVAL, "the key does not open this store");
    }
    return WY_OK;
}

enum wy_status wy__bank_begin_keyed(struct wy_bank *bank, struct wy_diag *diag)
{
    enum wy_status st = bank->backend->txn_begin(bank, diag);
    if (st != WY_OK) {
        return st;
    }
    uint8_t check[WY__BANK_CHECK_BYTES];
    wy__bank_key_check(&bank->keys, check);
    st = verify_key(bank, check, diag);
    if (st == WY_EINVAL) {
        st = wy__fail(diag, WY_EINVAL,
                      "the store's key was changed since it was opened: "
                      "reopen it with the new key");
    }
    if (st != WY_OK) {
        bank->backend->txn_rollback(bank);
    }
    return st;
}

/* Ends a transaction begun by wy__bank_begin_keyed: commits after success, else rolls back. */
static enum wy_status end_write(struct wy_bank *bank, enum wy_status st, struct wy_diag *diag)
{
    if (st == WY_OK) {
        st = bank->backend->txn_commit(bank, diag);
    }
    if (st != WY_OK) {
        bank->backend->txn_rollback(bank);
    }
    return st;
}

/* Create and open share everything but the backend's file handling. The keys are derived before
 * the file is touched, so the key check value is ready for a store that is being created. */
static enum wy_status open_store(struct wy_ctx *ctx, const char *path,
                                 const struct wy_bank_key *key, bool create, struct wy_diag *diag,
                                 struct wy_bank **out)
{
    wy_diag_clear(diag);
    if (wy__bank_crypto_init() != WY_OK) {
        return wy__fail(diag, WY_EINTERNAL, "libsodium failed to initialise");
    }
    struct wy_bank *bank = wy__calloc(ctx, 1, sizeof *bank);
    if (bank == NULL) {
        return WY_ENOMEM;
    }
    bank->ctx = ctx;
    bank->backend = &wy__bank_sqlite;
    wy__bank_keys_derive(key, &bank->keys);
    uint8_t check[WY__BANK_CHECK_BYTES];
    wy__bank_key_check(&bank->keys, check);
    enum wy_status st = bank->backend->open(bank, path, create, check, diag);
    if (st == WY_OK) {
        st = verify_key(bank, check, diag);
    }
    if (st != WY_OK) {
        wy_bank_close(bank);
        return st;
    }
    *out = bank;
    return WY_OK;
}

enum wy_status wy_bank_create(struct wy_ctx *ctx, const char *path, const struct wy_bank_key *key,
                              struct wy_diag *diag, struct wy_bank **out)
{
    return open_store(ctx, path, key, true, diag, out);
}

enum wy_status wy_bank_open(struct wy_ctx *ctx, const char *path, const struct wy_bank_key *key,
                            struct wy_diag *diag, struct wy_bank **out)
{
    return open_store(ctx, path, key, false, diag, out);
}

void wy_bank_close(struct wy_bank *bank)
{
    if (bank == NULL) {
        return;
    }
    if (bank->conn != NULL) {
        bank->backend->close(bank);
    }
    wy__bank_keys_wipe(&bank->keys);
    wy__free(bank->ctx, bank);
}

int wy_bank_schema_version(const struct wy_bank *bank)
{
    return bank->schema_version;
}

/* ---- banks ---- */

/* Names are shown in listings and logs: printable, no control characters, non-empty. */
static bool name_valid(const char *name)
{
    const size_t len = strlen(name);
    if (len == 0 || len >= sizeof(((struct wy_bank_info *)0)->name)) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        const unsigned char ch = (unsigned char)name[i];
        if (ch < 0x20 || ch == 0x7f) {
            return false;
        }
    }
    return true;
}

enum wy_status wy_bank_bank_create(struct wy_bank *bank, const char *name, int threshold,
                                   int min_quality, int64_t *id, struct wy_diag *diag)
{
    wy_diag_clear(diag);
    if (!name_valid(name)) {
        return wy__fail(diag, WY_EINVAL, "a bank name is 1 to 63 printable characters");
    }
    if (threshold < 0 || threshold > 256) {
        return wy__fail(diag, WY_EINVAL, "threshold %d is outside 0..256", threshold);
    }
    if (min_quality < 0 || min_quality > 100) {
        return wy__fail(diag, WY_EINVAL, "quality floor %d is outside 0..100", min_quality);
    }
    struct wy_bank_info info = {.threshold = threshold, .min_quality = min_quality};
    memcpy(info.name, name, strlen(name) + 1);
    int64_t new_id = 0;
    const enum wy_status st = bank->backend->bank_insert(bank, &info, &new_id, diag);
    if (st == WY_OK && id != NULL) {
        *id = new_id;
    }
    return st;
}

enum wy_status wy_bank_bank_find(struct wy_bank *bank, const char *name, struct wy_bank_info *info)
{
    return bank->backend->bank_get(bank, name, 0, info);
}

enum wy_status wy_bank_bank_get(struct wy_bank *bank, int64_t id, struct wy_bank_info *info)
{
    return bank->backend->bank_get(bank, NULL, id, info);
}

enum wy_status wy_bank_bank_list(struct wy_bank *bank, wy_bank_info_fn fn, void *user)
{
    return bank->backend->bank_list(bank, fn, user);
}

/* ---- cases ---- */

static bool ref_char_valid(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '_' || ch == '.';
}

/* References travel in URLs, file names and TSV: letters, digits and -_. only. */
static bool ref_valid(const char *ref)
{
    const size_t len = strlen(ref);
    if (len == 0 || len >= WY_CASE_REF_BYTES || !ref_char_valid(ref[0]) || ref[0] == '.') {
        return false;
    }
    for (size_t i = 1; i < len; i++) {
        if (!ref_char_valid(ref[i])) {
            return false;
        }
    }
    return true;
}

static void ref_generate(char ref[WY_CASE_REF_BYTES])
{
    /* RFC 4648 base32: no 0/1/8/9, which are easily confused with O/I/B/g when read aloud. */
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    uint8_t random[REF_RANDOM_CHARS];
    wy__bank_random(random, sizeof random);
    memcpy(ref, REF_PREFIX, sizeof REF_PREFIX - 1);
    for (size_t i = 0; i < REF_RANDOM_CHARS; i++) {
        ref[sizeof REF_PREFIX - 1 + i] = alphabet[random[i] & 31];
    }
    ref[sizeof REF_PREFIX - 1 + REF_RANDOM_CHARS] = '\0';
}

/* A generated reference that is already taken is simply drawn again; any other failure ends it. */
static enum wy_status case_insert_generated(struct wy_bank *bank, struct wy_case_info *c,
                                            struct wy_diag *diag)
{
    for (int attempt = 0; attempt < REF_TRIES; attempt++) {
        ref_generate(c->ref);
        const enum wy_status st = bank->backend->case_insert(bank, c, NULL);
        if (st != WY_EINVAL) {
            return st == WY_OK ? WY_OK : wy__fail(diag, st, "cannot insert the case");
        }
    }
    return wy__fail(diag, WY_EINTERNAL, "could not find a free case reference");
}

enum wy_status wy_bank_case_new(struct wy_bank *bank, int64_t bank_id, const char *ref,
                                struct wy_case_info *info, struct wy_diag *diag)
{
    wy_diag_clear(diag);
    if (ref != NULL && !ref_valid(ref)) {
        return wy__fail(diag, WY_EINVAL, "a case reference is 1 to 63 of A-Z a-z 0-9 - _ .");
    }
    struct wy_bank_info owner;
    if (bank->backend->bank_get(bank, NULL, bank_id, &owner) != WY_OK) {
        return wy__fail(diag, WY_ENOENT, "no bank with id %lld", (long long)bank_id);
    }
    struct wy_case_info c = {.bank_id = bank_id, .status = WY_CASE_OPEN};
    c.created_s = c.updated_s = now_s();
    enum wy_status st = WY_OK;
    if (ref != NULL) {
        memcpy(c.ref, ref, strlen(ref) + 1);
        st = bank->backend->case_insert(bank, &c, diag);
    } else {
        st = case_insert_generated(bank, &c, diag);
    }
    if (st == WY_OK) {
        *info = c;
    }
    return st;
}

enum wy_status wy_bank_case_find(struct wy_bank *bank, const char *ref, struct wy_case_info *info)
{
    return bank->backend->case_get(bank, ref, 0, info);
}

enum wy_status wy_bank_case_get(struct wy_bank *bank, int64_t id, struct wy_case_info *info)
{
    return bank->backend->case_get(bank, NULL, id, info);
}

enum wy_status wy_bank_case_set_status(struct wy_bank *bank, int64_t case_id,
                                       enum wy_case_status status)
{
    if (status < WY_CASE_OPEN || status > WY_CASE_CLOSED) {
        return WY_EINVAL;
    }
    enum wy_status st = bank->backend->txn_begin(bank, NULL);
    if (st != WY_OK) {
        return st;
    }
    /* A closed case keeps watching for re-uploads; only withdrawal switches fingerprints off. */
    const bool fps_active = status != WY_CASE_WITHDRAWN;
    st = bank->backend->case_set_status(bank, case_id, status, fps_active, now_s());
    if (st == WY_OK) {
        st = bank->backend->txn_commit(bank, NULL);
    }
    if (st != WY_OK) {
        bank->backend->txn_rollback(bank);
    }
    return st;
}

/* Notes are bound to their case: the associated data is a fixed label and the case id. */
void wy__bank_notes_ad(int64_t case_id, uint8_t ad[WY__BANK_NOTES_AD_BYTES])
{
    const size_t prefix = sizeof WY__BANK_NOTES_AD_PREFIX - 1;
    memcpy(ad, WY__BANK_NOTES_AD_PREFIX, prefix);
    for (size_t i = 0; i < 8; i++) {
        ad[prefix + i] = (uint8_t)((uint64_t)case_id >> (8 * i));
    }
}

enum wy_status wy_bank_case_set_notes(struct wy_bank *bank, int64_t case_id, const char *notes)
{
    const size_t len = strlen(notes);
    if (len >= WY_CASE_NOTES_BYTES) {
        return WY_ETOOBIG;
    }
    uint8_t ad[WY__BANK_NOTES_AD_BYTES];
    wy__bank_notes_ad(case_id, ad);
    uint8_t sealed[NOTES_SEALED_MAX];
    const size_t sealed_len = len + WY__BANK_SEAL_OVERHEAD;
    wy__bank_seal(&bank->keys, (const uint8_t *)notes, len, ad, sizeof ad, sealed);
    enum wy_status st = wy__bank_begin_keyed(bank, NULL);
    if (st != WY_OK) {
        return st;
    }
    st = bank->backend->case_notes_put(bank, case_id, sealed, sealed_len, now_s());
    return end_write(bank, st, NULL);
}

enum wy_status wy_bank_case_notes(struct wy_bank *bank, int64_t case_id,
                                  char notes[WY_CASE_NOTES_BYTES])
{
    uint8_t sealed[NOTES_SEALED_MAX];
    size_t sealed_len = 0;
    enum wy_status st =
        bank->backend->case_notes_get(bank, case_id, sealed, sizeof sealed, &sealed_len);
    if (st != WY_OK) {
        return st == WY_ETOOBIG ? WY_ECORRUPT : st;
    }
    size_t len = 0;
    if (sealed_len > 0) {
        uint8_t ad[WY__BANK_NOTES_AD_BYTES];
        wy__bank_notes_ad(case_id, ad);
        st = wy__bank_unseal(&bank->keys, sealed, sealed_len, ad, sizeof ad, (uint8_t *)notes,
                             WY_CASE_NOTES_BYTES - 1, &len);
    }
    if (st == WY_OK) {
        notes[len] = '\0';
    }
    return st;
}

/* ---- fingerprints: writing ---- */

/* The case and bank every entry of a batch is checked against; batches usually share one. */
struct add_target {
    struct wy_case_info c;
    struct wy_bank_info b;
    bool loaded;
};

static enum wy_status load_target(struct wy_bank *bank, int64_t case_id, size_t i,
                                  struct add_target *t, struct wy_diag *diag)
{
    if (t->loaded && t->c.id == case_id) {
        return WY_OK;
    }
    t->loaded = false;
    enum wy_status st = bank->backend->case_get(bank, NULL, case_id, &t->c);
    if (st == WY_ENOENT) {
        return wy__fail(diag, st, "fingerprint %zu: no case with id %lld", i, (long long)case_id);
    }
    if (st == WY_OK && t->c.status == WY_CASE_WITHDRAWN) {
        return wy__fail(diag, WY_EINVAL, "fingerprint %zu: case %s is withdrawn", i, t->c.ref);
    }
    if (st == WY_OK) {
        st = bank->backend->bank_get(bank, NULL, t->c.bank_id, &t->b);
    }
    t->loaded = st == WY_OK;
    return st == WY_OK ? WY_OK : wy__fail(diag, st, "fingerprint %zu: cannot read its case", i);
}

/* The per-entry rules of registration; the index in the message lets an importer name the line. */
static enum wy_status check_fp(const struct wy_fingerprint *fp, const struct wy_bank_info *b,
                               size_t i, struct wy_diag *diag)
{
    if (!wy__bank_kind_valid(fp->kind)) {
        return wy__fail(diag, WY_EINVAL, "fingerprint %zu: unknown kind %d", i, (int)fp->kind);
    }
    if (kind_is_pdq(fp->kind) && (fp->quality < 0 || fp->quality > 100)) {
        return wy__fail(diag, WY_EINVAL, "fingerprint %zu: quality %d is outside 0..100", i,
                        fp->quality);
    }
    if (kind_is_pdq(fp->kind) && fp->quality < b->min_quality) {
        return wy__fail(diag, WY_EINVAL,
                        "fingerprint %zu: quality %d is below the floor %d of bank %s", i,
                        fp->quality, b->min_quality, b->name);
    }
    if (fp->kind == WY_FP_VIDEO_PDQ && fp->frame_ms < 0) {
        return wy__fail(diag, WY_EINVAL, "fingerprint %zu: a video frame needs its time", i);
    }
    if (memchr(fp->source, '\0', sizeof fp->source) == NULL) {
        return wy__fail(diag, WY_EINVAL, "fingerprint %zu: source label is not terminated", i);
    }
    return WY_OK;
}

/* Seals the label padded to a block, so ciphertext lengths hide the exact name length. */
static size_t seal_source(const struct wy_bank *bank, const char *source, const uint8_t *blind,
                          uint8_t sealed[SOURCE_SEALED_MAX])
{
    uint8_t padded[SOURCE_BYTES + WY__BANK_PAD_BLOCK];
    const size_t len = strlen(source);
    memcpy(padded, source, len);
    size_t padded_len = 0;
    const bool fits = wy__bank_pad(padded, len, sizeof padded, &padded_len);
    WY_ASSERT(fits);
    (void)fits;
    wy__bank_seal(&bank->keys, padded, padded_len, blind, WY__BANK_BLIND_BYTES, sealed);
    wy__bank_wipe(padded, sizeof padded);
    return padded_len + WY__BANK_SEAL_OVERHEAD;
}

/* Seals one fingerprint and hands the row to the backend. The blind value is both the lookup key
 * and the associated data of the value and label, tying all three to one another. */
static enum wy_status store_fp(struct wy_bank *bank, struct wy_fingerprint *fp,
                               const struct add_target *t, int64_t added_s, int64_t media,
                               struct wy_diag *diag)
{
    const size_t value_len = wy__bank_kind_bytes(fp->kind);
    uint8_t blind[WY__BANK_BLIND_BYTES];
    uint8_t value_sealed[VALUE_SEALED_MAX];
    uint8_t source_sealed[SOURCE_SEALED_MAX];
    wy__bank_blind(&bank->keys, fp->kind, fp->value, value_len, blind);
    wy__bank_seal(&bank->keys, fp->value, value_len, blind, sizeof blind, value_sealed);
    const bool is_frame = fp->kind == WY_FP_VIDEO_PDQ;
    struct wy__fp_row row = {
        .kind = fp->kind,
        .value_cipher = value_sealed,
        .value_len = value_len + WY__BANK_SEAL_OVERHEAD,
        .blind = blind,
        .quality = kind_is_pdq(fp->kind) ? fp->quality : -1,
        .case_id = t->c.id,
        .bank_id = t->c.bank_id,
        .frame_ms = is_frame ? fp->frame_ms : -1,
        .frame_end_ms =
            is_frame ? (fp->frame_end_ms > fp->frame_ms ? fp->frame_end_ms : fp->frame_ms) : -1,
        .media = media,
        .added_s = added_s,
        .active = true,
    };
    if (fp->source[0] != '\0') {
        row.source_len = seal_source(bank, fp->source, blind, source_sealed);
        row.source_cipher = source_sealed;
    }
    const enum wy_status st = bank->backend->fp_insert(bank, &row, diag);
    if (st == WY_OK) {
        fp->id = row.id;
        fp->bank_id = row.bank_id;
    }
    return st;
}

/* Walks the callers' grouping: an entry begins a new item unless it carries the same non-zero
 * tag and case as the entry before it. The cursor keeps the previous tag, so the tags may be
 * rewritten as the walk goes. */
struct item_cursor {
    int64_t tag;
    int64_t case_id;
    bool started;
};

static bool starts_item(struct item_cursor *c, const struct wy_fingerprint *fp)
{
    const bool first =
        !c->started || fp->media_id == 0 || fp->media_id != c->tag || fp->case_id != c->case_id;
    *c = (struct item_cursor){fp->media_id, fp->case_id, true};
    return first;
}

/* After the commit: each tag becomes the store's id of the item (its first fingerprint's id). */
static void assign_media(struct wy_fingerprint *fps, size_t count)
{
    struct item_cursor cursor = {.started = false};
    int64_t media = 0;
    for (size_t i = 0; i < count; i++) {
        if (starts_item(&cursor, &fps[i])) {
            media = fps[i].id;
        }
        fps[i].media_id = media;
    }
}

static enum wy_status add_all(struct wy_bank *bank, struct wy_fingerprint *fps, size_t count,
                              struct wy_diag *diag)
{
    struct add_target target = {.loaded = false};
    const int64_t added_s = now_s();
    struct item_cursor cursor = {.started = false};
    int64_t media = 0; /* store id of the item being stored; 0 while its first entry is stored */
    for (size_t i = 0; i < count; i++) {
        if (starts_item(&cursor, &fps[i])) {
            media = 0;
        }
        enum wy_status st = load_target(bank, fps[i].case_id, i, &target, diag);
        if (st == WY_OK) {
            st = check_fp(&fps[i], &target.b, i, diag);
        }
        if (st == WY_OK) {
            st = store_fp(bank, &fps[i], &target, added_s, media, diag);
        }
        if (st != WY_OK) {
            return st;
        }
        if (media == 0) {
            media = fps[i].id;
        }
    }
    return WY_OK;
}

enum wy_status wy_bank_fp_add(struct wy_bank *bank, struct wy_fingerprint *fps, size_t count,
                              struct wy_diag *diag)
{
    wy_diag_clear(diag);
    if (count == 0) {
        return WY_OK;
    }
    enum wy_status st = wy__bank_begin_keyed(bank, diag);
    if (st != WY_OK) {
        return st;
    }
    st = add_all(bank, fps, count, diag);
    if (st == WY_OK) {
        st = bank->backend->txn_commit(bank, diag);
    }
    if (st == WY_OK) {
        assign_media(fps, count);
    }
    if (st != WY_OK) {
        bank->backend->txn_rollback(bank);
        /* Nothing was stored, so no entry may keep an id that looks assigned. */
        for (size_t i = 0; i < count; i++) {
            fps[i].id = 0;
        }
    }
    return st;
}

/* ---- fingerprints: reading ---- */

static enum wy_status open_source(const struct wy_bank *bank, const struct wy__fp_row *row,
                                  char source[SOURCE_BYTES])
{
    uint8_t padded[SOURCE_BYTES + WY__BANK_PAD_BLOCK];
    size_t padded_len = 0;
    size_t len = 0;
    enum wy_status st =
        wy__bank_unseal(&bank->keys, row->source_cipher, row->source_len, row->blind,
                        WY__BANK_BLIND_BYTES, padded, sizeof padded, &padded_len);
    if (st == WY_OK && (!wy__bank_unpad(padded, padded_len, &len) || len >= SOURCE_BYTES ||
                        memchr(padded, '\0', len) != NULL)) {
        st = WY_ECORRUPT;
    }
    if (st == WY_OK) {
        memcpy(source, padded, len);
        source[len] = '\0';
    }
    wy__bank_wipe(padded, sizeof padded);
    return st;
}

/* Decrypts a row into the public form; a row that fails to open is corrupt or forged. */
enum wy_status wy__bank_open_row(const struct wy_bank *bank, const struct wy__fp_row *row,
                                 bool with_source, struct wy_fingerprint *fp)
{
    memset(fp, 0, sizeof *fp);
    if (row->blind == NULL || !wy__bank_kind_valid(row->kind)) {
        return WY_ECORRUPT;
    }
    size_t len = 0;
    enum wy_status st = wy__bank_unseal(&bank->keys, row->value_cipher, row->value_len, row->blind,
                                        WY__BANK_BLIND_BYTES, fp->value, sizeof fp->value, &len);
    if (st == WY_OK && len != wy__bank_kind_bytes(row->kind)) {
        st = WY_ECORRUPT;
    }
    if (st == WY_OK && with_source && row->source_cipher != NULL) {
        st = open_source(bank, row, fp->source);
    }
    fp->id = row->id;
    fp->kind = row->kind;
    fp->quality = row->quality;
    fp->case_id = row->case_id;
    fp->bank_id = row->bank_id;
    fp->frame_ms = row->frame_ms;
    fp->frame_end_ms = row->frame_end_ms;
    fp->media_id = row->media;
    fp->active = row->active;
    return st;
}

struct reader {
    const struct wy_bank *bank;
    wy_fingerprint_fn fn;
    void *user;
    bool with_source; /* decrypt the source label too */
};

/* Row callback of every read: decrypts, calls the user, and wipes the plaintext copy at once. */
static int deliver_row(void *user, const struct wy__fp_row *row)
{
    const struct reader *r = user;
    struct wy_fingerprint fp;
    const enum wy_status st = wy__bank_open_row(r->bank, row, r->with_source, &fp);
    const bool more = st == WY_OK && r->fn(r->user, &fp);
    wy__bank_wipe(&fp, sizeof fp);
    if (st != WY_OK) {
        return st;
    }
    return more ? WY_OK : WY__STOP;
}

enum wy_status wy_bank_fp_scan(struct wy_bank *bank, enum wy_fp_kind kind, int64_t bank_id,
                               wy_fingerprint_fn fn, void *user)
{
    if (!wy__bank_kind_valid(kind) || bank_id < 0) {
        return WY_EINVAL;
    }
    const struct wy__fp_filter filter = {.kind = kind, .bank_id = bank_id, .blind = NULL};
    struct reader r = {bank, fn, user, true};
    return bank->backend->fp_scan(bank, &filter, deliver_row, &r);
}

enum wy_status wy_bank_fp_scan_values(struct wy_bank *bank, enum wy_fp_kind kind, int64_t bank_id,
                                      wy_fingerprint_fn fn, void *user)
{
    if (!wy__bank_kind_valid(kind)) {
        return WY_EINVAL;
    }
    return wy_bank_fp_scan_values_kinds(bank, 1u << kind, bank_id, fn, user);
}

enum wy_status wy_bank_fp_scan_values_kinds(struct wy_bank *bank, unsigned kinds, int64_t bank_id,
                                            wy_fingerprint_fn fn, void *user)
{
    unsigned valid = 0;
    for (int k = 0; k < 32; k++) {
        valid |= wy__bank_kind_valid((enum wy_fp_kind)k) ? 1u << k : 0;
    }
    if (kinds == 0 || (kinds & ~valid) != 0 || bank_id < 0) {
        return WY_EINVAL;
    }
    const struct wy__fp_filter filter = {
        .bank_id = bank_id, .blind = NULL, .values_only = true, .kinds = kinds};
    return wy__bank_scan_values(bank, &filter, fn, user);
}

enum wy_status wy_bank_fp_lookup(struct wy_bank *bank, enum wy_fp_kind kind, const uint8_t *value,
                                 wy_fingerprint_fn fn, void *user)
{
    if (!wy__bank_kind_valid(kind)) {
        return WY_EINVAL;
    }
    uint8_t blind[WY__BANK_BLIND_BYTES];
    wy__bank_blind(&bank->keys, kind, value, wy__bank_kind_bytes(kind), blind);
    const struct wy__fp_filter filter = {.kind = kind, .bank_id = 0, .blind = blind};
    struct reader r = {bank, fn, user, true};
    return bank->backend->fp_scan(bank, &filter, deliver_row, &r);
}

static bool copy_one(void *user, const struct wy_fingerprint *fp)
{
    *(struct wy_fingerprint *)user = *fp;
    return false;
}

enum wy_status wy_bank_fp_get(struct wy_bank *bank, int64_t id, struct wy_fingerprint *fp)
{
    struct wy_fingerprint found;
    struct reader r = {bank, copy_one, &found, true};
    const enum wy_status st = bank->backend->fp_get(bank, id, deliver_row, &r);
    if (st == WY_OK) {
        *fp = found;
    }
    wy__bank_wipe(&found, sizeof found);
    return st;
}

/* ---- suppression list and change feed ---- */

enum wy_status wy_bank_suppress(struct wy_bank *bank, enum wy_fp_kind kind, const uint8_t *value,
                                const char *reason)
{
    if (!wy__bank_kind_valid(kind)) {
        return WY_EINVAL;
    }
    if (strlen(reason) > REASON_MAX_BYTES) {
        return WY_ETOOBIG;
    }
    const size_t value_len = wy__bank_kind_bytes(kind);
    uint8_t blind[WY__BANK_BLIND_BYTES];
    uint8_t sealed[VALUE_SEALED_MAX];
    wy__bank_blind(&bank->keys, kind, value, value_len, blind);
    /* The sealed value is kept so that a key rotation can recompute the blind index. */
    wy__bank_seal(&bank->keys, value, value_len, blind, sizeof blind, sealed);
    enum wy_status st = wy__bank_begin_keyed(bank, NULL);
    if (st != WY_OK) {
        return st;
    }
    const size_t sealed_len = value_len + WY__BANK_SEAL_OVERHEAD;
    st = bank->backend->suppress_put(bank, kind, blind, sealed, sealed_len, reason);
    return end_write(bank, st, NULL);
}

enum wy_status wy_bank_is_suppressed(struct wy_bank *bank, enum wy_fp_kind kind,
                                     const uint8_t *value, bool *suppressed)
{
    if (!wy__bank_kind_valid(kind)) {
        return WY_EINVAL;
    }
    uint8_t blind[WY__BANK_BLIND_BYTES];
    wy__bank_blind(&bank->keys, kind, value, wy__bank_kind_bytes(kind), blind);
    return bank->backend->suppress_has(bank, kind, blind, suppressed);
}

enum wy_status wy_bank_seq(struct wy_bank *bank, int64_t *seq)
{
    return bank->backend->seq(bank, seq);
}

enum wy_status wy_bank_changes(struct wy_bank *bank, int64_t since, wy_bank_change_fn fn,
                               void *user)
{
    return bank->backend->changes(bank, since, fn, user);
}
