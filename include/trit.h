/* trit.h: the public C API of trit, a toolchain that runs ternary (1.58-bit) language models with
 * kernels generated for the exact shapes and CPU.
 *
 * A program makes one context (trit_ctx: cache directory, CPU, the shared JIT, log), loads models in
 * it (trit_model: weights, read-only, shared by any number of sessions and threads), and decodes in
 * sessions (trit_session: a KV cache for n_seq sequences and the working buffers; one thread at a time
 * per session). Every function that can fail returns a negative trit_status (or NULL) and, when err
 * is not NULL, fills it with one line naming the thing and what to do. The library never exits and
 * never prints: messages go to the context's log callback.
 *
 * Build against it with `pkg-config --cflags --libs trit`. */
#ifndef TRIT_H
#define TRIT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TRIT_API_VERSION 1

typedef struct trit_ctx trit_ctx;
typedef struct trit_model trit_model;
typedef struct trit_session trit_session;
typedef struct trit_sampler trit_sampler;

enum trit_status {
	TRIT_OK = 0,
	TRIT_ERR_ARG = -1,          /* a bad argument: out of range, NULL, unknown name */
	TRIT_ERR_IO = -2,           /* a file could not be read or written */
	TRIT_ERR_FORMAT = -3,       /* a file is malformed or of an unsupported kind */
	TRIT_ERR_CONTEXT_FULL = -4, /* a sequence has no room left: truncate it or use a larger n_ctx */
	TRIT_ERR_UNSUPPORTED = -5,  /* a feature this build or this machine does not have */
};

typedef struct trit_error {
	int code;      /* a trit_status */
	char msg[512]; /* one line, no trailing newline */
} trit_error;

enum trit_log_level { TRIT_LOG_ERROR, TRIT_LOG_WARN, TRIT_LOG_INFO, TRIT_LOG_DEBUG };

/* ---- context ---- */

typedef struct trit_ctx_options {
	const char *cache_dir;   /* compiled kernels and tuning records; NULL = compile in memory, no tuning */
	const char *cpu_disable; /* comma-separated CPU features to treat as absent ("avx512vnni,amx"), or NULL */
	int no_jit;              /* never compile kernels: AOT or reference kernels only */
	int no_fuse;             /* keep q/k/v and gate/up as separate matrices */
	int no_tune;             /* ignore `trit tune` records */
	int verbose;             /* log each kernel compiled or loaded */
	void (*log)(void *user, int level, const char *msg); /* NULL = messages are dropped */
	void *log_user;
} trit_ctx_options;

/* no cache directory, no overrides, no log */
void trit_ctx_options_default(trit_ctx_options *o);
/* the options the trit CLI uses, from the environment: TRIT_CACHE_DIR (else $XDG_CACHE_HOME/trit, else
 * ~/.cache/trit), TRIT_CPU_DISABLE, TRIT_NO_JIT, TRIT_NO_FUSE, TRIT_NO_TUNE, TRIT_VERBOSE. The strings
 * point into the environment or a static buffer. This is the only place the library reads it. */
void trit_ctx_options_from_env(trit_ctx_options *o);
/* a context; NULL with err filled when o is unusable */
trit_ctx *trit_ctx_init(const trit_ctx_options *o, trit_error *err);
/* frees the context; every model loaded in it must be freed first */
void trit_ctx_finish(trit_ctx *c);
/* the context's cache directory ("" when none) */
const char *trit_ctx_cache_dir(const trit_ctx *c);
/* the library's version, "0.1.0" */
const char *trit_version(void);

/* ---- models ---- */

typedef struct trit_model_options {
	const char *kernel; /* "auto" (default), "i2s", "tl1", "tl2" or "ref" (the portable reference kernels) */
	int ubatch;         /* tokens per GEMM call in prefill, default 64 */
	int lm_head_q8;     /* 1: the output layer as int8 rows (half the bytes of an F16 head per token) */
	const char *device; /* "cpu" (default); the only backend of this build is the CPU */
	void (*progress)(void *user, int done, int total); /* layers packed so far; NULL = none */
	void *progress_user;
} trit_model_options;

/* defaults: auto kernels, ubatch 64, the file's output layer, cpu */
void trit_model_options_default(trit_model_options *o);
/* maps a GGUF file, checks it and packs the weights for the chosen kernels; NULL with err naming the
 * file and tensor on failure */
