#!/bin/sh
# install-deps.sh: installs the Debian 12 / Ubuntu packages trit needs to build and to run all its tests.
# As root it runs apt-get itself (a fresh image may have no sudo); any other user goes through sudo.
set -eu
# build: compiler, ninja, LLVM 19, libffi, xxHash
build="gcc ninja-build pkg-config llvm-19-dev libffi-dev libxxhash-dev"
# tests: the numpy reference (tests/ref), the fuzz target (clang), AArch64 AOT kernels under emulation
tests="python3-numpy clang-19 qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross"
if [ "$(id -u)" -eq 0 ]; then
	as_root=
elif command -v sudo >/dev/null 2>&1; then
	as_root=sudo
else
	echo "install-deps.sh: run this as root, or install sudo" >&2
	exit 1
fi
# env: sudo drops the caller's environment
$as_root env DEBIAN_FRONTEND=noninteractive apt-get update
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y $build $tests
