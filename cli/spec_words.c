#include <stdio.h>
#include <string.h>

#include "cli/spec_words.h"

int cli_spec_append(char *buf, size_t len, const char *word)
{
	size_t l = strlen(buf);
	if (l + strlen(word) + 2 > len)
		return -1;
	snprintf(buf + l, len - l, "%s%s", l ? " " : "", word);
	return 0;
}
