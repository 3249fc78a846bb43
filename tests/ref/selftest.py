"""selftest.py: checks the reference's own pieces (decoders, quantizer, forward invariants) on
GGUF files written by gguf_writer.py.  Prints "PASS ref-selftest ..." or "FAIL ref-selftest: ...".

  python3 selftest.py [TMPDIR]
"""
import os
import struct
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import forward  # noqa: E402
import gguf_reader as gr  # noqa: E402
import gguf_writer as gw  # noqa: E402

TERNARY = [gr.GGML_I2_S, gr.GGML_TQ2_0, gr.GGML_TQ1_0, gr.GGML_F16, gr.GGML_F32, gr.GGML_BF16]


def check(cond, what):
	if not cond:
		raise AssertionError(what)


def test_ternary_roundtrip(tmp):
	rng = np.random.default_rng(7)
	t = rng.integers(-1, 2, size=(3, 512)).astype(np.int8)
	t[0, :256] = 1  # a block of all +1 (TQ1_0: largest byte values)
	t[1, 256:] = -1
	for ty in TERNARY:
		path = os.path.join(tmp, "rt.gguf")
		gw.write(path, {"general.architecture": "x"}, [("w", (512, 3), ty, gw.encode_ternary(ty, t, 0.125))])
		got, alpha = gr.decode_ternary(gr.GGUF(path).tensors["w"])
		check(alpha == np.float32(0.125), "%s: alpha %r" % (gr.TYPE_NAMES[ty], alpha))
		check(np.array_equal(got, t), "%s: ternary round trip differs" % gr.TYPE_NAMES[ty])


def test_i2s_layout():
	# element 32g + m of a 128-block sits in byte m, bits 7-2g..6-2g (group 0 most significant)
	t = -np.ones(128, dtype=np.int8)  # code 0 everywhere
	t[0] = 1   # code 2 in bits 7..6 of byte 0
	t[33] = 0  # code 1 in bits 5..4 of byte 1
	t[127] = 1  # code 2 in bits 1..0 of byte 31
	data = gw.encode_ternary(gr.GGML_I2_S, t.reshape(1, 128), 0.5)
	check(data[0] == 0x80 and data[1] == 0x10 and data[31] == 0x02, "I2_S bit layout")
	check(struct.unpack("<f", data[32:36])[0] == 0.5 and len(data) == 64, "I2_S scale position")


def test_tq_layout():
	t = -np.ones(256, dtype=np.int8)  # stored q = 0
	t[32 * 3 + 5] = 1     # TQ2_0: byte 5, bits 6..7 -> q 2
	t[128 + 7] = 0        # second half: byte 32 + 7, bits 0..1 -> q 1
	d = gw.encode_ternary(gr.GGML_TQ2_0, t.reshape(1, 256), 1.0)
	check(d[5] == 0x80 and d[39] == 0x01 and len(d) == 66, "TQ2_0 bit layout")
	check(np.frombuffer(d[64:66], dtype="<f2")[0] == 1.0, "TQ2_0 scale position")
	t = np.zeros(256, dtype=np.int8)  # trits 1
	d = gw.encode_ternary(gr.GGML_TQ1_0, t.reshape(1, 256), 1.0)
	# five trits of value 1 -> v = 121 -> ceil(121*256/243) = 128; four trits then *3 -> v = 120 -> 127
	check(d[0] == 128 and d[47] == 128 and d[48] == 127 and len(d) == 54, "TQ1_0 byte values")


