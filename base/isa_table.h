/* isa_table.h: function tables with per-ISA forms, the one way trit's hand-written vector loops pick
 * their CPU-specific code. A module declares a struct of function pointers and an ordered list of
 * forms (plain C first); each form names the CPU features it needs and a setter, defined in that
 * ISA's own file, that writes the entries it implements. The table is resolved once per process
 * (pthread_once) from cpu_host() by applying, in order, every form the CPU can run, so a later form
 * replaces an earlier one's entries and an entry no form of this CPU provides keeps the plain C one.
 * The CPU is the real one: a masked CPU (TRIT_CPU_DISABLE) steers only the kernels' choice of ISA.
 * Callers fetch the table once per vector op and call through it: one indirect call per op. */
#ifndef TRIT_ISA_TABLE_H
#define TRIT_ISA_TABLE_H

#include <pthread.h>

#include "base/cpu.h"

/* one form of a table: it runs where the CPU has every feature in `needs` (CPUF_BIT()s of base/cpu.h);
 * set() writes the entries it implements into the table (a pointer to the module's struct) */
struct isa_form {
	const char *name; /* for readers and debuggers */
	unsigned needs;
	void (*set)(void *table);
};

/* applies, in order, every one of the n forms whose needs c has (forms[0], plain C, needs nothing) */
static inline void isa_table_fill(void *table, const struct isa_form *forms, int n, const struct cpu_info *c)
{
	unsigned have = cpu_feature_mask(c);
	for (int i = 0; i < n; i++)
		if ((forms[i].needs & have) == forms[i].needs)
			forms[i].set(table);
}

/* fills table with forms[0] and then forms[i] alone: 1 when c can run forms[i], else 0 (table
 * untouched); for tests that compare every form */
static inline int isa_table_form(void *table, const struct isa_form *forms, int i, const struct cpu_info *c)
{
	if ((forms[i].needs & cpu_feature_mask(c)) != forms[i].needs)
		return 0;
	forms[0].set(table);
	if (i > 0)
		forms[i].set(table);
	return 1;
}

/* defines `static const type *getter(void)`: the table of `type` filled from the array `forms` for
 * this CPU, resolved on the first call */
#define ISA_TABLE(getter, type, forms)                                                                 \
	static type getter##_table;                                                                    \
	static void getter##_resolve(void)                                                             \
	{                                                                                              \
		isa_table_fill(&getter##_table, forms, (int)(sizeof(forms) / sizeof((forms)[0])), cpu_host()); \
	}                                                                                              \
	static const type *getter(void)                                                                \
	{                                                                                              \
		static pthread_once_t getter##_once = PTHREAD_ONCE_INIT;                               \
		pthread_once(&getter##_once, getter##_resolve);                                        \
		return &getter##_table;                                                                \
	}

#if defined(__x86_64__) || defined(__i386__)
#define ISA_X86 1 /* the x86 forms are compiled (each behind its own target attribute) */
#endif

#endif
