#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"
#include "cli/cli.h"
#include "cli/run_common.h"

void run_opts_default(struct run_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->n_predict = -1;
	o->tile = 64;
	o->kernel = "auto";
	trit_sampler_params_default(&o->sp);
}


static int is_one_of(const char *a, const char **names)
{
	for (; *names; names++)
		if (!strcmp(a, *names))
			return 1;
	return 0;
}

static const char *need_value(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc)
		die("option '%s' needs a value", argv[*i]);
	return argv[++*i];
}

static long parse_long(const char *flag, const char *s, long lo, long hi)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		die("option '%s': '%s' is not an integer in [%ld, %ld]", flag, s, lo, hi);
	return v;
}

static float parse_float(const char *flag, const char *s)
{
	char *end;
	errno = 0;
	float v = strtof(s, &end);
	if (errno || end == s || *end || v != v)
		die("option '%s': '%s' is not a number", flag, s);
	return v;
}

int run_opts_parse_one(struct run_opts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
#define IS(...) is_one_of(a, (const char *[]){__VA_ARGS__, NULL})
	if (IS("-m", "--model"))
		o->model = need_value(argc, argv, i);
	else if (IS("-p", "--prompt"))
		o->prompt = need_value(argc, argv, i);
	else if (IS("-f", "--file"))
		o->prompt_file = need_value(argc, argv, i);
	else if (IS("-sys", "--system-prompt"))
		o->sys = need_value(argc, argv, i);
	else if (IS("--tokens"))
		o->tokens = need_value(argc, argv, i);
	else if (IS("--dump-logits"))
		o->dump_logits = need_value(argc, argv, i);
	else if (IS("-n", "--n-predict"))
		o->n_predict = (int)parse_long(a, need_value(argc, argv, i), -1, 1 << 30);
	else if (IS("-c", "--ctx-size"))
		o->n_ctx = (int)parse_long(a, need_value(argc, argv, i), 0, 1 << 24);
	else if (IS("-t", "--threads"))
		o->threads = (int)parse_long(a, need_value(argc, argv, i), 1, 1024);
	else if (IS("-ub", "--ubatch-size"))
		o->tile = (int)parse_long(a, need_value(argc, argv, i), 1, 4096);
	else if (IS("-s", "--seed"))
		o->sp.seed = parse_long(a, need_value(argc, argv, i), -1, 0x7fffffffL);
	else if (IS("--temp"))
		o->sp.temp = parse_float(a, need_value(argc, argv, i));
	else if (IS("--top-k"))
		o->sp.top_k = (int)parse_long(a, need_value(argc, argv, i), -1, 1 << 30);
	else if (IS("--top-p"))
		o->sp.top_p = parse_float(a, need_value(argc, argv, i));
	else if (IS("--min-p"))
		o->sp.min_p = parse_float(a, need_value(argc, argv, i));
	else if (IS("--repeat-penalty"))
		o->sp.repeat_penalty = parse_float(a, need_value(argc, argv, i));
	else if (IS("--repeat-last-n"))
		o->sp.repeat_last_n = (int)parse_long(a, need_value(argc, argv, i), -1, 1 << 24);
	else if (IS("--kernel")) {
		o->kernel = need_value(argc, argv, i); /* checked by trit_model_load */
	} else if (IS("--lm-head")) {
		const char *v = need_value(argc, argv, i);
		if (lm_head_parse(v, &o->lm_head_q8) < 0)
			die("option '--lm-head': unknown output layer type '%s' (expected file or q8)", v);
	} else if (IS("--cache-type-k", "-ctk", "--kv-type")) {
		const char *v = need_value(argc, argv, i);
		if (!strcmp(v, "f16"))
			o->kv_f32 = 0;
		else if (!strcmp(v, "f32"))
			o->kv_f32 = 1;
		else
			die("option '%s': unknown KV cache type '%s' (expected f16 or f32)", a, v);
	} else if (IS("--no-perf"))
		o->no_perf = 1;
	else if (IS("-cnv", "--conversation"))
		o->cnv = 1;
	else if (IS("--no-display-prompt"))
		o->no_display_prompt = 1;
	else if (IS("--ignore-eos"))
		o->ignore_eos = 1;
	else
		return 0;
#undef IS
	return 1;
}

int lm_head_parse(const char *s, int *q8)
{
	if (!strcmp(s, "file") || !strcmp(s, "q8")) {
		*q8 = !strcmp(s, "q8");
		return 0;
	}
	return -1;
}

