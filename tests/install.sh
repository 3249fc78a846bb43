#!/bin/sh
# install.sh: `ninja install` into a DESTDIR puts bin/trit, lib/libtrit.{a,so}, include/trit.h and
# lib/pkgconfig/trit.pc there; examples/generate.c builds against that tree with pkg-config alone and
# generates, for two prompts decoded together, the same greedy text as `trit run` for each prompt.
# The libraries hold no CLI code, and libtrit.so exports only trit_* symbols.
src=${TRIT_SRCDIR:?} build=$(dirname "${TRIT:?}")
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
fails=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }

prefix=$(sed -n 's/^#define TRIT_PREFIX "\(.*\)"/\1/p' "$build/config.h")
# what `ninja install` runs (not ninja itself: this test runs inside the build's own ninja)
grep -q "command = sh .*/install.sh $build .* \"$prefix\"" "$build/build.ninja" || fail ninja_install_rule "no install rule"
DESTDIR=$tmp/dest sh "$src/install.sh" "$build" "$src" "$prefix" >"$tmp/log" 2>&1 ||
	{ fail install "$(tail -n 5 "$tmp/log")"; exit 1; }
root=$tmp/dest$prefix
missing=
for f in bin/trit lib/libtrit.a lib/libtrit.so lib/libtrit.so.0 include/trit.h lib/pkgconfig/trit.pc; do
	[ -e "$root/$f" ] || missing="$missing $f"
done
[ -z "$missing" ] && pass install_tree || fail install_tree "missing:$missing"

if nm "$root/lib/libtrit.a" 2>/dev/null | grep -q -e ' T cmd_run$' -e ' T main$' -e ' T bench_kernels_main$'; then
	fail library_has_no_cli "libtrit.a defines CLI symbols"
else
	pass library_has_no_cli
fi
other=$(nm -D --defined-only "$root/lib/libtrit.so.0" | awk '{print $3}' | grep -v '^trit_' | head -n 3)
n=$(nm -D --defined-only "$root/lib/libtrit.so.0" | grep -c ' T trit_')
[ -z "$other" ] && [ "$n" -gt 30 ] && pass shared_library_exports_the_api_only ||
	fail shared_library_exports_the_api_only "other symbols: $other; trit_ functions: $n"

export PKG_CONFIG_PATH=$root/lib/pkgconfig
flags=$(pkg-config --define-variable=prefix="$root" --cflags --libs trit 2>"$tmp/err")
case $flags in *"-I$root/include"*"-ltrit"*) pass pkg_config_flags ;; *) fail pkg_config_flags "'$flags' $(cat "$tmp/err")" ;; esac
# a sanitizer build's library needs the sanitizer runtime in the program too
san=
grep -q '^#define TRIT_SANITIZE 1' "$build/config.h" && san="-fsanitize=address,undefined"
# shellcheck disable=SC2086
if cc -std=c17 -Wall -Wextra -Werror $san "$src/examples/generate.c" $flags -o "$tmp/generate" 2>"$tmp/err"; then
	pass example_builds_with_pkg_config
else
	fail example_builds_with_pkg_config "$(head -n 5 "$tmp/err")"
	exit 1
fi

"$TRIT" mkmodel "$src/models/tiny.trit" --seed 3 -o "$tmp/m.gguf" >/dev/null 2>&1 || { fail mkmodel "mkmodel failed"; exit 1; }
p1="Once upon a time" p2="The capital of France is"
LD_LIBRARY_PATH=$root/lib "$tmp/generate" "$tmp/m.gguf" 8 "$p1" "$p2" >"$tmp/ex" 2>"$tmp/err" ||
	fail example_runs "$(cat "$tmp/err")"
for p in "$p1" "$p2"; do
	"$root/bin/trit" run -m "$tmp/m.gguf" -p "$p" -n 8 --temp 0 --no-display-prompt --no-perf 2>/dev/null
done >"$tmp/cli"
[ -s "$tmp/ex" ] && cmp -s "$tmp/ex" "$tmp/cli" && pass example_batched_equals_cli_runs ||
	fail example_batched_equals_cli_runs "example: $(od -c "$tmp/ex" | head -n 2) cli: $(od -c "$tmp/cli" | head -n 2)"
LD_LIBRARY_PATH=$root/lib "$tmp/generate" "$tmp/nonexistent.gguf" 4 x >/dev/null 2>"$tmp/err"
[ $? -ne 0 ] && grep -q "cannot open model" "$tmp/err" && pass example_reports_errors ||
	fail example_reports_errors "$(cat "$tmp/err")"
[ $fails -eq 0 ]
