# Bad input gets "path: reason" on stderr, the rest is still hashed, exit status 1; never a crash.
good="$SHARED/corpus/orig/0002.jpg"
mkdir -p mixed/sub
cp "$good" mixed/a.jpg
cp "$SHARED/corpus/alt/png/0001.png" mixed/sub/b.png
: > mixed/empty.jpg
head -c 20000 "$good" > mixed/truncated.jpg
echo "not a picture" > mixed/notes.txt
"$MKBAD" png-bomb mixed/bomb.png
"$MKBAD" png-lying mixed/lying.png
"$MKBAD" png-crc mixed/crc.png
"$MKBAD" gif-bomb mixed/bomb.gif

expect_exit 1 "$WITHYOU" hash --jobs 2 mixed
[ "$(wc -l < out)" = 2 ] || { cat out err; fail "expected the 2 good files on stdout"; }
[ "$(cut -f7 out | tr '\n' ' ')" = "mixed/a.jpg mixed/sub/b.png " ] || fail "wrong files or order: $(cut -f7 out)"
grep -q "^mixed/empty.jpg: empty file$" err || fail "empty file not reported: $(cat err)"
grep -q "^mixed/truncated.jpg: JPEG: .*truncated" err || fail "truncated JPEG not reported"
grep -q "^mixed/notes.txt: not a recognised image format$" err || fail "text file not reported"
grep -q "^mixed/bomb.png: PNG: .*100000x100000" err || fail "PNG bomb not reported: $(grep bomb.png err)"
grep -q "^mixed/bomb.gif: GIF: " err || fail "GIF bomb not reported: $(grep bomb.gif err)"
grep -q "^mixed/lying.png: PNG: " err || fail "lying PNG not reported"
grep -q "^mixed/crc.png: PNG: " err || fail "bad CRC not reported"
[ "$(wc -l < err)" = 7 ] || fail "expected 7 error lines, got: $(cat err)"

# A missing file and a directory given as a file list entry.
expect_exit 1 "$WITHYOU" hash does-not-exist.jpg "$good"
grep -q "^does-not-exist.jpg: No such file or directory$" err || fail "missing file: $(cat err)"
[ "$(wc -l < out)" = 1 ] || fail "the good file was not hashed"

# Limits are options.
expect_exit 1 "$WITHYOU" hash --max-pixels 1000 "$good"
grep -q "limit 1000 pixels" err || fail "--max-pixels not applied: $(cat err)"
expect_exit 1 "$WITHYOU" hash --max-file-size 100 "$good"
grep -q "limit 100" err || fail "--max-file-size not applied: $(cat err)"

# Animations: the first frame is hashed (a 1x1 picture hashes to zero with quality 0, as in the
# reference); --max-frames is validated.
"$MKBAD" gif-anim anim.gif
expect_exit 0 "$WITHYOU" hash --max-frames 1 anim.gif
[ "$(cut -f1,2,5,6 out)" = "$(printf '%064d\t0\t1\t1' 0)" ] || fail "animated GIF: $(cat out)"
expect_exit 2 "$WITHYOU" hash --max-frames 0 anim.gif
