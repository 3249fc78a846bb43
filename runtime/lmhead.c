/* lmhead.c: the int8 output layer: its rows built at load, the logits through the row dot's per-ISA
 * forms (lmhead_forms.h). */
#include <stdlib.h>
#include <string.h>

#include "base/isa_table.h"
#include "base/util.h"
#include "kernel/kernel.h"
#include "format/ggml_types.h"
#include "runtime/lmhead.h"
#include "runtime/lmhead_forms.h"

static const struct isa_form forms[] = {
	{"scalar", 0, lmhead_set_scalar},
#ifdef ISA_X86
	{"avx2", CPUF_BIT(AVX2), lmhead_set_avx2},
	{"avxvnni", CPUF_BIT(AVX2) | CPUF_BIT(AVXVNNI), lmhead_set_avxvnni},
	{"avx512vnni", CPUF_BIT(AVX512F) | CPUF_BIT(AVX512BW) | CPUF_BIT(AVX512VNNI), lmhead_set_avx512vnni},
#endif
};

ISA_TABLE(lmhead_dots, struct lmhead_table, forms)

int lmhead_q8_dot_forms(const int8_t *w, const int8_t *x, int64_t n, int32_t out[4])
{
	int32_t sum = 0;
	for (int64_t i = 0; i < n; i++)
		sum += w[i];
	int k = 0;
	for (int i = 0; i < (int)COUNTOF(forms); i++) {
		struct lmhead_table t;
		if (isa_table_form(&t, forms, i, cpu_host()))
			out[k++] = t.dot(w, x, n, sum);
	}
	return k;
}

int lmhead_q8_build(struct lmhead_q8 *h, const struct gguf_tensor *t, int64_t rows, int64_t cols, struct error *e)
{
	memset(h, 0, sizeof(*h));
	if (cols > 65536) /* (x + 128)·w summed over the row must stay within int32 */
		return errorf(e, "--lm-head q8: rows of %lld values are longer than the 65536 it supports; use --lm-head file",
		              (long long)cols);
	h->rows = rows;
	h->cols = cols;
	h->w = malloc((size_t)rows * (size_t)cols + 64);
	h->inv_scale = malloc((size_t)rows * sizeof(float));
	h->row_sum = malloc((size_t)rows * sizeof(int32_t));
	float *buf = malloc((size_t)cols * sizeof(float));
	if (!h->w || !h->inv_scale || !h->row_sum || !buf) {
		free(buf);
		lmhead_q8_free(h);
		return errorf(e, "--lm-head q8: cannot allocate %.1f MiB for the int8 output layer",
		              (double)rows * (double)cols / 1048576.0);
	}
	for (int64_t r = 0; r < rows; r++) {
		int8_t *q = h->w + r * cols;
		ggml_decode_row(t->type, t->data, cols, rows, r, buf);
		h->inv_scale[r] = 1.0f / quantize_act(buf, cols, q);
		int32_t s = 0;
		for (int64_t i = 0; i < cols; i++)
			s += q[i];
		h->row_sum[r] = s;
	}
	free(buf);
	return 0;
}

void lmhead_q8_free(struct lmhead_q8 *h)
{
	free(h->w);
	free(h->inv_scale);
	free(h->row_sum);
	h->w = NULL;
	h->inv_scale = NULL;
	h->row_sum = NULL;
}

void lmhead_q8_rows(const struct lmhead_q8 *h, const int8_t *xq, const float *xs, int n, int64_t lo, int64_t hi,
                    float *logits, int64_t ld)
{
	lmhead_dot_fn dot = lmhead_dots()->dot;
	for (int64_t r = lo; r < hi; r++) {
		const int8_t *w = h->w + r * h->cols;
		for (int t = 0; t < n; t++)
			logits[t * ld + r] = dequant_out(dot(w, xq + t * h->cols, h->cols, h->row_sum[r]), h->inv_scale[r], xs[t]);
	}
}
