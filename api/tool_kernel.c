/* tool_kernel.c: trit_kernel_run, one kernel spec on weight and activation files, calling the JIT'd
 * code through libffi with the signature the generated IR declares. requires: llvm */
#include <stdlib.h>
#include <string.h>

#include "api/tools.h"
#include "gen/gen.h"
#include "jit/ffi_call.h"
#include "jit/jit.h"

/* *out: a whole file that must be exactly want bytes (malloc'd); 0 or a negative trit_status */
static int read_exact(const char *path, size_t want, const char *what, const char *shape, void **out,
                      trit_error *err)
{
	struct error e;
	size_t len;
	char *d = read_file(path, &len, &e);
	if (!d)
		return api_fail(err, TRIT_ERR_IO, &e);
	if (len != want) {
		free(d);
		return api_failf(err, TRIT_ERR_ARG, "%s %s has %zu bytes; the spec needs %s = %zu bytes", what, path, len,
		                 shape, want);
	}
	*out = d;
	return 0;
}

/* *out: the weights in the spec's packed layout, read as they are (packed) or packed from ternary int8 */
static int read_weights(const struct kernel_spec *s, const char *path, int packed, uint8_t **out, trit_error *err)
{
	size_t psize = pack_size(s);
	if (packed)
		return read_exact(path, psize, "packed weights", "pack_size", (void **)out, err);
	char shape[64];
	snprintf(shape, sizeof(shape), "m×k = %d×%d", s->m, s->k);
	int8_t *t;
	int rc = read_exact(path, (size_t)s->m * (size_t)s->k, "weights", shape, (void **)&t, err);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < (size_t)s->m * (size_t)s->k; i++)
		if (t[i] < -1 || t[i] > 1) {
			rc = api_failf(err, TRIT_ERR_ARG,
			               "weights %s: byte %zu is %d; ternary weights are -1, 0 or 1 (or pass --packed)", path,
			               i, t[i]);
			free(t);
			return rc;
		}
	*out = xaligned_alloc(64, psize ? psize : 1);
	pack_weights(s, t, *out);
	free(t);
	return 0;
}

/* calls fn on w and x through the signature gen_emit declares for s; y receives n×m int32 */
static int call_through_ir(const struct kernel_spec *s, kernel_fn fn, const uint8_t *w, const int8_t *x, int32_t *y,
                           trit_error *err)
{
	struct error e;
	int rc = 0;
	LLVMContextRef ctx = LLVMContextCreate();
	LLVMModuleRef m = LLVMModuleCreateWithNameInContext("sig", ctx);
	struct ffi_sig *sig = NULL;
	if (gen_emit(m, s, "kernel", &e) < 0 || !(sig = ffi_sig_from_function(LLVMGetNamedFunction(m, "kernel"), &e))) {
		rc = api_fail(err, TRIT_ERR_ARG, &e);
	} else if (ffi_sig_nargs(sig) != 1) {
		rc = api_failf(err, TRIT_ERR_ARG,
		               "the generated kernel takes %d parameters; this command passes one kernel_args pointer",
		               ffi_sig_nargs(sig));
	} else {
		size_t ss = kernel_scratch_size(s);
		struct kernel_args ka = {
			.w = w, .x = x, .y = y, .ldx = s->k, .ldy = s->m, .n = s->n, .row0 = 0, .row1 = s->m,
			.scratch = xaligned_alloc(64, ss ? ss : 64),
		};
		const struct kernel_args *kap = &ka;
		void *args[1] = {&kap};
		ffi_sig_call(sig, (void *)(uintptr_t)fn, args, NULL);
		free(ka.scratch);
	}
	if (sig)
		ffi_sig_free(sig);
	LLVMDisposeModule(m);
	LLVMContextDispose(ctx);
	return rc;
}

/* the kernel for s from the tool JIT, run on w and x; *y: its n×m outputs (malloc'd) */
static int run(trit_ctx *c, const struct kernel_spec *s, const uint8_t *w, const int8_t *x, int32_t **y,
               trit_error *err)
{
	struct jit *j, *own;
	int rc = tool_jit(c, &j, &own, err);
	if (rc < 0)
		return rc;
	struct error e;
	kernel_fn fn = jit_kernel(j, s, &e);
	if (!fn) {
		rc = api_fail(err, TRIT_ERR_ARG, &e);
	} else {
		*y = xcalloc((size_t)s->n * (size_t)s->m, sizeof(**y));
		rc = call_through_ir(s, fn, w, x, *y, err);
	}
	if (own)
		jit_destroy(own);
	return rc;
}

int trit_kernel_run(trit_ctx *c, const trit_kernel_options *o, FILE *out, trit_error *err)
{
	if (!o->spec || !o->spec[0] || !o->weights || !o->activations)
		return api_failf(err, TRIT_ERR_ARG, "a kernel run needs a spec, a weights file and an activations file");
	struct error e;
	struct kernel_spec s;
	if (spec_from_text(o->spec, -1, &c->rt.cpu, &s, &e) < 0 || spec_legal(&s, &e) < 0)
		return api_fail(err, TRIT_ERR_ARG, &e);
	uint8_t *w = NULL;
	int8_t *x = NULL;
	int32_t *y = NULL;
	char shape[64];
	snprintf(shape, sizeof(shape), "n×k = %d×%d", s.n, s.k);
	int rc = read_weights(&s, o->weights, o->packed, &w, err);
	if (rc == 0)
		rc = read_exact(o->activations, (size_t)s.n * (size_t)s.k, "activations", shape, (void **)&x, err);
	if (rc == 0)
		rc = run(c, &s, w, x, &y, err);
	if (rc == 0 && o->output) {
		if (write_file_atomic(o->output, y, (size_t)s.n * (size_t)s.m * sizeof(*y), &e) < 0)
			rc = api_fail(err, TRIT_ERR_IO, &e);
	} else if (rc == 0) {
		for (int t = 0; t < s.n; t++)
			for (int r = 0; r < s.m; r++)
				fprintf(out, "%d%c", y[(size_t)t * (size_t)s.m + (size_t)r], r + 1 == s.m ? '\n' : ' ');
	}
	free(y);
	free(x);
	free(w);
	return rc;
}
