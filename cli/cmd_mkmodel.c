#include <stdio.h>

#include "cli/cli.h"

/* NOT IMPLEMENTED YET: placeholder until the issue that owns 'trit mkmodel' lands */
int cmd_mkmodel(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "trit: 'mkmodel' is not implemented in this version yet\n");
	return 1;
}
