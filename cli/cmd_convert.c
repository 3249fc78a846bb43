/* cmd_convert.c: `trit convert`: re-encode a GGUF model's ternary tensors (and embeddings). */
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "cli/cli.h"
#include "include/trit.h"

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

int cmd_convert(int argc, char **argv)
{
	const char *in = NULL, *out = NULL;
	trit_convert_options o;
	trit_convert_options_default(&o);
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
		else if (!strcmp(a, "--type"))
			o.type = v;
		else if (!strcmp(a, "--embd-type"))
			o.embd_type = v;
		else
			die("convert: unknown option '%s' (see trit convert --help)", a);
	}
	trit_convert_result st;
	trit_error err;
	if (trit_convert(in, out, &o, &st, &err) < 0)
		die("%s", err.msg);
	if (st.n_scale_rounded)
		warn("convert: %d ternary scales rounded to fit %s (largest relative change %.2g)", st.n_scale_rounded,
		     st.type, st.max_scale_change);
	char what[128] = "";
	if (st.type[0])
		snprintf(what, sizeof(what), "%d ternary to %s, ", st.n_ternary, st.type);
	if (st.embd_type[0])
		snprintf(what + strlen(what), sizeof(what) - strlen(what), "%d embedding to %s, ", st.n_embd,
		         st.embd_type);
	fprintf(stderr, "converted %s -> %s: %d tensors (%s%d copied), %llu -> %llu bytes, %.1f s\n", in, out,
	        st.n_tensors, what, st.n_copied, (unsigned long long)st.bytes_in, (unsigned long long)st.bytes_out,
	        st.seconds);
	return 0;
}
