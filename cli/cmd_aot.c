#include <stdio.h>

#include "cli/cli.h"

/* NOT IMPLEMENTED YET: placeholder until the issue that owns 'trit aot' lands */
int cmd_aot(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "trit: 'aot' is not implemented in this version yet\n");
	return 1;
}
