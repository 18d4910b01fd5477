/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bank_rekey.c: key rotation (wy_bank_rekey): every sealed value of the store is opened with the
 * handle's subkeys and sealed again with those of the new key, in one backend transaction, so
 * that the store is entirely under one key or the other whenever it is looked at.
 *
 * The procedure is the one of docs/internals/bank.md, "Key rotation". Each table is walked in
 * pages of increasing id: a page is read whole and resealed into a buffer, then written back row
 * by row. No backend has to update a table under an open cursor, and memory stays bounded
 * whatever the size of the store. Rows keep their ids, so the change feed (which names
 * fingerprints by id) needs no entry and a rewritten row never moves into a page still to come.
 * A plaintext exists only on the stack, for one row, and is wiped before the next; the page
 * buffers hold ciphertexts and blind values, which the database holds anyway.
 */
#include "wy_setup.h"

#include <string.h>

#include "bank/bank_int.h"
#include "core/core_int.h"

/* Rows per page: enough that the cost of a query vanishes, few enough for a small buffer (a
 * fingerprint page is about 106 KiB, a page of notes or suppression entries about 66 KiB). */
#define FP_PAGE_ROWS 256
#define SEALED_PAGE_ROWS 16

/* A fingerprint resealed under the new key, waiting to be written. */
struct fp_slot {
    struct wy__fp_row row; /* id, lengths and pointers into the arrays below */
    uint8_t blind[WY__BANK_BLIND_BYTES];
    uint8_t value[WY__BANK_VALUE_SEALED_MAX];
    uint8_t source[WY__BANK_SOURCE_SEALED_MAX];
};

/* Case notes or a suppression entry resealed under the new key. */
struct sealed_slot {
    struct wy__sealed_row row;
    uint8_t blind[WY__BANK_BLIND_BYTES];
    uint8_t cipher[WY__BANK_NOTES_SEALED_MAX];
};

struct rekey {
    struct wy_bank *bank; /* bank->keys: the old subkeys, until the commit */
    struct wy__bank_keys to;
    struct wy_bank_rekey_stats stats;
    struct wy_diag *diag;
    void *slots;    /* the page buffer of the table being walked */
    size_t read;    /* rows of the current page seen */
    size_t pending; /* rows of the current page resealed into slots */
    int64_t last;   /* id (or key) of the last row seen: the next page starts after it */
};

/* ---- fingerprints ---- */

/* The label is resealed as it is stored, padded, so its padded length (all a reader of the file
 * can learn) stays the same. The associated data changes with the blind value. */
static enum wy_status reseal_source(struct rekey *rk, const struct wy__fp_row *row,
                                    struct fp_slot *slot)
{
    if (row->source_cipher == NULL) {
        return WY_OK;
    }
    uint8_t padded[WY__BANK_SOURCE_PADDED_MAX];
    size_t len = 0;
    const enum wy_status st =
        wy__bank_unseal(&rk->bank->keys, row->source_cipher, row->source_len, row->blind,
                        WY__BANK_BLIND_BYTES, padded, sizeof padded, &len);
    if (st == WY_OK) {
        wy__bank_seal(&rk->to, padded, len, slot->blind, sizeof slot->blind, slot->source);
        slot->row.source_cipher = slot->source;
        slot->row.source_len = len + WY__BANK_SEAL_OVERHEAD;
        rk->stats.labels++;
    }
    wy__bank_wipe(padded, sizeof padded);
    return st;
}

/*
 * A fingerprint value of `kind` (a fingerprint's, or a suppressed one's), sealed with the old key
 * under its blind value, is opened, given its new blind value and sealed with the new key under
 * it. `*sealed_len` gets the new ciphertext's length. The plaintext never outlives the call.
 */
static enum wy_status reseal_value(const struct rekey *rk, enum wy_fp_kind kind,
                                   const uint8_t *blind, const uint8_t *cipher, size_t cipher_len,
                                   uint8_t new_blind[WY__BANK_BLIND_BYTES], uint8_t *new_cipher,
                                   size_t *sealed_len)
{
    if (blind == NULL || !wy__bank_kind_valid(kind)) {
        return WY_ECORRUPT;
    }
    uint8_t value[32];
    size_t len = 0;
    enum wy_status st = wy__bank_unseal(&rk->bank->keys, cipher, cipher_len, blind,
                                        WY__BANK_BLIND_BYTES, value, sizeof value, &len);
    if (st == WY_OK && len != wy__bank_kind_bytes(kind)) {
        st = WY_ECORRUPT;
    }
    if (st == WY_OK) {
        wy__bank_blind(&rk->to, kind, value, len, new_blind);
        wy__bank_seal(&rk->to, value, len, new_blind, WY__BANK_BLIND_BYTES, new_cipher);
        *sealed_len = len + WY__BANK_SEAL_OVERHEAD;
    }
    wy__bank_wipe(value, sizeof value);
    return st;
}

