/* run_common.h: what `trit run`, `chat`, `perplexity` and `bench` share: llama.cpp-style option
 * parsing, finding the model (-m, $TRIT_MODEL, or the demo model in the cache directory), and
 * opening a context, model and session together through include/trit.h. */
#ifndef TRIT_RUN_COMMON_H
#define TRIT_RUN_COMMON_H

#include <stdio.h>

#include "include/trit.h"

struct run_opts {
	const char *model;
	const char *prompt;      /* -p */
	const char *prompt_file; /* -f */
	const char *sys;         /* -sys */
	const char *tokens;      /* --tokens 1,2,3 */
	const char *dump_logits; /* --dump-logits FILE */
	int n_predict;           /* -n, -1 = until EOG or context full */
	int n_ctx;               /* -c, 0 = from the model */
	int threads;             /* -t, 0 = physical cores */
	int tile;                /* --ubatch: tokens per GEMM call */
	int no_perf, cnv, kv_f32, no_display_prompt, ignore_eos;
	int lm_head_q8;          /* --lm-head q8 */
	const char *kernel;      /* --kernel */
	trit_sampler_params sp;
};

/* the context, model and session every generating command works on, with its timings */
struct session {
	trit_ctx *ctx;
	trit_model *model;
	trit_session *sess;
	int n_vocab, n_ctx;
	double load_seconds;
	double t_prompt, t_gen;
	long n_prompt, n_gen;
};

/* llama.cpp defaults */
void run_opts_default(struct run_opts *o);
/* parses one option at argv[*i] (advancing *i past its value); 1 when it was one of ours, 0 when
 * unknown; dies on a missing or malformed value */
int run_opts_parse_one(struct run_opts *o, int argc, char **argv, int *i);
/* parses a whole command line of shared options; prints usage and returns 1 on -h/--help, dies
 * naming cmd on an unknown option, else returns 0 */
int run_opts_parse_all(struct run_opts *o, int argc, char **argv, const char *cmd, void (*usage)(FILE *));
/* parses an --lm-head value: "file" (*q8 = 0) or "q8" (*q8 = 1); -1 when unknown */
int lm_head_parse(const char *s, int *q8);
/* the help text of the shared options */
void run_opts_help(FILE *f);
/* the model path: -m, else $TRIT_MODEL, else the demo model in c's cache (created on first use, with a note) */
const char *run_model_path(const struct run_opts *o, trit_ctx *c);
/* opens the context, model (need_tok: its tokenizer is required) and a session; dies with one line on error */
void session_open(struct session *s, const struct run_opts *o, int need_tok);
/* frees it */
void session_close(struct session *s);
/* reads the prompt (-p or -f) into a malloc'd buffer of *len bytes; NULL when neither is given */
char *run_read_prompt(const struct run_opts *o, size_t *len);
/* parses "1,2,3" into malloc'd ids; dies on a malformed list */
int32_t *run_parse_tokens(const char *list, int *n);
/* tokenizes text into malloc'd ids (*n of them); dies on error */
int32_t *run_tokenize(const struct session *s, const char *text, size_t len, int add_bos, int parse_special, int *n);

/* samples and streams up to n_predict tokens (-1: no limit) starting from logits[n_vocab] of the
 * last fed token; stops at end of generation (feeding the EOG token into the cache when feed_eog)
 * or a full context; returns the number of tokens generated */
int run_generate(struct session *s, trit_sampler *smp, float *logits, int n_predict, int ignore_eos, int feed_eog,
                 FILE *out);
/* runs tokens through the model (batched), timing them as prompt; logits of every token when all,
 * else of the last one (logits NULL: none); dies on error */
void run_prefill(struct session *s, const int32_t *ids, int n, float *logits, int all);
/* load time, prompt and generation tokens/s on stderr */
void run_print_perf(const struct session *s);

#endif
