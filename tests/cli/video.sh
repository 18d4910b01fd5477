# End to end on ../shared/corpus/video: three of the four source videos registered, each in its
# own case; every edited copy of them is matched to its own case with the right segment, time
# offset and speed; the fourth video's copies match nothing; pictures and videos meet both ways;
# vPDQ and JSON fingerprints register like the files themselves.
V="$SHARED/corpus/video"
export WITHYOU_DB="$PWD/v.db"
"$WITHYOU" init > /dev/null || fail "init"
"$WITHYOU" bank create main > /dev/null || fail "bank create"
for v in v01 v02 v03; do
  "$WITHYOU" case new --bank main --ref "V-$v" > /dev/null || fail "case new $v"
  expect_exit 0 "$WITHYOU" case add "V-$v" "$V/orig/$v.mp4"
  grep -q "0 pictures and 1 videos (20 frames) registered" out || fail "case add $v: $(cat out)"
done

# --- FFmpeg and libheif are opened on first use, never linked: no run pays for them up front ---
if command -v readelf > /dev/null; then
  ! readelf -d "$WITHYOU" | grep -Eq 'NEEDED.*(libav|libheif)' ||
    fail "withyou links FFmpeg or libheif at start-up"
fi

# --- hash: TSV summary, JSON frames, vPDQ ---
expect_exit 0 "$WITHYOU" hash "$V/orig/v01.mp4" "$SHARED/corpus/orig/0001.jpg"
[ "$(wc -l < out)" = 2 ] || fail "hash: one line per file: $(cat out)"
[ "$(cut -f5,6 out | head -1)" = "1280	720" ] || fail "hash tsv video size: $(cat out)"
expect_exit 0 "$WITHYOU" hash --format json "$V/orig/v01.mp4"
grep -q '"kind":"video"' out || fail "hash json: $(cat out)"
[ "$(grep -o '"pdq"' out | wc -l)" = 20 ] || fail "hash json: 20 frames expected"
expect_exit 0 "$WITHYOU" hash --format vpdq "$V/orig/v04.mp4"
[ "$(wc -l < out)" = 20 ] || fail "vpdq: 20 lines expected: $(head -3 out)"
head -1 out | grep -Eq '^0,[0-9]+,[0-9a-f]{64},0\.000$' || fail "vpdq line: $(head -1 out)"
cp out v04.vpdq
expect_exit 2 "$WITHYOU" hash --format vpdq "$V/orig/v01.mp4" "$V/orig/v02.mp4"
expect_exit 1 "$WITHYOU" hash --format vpdq "$SHARED/corpus/orig/0001.jpg"
expect_exit 0 "$WITHYOU" hash --interval 2.5 --format json "$V/alt/trim/v01.mp4"
[ "$(grep -o '"pdq"' out | wc -l)" = 4 ] || fail "--interval 2.5 on 10 s: 4 frames expected"
expect_exit 2 "$WITHYOU" hash --interval 0 "$V/orig/v01.mp4"

# --- match every family: case, segment and speed ---
expect_exit 0 "$WITHYOU" match "$V/alt"
cp out matches.tsv
# query, distance, variant, case, bank, q_start, q_end, r_start, r_end, frames, speed
for fam in reencode_crf35 scale480p crop10 hflip trim speed1.25 fps15 vp9 watermark letterbox; do
  for v in v01 v02 v03; do
    f=$(ls "$V/alt/$fam/$v".*)
    line=$(awk -F'\t' -v q="$f" '$1 == q' matches.tsv | head -1)
    [ -n "$line" ] || fail "$fam/$v: no match"
    awk -F'\t' -v fam="$fam" -v v="$v" '
      function near(a, b, tol) { return a - b <= tol && b - a <= tol }
      {
        if ($4 != "V-" v) { print "wrong case " $4; exit 1 }
        qs = 0; qe = 19; rs = 0; re = 19; sp = 1
        if (fam == "trim") { qe = 9; rs = 5; re = 14 }
        if (fam == "speed1.25") { qe = 15; sp = 1.25 }
        if (!near($6, qs, 1.5) || !near($7, qe, 1.5) || !near($8, rs, 1.5) || !near($9, re, 1.5)) {
          print "segment " $6 "-" $7 " ~ " $8 "-" $9; exit 1
        }
        if (!near($11, sp, 0.07)) { print "speed " $11; exit 1 }
        if ($10 < (qe - qs) * 0.6) { print "frames " $10; exit 1 }
        if (fam == "hflip" && $3 != "flipy") { print "variant " $3; exit 1 }
      }' <<< "$line" || fail "$fam/$v: $line"
  done
