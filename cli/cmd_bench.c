#include <stdio.h>

#include "cli/cli.h"

/* NOT IMPLEMENTED YET: placeholder until the issue that owns 'trit bench' lands */
int cmd_bench(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "trit: 'bench' is not implemented in this version yet\n");
	return 1;
}