void run_opts_help(FILE *f)
{
	fprintf(f,
	        "  -m, --model FILE         GGUF model (default: $TRIT_MODEL, else a tiny demo model)\n"
	        "  -p, --prompt TEXT        prompt\n"
	        "  -f, --file FILE          read the prompt from a file\n"
	        "  -n, --n-predict N        tokens to generate (default -1: until end of generation or full context)\n"
	        "  -c, --ctx-size N         context size (default 0: from the model)\n"
	        "  -t, --threads N          threads (default: physical cores)\n"
	        "  -s, --seed N             random seed (default -1: random, printed)\n"
	        "  --temp X                 temperature (default 0.8; 0 = greedy)\n"
	        "  --top-k N                top-k (default 40; 0 = off)\n"
	        "  --top-p X                top-p (default 0.95; 1 = off)\n"
	        "  --min-p X                min-p (default 0.05; 0 = off)\n"
	        "  --repeat-penalty X       repetition penalty (default 1.0 = off)\n"
	        "  --repeat-last-n N        tokens the penalty looks back over (default 64)\n"
	        "  --kernel KIND            auto, i2s, tl1, tl2 or ref (the portable reference kernels)\n"
	        "  --lm-head TYPE           output layer: file (its type in the file, default) or q8 (int8 rows)\n"
	        "  -ub, --ubatch-size N     prompt tokens per GEMM call (default 64)\n"
	        "  -ctk, --cache-type-k T   KV cache type: f16 (default) or f32\n"
	        "  -cnv, --conversation     chat mode (same as 'trit chat')\n"
	        "  -sys, --system-prompt T  system prompt for chat mode\n"
	        "  --no-perf                do not print timings at the end\n");
}

static int file_exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* the description of the demo model (the same shape as models/tiny.trit) */
static const char demo_desc[] = "model demo\narch bitnet-b1.58\ntokenizer gpt2\nvocab 512\nembd 256\nffn 768\n"
                                "layers 2\nheads 4\nkv_heads 2\nctx 256\nrope_theta 500000\nrms_eps 1e-05\n"
                                "tied true\nsub_norms true\nact relu2\n";

/* writes the demo model by running this program's own 'mkmodel' on demo_desc */
static void make_demo(const char *dir, const char *path)
{
	struct error e;
	if (mkdir_p(dir, &e) < 0)
		die("cannot create the cache directory: %s", e.msg);
	char desc[4300];
	snprintf(desc, sizeof(desc), "%s/demo.trit", dir);
	if (write_file_atomic(desc, demo_desc, sizeof(demo_desc) - 1, &e) < 0)
		die("%s", e.msg);
	fprintf(stderr, "trit: no model given (-m or $TRIT_MODEL): creating a tiny random demo model in %s\n", path);
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0)
			dup2(fd, 1);
		execl("/proc/self/exe", "trit", "mkmodel", desc, "--seed", "1", "-o", path, (char *)NULL);
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0 || !file_exists(path))
		die("could not create the demo model with 'trit mkmodel %s -o %s'; pass -m FILE", desc, path);
}

const char *run_model_path(const struct run_opts *o, trit_ctx *c)
{
	if (o->model)
		return o->model;
	const char *env = getenv("TRIT_MODEL");
	if (env && *env)
		return env;
	const char *dir = trit_ctx_cache_dir(c);
	if (!*dir)
		die("no model given: pass -m FILE");
	static char path[4200];
	snprintf(path, sizeof(path), "%s/demo.gguf", dir);
	if (!file_exists(path))
		make_demo(dir, path);
	else
		fprintf(stderr, "trit: no model given (-m or $TRIT_MODEL): using the tiny random demo model %s\n", path);
	return path;
}

static void progress_tty(void *user, int done, int total)
{
	(void)user;
	if (total <= 4)
		return;
	fprintf(stderr, done < total ? "\rtrit: loading layer %d/%d" : "\r\033[K", done, total);
}

void session_open(struct session *s, const struct run_opts *o, int need_tok)
{
	memset(s, 0, sizeof(*s));
	s->ctx = cli_ctx();
	const char *path = run_model_path(o, s->ctx);
	trit_model_options mo;
	trit_model_options_default(&mo);
	mo.kernel = o->kernel;
	mo.ubatch = o->tile;
	mo.lm_head_q8 = o->lm_head_q8;
	if (isatty(2))
		mo.progress = progress_tty;
	trit_error err;
	double t0 = now_seconds();
	if (!(s->model = trit_model_load(s->ctx, path, &mo, &err))) {
		if (mo.progress)
			fprintf(stderr, "\r\033[K"); /* the progress line */
		die("%s", err.msg);
	}
	if (need_tok && !trit_model_has_tokenizer(s->model, &err))
		die("%s: %s", path, err.msg);
	trit_session_options so;
	trit_session_options_default(&so);
	so.n_ctx = o->n_ctx;
	so.n_threads = o->threads;
	so.kv_f32 = o->kv_f32;
	if (!(s->sess = trit_session_new(s->model, &so, &err)))
		die("%s", err.msg);
	s->n_vocab = trit_model_n_vocab(s->model);
	s->n_ctx = trit_session_n_ctx(s->sess);
	s->load_seconds = now_seconds() - t0;
}

void session_close(struct session *s)
{
	trit_session_free(s->sess);
	trit_model_free(s->model);
	trit_ctx_finish(s->ctx);
}

