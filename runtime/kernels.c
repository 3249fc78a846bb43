#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "config.h"
#include "kernel/model_specs.h"
#include "kernel/aot_kernels.h"
#include "runtime/kernels.h"
#include "tune/tunedb.h"
#if TRIT_HAVE_LLVM
#include "jit/jit.h"
#endif

int kernel_choice_parse(const char *s, enum kernel_choice *out)
{
	static const char *names[] = {"auto", "i2s", "tl1", "tl2", "ref"};
	for (int i = 0; i < (int)COUNTOF(names); i++)
		if (!strcmp(s, names[i])) {
			*out = (enum kernel_choice)i;
			return 0;
		}
	return -1;
}

static void provider_init(struct kernel_provider *p, enum kernel_choice choice, const struct kernel_env *env,
                          int plan_only)
{
	static const struct kernel_env plain = {0};
	memset(p, 0, sizeof(*p));
	p->env = env ? env : &plain;
	p->choice = choice;
	p->cpu = p->env->cpu ? p->env->cpu : cpu_host();
	p->plan_only = plan_only;
	p->jit = choice != KC_REF ? p->env->jit : NULL;
}

void kprov_init(struct kernel_provider *p, enum kernel_choice choice, const struct kernel_env *env)
{
	provider_init(p, choice, env, 0);
}

void kprov_init_plan(struct kernel_provider *p, enum kernel_choice choice, const struct kernel_env *env)
{
	provider_init(p, choice, env, 1);
}

/* code without the JIT: an AOT kernel of the spec (or of its scalar twin, or of the scalar default
 * the AOT object may carry), else the reference of the spec at the scalar tier (packing and the
 * reference do not depend on the tier) */
static void resolve_without_jit(struct kernel_provider *p, struct kernel_handle *h)
{
	struct kernel_spec s = h->spec;
	if ((h->fn = aot_lookup(&s))) {
		h->code = KCODE_AOT;
		return;
	}
	s.isa = ISA_SCALAR;
	if ((h->fn = aot_lookup(&s))) {
		h->spec = s;
		h->code = KCODE_AOT;
		return;
	}
	struct kernel_spec d;
	if (spec_default(&d, s.kind, ISA_SCALAR, s.m, s.k, s.n, p->cpu, NULL) == 0 && (h->fn = aot_lookup(&d))) {
		h->spec = d;
		h->origin = KORIGIN_HEURISTIC;
		h->code = KCODE_AOT;
		return;
	}
	h->spec = s;
	h->code = KCODE_REF;
}

/* fills h with the function for its spec: JIT code when possible, else AOT, else the reference */
static void resolve_fn(struct kernel_provider *p, struct kernel_handle *h)
{
	h->fn = NULL;
	h->dense = 0;
	h->code = KCODE_REF;
	int done = 0;
#if TRIT_HAVE_LLVM
	if (p->jit && h->spec.isa != ISA_SCALAR) {
		if (p->plan_only) {
			h->code = KCODE_JIT;
			done = 1;
		} else {
			struct error je;
			h->fn = jit_kernel(p->jit, &h->spec, &je);
			if (h->fn) {
				h->code = KCODE_JIT;
				done = 1;
			} else if (!p->jit_failed_warned++) {
				log_to(p->env->log, LOG_WARN, "JIT kernel failed (%s); using AOT or reference kernels", je.msg);
			}
		}
	}
#endif
	if (!done)
		resolve_without_jit(p, h);
	h->scratch = kernel_scratch_size(&h->spec);
}

/* the ISA tier of heuristic specs for n tokens per call: the best one when code for it can exist (the
 * JIT makes any tier; AOT objects carry the vector tiers, not AMX) */
static enum isa default_isa(const struct kernel_provider *p, enum kernel_kind kind, int32_t n)
{
	if (p->choice == KC_REF)
		return ISA_SCALAR;
	if (p->jit)
		return isa_best(kind, n, p->cpu);
	if (aot_count() > 0)
		return isa_best(kind, 1, p->cpu);
	return ISA_SCALAR;
}

/* the GEMV and GEMM of one kind: tuned specs where `trit tune` measured this kind fastest (the GEMM
 * only at exactly the runtime's tile), else spec_default's */
static int try_kind(struct kernel_provider *p, enum kernel_kind kind, int32_t m, int32_t k, int32_t tile,
                    const struct kernel_spec *tuned_gemv, struct kernel_handle *gemv, struct kernel_handle *gemm,
                    struct error *e)
{
	enum isa isa = default_isa(p, kind, 1);
	memset(gemv, 0, sizeof(*gemv));
	memset(gemm, 0, sizeof(*gemm));
	if (tuned_gemv && tuned_gemv->kind == kind && tuned_gemv->n == 1) {
		gemv->spec = *tuned_gemv;
		gemv->origin = KORIGIN_TUNED;
	} else if (spec_default(&gemv->spec, kind, isa, m, k, 1, p->cpu, e) < 0) {
		return -1;
	}
	struct kernel_spec tg;
	int tuned = p->choice != KC_REF && p->env->records &&
	            tune_table_lookup(p->env->records, m, k, tile, &tg) == 0 && tg.kind == kind && tg.n == tile;
	if (tuned) { /* a tuned row only stands when it beat today's default, AMX included (tunedb.h) */
		gemm->spec = tg;
		gemm->origin = KORIGIN_TUNED;
	} else if (spec_default(&gemm->spec, kind, default_isa(p, kind, tile), m, k, tile, p->cpu, NULL) < 0) {
		/* the GEMV tiles with a larger n, else the GEMV itself token by token */
		gemm->spec = gemv->spec;
		gemm->origin = gemv->origin;
		gemm->spec.n = tile;
		if (spec_legal(&gemm->spec, NULL) < 0)
			gemm->spec = gemv->spec;
	}
	resolve_fn(p, gemv);
	resolve_fn(p, gemm);
	if (gemm->spec.isa == ISA_AMX && gemm->fn) {
		/* below 8 tokens the vector GEMM beats the AMX one (2560x2560, 2 tokens: 82 vs 237 us) */
		struct kernel_handle v = {.origin = KORIGIN_HEURISTIC};
		if (spec_default(&v.spec, kind, isa, m, k, tile, p->cpu, NULL) == 0) {
			resolve_fn(p, &v);
			if (v.fn && v.code == KCODE_JIT && v.scratch == 0) {
				gemm->small_fn = v.fn;
				gemm->small_below = 8;
			}
		}
	}
	return 0;
}

