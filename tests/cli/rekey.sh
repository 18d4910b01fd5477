# Key rotation from the command line: the store is re-encrypted under a new key that replaces the
# key file only after the commit; registered pictures still match; the old key is refused; a key
# in $WITHYOU_KEY goes to --new-key-file; a run stopped after its commit, or killed half way
# through a large store, is settled by the next run and never leaves the store unopenable.
export WITHYOU_DB="$PWD/centre.db"
unset WITHYOU_KEY WITHYOU_KEY_FILE
"$WITHYOU" init > /dev/null || fail "init"
"$WITHYOU" bank create main > /dev/null || fail "bank create"
"$WITHYOU" case new --bank main --ref C-1 > /dev/null || fail "case new"
mkdir pics && cp "$SHARED"/corpus/orig/000[1-3].jpg pics/
"$WITHYOU" case add C-1 pics > /dev/null || fail "case add"

# match_ok: the registered original 0001.jpg is found, by PDQ and by MD5, in case C-1.
match_ok() {
  expect_exit 0 "$WITHYOU" match "$@" "$SHARED/corpus/orig/0001.jpg"
  grep -q "	0	original	C-1	main$" out || fail "no PDQ match after rekey: $(cat out)"
  grep -q "	0	md5	C-1	main$" out || fail "no MD5 match after rekey: $(cat out)"
}

cp centre.db.key old.key
expect_exit 0 "$WITHYOU" rekey
grep -q "^re-encrypted 18 fingerprints (18 with a source label), notes of 0 cases, 0 suppression entries$" out \
  || fail "rekey counts: $(cat out)"
grep -q "centre.db.key now holds the new key" out || fail "rekey key message: $(cat out)"
[ ! -e centre.db.key.new ] || fail "the staged key was left behind"
[ "$(stat -c %a centre.db.key)" = 600 ] || fail "new key file mode $(stat -c %a centre.db.key)"
cmp -s old.key centre.db.key && fail "the key file still holds the old key"
match_ok
expect_exit 0 "$WITHYOU" case show C-1
grep -q "^fingerprints	18$" out || fail "case after rekey: $(cat out)"
# The old key is refused.
expect_exit 1 env WITHYOU_KEY="$(cat old.key)" "$WITHYOU" case show C-1
grep -q "does not open this store" err || fail "old key: $(cat err)"

# Usage: --new-key-file only with $WITHYOU_KEY, which needs it; no arguments.
expect_exit 2 "$WITHYOU" rekey --new-key-file x.key
expect_exit 2 env WITHYOU_KEY="$(cat centre.db.key)" "$WITHYOU" rekey
grep -q "give --new-key-file" err || fail "env key without --new-key-file: $(cat err)"
expect_exit 2 "$WITHYOU" rekey extra
[ ! -e x.key ] || fail "a usage error wrote a key"

# A key in $WITHYOU_KEY: the new key goes to --new-key-file, never over an existing file.
cp centre.db.key env-old.key
expect_exit 1 env WITHYOU_KEY="$(cat centre.db.key)" "$WITHYOU" rekey --new-key-file old.key
grep -q "refusing to overwrite" err || fail "existing --new-key-file: $(cat err)"
cmp -s env-old.key centre.db.key || fail "a refused rekey changed the key file"
match_ok
expect_exit 0 env WITHYOU_KEY="$(cat centre.db.key)" "$WITHYOU" rekey --new-key-file env-new.key
grep -q "new key written to env-new.key (back it up): set WITHYOU_KEY to its contents" out \
  || fail "env rekey message: $(cat out)"
[ "$(stat -c %a env-new.key)" = 600 ] || fail "env key file mode $(stat -c %a env-new.key)"
cmp -s env-old.key centre.db.key || fail "an env rekey touched the key file"
match_ok --key-file env-new.key
expect_exit 1 "$WITHYOU" case show C-1
grep -q "does not open this store" err || fail "stale key file: $(cat err)"
mv env-new.key centre.db.key