trit_model *trit_model_load(trit_ctx *c, const char *path, const trit_model_options *o, trit_error *err);
/* frees the model; its sessions must be freed first */
void trit_model_free(trit_model *m);
/* the architecture ("bitnet-b1.58", "bitnet", "llama", ...) */
const char *trit_model_arch(const trit_model *m);
/* vocabulary size, training context, embedding width, layers */
int trit_model_n_vocab(const trit_model *m);
int trit_model_n_ctx_train(const trit_model *m);
int trit_model_n_embd(const trit_model *m);
int trit_model_n_layer(const trit_model *m);
/* seconds the load took */
double trit_model_load_seconds(const trit_model *m);
/* a one-line description of the kernels the first layer runs on (for logs) */
void trit_model_describe_kernels(const trit_model *m, char *buf, size_t len);
/* 1 when the file holds a usable tokenizer (the text functions below need one); else 0 and why names
 * what is wrong with it (why may be NULL) */
int trit_model_has_tokenizer(const trit_model *m, trit_error *why);

/* what a model is and what a token costs, for reports like `trit bench` */
typedef struct trit_model_stats {
	char name[64];          /* general.name */
	char arch[32];
	char weight_type[16];   /* the file's type of the BitLinear weights ("I2_S", "TQ2_0", ...) */
	char output_type[16];   /* the output layer as it runs: the file's type, or "q8" */
	double file_bytes;      /* the tensors' bytes in the file */
	double params;          /* their element count */
	double decode_bytes;    /* bytes one decoded token reads: every packed matrix and the output layer once */
	char gemv_kernel[64];   /* "i2s/avx512vnni" (decode), "-ref" appended for reference code */
	char gemm_kernel[64];   /* the prefill GEMM */
} trit_model_stats;

void trit_model_get_stats(const trit_model *m, trit_model_stats *out);
/* the read bandwidth of this machine in GB/s with n threads (streaming bytes of memory reps times) */
double trit_measure_read_gbs(size_t bytes, int threads, int reps);

/* ---- tokens and text ---- */

/* tokenizes len bytes of text into out (at most cap ids); add_bos: prepend BOS when the model wants
 * it; parse_special: control-token text becomes its id. Returns the number of tokens (which may
 * exceed cap: then call again with a larger buffer), or a negative trit_status */
int trit_tokenize(const trit_model *m, const char *text, size_t len, int add_bos, int parse_special, int32_t *out,
                  int cap, trit_error *err);
/* the bytes token id stands for (nothing for control tokens unless special); writes at most len
 * bytes and returns the full count; 0 for an id out of range */
size_t trit_token_to_piece(const trit_model *m, int32_t id, int special, char *buf, size_t len);
/* decodes n ids into a malloc'd NUL-terminated string of *len bytes (free() it) */
char *trit_detokenize(const trit_model *m, const int32_t *ids, size_t n, int special, size_t *len);
/* BOS and EOS ids, -1 when the vocabulary has none */
int32_t trit_token_bos(const trit_model *m);
int32_t trit_token_eos(const trit_model *m);
/* 1 when the model wants BOS before a text (what add_bos of trit_tokenize follows) */
int trit_token_add_bos(const trit_model *m);
/* 1 when id ends generation (EOS, EOT, <|eot_id|>, ...) */
int trit_token_is_eog(const trit_model *m, int32_t id);

/* a streaming decoder: text per token, holding back UTF-8 characters split across tokens */
typedef struct trit_detok trit_detok;
trit_detok *trit_detok_new(const trit_model *m);
/* the text id completes (*len bytes, valid until the next call) */
const char *trit_detok_push(trit_detok *d, int32_t id, size_t *len);
/* whatever is held back at the end; resets the decoder */
const char *trit_detok_flush(trit_detok *d, size_t *len);
void trit_detok_free(trit_detok *d);

/* ---- chat ---- */

/* the model's chat format: "bitnet", "llama3" or "falcon3" (from tokenizer.chat_template, else the vocabulary) */
const char *trit_chat_format(const trit_model *m);
/* the text of a conversation's opening (system message sys, or NULL), malloc'd; format NULL = the model's;
 * NULL with err on an unknown format */
char *trit_chat_start(const trit_model *m, const char *format, const char *sys, trit_error *err);
/* the text of one user turn followed by the assistant's header, malloc'd */
char *trit_chat_user(const trit_model *m, const char *format, const char *msg, trit_error *err);
/* the text that closes an assistant turn after its end-of-turn token (often ""), malloc'd */
char *trit_chat_after_reply(const trit_model *m, const char *format, trit_error *err);

/* ---- sessions and decoding ---- */

typedef struct trit_session_options {
	int n_ctx;     /* positions per sequence; 0 = the model's training context */
	int n_seq;     /* sequences, each with its own KV cache; default 1 */
	int n_threads; /* 0 = physical cores */
	int kv_f32;    /* 1: F32 KV cache; 0: F16 (default) */
} trit_session_options;