static int reseal_fp(void *user, const struct wy__fp_row *row)
{
    struct rekey *rk = user;
    struct fp_slot *slot = &((struct fp_slot *)rk->slots)[rk->pending];
    rk->read++;
    rk->last = row->id;
    if (row->blind == NULL || !wy__bank_kind_valid(row->kind)) {
        return wy__fail(rk->diag, WY_ECORRUPT, "fingerprint %lld is malformed; nothing was changed",
                        (long long)row->id);
    }
    size_t sealed_len = 0;
    enum wy_status st = reseal_value(rk, row->kind, row->blind, row->value_cipher, row->value_len,
                                     slot->blind, slot->value, &sealed_len);
    if (st == WY_OK) {
        slot->row = (struct wy__fp_row){
            .id = row->id,
            .kind = row->kind,
            .value_cipher = slot->value,
            .value_len = sealed_len,
            .blind = slot->blind,
        };
        st = reseal_source(rk, row, slot);
    }
    if (st != WY_OK) {
        return wy__fail(rk->diag, st, "fingerprint %lld does not decrypt; nothing was changed",
                        (long long)row->id);
    }
    rk->pending++;
    rk->stats.fingerprints++;
    return WY_OK;
}

static enum wy_status rekey_fingerprints(struct rekey *rk)
{
    struct wy_bank *bank = rk->bank;
    struct fp_slot *slots = wy__calloc(bank->ctx, FP_PAGE_ROWS, sizeof *slots);
    if (slots == NULL) {
        return WY_ENOMEM;
    }
    rk->slots = slots;
    rk->last = INT64_MIN;
    enum wy_status st = WY_OK;
    do {
        rk->read = rk->pending = 0;
        st = bank->backend->fp_page(bank, rk->last, FP_PAGE_ROWS, reseal_fp, rk);
        for (size_t i = 0; i < rk->pending && st == WY_OK; i++) {
            st = bank->backend->fp_reseal(bank, &slots[i].row, rk->diag);
        }
    } while (st == WY_OK && rk->read == FP_PAGE_ROWS);
    rk->slots = NULL;
    wy__free(bank->ctx, slots);
    return st;
}

/* ---- case notes and the suppression list ---- */

/* Notes keep their associated data (it depends on the case id only). Cases without notes are
 * not in the page; an empty ciphertext means "no notes" to readers and is left alone. */
static int reseal_notes(void *user, const struct wy__sealed_row *row)
{
    struct rekey *rk = user;
    struct sealed_slot *slot = &((struct sealed_slot *)rk->slots)[rk->pending];
    rk->read++;
    rk->last = row->key;
    if (row->len == 0) {
        return WY_OK;
    }
    uint8_t ad[WY__BANK_NOTES_AD_BYTES];
    wy__bank_notes_ad(row->key, ad);
    uint8_t notes[WY_CASE_NOTES_BYTES];
    size_t len = 0;
    const enum wy_status st = wy__bank_unseal(&rk->bank->keys, row->cipher, row->len, ad, sizeof ad,
                                              notes, WY_CASE_NOTES_BYTES - 1, &len);
    if (st == WY_OK) {
        wy__bank_seal(&rk->to, notes, len, ad, sizeof ad, slot->cipher);
        slot->row = (struct wy__sealed_row){
            .key = row->key, .cipher = slot->cipher, .len = len + WY__BANK_SEAL_OVERHEAD};
    }
    wy__bank_wipe(notes, sizeof notes);
    if (st != WY_OK) {
        return wy__fail(rk->diag, st, "the notes of case %lld do not decrypt; nothing was changed",
                        (long long)row->key);
    }
    rk->pending++;
    rk->stats.notes++;
    return WY_OK;
}

