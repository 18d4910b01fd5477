# The built-in benchmark runs and reports what it measured (speed itself is never asserted).
expect_exit 0 "$WITHYOU" bench hash --jobs 1 --repeat 2 "$SRC/samples/orig"
for key in files bytes seconds images_per_s decode_s hash_s kernels; do
  grep -q "\"$key\":" out || fail "bench output lacks $key: $(cat out)"
done
grep -q '"files":3,' out || fail "expected 3 files: $(cat out)"
grep -q '"failed":0' out || fail "bench failures: $(cat out)"
expect_exit 2 "$WITHYOU" bench frobnicate
# bench index: every planted neighbour is found and no hit lies beyond the radius, whichever
# structure answers.
for mode in "" --dihedral "--index mih" "--index flat --dihedral" "--index mih --dihedral"; do
  # shellcheck disable=SC2086
  expect_exit 0 "$WITHYOU" bench index --n 5000 --queries 64 --radius 40 --threads 2 $mode --seed 7
  for key in n queries radius threads dihedral kernels build_s bytes_per_hash queries_per_s; do
    grep -q "\"$key\":" out || fail "bench index output lacks $key: $(cat out)"
  done
  grep -q '"recall":1.000000,' out || fail "bench index recall below 1: $(cat out)"
  grep -q '"false_hits":0}' out || fail "bench index false hits: $(cat out)"
  case $mode in
  *mih*) grep -q '"index":"mih"' out || fail "bench index ignored --index mih: $(cat out)" ;;
  esac
done
expect_exit 2 "$WITHYOU" bench index --batch 9
expect_exit 2 "$WITHYOU" bench index --index hnsw
grep -q "expected auto, flat or mih" err || fail "no reason for a bad --index: $(cat err)"