void trit_session_options_default(trit_session_options *o);
/* a session on m: its KV caches and buffers, and its threads */
trit_session *trit_session_new(trit_model *m, const trit_session_options *o, trit_error *err);
void trit_session_free(trit_session *s);
/* positions per sequence, sequences, threads */
int trit_session_n_ctx(const trit_session *s);
int trit_session_n_seq(const trit_session *s);
int trit_session_n_threads(const trit_session *s);

/* tokens to decode together: each is appended to its sequence at that sequence's next position */
typedef struct trit_batch {
	int n;
	const int32_t *tokens; /* [n] */
	const int32_t *seq;    /* [n] sequence ids in [0, n_seq); NULL = all sequence 0 */
	const int32_t *pos;    /* [n] positions, checked against the sequences' lengths; NULL = implied */
	const int8_t *logits;  /* [n] 1 = return this token's logits; NULL = only the last token's */
} trit_batch;

/* runs a batch through the model in one pass per ubatch (the decode steps of several sequences
 * share each weight read). logits receives [selected tokens][n_vocab] floats in batch order (NULL:
 * computed for none). Nothing changes when it fails: a bad token id, sequence or position, or a full
 * sequence (TRIT_ERR_CONTEXT_FULL) */
int trit_decode(trit_session *s, const trit_batch *b, float *logits, trit_error *err);
/* tokens in sequence seq's KV cache (its next position) */
int trit_seq_len(const trit_session *s, int seq);
/* forgets sequence seq (-1: all) */
void trit_kv_clear(trit_session *s, int seq);
/* keeps the first n_keep positions of sequence seq (-1: all), for reusing a prompt's prefix */
void trit_kv_truncate(trit_session *s, int seq, int n_keep);

/* ---- sampling (llama.cpp's chain and defaults) ---- */

typedef struct trit_sampler_params {
	float temp;           /* 0.8; <= 0 = greedy */
	int top_k;            /* 40; <= 0 = whole vocabulary */
	float top_p;          /* 0.95; >= 1 = off */
	float min_p;          /* 0.05; <= 0 = off */
	float repeat_penalty; /* 1.0 = off */
	int repeat_last_n;    /* 64 */
	int64_t seed;         /* -1 = random */
} trit_sampler_params;

void trit_sampler_params_default(trit_sampler_params *p);
/* a sampler over m's vocabulary */
trit_sampler *trit_sampler_new(const trit_model *m, const trit_sampler_params *p);
void trit_sampler_free(trit_sampler *s);
/* the seed in use (chosen at random when params.seed < 0) */
uint64_t trit_sampler_seed(const trit_sampler *s);
/* picks the next token from logits[n_vocab] (not modified) */
int32_t trit_sampler_sample(trit_sampler *s, const float *logits);
/* records a token (prompt or generated) for the repetition penalty */
void trit_sampler_accept(trit_sampler *s, int32_t id);
/* forgets the recorded tokens */
void trit_sampler_reset(trit_sampler *s);

/* ---- toolchain: kernels (trit gen, aot, kernel, cache, info) ---- */

/* 1 when this build has LLVM and so can compile kernels: trit_gen, trit_aot, trit_kernel_run and
 * trit_cache_warm need it (without it they fail with TRIT_ERR_UNSUPPORTED) */
int trit_can_compile(void);

typedef struct trit_gen_options {
	const char *spec;   /* "i2s m=256 k=256 n=1 isa=avx2"; omitted fields take the defaults (isa: the
	                     * context CPU's best; tiles: from its cache sizes) */
	const char *emit;   /* "ll" (LLVM IR, default) or "asm" */
	int no_opt;         /* 1: the IR as generated, before default<O3> */
	const char *triple; /* a target triple ("aarch64-linux-gnu"); NULL = this machine */
	const char *cpu;    /* a CPU name for the target; NULL = generic, or the context's CPU for the host */
} trit_gen_options;

/* LLVM IR, optimised, for this machine */
void trit_gen_options_default(trit_gen_options *o);
/* writes one kernel's LLVM IR or assembly, headed by its spec and target, to out */
int trit_gen(trit_ctx *c, const trit_gen_options *o, FILE *out, trit_error *err);

typedef struct trit_aot_options {
	const char *model;  /* a model description (.trit) */
	const char *output; /* the object, NAME.o; its header is written next to it as NAME.h */
	const char *triple; /* a target triple; NULL = this machine */
	const char *cpu;    /* a CPU name for the target; NULL = generic, or the context's CPU for the host */
	const char *isa;    /* an ISA tier; NULL = the context CPU's best (not amx), avx2 for other x86-64
	                     * targets, scalar for the rest */
	const char *kinds;  /* the kinds, as `trit aot --kinds`: "i2s" (default), "i2s,tl1,tl2" */
	const char *batch;  /* the batch sizes, as `--batch`: "1" (default), "1,64" */
} trit_aot_options;

