#include <stdio.h>

#include "cli/cli.h"

/* NOT IMPLEMENTED YET: placeholder until the issue that owns 'trit perplexity' lands */
int cmd_perplexity(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "trit: 'perplexity' is not implemented in this version yet\n");
	return 1;
}
