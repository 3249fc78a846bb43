/* vecops_scalar.c: the forward pass's vector loops in plain C (vecops_plain(), and every CPU's
 * forms where no SIMD form applies), and the F16 to F32 table they read. */
#include <pthread.h>

#include "base/half.h"
#include "runtime/vecops_forms.h"

float vecops_f16_table[65536];

static float dot_f16_scalar(const uint16_t *w, const float *h, int64_t n)
{
	float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	int64_t i = 0;
	for (; i + 4 <= n; i += 4) {
		s0 += vecops_f16_table[w[i]] * h[i];
		s1 += vecops_f16_table[w[i + 1]] * h[i + 1];
		s2 += vecops_f16_table[w[i + 2]] * h[i + 2];
		s3 += vecops_f16_table[w[i + 3]] * h[i + 3];
	}
	for (; i < n; i++)
		s0 += vecops_f16_table[w[i]] * h[i];
	return (s0 + s1) + (s2 + s3);
}

static float dot_f32_scalar(const float *w, const float *h, int64_t n)
{
	float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	int64_t i = 0;
	for (; i + 4 <= n; i += 4) {
		s0 += w[i] * h[i];
		s1 += w[i + 1] * h[i + 1];
		s2 += w[i + 2] * h[i + 2];
		s3 += w[i + 3] * h[i + 3];
	}
	for (; i < n; i++)
		s0 += w[i] * h[i];
	return (s0 + s1) + (s2 + s3);
}

static double sumsq_scalar(const float *x, int64_t n)
{
	double a[8] = {0};
	for (int64_t i = 0; i < n; i++)
		a[i % 8] += (double)x[i] * (double)x[i];
	return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

static void scale_mul_scalar(const float *x, float scale, const float *w, float *y, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		y[i] = x[i] * scale * w[i];
}

static void relu2_glu_scalar(const float *g, const float *u, float *y, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		y[i] = (g[i] > 0 ? g[i] * g[i] : 0.0f) * u[i];
}

static void dots_f16_scalar(const void *k, const float *const *q, int G, int n, float *out)
{
	const uint16_t *kk = k;
	for (int g = 0; g < G; g++) {
		float s = 0;
		for (int i = 0; i < n; i++)
			s += vecops_f16_table[kk[i]] * q[g][i];
		out[g] = s;
	}
}

static void dots_f32_scalar(const void *k, const float *const *q, int G, int n, float *out)
{
	const float *kk = k;
	for (int g = 0; g < G; g++) {
		float s = 0;
		for (int i = 0; i < n; i++)
			s += kk[i] * q[g][i];
		out[g] = s;
	}
}

static void axpys_f16_scalar(const float *w, const void *v, float *const *acc, int G, int n)
{
	const uint16_t *vv = v;
	for (int i = 0; i < n; i++) {
		float x = vecops_f16_table[vv[i]];
		for (int g = 0; g < G; g++)
			acc[g][i] += w[g] * x;
	}
}

static void axpys_f32_scalar(const float *w, const void *v, float *const *acc, int G, int n)
{
	const float *vv = v;
	for (int i = 0; i < n; i++)
		for (int g = 0; g < G; g++)
			acc[g][i] += w[g] * vv[i];
}

static void to_f16_scalar(const float *x, uint16_t *y, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		y[i] = f32_to_f16(x[i]);
}

static void dequant_scalar(const int32_t *acc, float scale, const float *bias, float *out, int add, long n)
{
	vecops_dequant_c(acc, scale, bias, out, add, n);
}

static void fill_f16_table(void)
{
	for (int i = 0; i < 65536; i++)
		vecops_f16_table[i] = f16_to_f32((uint16_t)i);
}

void vecops_set_scalar(void *t)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, fill_f16_table);
	*(struct vecops *)t = (struct vecops){
		.dot_f16 = dot_f16_scalar,
		.dot_f16_x4 = NULL,
		.dot_f32 = dot_f32_scalar,
		.dots_f16 = dots_f16_scalar,
		.dots_f32 = dots_f32_scalar,
		.axpys_f16 = axpys_f16_scalar,
		.axpys_f32 = axpys_f32_scalar,
		.sumsq = sumsq_scalar,
		.scale_mul = scale_mul_scalar,
		.relu2_glu = relu2_glu_scalar,
		.dequant = dequant_scalar,
		.to_f16 = to_f16_scalar,
	};
}
