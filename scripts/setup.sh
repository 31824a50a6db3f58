#!/usr/bin/env bash
# setup.sh: install tiersplit's Debian 12 dependencies (idempotent, non-interactive) and build it
# in Release mode into build/. Everything comes from Debian's own packages.
#   scripts/setup.sh [--no-install] [--build-dir DIR] [--jobs N]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build_dir=$here/build
jobs=$(nproc)
install=1
while [ $# -gt 0 ]; do
  case "$1" in
    --no-install) install=0; shift ;;
    --build-dir) build_dir=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

# Build tools and libraries. libopenblas0-openmp matters: Debian's libtorch links the generic
# libblas.so.3, and without an optimised BLAS behind that alternative, linear layers (VGG
# classifiers, ViT) run 20-30x slower (measured: ViT-B/16 forward 17 s -> 0.7 s on one core).
packages=(
  build-essential cmake ninja-build pkg-config
  libtorch-dev libopenblas0-openmp
  libgloo-dev  # ProcessGroupGloo.hpp (PyTorch's c10d, in libtorch-dev) includes gloo's headers
  libsimgrid-dev
  nlohmann-json3-dev libeigen3-dev libcli11-dev doctest-dev libcpp-httplib-dev zlib1g-dev
  gnuplot-nox
  dataset-fashion-mnist
  swift swift-proxy swift-account swift-container swift-object memcached curl
  iproute2 util-linux
  slurm-wlm munge
  clang libclang-rt-14-dev
)

if [ "$install" = 1 ]; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "setup.sh: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get -o DPkg::Lock::Timeout=600 update -q
    $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"
  else
    echo "setup.sh: all Debian packages present"
  fi
fi

echo "setup.sh: building into $build_dir (Release, $jobs jobs)"
cmake -S "$here" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build_dir" -j "$jobs"
# The fuzz targets (clang, libFuzzer, sanitizers) in build-fuzz/, so that the test suite's short
# fuzz run does not build them first.
echo "setup.sh: building the fuzz targets (scripts/fuzz.sh --build-only)"
"$here/scripts/fuzz.sh" --build-only || [ $? = 77 ]
echo "setup.sh: done; the executable is $build_dir/cli/tiersplit"
