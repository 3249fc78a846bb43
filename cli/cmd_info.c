#include <stdio.h>

#include "cli/cli.h"

/* NOT IMPLEMENTED YET: placeholder until the issue that owns 'trit info' lands */
int cmd_info(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "trit: 'info' is not implemented in this version yet\n");
	return 1;
}
