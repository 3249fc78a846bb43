/* convert.c: the model re-encoder behind `trit convert`. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/half.h"
#include "format/convert.h"
#include "format/ggml_types.h"
#include "format/gguf.h"
#include "format/mkmodel.h"

/* one output tensor produced at write time */
struct job {
	const char *path;  /* the input file, for messages */
	const struct gguf_tensor *src;
	uint32_t type;     /* output type */
	int64_t ne0, ne1;  /* ne1 = the product of the other dimensions */
	struct convert_stats *st;
};

int convert_is_bitlinear(const char *name)
{
	static const char *const proj[] = {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"};
	if (strncmp(name, "blk.", 4))
		return 0;
	const char *p = name + 4;
	if (*p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p++ != '.')
		return 0;
	for (size_t i = 0; i < COUNTOF(proj); i++) {
		size_t n = strlen(proj[i]);
		if (!strncmp(p, proj[i], n) && !strcmp(p + n, ".weight"))
			return 1;
	}
	return 0;
}

/* the scale the target type stores for alpha */
static float stored_scale(uint32_t type, float alpha)
{
	switch (type) {
	case GGML_TYPE_F16:
	case GGML_TYPE_TQ1_0:
	case GGML_TYPE_TQ2_0: return f16_to_f32(f32_to_f16(alpha));
	case GGML_TYPE_BF16: return bf16_to_f32(f32_to_bf16(alpha));
	default: return alpha;
	}
}

static int fill_ternary(void *ctx, void *buf, uint64_t nbytes, struct error *e)
{
	(void)nbytes;
	const struct job *j = ctx;
	int8_t *t = xmalloc((size_t)(j->ne0 * j->ne1));
	float alpha = 0;
	struct error te;
	int r = -1;
	if (ternary_decode(j->src->type, j->src->data, j->src->nbytes, j->ne0, j->ne1, t, &alpha, &te)) {
		errorf(e, "%s: tensor '%s' (%s): %s", j->path, j->src->name, ggml_type_name(j->src->type), te.msg);
		goto out;
	}
	float s = stored_scale(j->type, alpha);
	if (alpha != 0 && (s == 0 || !isfinite(s))) {
		errorf(e, "%s: tensor '%s': its scale %g is out of %s's range", j->path, j->src->name, alpha,
		       ggml_type_name(j->type));
		goto out;
	}
	if (s != alpha) {
		j->st->n_scale_rounded++;
		j->st->max_scale_change = fmax(j->st->max_scale_change, fabs((double)s - alpha) / alpha);
	}
	ternary_encode(j->type, t, alpha, j->ne0, j->ne1, buf);
	r = 0;
out:
	free(t);
	return r;
}

/* dense rows decoded to float and re-encoded, a few MB of floats at a time */
static int fill_dense(void *ctx, void *buf, uint64_t nbytes, struct error *e)
{
	(void)nbytes;
	(void)e;
	const struct job *j = ctx;
	int64_t row_ne[2] = {j->ne0, 1};
	uint64_t row_bytes = 0;
	ggml_tensor_nbytes(j->type, row_ne, 2, &row_bytes, NULL);
	int64_t chunk = MAX(1, ((int64_t)1 << 20) / j->ne0);
	float *x = xmalloc((size_t)(MIN(chunk, j->ne1) * j->ne0) * sizeof(float));
	for (int64_t row = 0; row < j->ne1; row += chunk) {
		int64_t rows = MIN(chunk, j->ne1 - row);
		for (int64_t r = 0; r < rows; r++)
			ggml_decode_row(j->src->type, j->src->data, j->ne0, j->ne1, row + r, x + r * j->ne0);
		dense_encode(j->type, x, j->ne0, rows, (uint8_t *)buf + (uint64_t)row * row_bytes);
	}
	free(x);
	return 0;
}

static const char *type_name(uint32_t type)
{
	const char *n = ggml_type_name(type);
	return n ? n : "?";
}

/* "[a, b, ...]" */
static const char *shape_str(const struct gguf_tensor *t, char *buf, size_t len)
{
	size_t k = (size_t)snprintf(buf, len, "[");
	for (uint32_t d = 0; d < t->n_dims && k < len; d++)
		k += (size_t)snprintf(buf + k, len - k, "%s%lld", d ? ", " : "", (long long)t->ne[d]);
	if (k < len)
		snprintf(buf + k, len - k, "]");
	return buf;
}

/* decides what happens to tensor t: its job's output type and fill function (NULL: copied) */
static int plan(const char *path, const struct gguf_tensor *t, const struct convert_opts *o, struct job *j,
                gguf_fill_fn *fill, struct error *e)
{
	char shape[128];
	struct error te;
	uint64_t nbytes;
	j->type = t->type;
	*fill = NULL;
	int ternary = convert_is_bitlinear(t->name) || t->type == GGML_TYPE_I2_S || t->type == GGML_TYPE_TQ1_0 ||
	              t->type == GGML_TYPE_TQ2_0;
	int embd = !strcmp(t->name, "token_embd.weight") || !strcmp(t->name, "output.weight");
	if (ternary && o->has_type) {
		if (!ggml_type_ternary(t->type))
			return errorf(e, "%s: tensor '%s' is %s, not a ternary storage type (F32, F16, BF16, TQ1_0, TQ2_0, I2_S): "
			              "trit convert re-encodes ternary (BitNet b1.58) models only",
			              path, t->name, type_name(t->type));
		j->type = o->type;
		*fill = fill_ternary;
	} else if (embd && o->has_embd_type && t->type != o->embd_type) {
		if (!ggml_type_decodable(t->type))
			return errorf(e, "%s: tensor '%s' is %s, which trit cannot decode to re-encode it as %s", path, t->name,
			              type_name(t->type), type_name(o->embd_type));
		j->type = o->embd_type;
		*fill = fill_dense;
	}
	if (*fill && ggml_tensor_nbytes(j->type, t->ne, t->n_dims, &nbytes, &te) < 0)
		return errorf(e, "%s: tensor '%s' %s cannot be stored as %s: %s", path, t->name,
		              shape_str(t, shape, sizeof(shape)), type_name(j->type), te.msg);
	return 0;
}

int convert_model(const char *in, const char *out, const struct convert_opts *o, struct convert_stats *st,
                  struct error *e)
{
	memset(st, 0, sizeof(*st));
	struct gguf g;
	if (gguf_open(&g, in, e))
		return -1;
	struct gguf_writer *w = gguf_writer_new();
	struct job *jobs = xcalloc(g.n_tensors ? (size_t)g.n_tensors : 1, sizeof(*jobs));
	int r = -1;
	for (uint64_t i = 0; i < g.n_kv; i++)
		gguf_w_copy_kv(w, &g.kv[i]);
	if (o->has_type)
		gguf_w_u32(w, "general.file_type", mkmodel_file_type(o->type));
	for (uint64_t i = 0; i < g.n_tensors; i++) {
		const struct gguf_tensor *t = &g.tensors[i];
		struct job *j = &jobs[i];
		gguf_fill_fn fill;
		if (plan(in, t, o, j, &fill, e))
			goto out;
		j->path = in;
		j->src = t;
		j->ne0 = t->ne[0];
		j->ne1 = t->ne[1] * t->ne[2] * t->ne[3];
		j->st = st;
		st->n_tensors++;
		if (!fill) {
			st->n_copied++;
			gguf_w_tensor(w, t->name, t->type, t->n_dims, t->ne, t->data, t->nbytes);
			continue;
		}
		uint64_t nbytes;
		ggml_tensor_nbytes(j->type, t->ne, t->n_dims, &nbytes, NULL);
		if (fill == fill_ternary)
			st->n_ternary++;
		else
			st->n_embd++;
		gguf_w_tensor_fill(w, t->name, j->type, t->n_dims, t->ne, nbytes, fill, j);
	}
	if (gguf_writer_write(w, out, e))
		goto out;
	struct stat sb;
	st->bytes_in = g.size;
	st->bytes_out = stat(out, &sb) == 0 ? (uint64_t)sb.st_size : 0;
	r = 0;
out:
	free(jobs);
	gguf_writer_free(w);
	gguf_close(&g);
	return r;
}
