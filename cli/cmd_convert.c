/* cmd_convert.c: `trit convert`: re-encode a GGUF model's ternary tensors (and embeddings). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "format/convert.h"
#include "format/ggml_types.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: trit convert IN.gguf -o OUT.gguf --type T [--embd-type E]\n"
	        "Re-encodes the ternary BitLinear weights (blk.N.{attn_q,attn_k,attn_v,attn_output,ffn_gate,\n"
	        "ffn_up,ffn_down}.weight) to another storage type, keeping their values and per-tensor scale;\n"
	        "every key and every other tensor is copied as is. Like llama-quantize, for ternary models.\n\n"
	        "  -o, --output FILE   the GGUF file to write (required; written whole or not at all)\n"
	        "  --type T            ternary storage: i2_s, tq2_0, tq1_0, f16, bf16, f32\n"
	        "                      (tq1_0/tq2_0 need row lengths that are multiples of 256, i2_s of 128)\n"
	        "  --embd-type E       also re-encode token_embd/output.weight: f16, bf16, f32, q8_0, q4_k, q5_k, q6_k\n"
	        "                      (without --type, only the embeddings change)\n"
	        "  -h, --help          this text\n");
}

static uint32_t type_arg(const char *flag, const char *v, int ternary)
{
	int t = ggml_type_from_name(v);
	static const uint32_t dense[] = {GGML_TYPE_F32,  GGML_TYPE_F16,  GGML_TYPE_BF16, GGML_TYPE_Q8_0,
	                                 GGML_TYPE_Q4_K, GGML_TYPE_Q5_K, GGML_TYPE_Q6_K};
	int ok = 0;
	for (size_t i = 0; t >= 0 && i < COUNTOF(dense); i++)
		ok |= (uint32_t)t == dense[i];
	if (ternary)
		ok = t >= 0 && ggml_type_ternary((uint32_t)t);
	if (!ok)
		die("convert: %s: unknown type '%s' (%s)", flag, v,
		    ternary ? "i2_s, tq2_0, tq1_0, f16, bf16 or f32" : "f16, bf16, f32, q8_0, q4_k, q5_k or q6_k");
	return (uint32_t)t;
}

int cmd_convert(int argc, char **argv)
{
	const char *in = NULL, *out = NULL;
	struct convert_opts o = {0};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		}
		if (a[0] != '-') {
			if (in)
				die("convert: one input file expected, got '%s' and '%s'", in, a);
			in = a;
			continue;
		}
		if (i + 1 >= argc)
			die("convert: %s needs a value (see trit convert --help)", a);
		const char *v = argv[++i];
		if (!strcmp(a, "-o") || !strcmp(a, "--output"))
			out = v;
		else if (!strcmp(a, "--type")) {
			o.type = type_arg(a, v, 1);
			o.has_type = 1;
		} else if (!strcmp(a, "--embd-type")) {
			o.embd_type = type_arg(a, v, 0);
			o.has_embd_type = 1;
		} else
			die("convert: unknown option '%s' (see trit convert --help)", a);
	}
	if (!in)
		die("convert: missing the input model (usage: trit convert IN.gguf -o OUT.gguf --type T)");
	if (!out)
		die("convert: missing -o OUT.gguf");
	if (!o.has_type && !o.has_embd_type)
		die("convert: nothing to do: give --type and/or --embd-type (see trit convert --help)");

	struct convert_stats st;
	struct error e;
	double t0 = now_seconds();
	if (convert_model(in, out, &o, &st, &e))
		die("convert: %s", e.msg);
	if (st.n_scale_rounded)
		warn("convert: %d ternary scales rounded to fit %s (largest relative change %.2g)", st.n_scale_rounded,
		     ggml_type_name(o.type), st.max_scale_change);
	char what[128] = "";
	if (o.has_type)
		snprintf(what, sizeof(what), "%d ternary to %s, ", st.n_ternary, ggml_type_name(o.type));
	if (o.has_embd_type)
		snprintf(what + strlen(what), sizeof(what) - strlen(what), "%d embedding to %s, ", st.n_embd,
		         ggml_type_name(o.embd_type));
	fprintf(stderr, "converted %s -> %s: %d tensors (%s%d copied), %llu -> %llu bytes, %.1f s\n", in, out,
	        st.n_tensors, what, st.n_copied, (unsigned long long)st.bytes_in, (unsigned long long)st.bytes_out,
	        now_seconds() - t0);
	return 0;
}
