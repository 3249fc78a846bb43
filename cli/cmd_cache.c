#include <stdio.h>

#include "cli/cli.h"

/* NOT IMPLEMENTED YET: placeholder until the issue that owns 'trit cache' lands */
int cmd_cache(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "trit: 'cache' is not implemented in this version yet\n");
	return 1;
}
