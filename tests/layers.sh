#!/bin/sh
# layers.sh: every #include "dir/file.h" in the product points down the stack (or within its own folder).
# The stack, lowest first; a folder may include its own files and those of any folder before it.
# cli/ is the exception at the top: it may use only the public header (include/) and base/.
src=${LAYERS_SRC:-${TRIT_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}}
stack="base ir kernel gen jit tune format tok runtime api"
rank() { i=0; for d in $stack include; do [ "$d" = "$1" ] && { echo $i; return; }; i=$((i + 1)); done; echo -1; }
include_rank=$(rank include)
# cli/ files allowed to reach below the public API: none (keep it that way)
not_yet_on_api=""
bad=0 checked=0 waived=0
for dir in $stack cli; do
	own=$(rank $dir)
	for f in "$src"/$dir/*.c "$src"/$dir/*.h; do
		[ -e "$f" ] || continue
		for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
			checked=$((checked + 1))
			case $inc in */*) ;; *) continue ;; esac   # config.h and same-folder includes
			to=${inc%%/*}
			[ "$to" = "$dir" ] && continue
			r=$(rank "$to")
			if [ "$dir" = cli ]; then
				case $to in base|include) continue ;; esac
				case " $not_yet_on_api " in *" ${f#$src/} "*) waived=$((waived + 1)); continue ;; esac
				echo "FAIL layers: ${f#$src/} includes $inc: cli/ uses only include/trit.h and base/"
				bad=$((bad + 1))
			elif [ "$r" -lt 0 ]; then
				echo "FAIL layers: ${f#$src/} includes $inc, which is not in the stack ($stack)"
				bad=$((bad + 1))
			elif [ "$r" -gt "$own" ] && ! { [ "$dir" = api ] && [ "$to" = include ]; }; then
				echo "FAIL layers: ${f#$src/} includes $inc: $to/ is above $dir/ in the stack ($stack)"
				bad=$((bad + 1))
			fi
		done
	done
done
echo "layers: $checked includes checked, $bad point the wrong way, $waived in cli/ files not yet on the API: $not_yet_on_api"
[ "$checked" -gt 100 ] || { echo "FAIL layers: found only $checked includes under $src"; exit 1; }
[ $bad -eq 0 ] && echo "PASS layers_point_down"

# the check itself must catch an include that points up: plant one in a copy and expect a failure
if [ -z "${LAYERS_SRC:-}" ]; then
	tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
	for d in $stack cli include; do [ -d "$src/$d" ] && cp -r "$src/$d" "$tmp/"; done
	printf '#include "runtime/model.h"\n' >>"$tmp/kernel/kinds.h"
	if LAYERS_SRC=$tmp sh "$0" | grep -q '^FAIL layers: kernel/kinds.h includes runtime/model.h'; then
		echo "PASS layers_catches_upward_include"
	else
		echo "FAIL layers_catches_upward_include"
	fi
fi