/* kinds i2s, batch 1, for this machine */
void trit_aot_options_default(trit_aot_options *o);
/* compiles every kernel the model's linears need into one object, plus a header, that a trit built
 * without LLVM can link; logs "aot: N kernels for TRIPLE (cpu CPU) -> NAME.o, NAME.h" at INFO and
 * returns N */
int trit_aot(trit_ctx *c, const trit_aot_options *o, trit_error *err);

typedef struct trit_kernel_options {
	const char *spec;        /* as trit_gen_options.spec (always for the context's CPU) */
	const char *weights;     /* a file of int8 m×k row-major ternary weights (-1, 0, 1) */
	const char *activations; /* a file of int8 n×k row-major activations */
	int packed;              /* 1: the weights file holds the spec's packed layout (pack_size bytes) */
	const char *output;      /* NULL: the n×m int32 outputs as text on out, a line per token; else
	                          * written to this file (little-endian) */
} trit_kernel_options;

void trit_kernel_options_default(trit_kernel_options *o);
/* runs one JIT-compiled kernel on weight and activation files, calling it through libffi with the
 * signature the generated IR declares */
int trit_kernel_run(trit_ctx *c, const trit_kernel_options *o, FILE *out, trit_error *err);

/* the kernel object cache's directory (the context's cache directory + "/kernels") into buf;
 * TRIT_ERR_ARG when the context has no cache directory */
int trit_cache_kernels_dir(const trit_ctx *c, char *buf, size_t len, trit_error *err);
/* lists the cached kernels on out (key, size, age, spec, or INVALID: why) and a line of totals;
 * returns the number of entries, *n_invalid (may be NULL) those that fail validation */
int trit_cache_list(trit_ctx *c, FILE *out, int *n_invalid, trit_error *err);
/* removes every cached kernel; returns how many there were */
int trit_cache_clear(trit_ctx *c, trit_error *err);

typedef struct trit_cache_warm_options {
	const char *model; /* a model description (.trit) */
	const char *kinds; /* as trit_aot_options: "i2s" (default) */
	const char *batch; /* "1" (default) */
} trit_cache_warm_options;

/* kinds i2s, batch 1 */
void trit_cache_warm_options_default(trit_cache_warm_options *o);
/* compiles, or finds in the cache, every kernel the model needs on this CPU with the context's JIT,
 * and writes "compiled N, cached M (K kernels, ... ms)" to out */
int trit_cache_warm(trit_ctx *c, const trit_cache_warm_options *o, FILE *out, trit_error *err);

/* describes a GGUF file on out: architecture, hyper-parameters, tokenizer, tensors with totals, the
 * kernels a model loaded in c would run for each linear shape (tuned or heuristic; JIT, AOT or
 * reference) and the state of the kernel cache and tuning records; fails (after reporting what
 * it could read) when the file cannot be opened or does not describe a model */
int trit_info(trit_ctx *c, const char *path, FILE *out, trit_error *err);

/* ---- toolchain: models, tuning and kernel benchmarks (trit mkmodel, convert, tune, bench --kernels) ---- */

/* Option fields mirror the flags of the trit commands; errors name the option by its flag. */

typedef struct trit_mkmodel_options {
	const char *description; /* a .trit file holding a model description (required) */
	const char *type;        /* ternary storage: "i2_s" (default), "tq2_0", "tq1_0", "f16", "bf16", "f32" */
	const char *embd_type;   /* token_embd/output: "f16" (default), "f32", "bf16", "q8_0", "q4_k", "q5_k", "q6_k" */
	uint64_t seed;           /* 1; the same seed gives the same bytes */
	int32_t n_layer, n_embd, n_ff, n_head, n_head_kv, n_vocab, n_ctx; /* > 0: replaces the description's */
	const char *vocab_from;  /* copy the tokenizer.* keys of this GGUF file; NULL = a synthetic tokenizer */
} trit_mkmodel_options;

typedef struct trit_mkmodel_result {
	char arch[64];  /* the architecture written */
	char type[16];  /* the ternary storage type ("I2_S") */
	double seconds; /* generating and writing */
} trit_mkmodel_result;

