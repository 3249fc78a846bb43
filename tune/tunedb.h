/* tunedb.h: the tuning records `trit tune` writes and the runtime reads. No LLVM here. Implemented
 * by records_key.c (names), records_json.c (one record as JSON), records_log.c (records.jsonl),
 * records_policy.c (what counts and what wins), records_best.c (best.tsv) and records_lookup.c.
 *
 * Every function takes a tune_site: the records' directory (the cache directory's tune/) and the CPU
 * they describe; nothing here reads process-wide state.
 *
 * tune/records.jsonl is an append-only log, one JSON object per line and per
 * measurement:
 *   {"key":"m=2560,k=2560,n=1;cpu=<16 hex>","config":"kernel i2s m=2560 ...","time":1.2e-4,
 *    "times":[...],"method":"1t-l2+dram/1","l2":2.9e-5,"dram":1.6e-4,"dram_times":[...],
 *    "vs":"kernel i2s ...","vs_l2":3e-5,"vs_dram":1.9e-4,
 *    "error":null,"cpu":"<model name>","features":"avx2 ...","trit":"0.1","llvm":"19.1.7",
 *    "date":"2025-01-01T12:00:00Z"}
 * The key names the shape only (every kind competes for it) plus the CPU signature (a hash of
 * the model name and the feature string). l2 and dram are seconds per whole-matrix call measured
 * by tune/kmeasure.h on one thread (the L2 reps in "times", the DRAM windows in "dram_times");
 * time is their tune_score. A duel record (vs set) was timed in turns with the default spec in one
 * process, and carries the default's figures of that duel. tune/best.tsv is
 * derived from the log, for this CPU and TUNE_METHOD only: per key the default spec
 * (tune_default_spec), unless a candidate tune_beats_default in its duels; then the best such.
 *
 * How the runtime uses it (runtime/kernels.c, before spec_default), through its context's table:
 *     struct kernel_spec s;
 *     if (records && tune_table_lookup(records, m, k, n, &s) == 0)   // n = 1 for the GEMV, the prefill tile
 *             ... use s (legal, its ISA available here; its kind may be any of i2s/tl1/tl2);
 *     else
 *             ... spec_default(...) as before (the cache-size heuristic).
 * The first lookup reads best.tsv once (thread-safe). Turning tuning off is the caller's business:
 * it then has no table. */
#ifndef TRIT_TUNEDB_H
#define TRIT_TUNEDB_H

#include <stdint.h>

#include <pthread.h>

#include "base/cpu.h"
#include "base/log.h"
#include "base/util.h"
#include "ir/ir.h"

#define TUNE_MAX_REPS 32
/* how records are measured; records of another method (older trit) are not compared */
#define TUNE_METHOD "1t-l2+dram/1"
/* a candidate replaces the default only when its score is at least this much lower */
#define TUNE_MARGIN 0.03
/* ... and neither its L2 nor its DRAM time is more than this much higher (timer noise) */
#define TUNE_SLACK 0.01

/* one measurement (one line of records.jsonl) */
struct tune_record {
	char key[96];        /* shape key + ";cpu=" + signature */
	char config[256];    /* canonical spec text (spec_format) */
	double time;         /* tune_score(l2, dram); < 0 when error is set */
	int nreps;
	double reps[TUNE_MAX_REPS];       /* L2 reps, seconds per whole-matrix call */
	char method[32];     /* TUNE_METHOD of the measuring trit ("" in older records) */
	double l2, dram;     /* seconds per whole-matrix call, weights in L2 / from DRAM; 0 unknown */
	int ndram;
	double dram_reps[TUNE_MAX_REPS];  /* the DRAM windows */
	char vs[256];        /* a duel's record: the default spec it was timed in turns with, else "" */
	double vs_l2, vs_dram;            /* ... and the default's figures in that duel */
	char error[256];     /* "" when the candidate was measured */
	char cpu[128];       /* model name from /proc/cpuinfo */
	char features[256];  /* cpu_feature_string */
	char trit[32], llvm[32], date[32];
};

/* one row of best.tsv */
struct tune_best {
	char key[96];
	struct kernel_spec spec;
	double time;
	double default_time; /* the default spec's score for this key */
	struct kernel_spec against; /* the default spec it was judged against (tune_default_spec then) */
};

/* where records are kept and which CPU they describe */
struct tune_site {
	char cache_dir[4096];  /* the cache directory (kernels go to its kernels/) */
	char dir[4200];        /* cache_dir/tune: records.jsonl and best.tsv */
	struct cpu_info cpu;   /* the CPU as kernels judge it (features masked as the caller says) */
	char cpu_model[128];   /* its model name ("unknown" when /proc/cpuinfo has none) */
	char features[256];    /* cpu_feature_string(&cpu) */
	struct log_sink log;   /* warnings about the records (unreadable lines) */
};

/* ---- records_key.c ---- */

/* the site of cache_dir for cpu (reads the model name from /proc/cpuinfo), warnings to log */
void tune_site_init(struct tune_site *s, const char *cache_dir, const struct cpu_info *cpu, struct log_sink log);

/* "m=..,k=..,n=.." */
void tune_shape_key(int32_t m, int32_t k, int32_t n, char *buf, size_t len);
/* the shape key plus ";cpu=" and the signature of cpu/features */
void tune_key(int32_t m, int32_t k, int32_t n, const char *cpu, const char *features, char *buf,
              size_t len);
