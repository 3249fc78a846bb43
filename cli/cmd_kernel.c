/* trit kernel: runs one kernel spec on weight and activation files, calling the JIT'd code
 * through libffi with the signature the generated IR declares. Needs LLVM: a --without-llvm build says so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "config.h" /* this build's, found through -I. (the build directory) */
#include "cli/cli.h"

#if TRIT_HAVE_LLVM
#include "gen/gen.h"
#include "jit/ffi_call.h"
#include "jit/jit.h"
#include "kernel/model_specs.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: trit kernel SPEC --in W.bin X.bin [--packed] [--out Y.bin]\n"
	           "  SPEC      a kernel spec, e.g. \"i2s m=256 k=256 n=1\" (omitted fields take defaults)\n"
	           "  W.bin     the ternary weights, int8 m×k row-major (values -1, 0, 1), or with\n"
	           "            --packed the spec's packed layout (pack_size bytes)\n"
	           "  X.bin     int8 activations, n×k row-major\n"
	           "  --out     write the int32 outputs (n×m, little-endian) to Y.bin instead of printing them\n");
}

/* reads a whole file that must be exactly want bytes */
static void *read_exact(const char *path, size_t want, const char *what, const char *shape)
{
	struct error e;
	size_t len;
	char *d = read_file(path, &len, &e);
	if (!d)
		die("kernel: %s", e.msg);
	if (len != want)
		die("kernel: %s %s has %zu bytes; the spec needs %s = %zu bytes", what, path, len, shape, want);
	return d;
}

int cmd_kernel(int argc, char **argv)
{
	const char *wpath = NULL, *xpath = NULL, *opath = NULL;
	int packed = 0;
	char spec_text[1024] = "";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--in") && i + 2 < argc) {
			wpath = argv[++i];
			xpath = argv[++i];
		} else if (!strcmp(a, "--out") && i + 1 < argc) {
			opath = argv[++i];
		} else if (!strcmp(a, "--packed")) {
			packed = 1;
		} else if (a[0] == '-') {
			die("kernel: unknown or incomplete option '%s' (see trit kernel --help)", a);
		} else {
			if (spec_text_append(spec_text, sizeof(spec_text), a) < 0)
				die("kernel: spec too long");
		}
	}
	if (!spec_text[0])
		die("kernel: missing SPEC (see trit kernel --help)");
	if (!wpath)
		die("kernel: missing --in W.bin X.bin");

	struct error e;
	struct kernel_spec s;
	if (spec_from_text(spec_text, -1, kernel_host_cpu(), &s, &e) < 0)
		die("kernel: %s", e.msg);
	if (spec_legal(&s, &e) < 0)
		die("kernel: %s", e.msg);
	char shape[64];
	size_t psize = pack_size(&s);
	uint8_t *w;
	if (packed) {
		w = read_exact(wpath, psize, "packed weights", "pack_size");
	} else {
		snprintf(shape, sizeof(shape), "m×k = %d×%d", s.m, s.k);
		int8_t *t = read_exact(wpath, (size_t)s.m * (size_t)s.k, "weights", shape);
		for (size_t i = 0; i < (size_t)s.m * (size_t)s.k; i++)
			if (t[i] < -1 || t[i] > 1)
				die("kernel: weights %s: byte %zu is %d; ternary weights are -1, 0 or 1 (or pass --packed)",
				    wpath, i, t[i]);
		w = xaligned_alloc(64, psize ? psize : 1);
		pack_weights(&s, t, w);
		free(t);
	}
	snprintf(shape, sizeof(shape), "n×k = %d×%d", s.n, s.k);
	int8_t *x = read_exact(xpath, (size_t)s.n * (size_t)s.k, "activations", shape);

	struct jit *j = jit_create(&e);
	if (!j)
		die("kernel: %s", e.msg);
	kernel_fn fn = jit_kernel(j, &s, &e);
	if (!fn)
		die("kernel: %s", e.msg);

	/* the signature to call through comes from the generator's IR, not from kernel.h */
	LLVMContextRef ctx = LLVMContextCreate();
	LLVMModuleRef m = LLVMModuleCreateWithNameInContext("sig", ctx);
	if (gen_emit(m, &s, "kernel", &e) < 0)
		die("kernel: %s", e.msg);
	struct ffi_sig *sig = ffi_sig_from_function(LLVMGetNamedFunction(m, "kernel"), &e);
	if (!sig)
		die("kernel: %s", e.msg);
	if (ffi_sig_nargs(sig) != 1)
		die("kernel: the generated kernel takes %d parameters; this command passes one kernel_args pointer",
		    ffi_sig_nargs(sig));

	size_t ss = kernel_scratch_size(&s);
	int32_t *y = xcalloc((size_t)s.n * (size_t)s.m, sizeof(*y));
	struct kernel_args ka = {
		.w = w, .x = x, .y = y, .ldx = s.k, .ldy = s.m, .n = s.n, .row0 = 0, .row1 = s.m,
		.scratch = xaligned_alloc(64, ss ? ss : 64),
	};
	const struct kernel_args *kap = &ka;
	void *args[1] = {&kap};
	ffi_sig_call(sig, (void *)(uintptr_t)fn, args, NULL);

	if (opath) {
		if (write_file_atomic(opath, y, (size_t)s.n * (size_t)s.m * sizeof(*y), &e) < 0)
			die("kernel: %s", e.msg);
	} else {
		for (int t = 0; t < s.n; t++)
			for (int r = 0; r < s.m; r++)
				printf("%d%c", y[(size_t)t * (size_t)s.m + (size_t)r], r + 1 == s.m ? '\n' : ' ');
	}
	ffi_sig_free(sig);
	LLVMDisposeModule(m);
	LLVMContextDispose(ctx);
	jit_destroy(j);
	free(ka.scratch);
	free(y);
	free(x);
	free(w);
	return 0;
}

#else

int cmd_kernel(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	die("kernel: this trit was built with --without-llvm; 'trit kernel' needs LLVM");
}

#endif