/* i2_s weights, f16 embeddings, seed 1, the description's dimensions, a synthetic tokenizer */
void trit_mkmodel_options_default(trit_mkmodel_options *o);
/* writes a GGUF model with seeded random ternary weights to path (whole or not at all); r may be NULL */
int trit_mkmodel(const trit_mkmodel_options *o, const char *path, trit_mkmodel_result *r, trit_error *err);

typedef struct trit_convert_options {
	const char *type;      /* ternary BitLinear storage: "i2_s", "tq2_0", "tq1_0", "f16", "bf16", "f32"; NULL = copy */
	const char *embd_type; /* token_embd/output: "f16", "bf16", "f32", "q8_0", "q4_k", "q5_k", "q6_k"; NULL = copy */
} trit_convert_options;

typedef struct trit_convert_result {
	int n_tensors, n_ternary, n_embd, n_copied; /* all, re-encoded ternary, re-encoded dense, copied */
	uint64_t bytes_in, bytes_out;               /* file sizes */
	int n_scale_rounded;                        /* ternary scales the target type could not hold exactly */
	double max_scale_change;                    /* the largest relative change among them */
	char type[16], embd_type[16];               /* the target types' names ("TQ2_0"), "" when not converted */
	double seconds;
} trit_convert_result;

/* nothing converted (set type and/or embd_type) */
void trit_convert_options_default(trit_convert_options *o);
/* re-encodes the ternary tensors (and embeddings) of GGUF file in into out, copying every key and other
 * tensor; out is written whole or not at all; r may be NULL */
int trit_convert(const char *in, const char *out, const trit_convert_options *o, trit_convert_result *r,
                 trit_error *err);

/* where a tuning run stands (for a progress line) */
typedef struct trit_tune_progress {
	int keys, keys_done;     /* shape x batch keys in all, finished */
	int candidates, errors;  /* measured so far, of which failed */
	int m, k, n;             /* the key being tuned */
	double best_ms;          /* its best time so far, ms; 0 = none yet */
	const char *best_kind;   /* its kernel kind ("i2s") */
	double seconds_left;     /* of the budget */
	int key_done;            /* 1: this key is finished and its line is written next */
} trit_tune_progress;

typedef struct trit_tune_options {
	double budget;            /* seconds for the whole run; 60 */
	const char *batches;      /* batch classes, "1,64" (default): 1 = token generation, the prefill tile */
	const char *kinds;        /* kernel kinds to consider, "i2s,tl1,tl2" (default) */
	double candidate_timeout; /* seconds one candidate may take; 20 */
	int reps;                 /* 4N L2 calls and N DRAM windows (2..8) per candidate; 5 */
	int crash_test;           /* 1: the first candidate's child process crashes (tests the isolation) */
	const volatile sig_atomic_t *stop; /* set it (e.g. from a SIGINT handler) to end the run early,
	                                    * keeping what was measured; NULL = never */
	void (*progress)(void *user, const trit_tune_progress *p); /* after each candidate and key; NULL = none */
	void *progress_user;
} trit_tune_options;

typedef struct trit_tune_result {
	int keys, keys_done, candidates, errors;
	int interrupted; /* *stop ended the run early (what was measured is kept) */
	double seconds;
} trit_tune_result;

void trit_tune_options_default(trit_tune_options *o);
/* tunes the kernels of model (a .trit description or a .gguf file) for this CPU, recording every measurement
 * in the context's cache directory; writes a header, one line per shape and batch and a summary to out.
 * TRIT_ERR_UNSUPPORTED in a build without LLVM */
int trit_tune(trit_ctx *c, const char *model, const trit_tune_options *o, FILE *out, trit_tune_result *r,
              trit_error *err);
/* writes the tuned table of this CPU to out (and rebuilds best.tsv from the records) */
int trit_tune_show(trit_ctx *c, FILE *out, trit_error *err);

typedef struct trit_bench_kernels_options {
	int reps;         /* repetitions of the L2 runs; 20 */
	int quick;        /* 1: one small shape and tiny buffers (a smoke test) */
	const char *csv;  /* write one row per measurement here, or NULL */
	const char *plot; /* write an SVG bar chart of GEMV GB/s from DRAM here, or NULL */
} trit_bench_kernels_options;

void trit_bench_kernels_options_default(trit_bench_kernels_options *o);
/* single-thread throughput of the generated kernels (tuned and default specs) and the references on
 * BitNet b1.58 2B4T shapes, in L2 and from DRAM, against the measured read bandwidth; writes the tables
 * and the targets' verdicts to out. TRIT_ERR_UNSUPPORTED in a build without LLVM */
int trit_bench_kernels(trit_ctx *c, const trit_bench_kernels_options *o, FILE *out, trit_error *err);

#ifdef __cplusplus
}
#endif

#endif
