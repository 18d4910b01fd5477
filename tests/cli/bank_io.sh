# Hash lists in and out of a bank: TE PDQ and MD5 lists, JSON lines with case references,
# all-or-nothing imports with the bad line named, exports in each format, and a match against
# a PDQ that arrived by import only.
export WITHYOU_DB="$PWD/io.db"
"$WITHYOU" init > /dev/null || fail "init"
"$WITHYOU" bank create main > /dev/null || fail "bank create"
"$WITHYOU" bank create other > /dev/null || fail "bank create other"
"$WITHYOU" case new --bank main --ref C-1 > /dev/null || fail "case new"
"$WITHYOU" case new --bank main --ref C-2 > /dev/null || fail "case new"
"$WITHYOU" case new --bank other --ref O-1 > /dev/null || fail "case new"

# The TE list holds a corpus original's PDQ (computed here), so that a match proves the import.
"$WITHYOU" hash "$SHARED/corpus/orig/0001.jpg" > h.tsv || fail "hash"
pdq=$(cut -f1 h.tsv | tail -1)
quality=$(cut -f2 h.tsv | tail -1)
[ "$quality" -ge 50 ] || fail "0001.jpg quality $quality"
printf '# ThreatExchange export\r\n%s,%s,2026-01-01,tag\r\n\r\n%s,90\n' "$pdq" "$quality" \
  "$(printf 'ab%.0s' $(seq 32))" > te.csv
expect_exit 0 "$WITHYOU" bank import --case C-1 main te.csv
grep -q "^main	2 fingerprints imported$" out || fail "te import: $(cat out)"
printf '%s\n%s\n' "$(printf '0f%.0s' $(seq 16))" "$(printf 'E1%.0s' $(seq 16))" > md5.txt
expect_exit 0 "$WITHYOU" bank import --format md5 --case C-2 main md5.txt

# Exports: TE holds the PDQs as hash,quality, MD5 the MD5s, JSON lines everything with cases.
expect_exit 0 "$WITHYOU" bank export --format te main
printf '%s,%s\n%s,90\n' "$pdq" "$quality" "$(printf 'ab%.0s' $(seq 32))" > want_te
cmp -s out want_te || fail "te export: $(cat out)"
expect_exit 0 "$WITHYOU" bank export --format md5 main
printf '%s\n%s\n' "$(printf '0f%.0s' $(seq 16))" "$(printf 'e1%.0s' $(seq 16))" > want_md5
cmp -s out want_md5 || fail "md5 export: $(cat out)"
expect_exit 0 "$WITHYOU" bank export main
cp out all.jsonl
[ "$(wc -l < all.jsonl)" = 4 ] || fail "jsonl export: $(cat all.jsonl)"
grep -q "^{\"kind\":\"pdq\",\"value\":\"$pdq\",\"quality\":$quality,\"case\":\"C-1\",\"media\":[0-9]*}$" all.jsonl \
  || fail "jsonl pdq line: $(cat all.jsonl)"
grep -q '"kind":"md5".*"case":"C-2"' all.jsonl || fail "jsonl md5 line: $(cat all.jsonl)"

# Re-importing the JSON lines into a fresh store reproduces the export exactly.
export WITHYOU_DB="$PWD/copy.db"
"$WITHYOU" init > /dev/null || fail "init copy"
"$WITHYOU" bank create main > /dev/null || fail "bank create copy"
"$WITHYOU" case new --bank main --ref C-1 > /dev/null || fail "case new copy"
"$WITHYOU" case new --bank main --ref C-2 > /dev/null || fail "case new copy"
expect_exit 0 "$WITHYOU" bank import main - < all.jsonl
grep -q "4 fingerprints imported" out || fail "jsonl import: $(cat out)"
expect_exit 0 "$WITHYOU" case show C-2
grep -q "^fingerprints	2$" out || fail "jsonl cases: $(cat out)"
expect_exit 0 "$WITHYOU" bank export main
cmp -s out all.jsonl || fail "jsonl round trip: $(diff out all.jsonl)"

# A bad line 3 imports nothing and is named; so are a case of another bank and no case at all.
export WITHYOU_DB="$PWD/io.db"
printf '%s,80\n%s,80\nnot-a-hash\n' "$(printf '1%.0s' $(seq 64))" "$(printf '2%.0s' $(seq 64))" > bad.csv
expect_exit 1 "$WITHYOU" bank import --case C-1 main bad.csv
grep -q "^bad.csv: line 3: " err || fail "bad line not named: $(cat err)"
expect_exit 0 "$WITHYOU" case show C-1
grep -q "^fingerprints	2$" out || fail "a bad file imported something: $(cat out)"
printf '{"kind":"md5","value":"%s","case":"O-1"}\n' "$(printf '3%.0s' $(seq 32))" > other.jsonl
expect_exit 1 "$WITHYOU" bank import main other.jsonl
grep -q "line 1: case O-1 belongs to another bank" err || fail "other bank: $(cat err)"
expect_exit 1 "$WITHYOU" bank import main md5.txt
grep -q "line 1: no case given" err || fail "no case: $(cat err)"
printf '{"kind":"md5","value":"%s","case":"C-1","case":"C-2"}\n' "$(printf '3%.0s' $(seq 32))" \
  > dup.jsonl
expect_exit 1 "$WITHYOU" bank import main dup.jsonl
grep -q "line 1: JSON: " err || fail "duplicate key: $(cat err)"
expect_exit 2 "$WITHYOU" bank export --format auto main
expect_exit 1 "$WITHYOU" bank import main missing.csv

# The imported PDQ matches the picture it was computed from, in the case it was imported to.
expect_exit 0 "$WITHYOU" match --bank main "$SHARED/corpus/orig/0001.jpg"
grep -q "	0	original	C-1	main$" out || fail "imported PDQ not matched: $(cat out)"
# Create and list still work.
expect_exit 0 "$WITHYOU" bank list
[ "$(wc -l < out)" = 2 ] || fail "bank list: $(cat out)"