def test_q8_0_and_q6_k():
	rng = np.random.default_rng(3)
	x = rng.standard_normal((2, 64)).astype(np.float32)
	t = gr.Tensor("q", (64, 2), gr.GGML_Q8_0, gw.dense_encode(gr.GGML_Q8_0, x))
	check(np.max(np.abs(gr.decode(t) - x)) < 0.02, "Q8_0 decode")
	# Q6_K: ql[128] qh[64] scales[16] d; decode a random block element by element
	raw = bytearray(rng.integers(0, 256, size=208, dtype=np.uint8).tobytes()) + np.float16(0.25).tobytes()
	ql, qh, sc = raw[0:128], raw[128:192], np.frombuffer(bytes(raw[192:208]), dtype=np.int8)
	want = np.zeros(256, dtype=np.float32)
	for i in range(256):
		half, r = divmod(i, 128)
		quarter, l = divmod(r, 32)
		low = ql[64 * half + l + (32 if quarter % 2 else 0)]
		low = (low >> 4) if quarter >= 2 else (low & 15)
		hi = (qh[32 * half + l] >> (2 * quarter)) & 3
		want[i] = 0.25 * sc[8 * half + 2 * quarter + l // 16] * ((low | (hi << 4)) - 32)
	got = gr.decode(gr.Tensor("q6", (256,), gr.GGML_Q6_K, bytes(raw)))
	check(np.array_equal(got, want), "Q6_K decode")


def test_quantize_act():
	x = np.array([[127, 2.5, -2.5, 0.5, 1.5, -0.5, 126.5, -127]], dtype=np.float32)
	q, s = forward.quantize_act(x)
	check(s[0] == 1 and q.tolist() == [[127, 2, -2, 0, 2, -0, 126, -127]], "half-to-even rounding: %r" % q)
	q, s = forward.quantize_act(np.zeros((1, 4), dtype=np.float32))
	check(s[0] == np.float32(127) / np.float32(1e-5) and not q.any(), "all-zero row")
	# the BitLinear product against a plain loop
	rng = np.random.default_rng(5)
	x = rng.standard_normal((2, 8)).astype(np.float32)
	t = rng.integers(-1, 2, size=(3, 8)).astype(np.int8)
	y = forward.bitlinear(x, (t, np.float32(0.25), None))
	for r in range(2):
		amax = np.float32(max(abs(float(v)) for v in x[r]))
		s = np.float32(127) / amax
		qs = [max(-127, min(127, int(np.rint(np.float32(v) * s)))) for v in x[r]]
		for m in range(3):
			acc = sum(int(t[m, k]) * qs[k] for k in range(8))
			check(y[r, m] == np.float32(acc) * (np.float32(0.25) / s), "bitlinear row %d col %d" % (r, m))


def test_forward(tmp):
	tokens = [3, 17, 1, 42, 63, 0, 9, 17]
	for arch, kvh, tied in (("bitnet-b1.58", 2, True), ("bitnet", 4, True), ("llama", 2, False)):
		ref = None
		for ty in TERNARY:
			path = os.path.join(tmp, "m.gguf")
			gw.random_model(path, arch, ty, seed=11, n_head_kv=kvh, tied=tied)
			m = forward.Model(path)
			lg = m.forward(tokens)
			check(lg.shape == (8, 64) and np.all(np.isfinite(lg)), "%s logits shape/finite" % arch)
			if ref is None:
				ref = lg
				# causality: a prefix's logits are the first rows of the full run's
				pre = m.forward(tokens[:5])
				check(np.allclose(pre, lg[:5], rtol=0, atol=1e-4 * np.max(np.abs(lg))), "%s causal prefix" % arch)
				check(not np.allclose(lg[1], lg[7]), "%s: same token at two positions gives same logits" % arch)
			else:  # every storage type decodes to the same ternary weights: identical logits
				check(np.array_equal(lg, ref), "%s: %s logits differ from I2_S" % (arch, gr.TYPE_NAMES[ty]))


def test_rope():
	rng = np.random.default_rng(2)
	x = rng.standard_normal((3, 2, 8)).astype(np.float32)
	pos = np.array([0, 1, 5])
	for style in ("neox", "norm"):
		y = forward.rope(x, pos, 8, 10000.0, style)
		check(np.array_equal(y[0], x[0]), "rope at position 0 is the identity")
		check(np.allclose(np.linalg.norm(y, axis=2), np.linalg.norm(x, axis=2), rtol=1e-5), "rope keeps norms")
	n, ne = forward.rope(x, pos, 8, 10000.0, "norm"), forward.rope(x, pos, 8, 10000.0, "neox")
	# NORM rotates (0,1) by pos*1 rad; NEOX rotates (0,4) by the same angle
	c, s = np.cos(1.0), np.sin(1.0)
	check(abs(n[1, 0, 0] - (x[1, 0, 0] * c - x[1, 0, 1] * s)) < 1e-6, "NORM pairs adjacent dims")
	check(abs(ne[1, 0, 0] - (x[1, 0, 0] * c - x[1, 0, 4] * s)) < 1e-6, "NEOX pairs dims i, i+D/2")


def main():
	tmp = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp()
	tests = [lambda: test_ternary_roundtrip(tmp), test_i2s_layout, test_tq_layout, test_q8_0_and_q6_k,
	         test_quantize_act, test_rope, lambda: test_forward(tmp)]
	try:
		for t in tests:
			t()
	except Exception as ex:
		print("FAIL ref-selftest: %s: %s" % (type(ex).__name__, ex))
		return 1
	print("PASS ref-selftest (decoders, quantizer, rope, forward invariants)")
	return 0


if __name__ == "__main__":
	sys.exit(main())