done
if awk -F'\t' '$1 ~ /\/v04\./' matches.tsv | grep -q .; then
  fail "an unregistered video matched: $(awk -F'\t' '$1 ~ /\/v04\./' matches.tsv)"
fi
wrong=$(awk -F'\t' '{ n = split($1, p, "/"); v = p[n]; sub(/\..*/, "", v); if ($4 != "V-" v) print }' \
  matches.tsv)
[ -z "$wrong" ] || fail "matched another video's case: $wrong"

expect_exit 0 "$WITHYOU" match --format text "$V/alt/trim/v02.mp4"
grep -Eq '00:00:00-00:00:0[89] ~ registered 00:00:0[45]-00:00:1[45], [0-9]+/[0-9]+ frames, speed 1\.00: case V-v02' out \
  || fail "text form: $(cat out)"
expect_exit 0 "$WITHYOU" match --format json "$V/alt/speed1.25/v03.mp4"
grep -q '"case":"V-v03"' out && grep -q '"speed":1\.2' out || fail "json: $(cat out)"

# --- pictures and videos ---
# A still taken from a re-encoded copy finds the registered video and where it is shown.
ffmpeg -v error -ss 7.3 -i "$V/alt/reencode_crf35/v01.mp4" -frames:v 1 still.png || fail "grab"
expect_exit 0 "$WITHYOU" match still.png
awk -F'\t' '$4 == "V-v01" && $8 >= 5 && $9 <= 10' out | grep -q . || fail "still in video: $(cat out)"
# A registered still (a frame of v04 at 12 s) is found inside a video that shows it (the trim
# family starts 5 s in), with the query's time.
ffmpeg -v error -ss 12 -i "$V/orig/v04.mp4" -frames:v 1 -q:v 2 v04-12s.jpg || fail "grab v04"
"$WITHYOU" case new --bank main --ref P-v04 > /dev/null || fail "case new P-v04"
expect_exit 0 "$WITHYOU" case add P-v04 v04-12s.jpg
expect_exit 0 "$WITHYOU" match "$V/alt/trim/v04.mp4"
awk -F'\t' '$4 == "P-v04" && $6 >= 4 && $7 <= 10 && $8 == ""' out | grep -q . \
  || fail "video showing a registered still: $(cat out)"

# --- registering fingerprints instead of files ---
"$WITHYOU" case new --bank main --ref V-v04 > /dev/null || fail "case new v04"
expect_exit 0 "$WITHYOU" case add --hashes v04.vpdq V-v04
grep -q "1 videos (20 frames) registered" out || fail "vpdq registration: $(cat out)"
expect_exit 0 "$WITHYOU" match "$V/alt/trim/v04.mp4"
awk -F'\t' '$4 == "V-v04"' out | grep -q . || fail "vpdq-registered video not matched: $(cat out)"
"$WITHYOU" hash --format json "$V/orig/v02.mp4" > v02.jsonl || fail "hash json v02"
"$WITHYOU" case new --bank main --ref V-v02-json > /dev/null || fail "case new v02-json"
expect_exit 0 "$WITHYOU" case add --hashes v02.jsonl V-v02-json
expect_exit 0 "$WITHYOU" match "$V/alt/hflip/v02.mp4"
awk -F'\t' '$4 == "V-v02-json"' out | grep -q . || fail "json-registered video not matched: $(cat out)"
printf '0,90,%s,0.000\n1,90,zz,1.000\n' "$(printf 'ab%.0s' $(seq 32))" > bad.vpdq
expect_exit 1 "$WITHYOU" case add --hashes bad.vpdq V-v04
grep -q "line 2" err || fail "bad vpdq: $(cat err)"

