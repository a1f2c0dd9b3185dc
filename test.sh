#!/usr/bin/env bash
# Runs LinkDoctor's whole test suite from a bare Debian 12 machine that has the .NET SDK:
# installs the toolchains and reference tools the tests build fixtures with and compare against, then runs
# `dotnet test`. A warm run reuses fixtures cached by recipe hash in ~/.cache/linkdoctor/fixtures.
set -euo pipefail
cd "$(dirname "$0")"

# Never gcc-multilib: it conflicts with the cross compilers (see ../shared/TOOLCHAINS.md).
PACKAGES=(
  gcc libc6-dev zlib1g-dev binutils binutils-multiarch elfutils file
  musl-tools
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross
  gcc-i686-linux-gnu libc6-dev-i386-cross
  gcc-s390x-linux-gnu libc6-dev-s390x-cross
  llvm-14 clang-14 lld-14
  gcc-mingw-w64-x86-64 gcc-mingw-w64-i686 wine64 wine
  golang-go golang-github-mattn-go-sqlite3-dev libsqlite3-dev
  qemu-user patchelf pax-utils libtree python3-pyelftools
  hyperfine graphviz
  cmake openjdk-17-jdk-headless nodejs pkg-config
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "test.sh: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test LinkDoctor.slnx -c Release "$@" 2>&1 | tee "$log" || status=$?
# One plain closing line for CI: the totals over both test assemblies.
awk '/(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+/ {
       gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "Tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