/* 16 hex digits identifying a CPU model name and feature string */
void tune_cpu_signature(const char *cpu, const char *features, char out[17]);
/* fills the cpu, features (the site's), trit, llvm (given) and date (now, UTC) fields of r */
void tune_record_stamp(struct tune_record *r, const struct tune_site *site, const char *llvm_version);
/* parses "m=..,k=..,n=.." (the start of a key); -1 when malformed */
int tune_parse_shape_key(const char *key, int32_t *m, int32_t *k, int32_t *n);

/* ---- records_json.c ---- */

/* writes r as one JSON line (with '\n') into buf; -1 when it does not fit */
int tune_record_format(const struct tune_record *r, char *buf, size_t len);
/* parses one JSON line; -1 with a message when it is not a complete record */
int tune_record_parse(const char *line, struct tune_record *r, struct error *e);

/* ---- records_log.c ---- */

/* reads a whole records file into *text (malloc'd): 1, or 0 when it does not exist, or -1 */
int tunedb_read_text(const char *path, char **text, struct error *e);
/* appends r to the log at path (creating it and its directory) with one write() */
int tunedb_append(const char *path, const struct tune_record *r, struct error *e);
/* reads every record of the log; unreadable lines are skipped with one warning for the file to log.
 * A missing file is 0 records. Returns the count (*out malloc'd, may be NULL) or -1. */
int tunedb_read(const char *path, const struct log_sink *log, struct tune_record **out, struct error *e);

/* ---- records_policy.c ---- */

/* the figure candidates are ranked by, seconds: the decode GEMV (n = 1) streams its weights from
 * DRAM in real use, so 0.8 dram + 0.2 l2; the prefill GEMM is compute-bound: 0.8 l2 + 0.2 dram */
double tune_score(int32_t n, double l2, double dram);
/* 1 when a candidate (l2, dram) may replace the default (dl2, ddram) at batch n: its score is at
 * least TUNE_MARGIN lower and it is not slower in L2 nor from DRAM (beyond TUNE_SLACK) */
int tune_beats_default(int32_t n, double l2, double dram, double dl2, double ddram);
/* the spec the runtime picks without tuning on CPU c: for a batch (n > 1) on a CPU that grants AMX
 * the i2s amx GEMM, else the first of i2s, tl2, tl1 that holds the shape at c's best ISA; tiles
 * from spec_default; -1 when no kind holds it */
int tune_default_spec(const struct cpu_info *c, int32_t m, int32_t k, int32_t n, struct kernel_spec *s);
/* per key, among the error-free TUNE_METHOD records of this cpu/features: the default spec
 * (tune_default_spec) unless a candidate won every duel it had against that default spec
 * (tune_beats_default of its figures against the default's in the same duel); then the winner
 * with the lowest worst-duel ratio of scores, its time and default_time the scores of that duel.
 * When the default is kept, time = default_time = its best score. A key whose current default
 * spec was never measured (a newer trit changed the default, or it crashed) has no row: nothing
 * was judged against it. Returns the count (*out malloc'd, sorted by n, then m, then k) */
int tunedb_derive_best(const struct tune_record *r, int n, const struct tune_site *site, struct tune_best **out);
/* whether row b was judged against the spec tune_default_spec gives today on c (a newer trit may
 * have changed the default: then the row proves nothing against it) */
int tune_judged_against_today(const struct tune_best *b, const struct cpu_info *c);

/* ---- records_best.c ---- */

/* writes best.tsv (atomically) */
int tunedb_write_best(const char *path, const struct tune_best *b, int n, struct error *e);
/* reads best.tsv, keeping the rows of this cpu/features (rows of the older 4-column format are
 * skipped: they name no default); a missing file is 0 rows */
int tunedb_read_best(const char *path, const char *cpu, const char *features, struct tune_best **out,
                     struct error *e);
/* best.tsv of the site derived from the records r[0..n); returns the number of keys (the rows in
 * *best, malloc'd, when best is not NULL) or -1 */
int tunedb_write_derived(const struct tune_site *site, const struct tune_record *r, int n, struct tune_best **best,
                         struct error *e);
/* the site's records.jsonl → its best.tsv; returns the number of keys (the rows in *best, malloc'd,
 * when best is not NULL) or -1 */
int tunedb_rebuild(const struct tune_site *site, struct tune_best **best, struct error *e);

/* ---- records_lookup.c ---- */

/* the runtime's view of a site's best.tsv, read on first use */
struct tune_table {
	const struct tune_site *site;
	struct log_sink log;   /* where an unreadable best.tsv is reported */
	pthread_mutex_t lock;
	int loaded, n;
	struct tune_best *rows;
};

/* a table over site (which must outlive it) */
void tune_table_init(struct tune_table *t, const struct tune_site *site, struct log_sink log);
/* frees the rows */
void tune_table_free(struct tune_table *t);
/* 0 and the tuned spec for this shape on the site's CPU, -1 when there is none or it was judged
 * against another default spec than today's tune_default_spec (see the top comment) */
int tune_table_lookup(struct tune_table *t, int32_t m, int32_t k, int32_t n, struct kernel_spec *out);
/* number of tuned shapes for the site's CPU (for `trit info`) */
int tune_table_count(struct tune_table *t);
/* forgets what was read, so the next lookup reads best.tsv again (after tuning) */
void tune_table_reset(struct tune_table *t);

#endif
