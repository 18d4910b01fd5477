# withyou compare on the bundled samples: the README's main job. Every altered copy matches its
# own original, the border, the crop and the rotation by 5 degrees through views (the copy
# without its border or turned back, the original's centred crops); the distractors do not.
ln -s "$SRC/samples" samples
expect_exit 0 "$WITHYOU" compare --header samples/orig samples/alt samples/distractors
head -1 out | grep -q "^candidate	distance	variant	original	match" || fail "bad header"
check() { # candidate expected-original yes|no
  local line
  line=$(awk -F'\t' -v c="$1" '$1==c' out)
  [ -n "$line" ] || fail "no line for $1"
  [ "$(cut -f5 <<<"$line")" = "$3" ] || fail "$1: expected match=$3, got: $line"
  if [ "$3" = yes ]; then [ "$(cut -f4 <<<"$line")" = "$2" ] || fail "$1 matched the wrong original: $line"; fi
}
for f in samples/alt/flip_h/0039.jpg samples/alt/jpeg_q30/0039.jpg samples/alt/resize25/0039.jpg \
         samples/alt/watermark/0039.jpg; do check "$f" samples/orig/0039.jpg yes; done
for f in samples/alt/jpeg_q10/0058.jpg samples/alt/contrast/0058.jpg samples/alt/resize25/0058.jpg; do
  check "$f" samples/orig/0058.jpg yes
done
check samples/alt/webp/0077.webp samples/orig/0077.jpg yes
check samples/alt/border/0039.jpg samples/orig/0039.jpg yes
check samples/alt/crop15/0077.jpg samples/orig/0077.jpg yes
check samples/alt/rotate5/0058.jpg samples/orig/0058.jpg yes
check samples/alt/rotate180/0077.jpg samples/orig/0077.jpg yes
[ "$(awk -F'\t' '$1=="samples/alt/rotate180/0077.jpg"{print $3}' out)" = rot180 ] || fail "rotate180 not found as rot180"
for f in samples/distractors/*.jpg; do check "$f" - no; done
expect_exit 2 "$WITHYOU" compare samples/orig