char *run_read_prompt(const struct run_opts *o, size_t *len)
{
	if (o->prompt) {
		*len = strlen(o->prompt);
		return xstrdup(o->prompt);
	}
	if (o->prompt_file) {
		struct error e;
		char *t = read_file(o->prompt_file, len, &e);
		if (!t)
			die("%s", e.msg);
		return t;
	}
	return NULL;
}

int32_t *run_parse_tokens(const char *list, int *n)
{
	int cap = 16, cnt = 0;
	int32_t *ids = xmalloc((size_t)cap * sizeof(int32_t));
	const char *p = list;
	while (*p) {
		char *end;
		errno = 0;
		long v = strtol(p, &end, 10);
		if (end == p || errno || v < 0 || v > 0x7fffffffL || (*end && *end != ','))
			die("--tokens: expected comma-separated token ids, got '%s'", list);
		if (cnt == cap)
			ids = xrealloc(ids, (size_t)(cap *= 2) * sizeof(int32_t));
		ids[cnt++] = (int32_t)v;
		p = *end ? end + 1 : end;
	}
	if (!cnt)
		die("--tokens: the list is empty");
	*n = cnt;
	return ids;
}

int32_t *run_tokenize(const struct session *s, const char *text, size_t len, int add_bos, int parse_special, int *n)
{
	trit_error err;
	int cap = (int)MIN(len + 8, (size_t)1 << 30);
	int32_t *ids = xmalloc((size_t)cap * sizeof(int32_t));
	int got = trit_tokenize(s->model, text, len, add_bos, parse_special, ids, cap, &err);
	if (got > cap) { /* cannot happen for the tokenizers trit has (at most one token per byte, plus BOS) */
		ids = xrealloc(ids, (size_t)got * sizeof(int32_t));
		got = trit_tokenize(s->model, text, len, add_bos, parse_special, ids, got, &err);
	}
	if (got < 0)
		die("%s", err.msg);
	*n = got;
	return ids;
}

/* runs n tokens of sequence 0; dies on error */
static void decode_or_die(struct session *s, const int32_t *ids, int n, float *logits, int all)
{
	int8_t *want = NULL;
	if (all && logits) {
		want = xmalloc((size_t)n);
		memset(want, 1, (size_t)n);
	}
	trit_batch b = {.n = n, .tokens = ids, .logits = want};
	trit_error err;
	int rc = trit_decode(s->sess, &b, logits, &err);
	free(want);
	if (rc < 0)
		die("%s", err.msg);
}

int run_generate(struct session *s, trit_sampler *smp, float *logits, int n_predict, int ignore_eos, int feed_eog,
                 FILE *out)
{
	trit_detok *dec = trit_detok_new(s->model);
	int n = 0;
	double t0 = now_seconds();
	while (n_predict < 0 || n < n_predict) {
		if (trit_seq_len(s->sess, 0) >= s->n_ctx) {
			fflush(out);
			fprintf(stderr, "\ntrit: the context is full (%d tokens); stopping\n", s->n_ctx);
			break;
		}
		int32_t id = trit_sampler_sample(smp, logits);
		int eog = trit_token_is_eog(s->model, id);
		if (eog && !ignore_eos) {
			if (feed_eog)
				decode_or_die(s, &id, 1, logits, 0);
			break;
		}
		trit_sampler_accept(smp, id);
		size_t len;
		const char *piece = trit_detok_push(dec, id, &len);
		if (len)
			fwrite(piece, 1, len, out);
		fflush(out);
		n++;
		decode_or_die(s, &id, 1, logits, 0);
	}
	size_t len;
	const char *rest = trit_detok_flush(dec, &len);
	if (len)
		fwrite(rest, 1, len, out);
	fflush(out);
	trit_detok_free(dec);
	s->t_gen += now_seconds() - t0;
	s->n_gen += n;
	return n;
}

void run_print_perf(const struct session *s)
{
	fprintf(stderr, "\ntrit: load time %.2f s\n", s->load_seconds);
	if (s->n_prompt)
		fprintf(stderr, "trit: prompt     %ld tokens in %.3f s = %.2f tokens/s\n", s->n_prompt, s->t_prompt,
		        s->t_prompt > 0 ? (double)s->n_prompt / s->t_prompt : 0.0);
	if (s->n_gen)
		fprintf(stderr, "trit: generation %ld tokens in %.3f s = %.2f tokens/s\n", s->n_gen, s->t_gen,
		        s->t_gen > 0 ? (double)s->n_gen / s->t_gen : 0.0);
}

void run_prefill(struct session *s, const int32_t *ids, int n, float *logits, int all)
{
	double t0 = now_seconds();
	decode_or_die(s, ids, n, logits, all);
	s->t_prompt += now_seconds() - t0;
	s->n_prompt += n;
}

int run_opts_parse_all(struct run_opts *o, int argc, char **argv, const char *cmd, void (*usage)(FILE *))
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 1;
		}
		if (!run_opts_parse_one(o, argc, argv, &i))
			die("%s: unknown option '%s' (see 'trit %s --help')", cmd, argv[i], cmd);
	}
	return 0;
}
