#!/bin/sh
# configure: refuses old LLVM, unknown options and missing dependencies with a clear line naming
# the Debian package; writes config.h/build.ninja into the chosen build directory.
src=${TRIT_SRCDIR:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

expect_fail() { # name, expected text, configure args...
	name=$1 want=$2
	shift 2
	if (cd "$src" && ./configure "$@") >"$tmp/out" 2>&1; then
		fail "$name" "configure succeeded"
	elif grep -q -- "$want" "$tmp/out"; then
		pass "$name"
	else
		fail "$name" "message lacks '$want': $(cat "$tmp/out")"
	fi
}

expect_fail unknown_option "unknown option '--frobnicate'" --builddir="$tmp/b0" --frobnicate

if command -v llvm-config-14 >/dev/null 2>&1; then
	expect_fail old_llvm_refused "LLVM 14.* is too old" --builddir="$tmp/b1" --llvm-config=llvm-config-14
else
	printf '#!/bin/sh\necho 14.0.6\n' >"$tmp/llvm-config-old" && chmod +x "$tmp/llvm-config-old"
	expect_fail old_llvm_refused "LLVM 14.0.6 is too old" --builddir="$tmp/b1" --llvm-config="$tmp/llvm-config-old"
fi

# a pkg-config that knows no library: both libraries are named with their packages
mkdir -p "$tmp/bin"
printf '#!/bin/sh\nexit 1\n' >"$tmp/bin/pkg-config" && chmod +x "$tmp/bin/pkg-config"
PATH="$tmp/bin:$PATH" expect_fail missing_libffi "libffi (Debian package: libffi-dev)" --builddir="$tmp/b2"
PATH="$tmp/bin:$PATH" expect_fail missing_xxhash "libxxhash (Debian package: libxxhash-dev)" --builddir="$tmp/b2"

if (cd "$src" && ./configure --builddir="$tmp/b3" --without-llvm) >"$tmp/out" 2>&1 &&
	grep -q 'define TRIT_HAVE_LLVM 0' "$tmp/b3/config.h" && [ -f "$tmp/b3/build.ninja" ] &&
	! grep -q 'obj/jit/jit.o' "$tmp/b3/build.ninja" && ! grep -q 'obj/gen/emit.o' "$tmp/b3/build.ninja"; then
	pass without_llvm_writes_config
else
	fail without_llvm_writes_config "$(cat "$tmp/out")"
fi

# re-configuring with the same options leaves config.h untouched (no needless rebuilds)
before=$(stat -c %Y "$tmp/b3/config.h")
sleep 1
(cd "$src" && ./configure --builddir="$tmp/b3" --without-llvm) >/dev/null 2>&1
[ "$(stat -c %Y "$tmp/b3/config.h")" = "$before" ] && pass reconfigure_keeps_config_h || fail reconfigure_keeps_config_h "config.h was rewritten"

[ $fails -eq 0 ]
