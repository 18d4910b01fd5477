/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bank_io.h: importing hash lists into a bank and exporting a bank as a hash list.
 *
 * Formats are those of the codec (codec.h): ThreatExchange-style PDQ lists, MD5 lists and
 * withyou's JSON lines with case references. An import is all or nothing: the whole list is read
 * and checked (format, cases, the bank's quality floor) before one registration transaction, so
 * a file with one bad line imports nothing, and the diag names that line.
 *
 * PRIVACY: an export is the bank's fingerprints in PLAINTEXT (and, in JSON lines, which case each
 * belongs to and its source label, often a file name from a survivor's device). It is meant for a
 * caseworker moving their own store or sharing hashes with a partner under an agreement; the
 * output must be handled like the store's key: kept off shared drives, sent only encrypted, and
 * deleted when done. Matching never needs an export.
 *
 * Thread-safety: as for bank.h, a `struct wy_bank` is used by one thread at a time.
 */
#ifndef WY_WITHYOU_BANK_IO_H
#define WY_WITHYOU_BANK_IO_H

#include <stddef.h>
#include <stdint.h>

#include "withyou/bank.h"
#include "withyou/codec.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most records one import accepts (about 210 MiB of working memory); split larger lists. */
#define WY_BANK_IMPORT_MAX_RECORDS (1024u * 1024u)

/**
 * Imports a hash list into bank `bank_id`, all or nothing. Records that name a case (JSON lines'
 * "case") go to that case, which must exist in this bank and not be withdrawn; the others go to
 * `default_case_id` (0: none, and then such a record is an error). A PDQ hash below the bank's
 * quality floor is refused; one without a quality (a bare hex line) counts as quality 0, so it
 * is accepted only by a bank whose floor is 0. Source labels are kept from JSON lines; other
 * formats have none.
 * @param data      the list's bytes (borrowed).
 * @param imported  nullable; receives the number of fingerprints registered (0 on failure).
 * @param diag      nullable; "line N: reason" for a bad line.
 * @return WY_OK; WY_EPARSE / WY_ETOOBIG (bad list, see wy_codec_list_parse); WY_ENOENT (bank,
 *         default case, or a case named on a line); WY_EINVAL (case of another bank or withdrawn,
 *         quality below the floor, no case for a record, unknown format); WY_ENOMEM; WY_EIO.
 */
WY_API WY_NODISCARD WY_NONNULL(1) enum wy_status
    wy_bank_import(struct wy_bank *bank, int64_t bank_id, int64_t default_case_id,
                   struct wy_bytes data, enum wy_list_format format, size_t *imported,
                   struct wy_diag *diag);

/** Receives one exported line (ending in '\n', `len` bytes, NUL-terminated); the buffer is wiped
 *  after the call. A status other than WY_OK stops the export, which returns it. */
typedef enum wy_status (*wy_list_line_fn)(void *user, const char *line, size_t len);

/**
 * Writes the active, unsuppressed fingerprints of bank `bank_id` as a hash list, in kind then id
 * order: WY_LIST_TE_PDQ writes image PDQ hashes as "hex,quality"; WY_LIST_MD5 writes MD5s;
 * WY_LIST_JSONL writes every kind with its case reference, quality, source label and frame time.
 * Read the privacy note at the top of this header. `write` must not call into `bank`.
 * @return WY_OK; WY_ENOENT (bank); WY_EINVAL (WY_LIST_AUTO or unknown format); WY_ENOMEM;
 *         WY_ECORRUPT (a row does not decrypt); or the first status other than WY_OK of `write`.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 4) enum wy_status
    wy_bank_export(struct wy_bank *bank, int64_t bank_id, enum wy_list_format format,
                   wy_list_line_fn write, void *user);

#ifdef __cplusplus
}
#endif

#endif /* WY_WITHYOU_BANK_IO_H */
