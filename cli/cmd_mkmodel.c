/* cmd_mkmodel.c: `trit mkmodel`: write a seeded random model for any architecture. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "ir/ir.h"
#include "format/ggml_types.h"
#include "format/mkmodel.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: trit mkmodel DESCRIPTION.trit -o FILE [options]\n"
	        "Writes a GGUF model with seeded random ternary weights, the keys and tensor names real\n"
	        "files of the description's architecture use, and a synthetic tokenizer.\n\n"
	        "  -o, --output FILE     the GGUF file to write (required)\n"
	        "  --type T              ternary storage: i2_s (default), tq2_0, tq1_0, f16, bf16, f32\n"
	        "  --embd-type T         token_embd/output storage: f16 (default), f32, bf16, q8_0, q4_k, q5_k, q6_k\n"
	        "  --seed N              random seed (default 1); the same seed gives the same bytes\n"
	        "  --layers N  --embd N  --ffn N  --heads N  --kv-heads N  --vocab N  --ctx N\n"
	        "                        override the description's dimensions\n"
	        "  --vocab-from FILE     copy the tokenizer (tokenizer.* keys) of another GGUF file\n"
	        "  -h, --help            this text\n");
}

/* a positive integer option value; dies with a clear message otherwise */
static int64_t int_arg(const char *flag, const char *v, int64_t max)
{
	char *end;
	errno = 0;
	long long x = strtoll(v, &end, 10);
	if (errno || end == v || *end || x < 1 || x > max)
		die("mkmodel: %s expects an integer between 1 and %lld, got '%s'", flag, (long long)max, v);
	return x;
}

static uint32_t type_arg(const char *flag, const char *v)
{
	int t = ggml_type_from_name(v);
	if (t < 0)
		die("mkmodel: %s: unknown type '%s' (see trit mkmodel --help)", flag, v);
	return (uint32_t)t;
}

/* dies unless the directory that will hold path is writable (checked before the long generation) */
static void check_writable(const char *path)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = 0;
	else
		*slash = 0;
	if (access(dir, W_OK) != 0)
		die("mkmodel: cannot write '%s': directory '%s': %s", path, dir, strerror(errno));
}

int cmd_mkmodel(int argc, char **argv)
{
	const char *desc = NULL, *out = NULL;
	struct mkmodel_opts o = {.type = GGML_TYPE_I2_S, .embd_type = GGML_TYPE_F16, .seed = 1};
	struct {
		const char *flag;
		int32_t *field;
		int64_t max;
		int32_t value;
	} dims[] = {
		{"--layers", &o.model.n_layer, 100000, 0}, {"--embd", &o.model.n_embd, INT32_MAX / 3, 0},
		{"--ffn", &o.model.n_ff, INT32_MAX / 2, 0},  {"--heads", &o.model.n_head, 100000, 0},
		{"--kv-heads", &o.model.n_head_kv, 100000, 0}, {"--vocab", &o.model.n_vocab, INT32_MAX, 0},
		{"--ctx", &o.model.n_ctx, INT32_MAX, 0},
	};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		}
		if (a[0] != '-') {
			if (desc)
				die("mkmodel: one description expected, got '%s' and '%s'", desc, a);
			desc = a;
			continue;
		}
		if (i + 1 >= argc)
			die("mkmodel: %s needs a value (see trit mkmodel --help)", a);
		const char *v = argv[++i];
		size_t d = 0;
		while (d < COUNTOF(dims) && strcmp(a, dims[d].flag))
			d++;
		if (d < COUNTOF(dims))
			dims[d].value = (int32_t)int_arg(a, v, dims[d].max);
		else if (!strcmp(a, "-o") || !strcmp(a, "--output"))
			out = v;
		else if (!strcmp(a, "--type"))
			o.type = type_arg(a, v);
		else if (!strcmp(a, "--embd-type"))
			o.embd_type = type_arg(a, v);
		else if (!strcmp(a, "--seed"))
			o.seed = (uint64_t)int_arg(a, v, INT64_MAX);
		else if (!strcmp(a, "--vocab-from"))
			o.vocab_from = v;
		else
			die("mkmodel: unknown option '%s' (see trit mkmodel --help)", a);
	}
	if (!desc)
		die("mkmodel: missing the model description (e.g. models/tiny.trit; see trit mkmodel --help)");
	if (!out)
		die("mkmodel: missing -o FILE");

	struct ir_file f;
	struct error e;
	if (ir_parse_file(desc, &f, &e))
		die("%s", e.msg);
	if (!f.has_model)
		die("mkmodel: %s: no model description in this file", desc);
	o.model = f.model;
	ir_free(&f);
	for (size_t d = 0; d < COUNTOF(dims); d++)
		if (dims[d].value)
			*dims[d].field = dims[d].value;
	model_derive_linears(&o.model);
	if (mkmodel_check(&o, &e))
		die("mkmodel: %s: %s", desc, e.msg);
	check_writable(out);
	double t0 = now_seconds();
	if (mkmodel_write(&o, out, &e))
		die("mkmodel: %s", e.msg);
	fprintf(stderr, "wrote %s (%s, %s weights, seed %llu) in %.1f s\n", out, o.model.arch, ggml_type_name(o.type),
	        (unsigned long long)o.seed, now_seconds() - t0);
	return 0;
}
