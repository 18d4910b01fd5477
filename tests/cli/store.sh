# The store from the command line: init, banks, cases, registration all-or-nothing, withdrawal.
export WITHYOU_DB="$PWD/centre.db"
expect_exit 0 "$WITHYOU" init
[ -f centre.db ] && [ -f centre.db.key ] || fail "init made no store or key"
[ "$(stat -c %a centre.db.key)" = 600 ] || fail "key file mode $(stat -c %a centre.db.key)"
expect_exit 1 "$WITHYOU" init
grep -q "centre.db" err || fail "second init not refused with the path: $(cat err)"

expect_exit 0 "$WITHYOU" bank create --threshold 31 main
expect_exit 1 "$WITHYOU" bank create main
expect_exit 0 "$WITHYOU" bank list
[ "$(cat out)" = "$(printf 'main\t31\t50')" ] || fail "bank list: $(cat out)"

expect_exit 0 "$WITHYOU" case new --bank main
ref=$(tail -1 out)
[[ $ref =~ ^WY-[A-Z2-7]{10}$ ]] || fail "generated case reference $ref"
expect_exit 0 "$WITHYOU" case new --bank main --ref SC-2026-001
[ "$(tail -1 out)" = SC-2026-001 ] || fail "given reference not printed"
expect_exit 1 "$WITHYOU" case new --bank main --ref SC-2026-001
expect_exit 1 "$WITHYOU" case new --bank nope

# All or nothing: one unreadable file registers nothing.
mkdir pics && cp "$SHARED"/corpus/orig/000[1-6].jpg pics/
echo junk > pics/zz.jpg
expect_exit 1 "$WITHYOU" case add "$ref" pics
grep -q "nothing registered" err || fail "partial add not refused: $(cat err)"
expect_exit 0 "$WITHYOU" case show "$ref"
grep -q "^fingerprints	0$" out || fail "something was registered: $(cat out)"
rm pics/zz.jpg
# 0004.jpg's PDQ quality is 49, under the bank's floor of 50: refused by name, nothing stored.
expect_exit 1 "$WITHYOU" case add "$ref" pics
grep -q "^pics/0004.jpg: PDQ quality 49 is below the floor 50 of bank main$" err || fail "$(cat err)"
rm pics/0004.jpg
expect_exit 0 "$WITHYOU" case add "$ref" pics
expect_exit 0 "$WITHYOU" case show "$ref"
grep -q "^status	open$" out || fail "status: $(cat out)"
grep -q "^fingerprints	30$" out || fail "5 pictures x (PDQ, 3 centred crops, MD5, SHA-256): $(cat out)"

# The store file holds no plaintext fingerprint: the SHA-256 of a registered file is absent.
sha=$(sha256sum pics/0001.jpg | cut -c1-64)
if od -An -tx1 -v centre.db* | tr -d ' \n' | grep -q "$sha"; then fail "a SHA-256 is stored in clear"; fi

expect_exit 0 "$WITHYOU" case withdraw "$ref"
expect_exit 0 "$WITHYOU" case show "$ref"
grep -q "^status	withdrawn$" out || fail "withdraw: $(cat out)"
grep -q "^fingerprints	0$" out || fail "withdrawn fingerprints still active: $(cat out)"

# A wrong key is refused with a clear message.
expect_exit 1 env WITHYOU_KEY="$(printf '%064d' 0)" WITHYOU_KEY_FILE= "$WITHYOU" case show "$ref"
grep -q "does not open this store" err || fail "wrong key: $(cat err)"
