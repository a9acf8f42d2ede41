#!/usr/bin/env bash
# Installs everything copi needs to build and test, from Debian 12's own packages.
# Run as root (or with sudo). Safe to run again: apt-get skips what is installed.
set -euo pipefail
packages=(
  cmake make g++
  libboost-dev libboost-graph-dev    # Boost.Graph (interaction graphs)
  libeigen3-dev                      # Eigen 3.4
  libtbb-dev                         # oneTBB
  libgtest-dev libbenchmark-dev      # GoogleTest, Google Benchmark
  libcli11-dev nlohmann-json3-dev    # command line, JSON output
  libhwy-dev                         # Google Highway: SIMD exp with run-time dispatch
  libnlopt-cxx-dev                   # NLopt (L-BFGS for inverse RL)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
