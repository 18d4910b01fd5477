# withyou hash: TSV and JSON lines, header, dihedral column, digests equal to coreutils', and
# bit-exact PDQ against the reference with --full-decode --raw-orientation.
img="$SHARED/corpus/orig/0001.jpg"
expect_exit 0 "$WITHYOU" hash --header "$img"
[ "$(head -1 out)" = "$(printf 'pdq\tquality\tsha256\tmd5\twidth\theight\tpath')" ] || fail "bad header: $(head -1 out)"
[ "$(wc -l < out)" = 2 ] || fail "expected header + 1 line"
line=$(tail -1 out)
IFS=$'\t' read -r pdq quality sha md5 w h path <<<"$line"
[[ $pdq =~ ^[0-9a-f]{64}$ ]] || fail "pdq is not 64 hex digits: $pdq"
[[ $quality =~ ^[0-9]+$ ]] && [ "$quality" -le 100 ] || fail "bad quality $quality"
[ "$sha" = "$(sha256sum < "$img" | cut -d' ' -f1)" ] || fail "sha256 differs from sha256sum"
[ "$md5" = "$(md5sum < "$img" | cut -d' ' -f1)" ] || fail "md5 differs from md5sum"
[ "$w $h" = "1024 768" ] || fail "size $w x $h"
[ "$path" = "$img" ] || fail "path column $path"

# Bit-exact with the reference's hash of the same file.
expect_exit 0 "$WITHYOU" hash --full-decode --raw-orientation "$img"
want=$(awk -F'\t' '$1=="orig/0001.jpg"{print $2"\t"$3}' "$SHARED/corpus/reference-pdq.tsv")
[ "$(cut -f1,2 out)" = "$want" ] || fail "full decode $(cut -f1,2 out) != reference $want"

# Dihedral: 8 comma-separated hashes before the path, the first equal to pdq; the reference's
# dihedral hashes of this original are in reference-pdq.tsv.
expect_exit 0 "$WITHYOU" hash --dihedral --full-decode --raw-orientation "$img"
[ "$(awk -F'\t' '{print NF}' out)" = 8 ] || fail "dihedral TSV has $(awk -F'\t' '{print NF}' out) columns"
dih=$(cut -f7 out)
[ "$(tr ',' '\n' <<<"$dih" | wc -l)" = 8 ] || fail "dihedral column does not hold 8 hashes"
[ "${dih%%,*}" = "$(cut -f1 out)" ] || fail "first dihedral hash differs from pdq"
want=$(awk -F'\t' '$1=="orig/0001.jpg"{print $4}' "$SHARED/corpus/reference-pdq.tsv")
[ "$dih" = "$want" ] || fail "dihedral hashes differ from the reference"

# JSON lines carry the same fields.
expect_exit 0 "$WITHYOU" hash --format json --dihedral "$img"
[ "$(wc -l < out)" = 1 ] || fail "one JSON line expected"
for key in pdq quality sha256 md5 width height dihedral path; do
  grep -q "\"$key\":" out || fail "JSON lacks $key"
done
grep -q "\"sha256\":\"$sha\"" out || fail "JSON sha256 differs from TSV"
grep -q '^{.*}$' out || fail "not one JSON object per line"

# Paths with tabs and newlines stay on one TSV line, escaped.
cp "$img" "$(printf 'a\tb\nc.jpg')"
expect_exit 0 "$WITHYOU" hash ./a*
[ "$(wc -l < out)" = 1 ] || fail "a path with a newline broke the line"
grep -qF 'a\tb\nc.jpg' out || fail "path not escaped: $(cut -f7 out)"
