/* spec_words.h: a kernel spec given as several command-line words (trit gen, trit kernel) */
#ifndef TRIT_CLI_SPEC_WORDS_H
#define TRIT_CLI_SPEC_WORDS_H

#include <stddef.h>

/* appends one word to buf (space-separated); -1 when it would not fit */
int cli_spec_append(char *buf, size_t len, const char *word);

#endif
