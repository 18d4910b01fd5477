-- SPDX-License-Identifier: Apache-2.0
-- Schema version 1: banks, cases, fingerprints and the suppression list.
-- Values, notes and source labels are stored as libsodium ciphertexts (nonce || box); `blind`
-- is a keyed BLAKE2b of (kind, value) so exact lookups need no decryption. Ids, kinds,
-- qualities, times and case status stay in clear because the store indexes and filters on them.
CREATE TABLE meta (
    name TEXT PRIMARY KEY,
    value ANY NOT NULL
) STRICT;

CREATE TABLE banks (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    threshold INTEGER NOT NULL CHECK (threshold BETWEEN 0 AND 256),
    min_quality INTEGER NOT NULL CHECK (min_quality BETWEEN 0 AND 100)
) STRICT;

CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    bank_id INTEGER NOT NULL REFERENCES banks (id),
    ref TEXT NOT NULL UNIQUE,
    status INTEGER NOT NULL CHECK (status IN (1, 2, 3)),
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    notes_cipher BLOB
) STRICT;

CREATE TABLE fingerprints (
    id INTEGER PRIMARY KEY,
    kind INTEGER NOT NULL CHECK (kind IN (1, 2, 3, 4)),
    value_cipher BLOB NOT NULL,
    blind BLOB NOT NULL,
    quality INTEGER NOT NULL,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    bank_id INTEGER NOT NULL REFERENCES banks (id),
    frame_ms INTEGER NOT NULL,
    source_cipher BLOB,
    added INTEGER NOT NULL,
    active INTEGER NOT NULL CHECK (active IN (0, 1))
) STRICT;
CREATE INDEX fingerprints_blind ON fingerprints (blind);
CREATE INDEX fingerprints_kind ON fingerprints (kind, bank_id, active);

CREATE TABLE suppression (
    kind INTEGER NOT NULL,
    blind BLOB NOT NULL,
    value_cipher BLOB NOT NULL, -- kept so that a key rotation can recompute `blind`
    reason TEXT NOT NULL,
    PRIMARY KEY (kind, blind)
) STRICT;
