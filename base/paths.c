#include <stdio.h>
#include <stdlib.h>

#include "base/paths.h"

const char *trit_cache_dir(void)
{
	static char buf[4096];
	const char *d = getenv("TRIT_CACHE_DIR"), *x = getenv("XDG_CACHE_HOME"), *h = getenv("HOME");
	if (d && *d)
		snprintf(buf, sizeof(buf), "%s", d);
	else if (x && *x)
		snprintf(buf, sizeof(buf), "%s/trit", x);
	else
		snprintf(buf, sizeof(buf), "%s/.cache/trit", h && *h ? h : "/tmp");
	return buf;
}