# --- damaged video: the decodable part, a warning, exit 1 ---
head -c 400000 "$V/alt/vp9/v01.webm" > half.webm
expect_exit 1 "$WITHYOU" hash half.webm
grep -q "warning: half.webm" err || fail "truncated video warning: $(cat err)"
[ "$(wc -l < out)" = 1 ] || fail "truncated video: its line is still printed"

# --- withdrawal applies to videos at once ---
expect_exit 0 "$WITHYOU" case withdraw V-v03
expect_exit 0 "$WITHYOU" match "$V/alt/trim/v03.mp4"
[ ! -s out ] || fail "a withdrawn video still matches: $(cat out)"

# --- display rotation: a phone video stored sideways plays upright, and matches as rotated ---
ffmpeg -v error -i "$V/alt/trim/v01.mp4" -c copy -metadata:s:v:0 rotate=90 rot.mp4 || fail "remux"
expect_exit 0 "$WITHYOU" hash rot.mp4
[ "$(cut -f5,6 out)" = "720	1280" ] || fail "rotated size: $(cat out)"
expect_exit 0 "$WITHYOU" match rot.mp4
awk -F'\t' '$4 == "V-v01" && ($3 == "rot90" || $3 == "rot270")' out | grep -q . \
  || fail "rotated video: $(cat out)"

# --- codecs and containers beyond the corpus's H.264 and VP9 (tiny synthetic clips) ---
src=(-f lavfi -i "testsrc2=size=160x90:rate=10:duration=2")
ff() { ffmpeg -nostdin -v error -y "${src[@]}" "$@" || fail "ffmpeg $*"; }
ff -c:v libx265 -x265-params log-level=none hevc.mp4
ff -c:v libvpx -b:v 200k vp8.webm
ff -c:v libaom-av1 -cpu-used 8 -b:v 100k av1.mkv
ff -c:v mpeg4 mpeg4.avi
ff -c:v mpeg2video mpeg2.ts
ff -c:v flv1 flv1.flv
ff -c:v h263 -s 176x144 h263.3gp
for f in hevc.mp4 vp8.webm av1.mkv mpeg4.avi mpeg2.ts flv1.flv h263.3gp; do
  expect_exit 0 "$WITHYOU" hash --format json "$f"
  [ "$(grep -o '"pdq"' out | wc -l)" = 2 ] || fail "$f: 2 samples expected: $(cut -c1-300 out)"
done
# Variable frame rate: 10 fps, then 30 fps from 2 s to 4 s, then 10 fps; samples stay on whole
# seconds because they follow timestamps, not frame counts.
ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=size=160x90:rate=30:duration=6" \
  -vf "select='not(mod(n\,3))+between(t\,2\,4)'" -vsync vfr -c:v libx264 vfr.mp4 || fail "vfr"
expect_exit 0 "$WITHYOU" hash --format json vfr.mp4
[ "$(grep -o '"t":[0-9.]*' out | tr '\n' ' ')" = '"t":0.000 "t":1.000 "t":2.000 "t":3.000 "t":4.000 "t":5.000 ' ] \
  || fail "vfr sample times: $(grep -o '"t":[0-9.]*' out | tr '\n' ' ')"
# --collapse: near-identical neighbours become one frame with a span.
expect_exit 0 "$WITHYOU" hash --format json --collapse 256 "$V/alt/trim/v01.mp4"
grep -q '"frames":\[{"t":0.000,"end":9.000,' out || fail "collapse: $(cut -c1-400 out)"
