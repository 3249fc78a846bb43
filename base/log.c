#include <stdarg.h>
#include <stdio.h>

#include "base/log.h"

void log_to(const struct log_sink *s, int level, const char *fmt, ...)
{
	if (!s || !s->fn)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	s->fn(s->user, level, msg);
}
