"""gguf_writer.py: writes small GGUF v3 files with ternary tensors, for the self-tests of the
numpy reference only (trit's own files come from `trit mkmodel`)."""
import struct

import numpy as np

import gguf_reader as gr


def _str(s):
	b = s.encode("utf-8")
	return struct.pack("<Q", len(b)) + b


def _kv(key, value):
	if isinstance(value, bool):
		return _str(key) + struct.pack("<IB", 7, int(value))
	if isinstance(value, int):
		return _str(key) + struct.pack("<II", 4, value)
	if isinstance(value, float):
		return _str(key) + struct.pack("<If", 6, value)
	if isinstance(value, str):
		return _str(key) + struct.pack("<I", 8) + _str(value)
	if isinstance(value, list) and all(isinstance(v, str) for v in value):
		return _str(key) + struct.pack("<IIQ", 9, 8, len(value)) + b"".join(_str(v) for v in value)
	raise TypeError("cannot write %r" % (value,))


def encode_ternary(ggml_type, t, alpha):
	"""t: int8 (M, K) in {-1,0,1}; alpha: f16-representable scale.  Returns the tensor bytes."""
	t = np.asarray(t, dtype=np.int8)
	codes = (t.reshape(-1) + 1).astype(np.uint8)
	if ggml_type == gr.GGML_I2_S:
		packed = codes.reshape(-1, 4, 32)
		shifts = (6 - 2 * np.arange(4, dtype=np.uint8)).reshape(1, 4, 1)
		body = np.bitwise_or.reduce(packed << shifts, axis=1).astype(np.uint8)
		return body.tobytes() + struct.pack("<f", alpha) + bytes(28)
	if ggml_type in (gr.GGML_F32, gr.GGML_F16, gr.GGML_BF16):
		return dense_encode(ggml_type, t.astype(np.float32) * np.float32(alpha))
	blocks = codes.reshape(-1, 256)
	d = np.full((blocks.shape[0], 1), alpha, dtype="<f2").view(np.uint8)
	if ggml_type == gr.GGML_TQ2_0:
		q = blocks.reshape(-1, 2, 4, 32)
		shifts = (2 * np.arange(4, dtype=np.uint8)).reshape(1, 1, 4, 1)
		qs = np.bitwise_or.reduce(q << shifts, axis=2).reshape(-1, 64).astype(np.uint8)
		return np.concatenate([qs, d], axis=1).tobytes()
	if ggml_type == gr.GGML_TQ1_0:
		def pack(vals, n):  # vals [..., n, bytes]: first trit most significant, then ceil(v*256/243)
			v = np.zeros(vals.shape[:-2] + vals.shape[-1:], dtype=np.uint32)
			for i in range(n):
				v = v * 3 + vals[..., i, :]
			v = v * 3 ** (5 - n)
			return ((v * 256 + 242) // 243).astype(np.uint8)
		nb = blocks.shape[0]
		qs0 = pack(blocks[:, 0:160].reshape(nb, 5, 32), 5)
		qs1 = pack(blocks[:, 160:240].reshape(nb, 5, 16), 5)
		qh = pack(blocks[:, 240:256].reshape(nb, 4, 4), 4)
		return np.concatenate([qs0, qs1, qh, d], axis=1).tobytes()
	raise ValueError("no ternary encoder for type %d" % ggml_type)


def dense_encode(ggml_type, x):
	x = np.asarray(x, dtype=np.float32)
	if ggml_type == gr.GGML_F32:
		return x.astype("<f4").tobytes()
	if ggml_type == gr.GGML_F16:
		return x.astype("<f2").tobytes()
	if ggml_type == gr.GGML_BF16:
		return (x.reshape(-1).view(np.uint32) >> 16).astype("<u2").tobytes()  # truncation
	if ggml_type == gr.GGML_Q8_0:
		b = x.reshape(-1, 32)
		d = (np.max(np.abs(b), axis=1) / 127).astype(np.float16)
		inv = np.where(d == 0, 0, 1 / np.where(d == 0, 1, d.astype(np.float32)))
		q = np.clip(np.rint(b * inv[:, None]), -127, 127).astype(np.int8)
		return np.concatenate([d.reshape(-1, 1).view(np.uint8), q.view(np.uint8)], axis=1).tobytes()
	raise ValueError("no dense encoder for type %d" % ggml_type)


def write(path, kv, tensors, alignment=32):
	"""kv: dict; tensors: list of (name, ne tuple, ggml type, bytes).  Dense, aligned, in order."""
	head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kv))
	head += b"".join(_kv(k, v) for k, v in kv.items())
	offset, blob = 0, b""
	for name, ne, gtype, data in tensors:
		assert len(data) == gr.tensor_nbytes(gtype, ne), name
		head += _str(name) + struct.pack("<I", len(ne)) + struct.pack("<%dq" % len(ne), *ne)
		head += struct.pack("<IQ", gtype, offset)
		pad = (-len(data)) % alignment
		blob += data + bytes(pad)
		offset += len(data) + pad
	head += bytes((-len(head)) % alignment)
	with open(path, "wb") as f:
		f.write(head + blob)


