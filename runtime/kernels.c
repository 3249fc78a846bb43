#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "runtime/kernels.h"
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

int kprov_init(struct kernel_provider *p, enum kernel_choice choice, struct error *e)
{
	memset(p, 0, sizeof(*p));
	p->choice = choice;
	p->cpu = cpu_host();
#if TRIT_HAVE_LLVM
	if (choice != KC_REF && !getenv("TRIT_NO_JIT")) {
		struct error je;
		p->jit = jit_create(&je);
		if (!p->jit)
			warn("JIT unavailable (%s); using the reference kernels", je.msg);
	}
#endif
	(void)e;
	return 0;
}

void kprov_free(struct kernel_provider *p)
{
#if TRIT_HAVE_LLVM
	if (p->jit)
		jit_destroy(p->jit);
#endif
	p->jit = NULL;
}

/* fills h with the function for its spec: JIT code when possible, else the reference */
static int resolve_fn(struct kernel_provider *p, struct kernel_handle *h, struct error *e)
{
	h->fn = NULL;
	h->dense = 0;
#if TRIT_HAVE_LLVM
	if (p->jit && h->spec.isa != ISA_SCALAR) {
		struct error je;
		h->fn = jit_kernel(p->jit, &h->spec, &je);
		if (!h->fn) {
			if (!p->jit_failed_warned++)
				warn("JIT kernel failed (%s); using the reference kernels", je.msg);
			struct kernel_spec s = h->spec;
			if (spec_default(&h->spec, s.kind, ISA_SCALAR, s.m, s.k, s.n, p->cpu, e) < 0)
				return -1;
		}
	}
#else
	(void)p;
	(void)e;
#endif
	h->scratch = kernel_scratch_size(&h->spec);
	return 0;
}

static int try_kind(struct kernel_provider *p, enum kernel_kind kind, int32_t m, int32_t k, int32_t tile,
                    struct kernel_handle *gemv, struct kernel_handle *gemm, struct error *e)
{
	enum isa isa = ISA_SCALAR;
	if (p->choice != KC_REF && p->jit)
		isa = isa_best(kind, p->cpu);
	memset(gemv, 0, sizeof(*gemv));
	memset(gemm, 0, sizeof(*gemm));
	if (spec_default(&gemv->spec, kind, isa, m, k, 1, p->cpu, e) < 0)
		return -1;
	if (spec_default(&gemm->spec, kind, isa, m, k, tile, p->cpu, NULL) < 0) {
		/* the GEMV tiles with a larger n, else the GEMV itself token by token */
		gemm->spec = gemv->spec;
		gemm->spec.n = tile;
		if (spec_legal(&gemm->spec, NULL) < 0)
			gemm->spec = gemv->spec;
	}
	if (resolve_fn(p, gemv, e) < 0 || resolve_fn(p, gemm, e) < 0)
		return -1;
	return 0;
}

int kprov_get(struct kernel_provider *p, int32_t m, int32_t k, int32_t tile, struct kernel_handle *gemv,
              struct kernel_handle *gemm, struct error *e)
{
	static const enum kernel_kind order[] = {KIND_I2S, KIND_TL2, KIND_TL1};
	struct error err = {{0}};
	switch (p->choice) {
	case KC_I2S:
		return try_kind(p, KIND_I2S, m, k, tile, gemv, gemm, e);
	case KC_TL1:
		return try_kind(p, KIND_TL1, m, k, tile, gemv, gemm, e);
	case KC_TL2:
		return try_kind(p, KIND_TL2, m, k, tile, gemv, gemm, e);
	default:
		break;
	}
	for (int i = 0; i < (int)COUNTOF(order); i++)
		if (try_kind(p, order[i], m, k, tile, gemv, gemm, &err) == 0)
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
	if (h->fn) {
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
	if (n + 16 < len)
		snprintf(buf + n, len - n, " (%s)", h->fn ? "jit" : "reference");
}
