/* tool_info.c: trit_info, a GGUF model file's architecture, hyper-parameters, tokenizer and tensors,
 * the kernels a model loaded in the context would pick for its linears (tuned or heuristic; JIT, AOT
 * or reference) and the state of the kernel cache and the tuning records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/tools.h"
#include "format/ggml_types.h"
#include "format/gguf.h"
#include "format/model_meta.h"
#include "jit/cache.h"
#include "kernel/aot_kernels.h"
#include "runtime/kernels.h"
#include "runtime/model.h"
#include "tok/tokenizer.h"
#include "tune/tunedb.h"

static void count_entry(const struct cache_entry *ce, void *arg)
{
	if (!ce->why)
		(*(int *)arg)++;
}

/* the kernel cache (cached of this model's want JIT kernels are in it) and the tuning records */
static void info_cache(trit_ctx *c, FILE *out, int jit, int cached, int want)
{
	int objects = 0;
	struct error ce;
	char dir[4200];
	cache_kernels_dir(c->rt.cache_dir, dir, sizeof dir);
	if (!c->rt.cache_dir[0])
		fprintf(out, "cache:        none (kernels are compiled in memory)\n");
	else if (cache_list(dir, count_entry, &objects, &ce) < 0)
		fprintf(out, "cache:        %s (%s)\n", dir, ce.msg);
	else if (jit)
		fprintf(out, "cache:        %s: %d kernel object%s; %d of this model's %d JIT kernels cached\n", dir,
		        objects, objects == 1 ? "" : "s", cached, want);
	else
		fprintf(out, "cache:        %s: %d kernel object%s (not used without the JIT)\n", dir, objects,
		        objects == 1 ? "" : "s");
	int no_tune = c->rt.cfg.no_tune;
	int tuned = no_tune ? 0 : tune_table_count(&c->rt.records);
	fprintf(out, "tuned shapes: %d for this CPU in %s%s\n", tuned, c->rt.site.dir,
	        no_tune ? " (ignored: TRIT_NO_TUNE is set)" : tuned ? "" : " (run 'trit tune MODEL')");
}

/* what kernels `trit run` (auto choice, default tile) would pick for each distinct linear shape of
 * m in c, where they come from, and the state of the kernel cache; compiles nothing */
static void info_kernels_and_cache(trit_ctx *c, FILE *out, const struct model_desc *m)
{
	struct model_options mo;
	model_options_default(&mo);
	struct kernel_provider kp;
	struct error e;
	kprov_init_plan(&kp, KC_AUTO, rctx_kernel_env(&c->rt));
	const char *code = kp.jit ? "JIT-compiled (LLVM), cached on disk" :
	                   TRIT_HAVE_LLVM ? "AOT-linked or reference (JIT disabled)" :
	                                    "AOT-linked or reference (built without LLVM)";
	fprintf(out, "kernels:      auto choice, prefill tile %d, %s; %d AOT kernel%s linked\n", mo.tile, code,
	        aot_count(), aot_count() == 1 ? "" : "s");
	int seen = 0, want = 0, cached = 0;
	int32_t shapes[MODEL_MAX_LINEARS][2];
	for (int i = 0; i < m->n_linear; i++) {
		const struct linear_shape *l = &m->linear[i];
		int j;
		for (j = 0; j < seen && (shapes[j][0] != l->m || shapes[j][1] != l->k); j++)
			;
		if (j < seen)
			continue;
		shapes[seen][0] = l->m;
		shapes[seen][1] = l->k;
		seen++;
		fprintf(out, "  m=%d k=%d (%s", l->m, l->k, l->name);
		for (int o = i + 1; o < m->n_linear; o++)
			if (m->linear[o].m == l->m && m->linear[o].k == l->k)
				fprintf(out, ", %s", m->linear[o].name);
		fprintf(out, ")\n");
		struct kernel_handle h[2];
		if (kprov_get(&kp, l->m, l->k, mo.tile, &h[0], &h[1], &e) < 0) {
			fprintf(out, "    no kernel: %s\n", e.msg);
			continue;
		}
		for (int b = 0; b < 2; b++) {
			char d[320];
			khandle_describe(&h[b], d, sizeof(d));
			int hit = kprov_cached(&kp, &h[b]);
			fprintf(out, "    n=%-4d %s%s\n", b ? mo.tile : 1, d, hit < 0 ? "" : hit ? " [cached]" : " [not cached]");
			if (hit >= 0) {
				want++;
				cached += hit;
			}
		}
	}
	info_cache(c, out, kp.jit != NULL, cached, want);
}

/* a token's text for display: printable ASCII kept, other bytes as \xNN, cut at 40 bytes */
static void show_token(FILE *out, const struct gguf *g, int64_t id)
{
	const struct gguf_kv *kv = gguf_find_kv(g, "tokenizer.ggml.tokens");
	if (!kv || kv->type != GGUF_ARRAY || kv->arr_type != GGUF_STRING || id < 0 || (uint64_t)id >= kv->count) {
		fprintf(out, "%lld", (long long)id);
		return;
	}
	struct gguf_str s = gguf_arr_str(kv, (uint64_t)id);
	fprintf(out, "%lld '", (long long)id);
	for (uint64_t i = 0; i < s.len && i < 40; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if (c >= 0x20 && c < 0x7f)
			fputc(c, out);
		else
			fprintf(out, "\\x%02x", c);
	}
	fprintf(out, "%s'", s.len > 40 ? "..." : "");
}

