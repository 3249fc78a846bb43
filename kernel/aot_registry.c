#include <string.h>

#include "kernel/aot_kernels.h"

/* defined by an object from `trit aot`; weak so a program without one still links */
extern const struct aot_kernel trit_aot_table[] __attribute__((weak));
extern const int32_t trit_aot_count __attribute__((weak));

int aot_count(void)
{
	return &trit_aot_count && trit_aot_table ? trit_aot_count : 0;
}

const struct aot_kernel *aot_at(int i)
{
	return &trit_aot_table[i];
}

kernel_fn aot_lookup(const struct kernel_spec *s)
{
	int n = aot_count();
	if (n == 0)
		return NULL;
	char text[256];
	spec_format(s, text, sizeof(text));
	for (int i = 0; i < n; i++)
		if (!strcmp(trit_aot_table[i].spec, text))
			return trit_aot_table[i].fn;
	return NULL;
}
