#!/usr/bin/env bash
# install-deps.sh: installs every build and test dependency of withyou from Debian's packages.
# Safe to run again; uses sudo when not root. Set WY_DEPS_EXTRA to add packages.
set -euo pipefail
packages=(
  build-essential cmake pkg-config git
  libjpeg62-turbo-dev libspng-dev libwebp-dev libgif-dev libheif-dev libtiff-dev
  libssl-dev libjansson-dev libcmocka-dev libsqlite3-dev libsodium-dev
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev ffmpeg
  clang-14 libclang-rt-14-dev clang-format-14
  libfaiss-dev # bench/bench_faiss.cpp only (libblas-dev, liblapack-dev come with it)
)
# shellcheck disable=SC2206
packages+=(${WY_DEPS_EXTRA:-})
run() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  run apt-get update -qq
  run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
