/* emit.c: gen_emit's dispatch (to the emitter set an ir/isa.def row names) and the builder helpers
 * every kind's emitter shares. requires: llvm */
#include <string.h>

#include <llvm-c/Core.h>

#include "gen/emit.h"
#include "gen/gen.h"

LLVMTypeRef e_vec(struct emit *e, LLVMTypeRef t, unsigned n)
{
	(void)e;
	return LLVMVectorType(t, n);
}

LLVMValueRef e_const(LLVMTypeRef t, long long v)
{
	return LLVMConstInt(t, (unsigned long long)v, 1);
}

LLVMValueRef e_i32(struct emit *e, long long v) { return e_const(e->i32, v); }
LLVMValueRef e_i64(struct emit *e, long long v) { return e_const(e->i64, v); }

LLVMValueRef e_splat(LLVMTypeRef vt, long long v)
{
	unsigned n = LLVMGetVectorSize(vt);
	LLVMValueRef el[64];
	LLVMTypeRef t = LLVMGetElementType(vt);
	for (unsigned i = 0; i < n; i++)
		el[i] = e_const(t, v);
	return LLVMConstVector(el, n);
}

LLVMValueRef e_cast(struct emit *e, LLVMValueRef v, LLVMTypeRef t)
{
	if (LLVMTypeOf(v) == t)
		return v;
	return LLVMBuildBitCast(e->b, v, t, "");
}

LLVMValueRef e_intrinsic(struct emit *e, const char *name, LLVMTypeRef *ov, unsigned nov,
                         LLVMValueRef *args, unsigned nargs)
{
	unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
	/* programmer errors: every name and arity the emitters use holds in LLVM >= 17 */
	if (id == 0)
		die("LLVM has no intrinsic %s", name);
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(e->m, id, ov, nov);
	LLVMTypeRef fty = LLVMGlobalGetValueType(fn);
	LLVMTypeRef pt[8];
	unsigned np = LLVMCountParamTypes(fty);
	if (np != nargs || np > 8)
		die("intrinsic %s takes %u arguments, not %u", name, np, nargs);
	LLVMGetParamTypes(fty, pt);
	LLVMValueRef a[8];
	for (unsigned i = 0; i < nargs; i++)
		a[i] = e_cast(e, args[i], pt[i]);
	return LLVMBuildCall2(e->b, fty, fn, a, nargs, "");
}

LLVMValueRef e_gep(struct emit *e, LLVMValueRef p, LLVMValueRef off)
{
	return LLVMBuildGEP2(e->b, e->i8, p, &off, 1, "");
}

LLVMValueRef e_load(struct emit *e, LLVMTypeRef t, LLVMValueRef p)
{
	LLVMValueRef v = LLVMBuildLoad2(e->b, t, p, "");
	LLVMSetAlignment(v, 1);
	return v;
}

void e_store(struct emit *e, LLVMValueRef v, LLVMValueRef p)
{
	LLVMSetAlignment(LLVMBuildStore(e->b, v, p), 1);
}

LLVMValueRef e_alloca(struct emit *e, LLVMTypeRef t, int zero)
{
	LLVMBuilderRef ab = LLVMCreateBuilderInContext(e->c);
	LLVMValueRef first = LLVMGetFirstInstruction(e->entry);
	if (first)
		LLVMPositionBuilderBefore(ab, first);
	else
		LLVMPositionBuilderAtEnd(ab, e->entry);
	LLVMValueRef a = LLVMBuildAlloca(ab, t, "");
	LLVMDisposeBuilder(ab);
	if (zero)
		LLVMBuildStore(e->b, LLVMConstNull(t), a);
	return a;
}

void e_prefetch(struct emit *e, LLVMValueRef p)
{
	LLVMTypeRef ov[1] = {e->ptr};
	LLVMValueRef args[4] = {p, e_i32(e, 0), e_i32(e, 3), e_i32(e, 1)};
	e_intrinsic(e, "llvm.prefetch", ov, 1, args, 4);
}

LLVMValueRef e_reduce_add(struct emit *e, LLVMValueRef v)
{
	LLVMTypeRef ov[1] = {LLVMTypeOf(v)};
	return e_intrinsic(e, "llvm.vector.reduce.add", ov, 1, &v, 1);
}

