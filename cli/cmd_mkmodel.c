/* cmd_mkmodel.c: `trit mkmodel`: write a seeded random model for any architecture. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "cli/cli.h"
#include "include/trit.h"

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

int cmd_mkmodel(int argc, char **argv)
{
	const char *out = NULL;
	trit_mkmodel_options o;
	trit_mkmodel_options_default(&o);
	struct {
		const char *flag;
		int32_t *field;
		int64_t max;
	} dims[] = {
		{"--layers", &o.n_layer, 100000},   {"--embd", &o.n_embd, INT32_MAX / 3}, {"--ffn", &o.n_ff, INT32_MAX / 2},
		{"--heads", &o.n_head, 100000},     {"--kv-heads", &o.n_head_kv, 100000}, {"--vocab", &o.n_vocab, INT32_MAX},
		{"--ctx", &o.n_ctx, INT32_MAX},
	};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		}
		if (a[0] != '-') {
			if (o.description)
				die("mkmodel: one description expected, got '%s' and '%s'", o.description, a);
			o.description = a;
			continue;
		}
		if (i + 1 >= argc)
			die("mkmodel: %s needs a value (see trit mkmodel --help)", a);
		const char *v = argv[++i];
		size_t d = 0;
		while (d < COUNTOF(dims) && strcmp(a, dims[d].flag))
			d++;
		if (d < COUNTOF(dims))
			*dims[d].field = (int32_t)int_arg(a, v, dims[d].max);
		else if (!strcmp(a, "-o") || !strcmp(a, "--output"))
			out = v;
		else if (!strcmp(a, "--type"))
			o.type = v;
		else if (!strcmp(a, "--embd-type"))
			o.embd_type = v;
		else if (!strcmp(a, "--seed"))
			o.seed = (uint64_t)int_arg(a, v, INT64_MAX);
		else if (!strcmp(a, "--vocab-from"))
			o.vocab_from = v;
		else
			die("mkmodel: unknown option '%s' (see trit mkmodel --help)", a);
	}
	if (!o.description)
		die("mkmodel: missing the model description (e.g. models/tiny.trit; see trit mkmodel --help)");
	if (!out)
		die("mkmodel: missing -o FILE");
	trit_mkmodel_result r;
	trit_error err;
	if (trit_mkmodel(&o, out, &r, &err) < 0)
		die("%s", err.msg);
	fprintf(stderr, "wrote %s (%s, %s weights, seed %llu) in %.1f s\n", out, r.arch, r.type,
	        (unsigned long long)o.seed, r.seconds);
	return 0;
}