def random_model(path, arch, wtype, seed=1, n_layer=2, n_embd=256, n_ff=512, n_head=4,
                 n_head_kv=2, n_vocab=64, tied=True):
	"""A random-weight model of the given architecture with ternary tensors of type wtype."""
	rng = np.random.default_rng(seed)
	p = arch + "."
	kv = {"general.architecture": arch, "general.name": "selftest",
	      p + "vocab_size": n_vocab, p + "context_length": 256, p + "embedding_length": n_embd,
	      p + "block_count": n_layer, p + "feed_forward_length": n_ff,
	      p + "rope.dimension_count": n_embd // n_head, p + "attention.head_count": n_head,
	      p + "attention.head_count_kv": n_head_kv, p + "attention.layer_norm_rms_epsilon": 1e-5,
	      p + "rope.freq_base": 10000.0}
	hd = n_embd // n_head
	tensors = []

	def norm(name, n):
		tensors.append((name, (n,), gr.GGML_F32, (1 + 0.1 * rng.standard_normal(n)).astype("<f4").tobytes()))

	def tern(name, k, m):
		t = rng.integers(-1, 2, size=(m, k)).astype(np.int8)
		alpha = float(2.0 ** -rng.integers(3, 7))
		tensors.append((name, (k, m), wtype, encode_ternary(wtype, t, alpha)))

	emb = (0.5 * rng.standard_normal((n_vocab, n_embd))).astype(np.float32)
	tensors.append(("token_embd.weight", (n_embd, n_vocab), gr.GGML_F16, dense_encode(gr.GGML_F16, emb)))
	norm("output_norm.weight", n_embd)
	if not tied:
		out = (0.5 * rng.standard_normal((n_vocab, n_embd))).astype(np.float32)
		tensors.append(("output.weight", (n_embd, n_vocab), gr.GGML_Q8_0, dense_encode(gr.GGML_Q8_0, out)))
	for i in range(n_layer):
		b = "blk.%d." % i
		norm(b + "attn_norm.weight", n_embd)
		tern(b + "attn_q.weight", n_embd, n_embd)
		tern(b + "attn_k.weight", n_embd, n_head_kv * hd)
		tern(b + "attn_v.weight", n_embd, n_head_kv * hd)
		tern(b + "attn_output.weight", n_embd, n_embd)
		norm(b + "ffn_norm.weight", n_embd)
		tern(b + "ffn_gate.weight", n_embd, n_ff)
		tern(b + "ffn_up.weight", n_embd, n_ff)
		tern(b + "ffn_down.weight", n_ff, n_embd)
		if arch != "llama":
			norm(b + "attn_sub_norm.weight", n_embd)
			norm(b + "ffn_sub_norm.weight", n_ff)
	write(path, kv, tensors)