LLVMValueRef e_sext(struct emit *e, LLVMValueRef v, LLVMTypeRef t)
{
	return LLVMBuildSExt(e->b, v, t, "");
}

LLVMValueRef e_smin(struct emit *e, LLVMValueRef a, LLVMValueRef b)
{
	LLVMValueRef lt = LLVMBuildICmp(e->b, LLVMIntSLT, a, b, "");
	return LLVMBuildSelect(e->b, lt, a, b, "");
}

void e_loop_begin(struct emit *e, struct loop *l, LLVMValueRef start, LLVMValueRef end, long long step)
{
	LLVMTypeRef t = LLVMTypeOf(start);
	l->iv = e_alloca(e, t, 0);
	l->step = e_const(t, step);
	LLVMBuildStore(e->b, start, l->iv);
	l->head = LLVMAppendBasicBlockInContext(e->c, e->fn, "loop");
	LLVMBasicBlockRef body = LLVMAppendBasicBlockInContext(e->c, e->fn, "body");
	l->exit = LLVMAppendBasicBlockInContext(e->c, e->fn, "done");
	LLVMBuildBr(e->b, l->head);
	LLVMPositionBuilderAtEnd(e->b, l->head);
	l->i = LLVMBuildLoad2(e->b, t, l->iv, "i");
	LLVMBuildCondBr(e->b, LLVMBuildICmp(e->b, LLVMIntSLT, l->i, end, ""), body, l->exit);
	LLVMPositionBuilderAtEnd(e->b, body);
}

void e_loop_end(struct emit *e, struct loop *l)
{
	LLVMBuildStore(e->b, LLVMBuildNSWAdd(e->b, l->i, l->step, ""), l->iv);
	LLVMBuildBr(e->b, l->head);
	LLVMPositionBuilderAtEnd(e->b, l->exit);
}

LLVMValueRef e_dot_u8s8(struct emit *e, LLVMValueRef acc, LLVMValueRef a_u8, LLVMValueRef b_s8,
                        unsigned bytes)
{
	LLVMTypeRef vi32 = e_vec(e, e->i32, bytes / 4);
	if (e->s->isa == ISA_AVX2) {
		LLVMValueRef ab[2] = {a_u8, b_s8};
		LLVMValueRef p16 = e_intrinsic(e, "llvm.x86.avx2.pmadd.ub.sw", NULL, 0, ab, 2);
		LLVMValueRef pw[2] = {p16, e_splat(e_vec(e, e->i16, 16), 1)};
		LLVMValueRef p32 = e_intrinsic(e, "llvm.x86.avx2.pmadd.wd", NULL, 0, pw, 2);
		return LLVMBuildAdd(e->b, acc, e_cast(e, p32, vi32), "");
	}
	LLVMValueRef args[3] = {acc, a_u8, b_s8};
	const char *name = bytes == 64 ? "llvm.x86.avx512.vpdpbusd.512" : "llvm.x86.avx512.vpdpbusd.256";
	return e_cast(e, e_intrinsic(e, name, NULL, 0, args, 3), vi32);
}

/* the LLVM struct matching struct kernel_args (kernel/kernel.h) */
static LLVMTypeRef args_type(struct emit *e)
{
	LLVMTypeRef f[9] = {e->ptr, e->ptr, e->ptr, e->i64, e->i64, e->i32, e->i32, e->i32, e->ptr};
	return LLVMStructTypeInContext(e->c, f, 9, 0);
}

static LLVMValueRef load_field(struct emit *e, LLVMTypeRef st, LLVMValueRef a, unsigned idx,
                               LLVMTypeRef t, const char *name)
{
	LLVMValueRef p = LLVMBuildStructGEP2(e->b, st, a, idx, "");
	LLVMValueRef v = LLVMBuildLoad2(e->b, t, p, name);
	LLVMSetAlignment(v, t == e->i32 ? 4 : 8);
	return v;
}

/* the emitter sets that ir/isa.def's emit column names: one body emitter per kind, NULL where the
 * set has none */
