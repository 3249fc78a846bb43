/* emit_tl2.c: the TL2 kernel (docs/kernels.md §4): a triple section (|v| nibbles, sign words,
 * 14-entry LUTs) and a tail of 0-2 TL1 pairs, both through emit_tl's LUT core.
 * requires: llvm */
#include <llvm-c/Core.h>

#include "gen/emit.h"

/* TL1 entries for the tail pairs */
static const signed char pair_coef[16][3] = {
	{-1, -1}, {-1, 0}, {-1, 1}, {0, -1}, {0, 0}, {0, 1}, {1, -1}, {1, 0}, {1, 1},
};

int emit_tl2(struct emit *e, struct error *err)
{
	const struct kernel_spec *s = e->s;
	if (s->k < 2 || s->bk % 3 != 0 || s->bk > 240 || s->bk < 3)
		return errorf(err, "tl2 needs k >= 2 and bk a multiple of 3 in [3, 240] (k=%d bk=%d)", s->k, s->bk);
	int tail = s->k % 3 == 0 ? 0 : s->k % 3 == 2 ? 2 : 4;
	int nt = (s->k - tail) / 3, tp = tail / 2;
	long long groups = s->m / 32;
	/* entry i (0..13): the (t0, t1, t2) with 9t0 + 3t1 + t2 = i, balanced ternary digits */
	signed char coef[16][3] = {{0}};
	for (int i = 0; i < 14; i++) {
		int v = i;
		for (int a = 2; a >= 0; a--) {
			int d = ((v % 3) + 3) % 3;
			if (d == 2)
				d = -1;
			coef[i][a] = (signed char)d;
			v = (v - d) / 3;
		}
	}
	long long s0 = groups * 16 * nt, t0 = s0 + groups * 4 * nt;
	struct tl_section sec[2] = {
		{.units = nt, .arity = 3, .x_col = 0, .w_off = 0, .w_stride = 16LL * nt, .s_off = s0,
		 .s_stride = 4LL * nt, .lut_off = 0, .max_flush = 80, .coef = (const signed char(*)[3])coef},
		{.units = tp, .arity = 2, .x_col = 3 * nt, .w_off = t0, .w_stride = 16LL * tp, .s_off = -1,
		 .lut_off = 32LL * nt, .max_flush = 128, .coef = pair_coef},
	};
	return emit_tl(e, sec, 2, err);
}
