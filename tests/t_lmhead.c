/* t_lmhead.c: the int8 output layer (--lm-head q8): every dot-product form of this CPU equals the plain
 * sum (random and extreme rows, every length tail), and the logits of a built head match the float
 * formula of quantized rows and hidden states. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/half.h"
#include "base/rng.h"
#include "kernel/kernel.h"
#include "format/ggml_types.h"
#include "runtime/lmhead.h"
#include "runtime/rowdot.h"
#include "tests/test.h"

static int32_t plain_dot(const int8_t *w, const int8_t *x, int64_t n)
{
	int32_t s = 0;
	for (int64_t i = 0; i < n; i++)
		s += (int32_t)w[i] * x[i];
	return s;
}

TEST(every_dot_form_equals_the_plain_sum)
{
	enum { N = 65536 };
	int8_t *w = malloc(N), *x = malloc(N);
	struct rng r;
	rng_seed(&r, 5);
	int forms = 0;
	for (int64_t n = 1; n <= 400; n += (n < 140 ? 1 : 37)) {
		for (int64_t i = 0; i < n; i++) {
			w[i] = (int8_t)((int)rng_below(&r, 255) - 127);
			x[i] = (int8_t)((int)rng_below(&r, 255) - 127);
		}
		int32_t out[4];
		forms = lmhead_q8_dot_forms(w, x, n, out);
		for (int k = 0; k < forms; k++)
			CHECKF(out[k] == plain_dot(w, x, n), "n=%lld form %d: %d, expected %d", (long long)n, k, out[k],
			       plain_dot(w, x, n));
	}
	/* the extremes over the longest supported row: every product +-127*127, both signs */
	for (int sign = -1; sign <= 1; sign += 2) {
		memset(w, 127, N);
		memset(x, sign > 0 ? 127 : -127, N);
		int32_t out[4];
		int k = lmhead_q8_dot_forms(w, x, N, out);
		for (int i = 0; i < k; i++)
			CHECKF(out[i] == sign * 127 * 127 * N, "extreme %d form %d: %d", sign, i, out[i]);
	}
	printf("# %d dot forms checked on this CPU\n", forms);
	free(w);
	free(x);
}

TEST(head_logits_follow_the_quantized_formula)
{
	enum { V = 37, E = 200, T = 3 };
	static uint16_t wf16[V * E];
	static float wrow[E], h[T * E];
	struct rng r;
	rng_seed(&r, 9);
	for (int i = 0; i < V * E; i++)
		wf16[i] = f32_to_f16(rng_normal(&r) * 0.05f);
	for (int i = 0; i < T * E; i++)
		h[i] = rng_normal(&r);
	struct gguf_tensor t;
	memset(&t, 0, sizeof(t));
	t.type = GGML_TYPE_F16;
	t.n_dims = 2;
	t.ne[0] = E;
	t.ne[1] = V;
	t.data = (const uint8_t *)wf16;
	struct lmhead_q8 head;
	struct error e;
	CHECK(lmhead_q8_build(&head, &t, V, E, &e) == 0);
	static int8_t xq[T * E];
	float xs[T];
	for (int i = 0; i < T; i++)
		xs[i] = quantize_act(h + i * E, E, xq + i * E);
	static float logits[T * V];
	lmhead_q8_rows(&head, xq, xs, T, 0, 20, logits, V);
	lmhead_q8_rows(&head, xq, xs, T, 20, V, logits, V); /* two row ranges, as two threads would */
	for (int v = 0; v < V; v++) {
		int8_t q[E];
		for (int i = 0; i < E; i++)
			wrow[i] = f16_to_f32(wf16[v * E + i]);
		float s = quantize_act(wrow, E, q);
		for (int i = 0; i < T; i++) {
			float want = (float)plain_dot(q, xq + i * E, E) * ((1.0f / s) / xs[i]);
			CHECKF(logits[i * V + v] == want, "token %d row %d: %g, expected %g", i, v, logits[i * V + v], want);
			double exact = 0;
			for (int k = 0; k < E; k++)
				exact += (double)wrow[k] * h[i * E + k];
			CHECKF(fabs(logits[i * V + v] - exact) < 0.05 * (1 + fabs(exact)), "token %d row %d: %g far from %g", i, v,
			       logits[i * V + v], exact);
		}
	}
	lmhead_q8_free(&head);
	t.ne[0] = 70000;
	CHECK(lmhead_q8_build(&head, &t, 1, 70000, &e) == -1 && strstr(e.msg, "--lm-head file"));
}


/* Q6_K and Q8_0 rows dotted without decoding them first: the same as decoding (ggml_decode_row) and
 * summing in double, up to float rounding of the sum */
TEST(quantized_row_dots_match_decode)
{
	enum { N = 2560 };
	static float x[N], h[N], y[N];
	static uint8_t row[N * 2];
	struct rng r;
	rng_seed(&r, 21);
	const uint32_t types[] = {GGML_TYPE_Q6_K, GGML_TYPE_Q8_0};
	for (size_t ti = 0; ti < sizeof(types) / sizeof(types[0]); ti++)
		for (int trial = 0; trial < 20; trial++) {
			for (int i = 0; i < N; i++) {
				x[i] = rng_normal(&r) * (float)(1 + trial % 5) * (i % 97 == 0 ? 8.0f : 1.0f);
				h[i] = rng_normal(&r);
			}
			CHECK(rowdot_supported(types[ti]));
			dense_encode(types[ti], x, N, 1, row);
			ggml_decode_row(types[ti], row, N, 1, 0, y);
			double want = 0, mag = 0;
			for (int i = 0; i < N; i++) {
				want += (double)y[i] * h[i];
				mag += fabs((double)y[i] * h[i]);
			}
			float got = rowdot(types[ti], row, h, N);
			CHECKF(fabs(got - want) <= 1e-5 * mag, "%s trial %d: %g, decoded %g", ggml_type_name(types[ti]), trial, got,
			       want);
		}
	CHECK(!rowdot_supported(GGML_TYPE_F16) && !rowdot_supported(GGML_TYPE_Q4_K));
}
