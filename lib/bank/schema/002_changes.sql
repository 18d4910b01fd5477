-- SPDX-License-Identifier: Apache-2.0
-- Schema version 2: the change feed and the per-case index that withdrawal needs.
-- Every activation and deactivation of a fingerprint appends a row here in the same
-- transaction, so an in-memory index can replay the changes since the sequence it loaded at.
-- AUTOINCREMENT: sequence numbers are never reused, even after the newest row is gone.
CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    fp_id INTEGER NOT NULL REFERENCES fingerprints (id),
    active INTEGER NOT NULL CHECK (active IN (0, 1))
) STRICT;
CREATE INDEX fingerprints_case ON fingerprints (case_id);

-- A store migrated from version 1 starts its feed with one entry per fingerprint already active.
INSERT INTO changes (fp_id, active) SELECT id, 1 FROM fingerprints WHERE active = 1 ORDER BY id;
