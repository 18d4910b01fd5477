# The program explains itself: usage, per-command help with an example, usage errors exit 2.
expect_exit 0 "$WITHYOU" --help
grep -q "^  hash " out || fail "--help lists no hash command"
grep -q "^  compare " out || fail "--help lists no compare command"
grep -q "^  rekey " out || fail "--help lists no rekey command"
for cmd in hash compare match bench init rekey bank case help version; do
  expect_exit 0 "$WITHYOU" help "$cmd"
  grep -q "usage: withyou" out || fail "help $cmd has no usage line"
done
expect_exit 0 "$WITHYOU" help hash
grep -Eq "^examples?:" out || fail "help hash has no example"
expect_exit 2 "$WITHYOU"
expect_exit 2 "$WITHYOU" frobnicate
grep -q "unknown command 'frobnicate'" err || fail "no message for an unknown command"
expect_exit 2 "$WITHYOU" help frobnicate
expect_exit 2 "$WITHYOU" hash
expect_exit 2 "$WITHYOU" hash --format xml x.jpg
expect_exit 2 "$WITHYOU" hash --jobs 0 x.jpg
expect_exit 2 "$WITHYOU" hash --no-such-option x.jpg
expect_exit 0 "$WITHYOU" --version
grep -q "^withyou [0-9]" out || fail "--version prints no version"
expect_exit 2 "$WITHYOU" hash --fast-size 8 x.jpg
grep -q "fast-size: expected a number from 16 to 65535" err || fail "no message for a bad --fast-size"
# Commands with verbs refuse unknown ones with their usage.
expect_exit 2 "$WITHYOU" bank frobnicate
grep -q "usage: withyou bank create" err || fail "bank: no usage for an unknown verb"
expect_exit 2 "$WITHYOU" case frobnicate
grep -q "usage: withyou case new" err || fail "case: no usage for an unknown verb"
expect_exit 2 "$WITHYOU" case
expect_exit 2 "$WITHYOU" hash --interval 0 x.mp4
grep -q "interval: expected seconds" err || fail "no message for a bad --interval"
expect_exit 2 "$WITHYOU" hash --interval 1.0005 x.mp4
expect_exit 2 "$WITHYOU" hash --collapse 300 x.mp4
expect_exit 2 "$WITHYOU" match --format xml x.jpg