static void print_tokenizer(FILE *out, const struct gguf *g)
{
	char model[32] = "?", pre[64] = "(none)";
	gguf_get_str(g, "tokenizer.ggml.model", model, sizeof(model));
	gguf_get_str(g, "tokenizer.ggml.pre", pre, sizeof(pre));
	const struct gguf_kv *tokens = gguf_find_kv(g, "tokenizer.ggml.tokens");
	const struct gguf_kv *merges = gguf_find_kv(g, "tokenizer.ggml.merges");
	fprintf(out, "tokenizer:    %s, %llu tokens, pre-tokenizer %s, %llu merges\n", model,
	        (unsigned long long)(tokens ? tokens->count : 0), pre, (unsigned long long)(merges ? merges->count : 0));
	uint32_t id;
	int add_bos = 0;
	fprintf(out, "              bos ");
	if (gguf_get_u32(g, "tokenizer.ggml.bos_token_id", &id) == 0)
		show_token(out, g, id);
	else
		fprintf(out, "(none)");
	fprintf(out, ", eos ");
	if (gguf_get_u32(g, "tokenizer.ggml.eos_token_id", &id) == 0)
		show_token(out, g, id);
	else
		fprintf(out, "(none)");
	if (gguf_get_bool(g, "tokenizer.ggml.add_bos_token", &add_bos) == 0)
		fprintf(out, ", add_bos %s", add_bos ? "true" : "false");
	fprintf(out, ", chat template %s\n", gguf_find_kv(g, "tokenizer.chat_template") ? "present" : "absent");
}

static void print_tensors(FILE *out, const struct gguf *g)
{
	fprintf(out, "tensors:\n  %-36s %-6s %-22s %14s\n", "name", "type", "shape", "bytes");
	uint64_t total = 0, by_type[64] = {0}, count_type[64] = {0};
	for (uint64_t i = 0; i < g->n_tensors; i++) {
		const struct gguf_tensor *t = &g->tensors[i];
		char shape[64];
		int o = snprintf(shape, sizeof(shape), "[");
		for (uint32_t d = 0; d < t->n_dims && o < (int)sizeof(shape); d++)
			o += snprintf(shape + o, sizeof(shape) - (size_t)o, "%s%lld", d ? ", " : "", (long long)t->ne[d]);
		if (o < (int)sizeof(shape))
			snprintf(shape + o, sizeof(shape) - (size_t)o, "]");
		const char *tn = ggml_type_name(t->type);
		fprintf(out, "  %-36s %-6s %-22s %14llu\n", t->name, tn ? tn : "?", shape, (unsigned long long)t->nbytes);
		total += t->nbytes;
		by_type[t->type % 64] += t->nbytes;
		count_type[t->type % 64]++;
	}
	fprintf(out, "total:        %llu tensors, %llu bytes (%.1f MiB)", (unsigned long long)g->n_tensors,
	        (unsigned long long)total, (double)total / (1024.0 * 1024.0));
	for (int ty = 0; ty < 64; ty++)
		if (count_type[ty]) {
			const char *tn = ggml_type_name((uint32_t)ty);
			fprintf(out, "; %s %llu (%.1f MiB)", tn ? tn : "?", (unsigned long long)count_type[ty],
			        (double)by_type[ty] / (1024.0 * 1024.0));
		}
	fprintf(out, "\n");
}

int trit_info(trit_ctx *c, const char *path, FILE *out, trit_error *err)
{
	struct gguf g;
	struct error e;
	if (gguf_open(&g, path, &e))
		return api_fail(err, TRIT_ERR_IO, &e);
	char arch[64] = "?", name[128] = "?";
	gguf_get_str(&g, "general.architecture", arch, sizeof(arch));
	gguf_get_str(&g, "general.name", name, sizeof(name));
	fprintf(out, "file:         %s (GGUF v%u, %llu keys, %llu tensors, %zu bytes)\n", path, g.version,
	        (unsigned long long)g.n_kv, (unsigned long long)g.n_tensors, g.size);
	fprintf(out, "architecture: %s\nname:         %s\n", arch, name);
	uint32_t ft;
	if (gguf_get_u32(&g, "general.file_type", &ft) == 0)
		fprintf(out, "file type:    %u%s\n", ft,
		        ft == 0 ? " (F32)" : ft == 1 ? " (F16)" : ft == 32 ? " (BF16)" : ft == 36 ? " (TQ1_0)" :
		        ft == 37 ? " (TQ2_0)" : ft == 40 ? " (I2_S, bitnet.cpp numbering)" : "");
	struct model_desc m;
	struct error me;
	int described = model_desc_from_gguf(&g, &m, &me) == 0;
	if (described) {
		fprintf(out, "hyper-parameters: vocab %d, embd %d, ffn %d, layers %d, heads %d, kv_heads %d (head_dim %d), "
		        "ctx %d, rope_theta %g, rms_eps %g\n",
		        m.n_vocab, m.n_embd, m.n_ff, m.n_layer, m.n_head, m.n_head_kv, model_head_dim(&m), m.n_ctx,
		        (double)m.rope_theta, (double)m.rms_eps);
		fprintf(out, "graph:        act %s, sub_norms %s, %s output\n", m.act, m.sub_norms ? "true" : "false",
		        m.tied ? "tied (token_embd)" : "separate");
	}
	print_tokenizer(out, &g);
	struct error te;
	struct tokenizer *tok = tokenizer_load(&g, &te);
	if (tok) {
		char desc[512];
		tokenizer_describe(tok, desc, sizeof(desc));
		fprintf(out, "              loads as %s\n", desc);
		tokenizer_free(tok);
	} else {
		fprintf(out, "              does not load: %s\n", te.msg);
	}
	print_tensors(out, &g);
	if (described)
		info_kernels_and_cache(c, out, &m);
	gguf_close(&g);
	if (!described)
		return api_failf(err, TRIT_ERR_FORMAT, "%s: %s", path, me.msg);
	return 0;
}
