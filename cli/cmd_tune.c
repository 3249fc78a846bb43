#include <stdio.h>

#include "cli/cli.h"

/* NOT IMPLEMENTED YET: placeholder until the issue that owns 'trit tune' lands */
int cmd_tune(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "trit: 'tune' is not implemented in this version yet\n");
	return 1;
}
