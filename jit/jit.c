/* requires: llvm */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Core.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>
#include <llvm/Config/llvm-config.h>

#include "gen/gen.h"
#include "jit/cache.h"
#include "jit/compile.h"
#include "jit/jit.h"
#include "kernel/model_specs.h"
#include "jit/target.h"

struct jit_entry {
	char spec[256];
	kernel_fn fn;
	LLVMOrcResourceTrackerRef rt;
};

struct jit {
	LLVMOrcLLJITRef lljit;
	struct target host;
	struct cpu_info cpu; /* what ISA availability is judged against */
	char dir[4300];
	pthread_mutex_t lock;
	struct jit_entry *entries;
	int nentries, cap;
	int compiled, hits;
	double seconds;
	int verbose;
	struct log_sink log;
};

static int llvm_error(LLVMErrorRef err, const char *what, struct error *e)
{
	char *msg = LLVMGetErrorMessage(err);
	errorf(e, "%s: %s", what, msg);
	LLVMDisposeErrorMessage(msg);
	return -1;
}

struct jit *jit_create(const struct jit_config *c, struct error *e)
{
	struct jit *j = xcalloc(1, sizeof(*j));
	if (target_host(&j->host, e) < 0) {
		free(j);
		return NULL;
	}
	LLVMErrorRef err = LLVMOrcCreateLLJIT(&j->lljit, NULL); /* NULL builder: detect the host */
	if (err) {
		llvm_error(err, "cannot create the LLVM JIT", e);
		target_free(&j->host);
		free(j);
		return NULL;
	}
	/* O3 may introduce memset/memcpy calls: resolve them from this process */
	LLVMOrcDefinitionGeneratorRef g;
	err = LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(
		&g, LLVMOrcLLJITGetGlobalPrefix(j->lljit), NULL, NULL);
	if (err) {
		llvm_error(err, "cannot add the process symbol generator", e);
		jit_destroy(j);
		return NULL;
	}
	LLVMOrcJITDylibAddGenerator(LLVMOrcLLJITGetMainJITDylib(j->lljit), g);
	j->cpu = *c->cpu;
	if (c->cache_dir && *c->cache_dir)
		snprintf(j->dir, sizeof(j->dir), "%s/kernels", c->cache_dir);
	pthread_mutex_init(&j->lock, NULL);
	j->verbose = c->verbose;
	j->log = c->log;
	return j;
}

void jit_destroy(struct jit *j)
{
	if (!j)
		return;
	for (int i = 0; i < j->nentries; i++)
		LLVMOrcReleaseResourceTracker(j->entries[i].rt);
	free(j->entries);
	if (j->lljit) {
		LLVMErrorRef err = LLVMOrcDisposeLLJIT(j->lljit);
		if (err)
			LLVMConsumeError(err);
	}
	target_free(&j->host);
	pthread_mutex_destroy(&j->lock);
	free(j);
}

static struct cache_key jit_key(const struct jit *j, const char *spec_text)
{
	return cache_key_of(spec_text, j->host.triple, j->host.cpu, j->host.features,
	                    LLVM_VERSION_STRING, TRIT_GEN_VERSION);
}

void jit_cache_path(const struct jit *j, const struct kernel_spec *s, char *buf, size_t len)
{
	char text[256], hex[33];
	spec_format(s, text, sizeof(text));
	struct cache_key k = jit_key(j, text);
	cache_key_hex(&k, hex);
	snprintf(buf, len, "%s/%s.o", j->dir, hex);
}

/* adds an object to the JIT under its own resource tracker and looks `name` up */
static kernel_fn load_object(struct jit *j, const void *obj, size_t len, const char *name,
                             LLVMOrcResourceTrackerRef *rt_out, struct error *e)
{
	LLVMOrcJITDylibRef jd = LLVMOrcLLJITGetMainJITDylib(j->lljit);
	LLVMOrcResourceTrackerRef rt = LLVMOrcJITDylibCreateResourceTracker(jd);
	LLVMMemoryBufferRef buf = LLVMCreateMemoryBufferWithMemoryRangeCopy(obj, len, name);
	LLVMErrorRef err = LLVMOrcLLJITAddObjectFileWithRT(j->lljit, rt, buf); /* takes buf */
	LLVMOrcExecutorAddress addr = 0;
	if (!err)
		err = LLVMOrcLLJITLookup(j->lljit, &addr, name);
	if (err) {
		llvm_error(err, "cannot load the kernel object", e);
		LLVMErrorRef r = LLVMOrcResourceTrackerRemove(rt);
		if (r)
			LLVMConsumeError(r);
		LLVMOrcReleaseResourceTracker(rt);
		return NULL;
	}
	*rt_out = rt;
	return (kernel_fn)(uintptr_t)addr;
}

static kernel_fn kernel_locked(struct jit *j, const struct kernel_spec *s, struct error *e)
{
	char text[256];
	spec_format(s, text, sizeof(text));
	for (int i = 0; i < j->nentries; i++)
		if (!strcmp(j->entries[i].spec, text))
			return j->entries[i].fn;
	if (compile_check(s, &j->host, &j->cpu, e) < 0)
		return NULL;

	double t0 = now_seconds();
	struct cache_key k = jit_key(j, text);
	char name[24];
	cache_symbol_name(&k, name);
	void *obj = NULL;
	size_t len = 0;
	int hit = j->dir[0] && cache_load(j->dir, &k, text, &j->log, &obj, &len); /* no directory: compile in memory */
	if (!hit) {
		if (compile_object(&j->host, s, name, &obj, &len, e) < 0)
			return NULL;
		struct error se;
		if (j->dir[0] && cache_store(j->dir, &k, text, obj, len, &se) < 0)
			log_to(&j->log, LOG_WARN, "cannot write to the kernel cache: %s", se.msg);
	}
	LLVMOrcResourceTrackerRef rt;
	kernel_fn fn = load_object(j, obj, len, name, &rt, e);
	free(obj);
	if (!fn)
		return NULL;
	double dt = now_seconds() - t0;
	j->seconds += dt;
	if (hit)
		j->hits++;
	else
		j->compiled++;
	if (j->verbose)
		log_to(&j->log, LOG_INFO, "jit: %s %s (%.1f ms)", hit ? "cached" : "compiled", text, dt * 1e3);
	if (j->nentries == j->cap) {
		j->cap = j->cap ? 2 * j->cap : 16;
		j->entries = xrealloc(j->entries, sizeof(*j->entries) * (size_t)j->cap);
	}
	struct jit_entry *en = &j->entries[j->nentries++];
	snprintf(en->spec, sizeof(en->spec), "%s", text);
	en->fn = fn;
	en->rt = rt;
	return fn;
}

kernel_fn jit_kernel(struct jit *j, const struct kernel_spec *s, struct error *e)
{
	pthread_mutex_lock(&j->lock);
	kernel_fn fn = kernel_locked(j, s, e);
	pthread_mutex_unlock(&j->lock);
	return fn;
}

void jit_stats(const struct jit *j, int *compiled, int *cache_hits, double *seconds)
{
	if (compiled)
		*compiled = j->compiled;
	if (cache_hits)
		*cache_hits = j->hits;
	if (seconds)
		*seconds = j->seconds;
}
