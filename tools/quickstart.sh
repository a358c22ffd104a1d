#!/usr/bin/env bash
# Set-up and entry point for the README's quick start (run as root on Debian 12).
#   tools/quickstart.sh demo       install what is missing, build, run the main job on the bundled default
#   tools/quickstart.sh test       install what is missing, build, run the whole test suite
#   tools/quickstart.sh sanitize   the test suite under ASan/UBSan (separate build folder)
#   tools/quickstart.sh bench      build and run the benchmarks (Release, -march=native)
set -euo pipefail

mode=${1:-demo}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)

packages=(build-essential cmake ninja-build pkg-config libtbb-dev libxsimd-dev xtl-dev libhdf5-dev
          libgtest-dev libbenchmark-dev libcli11-dev nlohmann-json3-dev libsodium-dev libgf2x-dev)

install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "quickstart: installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build() {  # build <dir> [cmake args...]
  local dir=$1; shift
  cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
}

install_missing
case "$mode" in
  demo)
    build "$root/build"
    mkdir -p "$root/datasets/demo"
    "$root/build/tools/qkdpp" --version
    "$root/build/tools/qkdpp" simulate --bits 2^24 --qber 0.03,0.06@0.5 --seed 2026 \
      -o "$root/datasets/demo/raw_demo.h5"
    ;;
  test)
    build "$root/build"
    ctest --test-dir "$root/build" -j "$jobs" --output-on-failure
    ;;
  sanitize)
    build "$root/build-asan" -DQKDPP_SANITIZE=ON -DQKDPP_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      ctest --test-dir "$root/build-asan" -j "$jobs" --output-on-failure
    ;;
  bench)
    build "$root/build-native" -DQKDPP_NATIVE=ON -DQKDPP_BUILD_TESTS=OFF
    for b in "$root"/build-native/bench/*_bench; do "$b"; done
    ;;
  *)
    echo "usage: $0 {demo|test|sanitize|bench}" >&2
    exit 2
    ;;
esac
