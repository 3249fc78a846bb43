/* cli.h: the trit subcommands; each takes argc/argv after the subcommand name and returns the
 * process exit status. */
#ifndef TRIT_CLI_H
#define TRIT_CLI_H

#include "include/trit.h"

int cmd_run(int argc, char **argv);
int cmd_chat(int argc, char **argv);
int cmd_perplexity(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_tune(int argc, char **argv);
int cmd_aot(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_kernel(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_mkmodel(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_cache(int argc, char **argv);
/* `trit bench --kernels`: per-kernel single-thread throughput vs measured bandwidth (cli/bench_kernels.c) */
int bench_kernels_main(int argc, char **argv);
/* the context every command works in: options from the environment, messages on stderr; dies on error
 * (cli/context.c) */
trit_ctx *cli_ctx(void);

#endif
