# `case add --hashes`: registering `withyou hash` output instead of the pictures. TSV with header
# and dihedral column, JSON lines on stdin, a path with a tab, all or nothing on a bad line, the
# quality floor named by line and path, and a match against the pictures themselves.
export WITHYOU_DB="$PWD/h.db"
"$WITHYOU" init > /dev/null || fail "init"
"$WITHYOU" bank create main > /dev/null || fail "bank create"
for ref in C-1 C-2 C-3 C-4; do
  "$WITHYOU" case new --bank main --ref "$ref" > /dev/null || fail "case new $ref"
done

# Three corpus originals good enough for the bank's floor, one of them under a name with a tab.
"$WITHYOU" hash "$SHARED/corpus/orig" > all.tsv || fail "hash originals"
mkdir pics
awk -F'\t' '$2 >= 50 {print $7}' all.tsv | head -3 > chosen.txt
[ "$(wc -l < chosen.txt)" = 3 ] || fail "fewer than 3 originals of quality >= 50"
i=0
while read -r src; do
  i=$((i + 1))
  cp "$src" "pics/$i.jpg"
done < chosen.txt
mv pics/2.jpg "$(printf 'pics/two\tparts.jpg')"

"$WITHYOU" hash --header --dihedral pics > h.tsv || fail "hash pics"
expect_exit 0 "$WITHYOU" case add --hashes h.tsv C-1
grep -q "^C-1	3 pictures registered$" out || fail "tsv add: $(cat out)"
expect_exit 0 "$WITHYOU" case show C-1
grep -q "^fingerprints	9$" out || fail "tsv counts: $(cat out)"
expect_exit 0 "$WITHYOU" match --bank main pics
[ "$(grep -c '	C-1	main$' out)" -ge 3 ] || fail "match: $(cat out)"
for f in pics/*; do
  grep -qF "$(printf '%s' "$f" | sed 's/\t/\\t/')" out || fail "$f not matched: $(cat out)"
done

# JSON lines on stdin.
"$WITHYOU" hash --format json pics > h.jsonl || fail "hash json"
expect_exit 0 "$WITHYOU" case add --hashes - C-2 < h.jsonl
expect_exit 0 "$WITHYOU" case show C-2
grep -q "^fingerprints	9$" out || fail "json counts: $(cat out)"

# A broken line 2 registers nothing and is named.
"$WITHYOU" hash pics > plain.tsv || fail "hash plain"
{ head -1 plain.tsv; printf 'not\ta\trecord\n'; tail -1 plain.tsv; } > bad.tsv
expect_exit 1 "$WITHYOU" case add --hashes bad.tsv C-3
grep -q "^bad.tsv: line 2: " err || fail "bad line not named: $(cat err)"
expect_exit 0 "$WITHYOU" case show C-3
grep -q "^fingerprints	0$" out || fail "a bad file registered something: $(cat out)"
printf '{"pdq":"00"}\n' > bad.jsonl
expect_exit 1 "$WITHYOU" case add --hashes bad.jsonl C-3
grep -q "^bad.jsonl: line 1: " err || fail "bad json line not named: $(cat err)"

# A PDQ below the floor names its line and path, and nothing is registered.
awk -F'\t' 'BEGIN {OFS = "\t"} NR == 3 {$2 = 10} {print}' plain.tsv > low.tsv
expect_exit 1 "$WITHYOU" case add --hashes low.tsv C-4
grep -q "^low.tsv: line 3: pics/.*: PDQ quality 10 is below the floor" err \
  || fail "low quality: $(cat err)"
expect_exit 0 "$WITHYOU" case show C-4
grep -q "^fingerprints	0$" out || fail "a low-quality file registered something: $(cat out)"

# A line over the 64 KiB cap is named too.
{ head -1 plain.tsv; head -c 70000 /dev/zero | tr '\0' x; echo; } > long.tsv
expect_exit 1 "$WITHYOU" case add --hashes long.tsv C-4
grep -q "^long.tsv: line 2: longer than 65536 bytes" err || fail "long line: $(cat err)"

# Without --hashes, case add still needs a path.
expect_exit 2 "$WITHYOU" case add C-4
