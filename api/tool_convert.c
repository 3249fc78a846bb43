/* tool_convert.c: trit_convert, re-encoding a GGUF model's ternary tensors and embeddings
 * (format/convert.c). */
#include <stdio.h>
#include <string.h>

#include "api/internal.h"
#include "format/convert.h"
#include "format/ggml_types.h"

void trit_convert_options_default(trit_convert_options *o) { memset(o, 0, sizeof(*o)); }

static int type_arg(const char *flag, const char *v, int ternary, uint32_t *out, trit_error *err)
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
		return api_failf(err, TRIT_ERR_ARG, "convert: %s: unknown type '%s' (%s)", flag, v,
		                 ternary ? "i2_s, tq2_0, tq1_0, f16, bf16 or f32" : "f16, bf16, f32, q8_0, q4_k, q5_k or q6_k");
	*out = (uint32_t)t;
	return 0;
}

int trit_convert(const char *in, const char *out, const trit_convert_options *opt, trit_convert_result *r,
                 trit_error *err)
{
	if (!in)
		return api_failf(err, TRIT_ERR_ARG,
		                 "convert: missing the input model (usage: trit convert IN.gguf -o OUT.gguf --type T)");
	if (!out)
		return api_failf(err, TRIT_ERR_ARG, "convert: missing -o OUT.gguf");
	struct convert_opts o = {0};
	if (opt && opt->type) {
		if (type_arg("--type", opt->type, 1, &o.type, err) < 0)
			return TRIT_ERR_ARG;
		o.has_type = 1;
	}
	if (opt && opt->embd_type) {
		if (type_arg("--embd-type", opt->embd_type, 0, &o.embd_type, err) < 0)
			return TRIT_ERR_ARG;
		o.has_embd_type = 1;
	}
	if (!o.has_type && !o.has_embd_type)
		return api_failf(err, TRIT_ERR_ARG,
		                 "convert: nothing to do: give --type and/or --embd-type (see trit convert --help)");
	struct convert_stats st;
	struct error e;
	double t0 = now_seconds();
	if (convert_model(in, out, &o, &st, &e))
		return api_failf(err, TRIT_ERR_FORMAT, "convert: %s", e.msg);
	if (r) {
		memset(r, 0, sizeof(*r));
		r->n_tensors = st.n_tensors;
		r->n_ternary = st.n_ternary;
		r->n_embd = st.n_embd;
		r->n_copied = st.n_copied;
		r->bytes_in = st.bytes_in;
		r->bytes_out = st.bytes_out;
		r->n_scale_rounded = st.n_scale_rounded;
		r->max_scale_change = st.max_scale_change;
		if (o.has_type)
			snprintf(r->type, sizeof r->type, "%s", ggml_type_name(o.type));
		if (o.has_embd_type)
			snprintf(r->embd_type, sizeof r->embd_type, "%s", ggml_type_name(o.embd_type));
		r->seconds = now_seconds() - t0;
	}
	return TRIT_OK;
}