# Stopped after the commit, before the rename: the old key file and the new one beside it.
# Commands say how to finish; the next rekey finishes it and nothing else.
cp centre.db.key before.key
expect_exit 0 "$WITHYOU" rekey
mv centre.db.key centre.db.key.new
cp before.key centre.db.key
expect_exit 1 "$WITHYOU" match "$SHARED/corpus/orig/0001.jpg"
grep -q "does not open this store" err || fail "interrupted rekey: $(cat err)"
grep -q "centre.db.key.new exists: a key rotation was interrupted; run 'withyou rekey' to finish it" err \
  || fail "no hint for an interrupted rekey: $(cat err)"
cp centre.db.key.new committed.key
expect_exit 0 "$WITHYOU" rekey
grep -q "^finished an interrupted key rotation: .*centre.db.key now holds the store's key$" out \
  || fail "finish: $(cat out)"
cmp -s committed.key centre.db.key || fail "finish did not move the staged key into place"
[ ! -e centre.db.key.new ] || fail "finish left the staged key"
match_ok

# A staged key that opens nothing (a rotation that never committed) is discarded.
"$WITHYOU" init --db other.db > /dev/null || fail "init other"
cp other.db.key centre.db.key.new
cp centre.db.key before.key
expect_exit 0 "$WITHYOU" rekey
grep -q "removed .*centre.db.key.new, left by a key rotation that did not complete" err \
  || fail "stale staged key: $(cat err)"
grep -q "^re-encrypted 18 fingerprints" out || fail "rekey after a stale staged key: $(cat out)"
cmp -s before.key centre.db.key && fail "no new key after a stale staged key"
match_ok

# Killed half way through a large store (200,000 imported PDQs): the store opens with one of
# the two keys, and the next rekey settles which and rotates or finishes.
awk 'BEGIN { srand(7); h = "0123456789abcdef"
  for (i = 0; i < 200000; i++) { s = ""; for (j = 0; j < 64; j++) s = s substr(h, int(rand() * 16) + 1, 1); print s ",90" } }' \
  > big.csv
expect_exit 0 "$WITHYOU" bank import --case C-1 main big.csv
cp centre.db.key before.key
"$WITHYOU" rekey > rekey.out 2> rekey.err &
pid=$!
deadline=$((SECONDS + 120))
while [ "$(stat -c %s centre.db-wal 2> /dev/null || echo 0)" -lt 4194304 ] && [ $SECONDS -lt $deadline ]; do
  sleep 0.01
done
kill -9 "$pid" 2> /dev/null || true
status=0
wait "$pid" || status=$?
echo "rekey killed with status $status (137: killed half way)"
[ -e centre.db.key ] || fail "the key file is gone"
# Exactly one key opens the store: the old one, or the new one (staged or already in place).
opens() { [ -e "$1" ] && env WITHYOU_KEY="$(cat "$1")" "$WITHYOU" case show C-1 > /dev/null 2>&1; }
openers=0
opens before.key && openers=$((openers + 1))
for k in centre.db.key.new centre.db.key; do
  if ! cmp -s "$k" before.key && opens "$k"; then openers=$((openers + 1)); fi
done
[ "$openers" = 1 ] || fail "$openers keys open the store after a killed rekey"
if "$WITHYOU" case show C-1 > out 2> err; then
  cmp -s before.key centre.db.key || fail "the store opens with a changed key file"
else
  grep -q "a key rotation was interrupted" err || fail "killed rekey: $(cat err)"
fi
expect_exit 0 "$WITHYOU" rekey
[ ! -e centre.db.key.new ] || fail "the staged key was left behind after the settling run"
match_ok
expect_exit 0 "$WITHYOU" case show C-1
grep -q "^fingerprints	200018$" out || fail "case after the killed rekey: $(cat out)"
