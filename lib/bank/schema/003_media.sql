-- SPDX-License-Identifier: Apache-2.0
-- Schema version 3: fingerprints grouped by the picture or video they were taken from, and the
-- time span of a video frame that stands for several near-identical samples.
-- `media` is the id of the first fingerprint registered for the same item (a video's frames,
-- a picture's PDQ and exact hashes); alignment of a video match needs its frames together.
-- The first fingerprint itself stores 0 ("I begin an item"), which saves a second write per item;
-- readers see its own id.
ALTER TABLE fingerprints ADD COLUMN media INTEGER NOT NULL DEFAULT 0;
ALTER TABLE fingerprints ADD COLUMN frame_end_ms INTEGER NOT NULL DEFAULT -1;
-- Rows registered before version 3 each stand alone (media 0); their frames span one instant.
UPDATE fingerprints SET frame_end_ms = frame_ms;
CREATE INDEX fingerprints_media ON fingerprints (media);