/* A suppressed value gets a new blind value, which is why the value itself is kept sealed. */
static int reseal_suppression(void *user, const struct wy__sealed_row *row)
{
    struct rekey *rk = user;
    struct sealed_slot *slot = &((struct sealed_slot *)rk->slots)[rk->pending];
    rk->read++;
    rk->last = row->key;
    size_t sealed_len = 0;
    const enum wy_status st = reseal_value(rk, row->kind, row->blind, row->cipher, row->len,
                                           slot->blind, slot->cipher, &sealed_len);
    if (st == WY_OK) {
        slot->row = (struct wy__sealed_row){.key = row->key,
                                            .kind = row->kind,
                                            .blind = slot->blind,
                                            .cipher = slot->cipher,
                                            .len = sealed_len};
    }
    if (st != WY_OK) {
        return wy__fail(rk->diag, st, "a suppression entry does not decrypt; nothing was changed");
    }
    rk->pending++;
    rk->stats.suppressions++;
    return WY_OK;
}

/* One table of sealed values other than fingerprints: how to read a page and write a row. */
struct sealed_table {
    enum wy_status (*page)(struct wy_bank *bank, int64_t after, size_t limit, wy__sealed_row_fn fn,
                           void *user);
    wy__sealed_row_fn reseal;
    enum wy_status (*write)(struct wy_bank *bank, const struct wy__sealed_row *row,
                            struct wy_diag *diag);
};

static enum wy_status rekey_sealed(struct rekey *rk, const struct sealed_table *table)
{
    struct wy_bank *bank = rk->bank;
    struct sealed_slot *slots = wy__calloc(bank->ctx, SEALED_PAGE_ROWS, sizeof *slots);
    if (slots == NULL) {
        return WY_ENOMEM;
    }
    rk->slots = slots;
    rk->last = INT64_MIN;
    enum wy_status st = WY_OK;
    do {
        rk->read = rk->pending = 0;
        st = table->page(bank, rk->last, SEALED_PAGE_ROWS, table->reseal, rk);
        for (size_t i = 0; i < rk->pending && st == WY_OK; i++) {
            st = table->write(bank, &slots[i].row, rk->diag);
        }
    } while (st == WY_OK && rk->read == SEALED_PAGE_ROWS);
    rk->slots = NULL;
    wy__free(bank->ctx, slots);
    return st;
}

/* ---- the transaction ---- */

/* Everything between BEGIN and COMMIT; the key check value goes last, so a store whose check
 * names the new key has every value under it. */
static enum wy_status rekey_all(struct rekey *rk)
{
    const struct wy__bank_backend *b = rk->bank->backend;
    const struct sealed_table notes = {b->notes_page, reseal_notes, b->notes_reseal};
    const struct sealed_table suppression = {b->suppress_page, reseal_suppression,
                                             b->suppress_reseal};
    enum wy_status st = rekey_fingerprints(rk);
    if (st == WY_OK) {
        st = rekey_sealed(rk, &notes);
    }
    if (st == WY_OK) {
        st = rekey_sealed(rk, &suppression);
    }
    if (st == WY_OK) {
        uint8_t check[WY__BANK_CHECK_BYTES];
        wy__bank_key_check(&rk->to, check);
        st = b->meta_put(rk->bank, "key_check", check, sizeof check, rk->diag);
    }
    return st;
}

enum wy_status wy_bank_rekey(struct wy_bank *bank, const struct wy_bank_key *new_key,
                             struct wy_bank_rekey_stats *stats, struct wy_diag *diag)
{
    wy_diag_clear(diag);
    struct rekey rk = {.bank = bank, .diag = diag};
    wy__bank_keys_derive(new_key, &rk.to);
    /* The transaction first checks that this handle's key still opens the store: a handle
     * that another rotation left behind must not reseal values with a key nobody holds. */
    enum wy_status st = wy__bank_begin_keyed(bank, diag);
    if (st == WY_OK) {
        st = rekey_all(&rk);
        if (st == WY_OK) {
            st = bank->backend->txn_commit(bank, diag);
        }
        if (st != WY_OK) {
            bank->backend->txn_rollback(bank);
        }
    }
    if (st == WY_OK) {
        bank->keys = rk.to;
        if (stats != NULL) {
            *stats = rk.stats;
        }
    } else if (diag != NULL && diag->msg[0] == '\0') {
        (void)wy__fail(diag, st, "key rotation failed: %s", wy_strerror(st));
    }
    wy__bank_keys_wipe(&rk.to);
    return st;
}
