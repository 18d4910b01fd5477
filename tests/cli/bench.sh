# The built-in benchmark runs and reports what it measured (speed itself is never asserted).
expect_exit 0 "$WITHYOU" bench hash --jobs 1 --repeat 2 "$SRC/samples/orig"
for key in files bytes seconds images_per_s decode_s hash_s kernels; do
  grep -q "\"$key\":" out || fail "bench output lacks $key: $(cat out)"
done
grep -q '"files":3,' out || fail "expected 3 files: $(cat out)"
grep -q '"failed":0' out || fail "bench failures: $(cat out)"
expect_exit 2 "$WITHYOU" bench frobnicate
