#!/bin/sh
# install.sh BUILDDIR SRCDIR PREFIX: `ninja install` copies the CLI, the libraries, the public header and
# trit.pc under $DESTDIR$PREFIX (bin/, lib/, include/, lib/pkgconfig/).
set -eu
build=$1 src=$2 prefix=$3
root=${DESTDIR:-}$prefix
install -d "$root/bin" "$root/lib/pkgconfig" "$root/include"
install -m 755 "$build/trit" "$root/bin/trit"
install -m 644 "$build/libtrit.a" "$root/lib/libtrit.a"
install -m 755 "$build/libtrit.so.0" "$root/lib/libtrit.so.0"
ln -sf libtrit.so.0 "$root/lib/libtrit.so"
install -m 644 "$src/include/trit.h" "$root/include/trit.h"
install -m 644 "$build/trit.pc" "$root/lib/pkgconfig/trit.pc"
echo "installed trit in $root"