typedef int (*emit_body)(struct emit *e, struct error *err);
static const emit_body emit_portable_set[KIND_COUNT] = {emit_portable, emit_portable, emit_portable};
static const emit_body emit_x86_set[KIND_COUNT] = {[KIND_I2S] = emit_i2s, [KIND_TL1] = emit_tl1,
                                                   [KIND_TL2] = emit_tl2};
static const emit_body emit_x86_amx_set[KIND_COUNT] = {[KIND_I2S] = emit_i2s_amx};
static const emit_body emit_none_set[KIND_COUNT];

static const emit_body *const emitters[ISA_COUNT] = {
#define ISA(ID, name, family, needs, adds, llvm, kinds, min_n, emit, vbytes) [ISA_##ID] = emit_##emit##_set,
#include "ir/isa.def"
};

/* the emitter of s's ISA and kind, NULL when ir/isa.def says the ISA cannot run the kind or the
 * row names no emitter for it */
static emit_body emitter_for(const struct kernel_spec *s)
{
	if ((unsigned)s->isa >= ISA_COUNT || (unsigned)s->kind >= KIND_COUNT || !isa_runs_kind(s->isa, s->kind))
		return NULL;
	return emitters[s->isa][s->kind];
}

int gen_emit(LLVMModuleRef m, const struct kernel_spec *s, const char *name, struct error *err)
{
	emit_body body = emitter_for(s);
	if (!body) {
		char can[128];
		return errorf(err, "the LLVM generator cannot emit %s kernels for ISA %s yet (it can for %s)", kind_name(s->kind),
		              isa_name(s->isa), isa_list_for_kind(s->kind, can, sizeof can));
	}
	struct emit e = {0};
	e.c = LLVMGetModuleContext(m);
	e.m = m;
	e.s = s;
	e.i1 = LLVMInt1TypeInContext(e.c);
	e.i8 = LLVMInt8TypeInContext(e.c);
	e.i16 = LLVMInt16TypeInContext(e.c);
	e.i32 = LLVMInt32TypeInContext(e.c);
	e.i64 = LLVMInt64TypeInContext(e.c);
	e.ptr = LLVMPointerTypeInContext(e.c, 0);
	e.vbytes = isa_info(s->isa)->vbytes;
	if (LLVMGetNamedFunction(m, name))
		return errorf(err, "the module already has a function named %s", name);

	LLVMTypeRef fty = LLVMFunctionType(LLVMVoidTypeInContext(e.c), &e.ptr, 1, 0);
	e.fn = LLVMAddFunction(m, name, fty);
	unsigned nounwind = LLVMGetEnumAttributeKindForName("nounwind", 8);
	LLVMAddAttributeAtIndex(e.fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(e.c, nounwind, 0));
	e.entry = LLVMAppendBasicBlockInContext(e.c, e.fn, "entry");
	e.b = LLVMCreateBuilderInContext(e.c);
	LLVMPositionBuilderAtEnd(e.b, e.entry);

	LLVMTypeRef st = args_type(&e);
	LLVMValueRef a = LLVMGetParam(e.fn, 0);
	e.w = load_field(&e, st, a, 0, e.ptr, "w");
	e.x = load_field(&e, st, a, 1, e.ptr, "x");
	e.y = load_field(&e, st, a, 2, e.ptr, "y");
	e.ldx = load_field(&e, st, a, 3, e.i64, "ldx");
	e.ldy = load_field(&e, st, a, 4, e.i64, "ldy");
	e.n = load_field(&e, st, a, 5, e.i32, "n");
	e.row0 = load_field(&e, st, a, 6, e.i32, "row0");
	e.row1 = load_field(&e, st, a, 7, e.i32, "row1");
	e.scratch = load_field(&e, st, a, 8, e.ptr, "scratch");

	int rc = body(&e, err);
	if (rc == 0)
		LLVMBuildRetVoid(e.b);
	LLVMDisposeBuilder(e.b);
	if (rc != 0)
		LLVMDeleteFunction(e.fn);
	return rc;
}

const char *gen_isa_features(enum isa i)
{
	const struct isa_info *r = isa_info(i);
	return r ? r->llvm_features : "";
}