int kprov_get(struct kernel_provider *p, int32_t m, int32_t k, int32_t tile, struct kernel_handle *gemv,
              struct kernel_handle *gemm, struct error *e)
{
	static const enum kernel_kind order[] = {KIND_I2S, KIND_TL2, KIND_TL1};
	struct error err = {{0}};
	struct kernel_spec tuned;
	const struct kernel_spec *t = NULL;
	if (p->choice != KC_REF && p->env->records && tune_table_lookup(p->env->records, m, k, 1, &tuned) == 0)
		t = &tuned;
	switch (p->choice) {
	case KC_I2S:
		return try_kind(p, KIND_I2S, m, k, tile, t, gemv, gemm, e);
	case KC_TL1:
		return try_kind(p, KIND_TL1, m, k, tile, t, gemv, gemm, e);
	case KC_TL2:
		return try_kind(p, KIND_TL2, m, k, tile, t, gemv, gemm, e);
	default:
		break;
	}
	if (t && try_kind(p, t->kind, m, k, tile, t, gemv, gemm, &err) == 0)
		return 0;
	for (int i = 0; i < (int)COUNTOF(order); i++)
		if (try_kind(p, order[i], m, k, tile, NULL, gemv, gemm, &err) == 0)
			return 0;
	/* no kind holds this shape: the plain int8 matrix through ref_dense */
	memset(gemv, 0, sizeof(*gemv));
	gemv->dense = 1;
	gemv->spec.kind = KIND_I2S;
	gemv->spec.isa = ISA_SCALAR;
	gemv->spec.m = m;
	gemv->spec.k = k;
	gemv->spec.n = 1;
	gemv->spec.bm = 1;
	gemv->spec.bk = k;
	gemv->spec.rb = 1;
	gemv->spec.unroll = 1;
	gemv->spec.threads = 1;
	*gemm = *gemv;
	gemm->spec.n = tile;
	return 0;
}

int kprov_cached(const struct kernel_provider *p, const struct kernel_handle *h)
{
	if (h->code != KCODE_JIT || !p->jit)
		return -1;
#if TRIT_HAVE_LLVM
	char path[4400];
	jit_cache_path(p->jit, &h->spec, path, sizeof(path));
	return access(path, R_OK) == 0;
#else
	return -1;
#endif
}

void kprov_compile_stats(const struct kernel_provider *p, int *compiled, double *seconds)
{
	*compiled = 0;
	*seconds = 0;
#if TRIT_HAVE_LLVM
	int hits;
	if (p->jit)
		jit_stats(p->jit, compiled, &hits, seconds);
#else
	(void)p;
#endif
}

const char *korigin_name(enum kernel_origin o)
{
	return o == KORIGIN_TUNED ? "tuned" : "heuristic";
}

const char *kcode_name(enum kernel_code c)
{
	return c == KCODE_JIT ? "jit" : c == KCODE_AOT ? "aot" : "reference";
}

size_t khandle_pack_size(const struct kernel_handle *h)
{
	if (h->dense)
		return (size_t)h->spec.m * (size_t)h->spec.k;
	return pack_size(&h->spec);
}

void khandle_pack(const struct kernel_handle *h, const int8_t *t, uint8_t *out)
{
	if (h->dense)
		memcpy(out, t, (size_t)h->spec.m * (size_t)h->spec.k);
	else
		pack_weights(&h->spec, t, out);
}

void khandle_call(const struct kernel_handle *h, const struct kernel_args *a)
{
	if (h->small_fn && a->n < h->small_below) {
		h->small_fn(a);
	} else if (h->fn) {
		h->fn(a);
	} else if (h->dense) {
		const int8_t *w = (const int8_t *)a->w + (size_t)a->row0 * (size_t)h->spec.k;
		ref_dense(w, a->row1 - a->row0, h->spec.k, a->x, a->ldx, a->n, a->y + a->row0, a->ldy);
	} else {
		ref_kernel(&h->spec, a);
	}
}

void khandle_describe(const struct kernel_handle *h, char *buf, size_t len)
{
	if (h->dense) {
		snprintf(buf, len, "dense int8 reference m=%d k=%d", h->spec.m, h->spec.k);
		return;
	}
	spec_format(&h->spec, buf, len);
	size_t n = strlen(buf);
	if (n + 24 < len)
		snprintf(buf + n, len - n, " (%s, %s)", korigin_name(h->origin), kcode_name(h->code));
}
