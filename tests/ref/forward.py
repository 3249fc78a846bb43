"""forward.py: an independent numpy reference of the transformer forward pass trit runs.

Architectures (as llama.cpp and bitnet.cpp build them):
  bitnet-b1.58 / bitnet-25 / bitnet-1.58: squared-ReLU gated FFN, attn/ffn sub-norms, NEOX RoPE
  bitnet:                                 SiLU gated FFN, sub-norms, NEOX RoPE
  llama:                                  SiLU gated FFN, no sub-norms, NORM RoPE (pairs 2i, 2i+1)

The inputs of the 7 BitLinear projections (q k v o gate up down) are quantized per token exactly
as the numerical contract (docs/kernels.md section 1) says, in float32:
  amax = max(max|x|, 1e-5); s = 127/amax; q = clip(rint(x*s), -127, 127)  (rint: half to even)
  y = float32(sum t*q) * (alpha/s)
The output layer (output.weight, or token_embd when tied) is not quantized.
K and V are rounded to float16 before attention (after RoPE for K), as trit's default F16 KV cache
stores them (kv_f16=False for an F32 cache).  Everything else is float32, with RoPE angles
computed in float64.
"""
import numpy as np

import gguf_reader as gr

F32 = np.float32
ARCHS = {  # arch -> (gate activation, has sub-norms, rope style)
	"bitnet-b1.58": ("relu2", True, "neox"),
	"bitnet-25": ("relu2", True, "neox"),
	"bitnet-1.58": ("relu2", True, "neox"),
	"bitnet": ("silu", True, "neox"),
	"llama": ("silu", False, "norm"),
}


def quantize_act(x):
	"""Per-row int8 absmax quantization: returns (q as float32 integers, s float32 per row)."""
	x = x.astype(F32)
	amax = np.maximum(np.max(np.abs(x), axis=1), F32(1e-5)).astype(F32)
	s = (F32(127.0) / amax).astype(F32)
	q = np.clip(np.rint(x * s[:, None]), F32(-127), F32(127)).astype(F32)
	return q, s


def bitlinear(x, w):
	"""x: (T, K) float32; w: (t int8 (M, K), alpha float32, optional float32 post-scale)."""
	t, alpha, post = w
	q, s = quantize_act(x)
	acc = q.astype(np.float64) @ t.T.astype(np.float64)  # exact: integers far below 2^53
	y = acc.astype(F32) * (alpha / s).astype(F32)[:, None]
	if post is not None:
		y = y * post
	return y.astype(F32)


def rmsnorm(x, w, eps):
	x = x.astype(F32)
	ms = np.mean(x * x, axis=-1, keepdims=True, dtype=F32)
	r = (F32(1.0) / np.sqrt(ms + F32(eps))).astype(F32)
	return ((x * r) * w).astype(F32)


def rope(x, pos, n_rot, base, style, freq_factors=None):
	"""x: (T, H, D) float32; rotates the first n_rot dims of each head by position pos[t]."""
	half = n_rot // 2
	inv = np.power(np.float64(base), -2.0 * np.arange(half, dtype=np.float64) / n_rot)
	if freq_factors is not None:
		inv = inv / freq_factors.astype(np.float64)
	ang = pos.astype(np.float64)[:, None] * inv[None, :]  # (T, half)
	cos, sin = np.cos(ang).astype(F32)[:, None, :], np.sin(ang).astype(F32)[:, None, :]
	out = x.copy()
	if style == "neox":
		a, b = x[..., :half], x[..., half:n_rot]
		out[..., :half] = a * cos - b * sin
		out[..., half:n_rot] = a * sin + b * cos
	else:
		a, b = x[..., 0:n_rot:2], x[..., 1:n_rot:2]
		out[..., 0:n_rot:2] = a * cos - b * sin
		out[..., 1:n_rot:2] = a * sin + b * cos
	return out.astype(F32)


def attention(q, k, v, n_head, n_head_kv):
	"""q: (T, H, D), k/v: (T, KVH, D); causal softmax attention with GQA (head h uses h // group)."""
	T, _, D = q.shape
	group = n_head // n_head_kv
	out = np.empty_like(q)
	mask = np.triu(np.ones((T, T), dtype=bool), k=1)
	scale = F32(1.0 / np.sqrt(D))
	for h in range(n_head):
		kv = h // group
		sc = (q[:, h, :] @ k[:, kv, :].T).astype(F32) * scale
		sc[mask] = -np.inf
		sc = sc - np.max(sc, axis=1, keepdims=True)
		p = np.exp(sc).astype(F32)
		p = p / np.sum(p, axis=1, keepdims=True, dtype=F32)
		out[:, h, :] = p @ v[:, kv, :]
	return out.astype(F32)


class Model:
	def __init__(self, path):
		g = gr.GGUF(path)
		self.arch = g.get("general.architecture")
		if self.arch not in ARCHS:
			raise gr.GGUFError("%s: unsupported architecture %r" % (path, self.arch))
		self.act, self.sub_norms, self.rope_style = ARCHS[self.arch]
		a = self.arch

		def key(name, default=None):
			v = g.get("%s.%s" % (a, name), default)
			if v is None:
				raise gr.GGUFError("%s: missing key %s.%s" % (path, a, name))
			return v

		self.n_embd = key("embedding_length")
		self.n_layer = key("block_count")
		self.n_head = key("attention.head_count")
		self.n_head_kv = key("attention.head_count_kv", self.n_head)
		self.head_dim = self.n_embd // self.n_head
		self.n_rot = key("rope.dimension_count", self.head_dim)
		self.rope_base = key("rope.freq_base", 10000.0)
		self.eps = key("attention.layer_norm_rms_epsilon", 1e-5)

		def tensor(name, required=True):
			t = g.tensors.get(name)
			if t is None and required:
				raise gr.GGUFError("%s: missing tensor %s" % (path, name))
			return t

		def vec(name, required=True):
			t = tensor(name, required)
			return None if t is None else gr.decode(t).astype(F32)

		def linear(name):
			tern, alpha = gr.decode_ternary(tensor(name + ".weight"))
			post = vec(name + ".scale", required=False)
			return (tern, alpha, None if post is None else F32(post.reshape(-1)[0]))

		self.embd = gr.decode(tensor("token_embd.weight")).astype(F32)
		out = tensor("output.weight", required=False)
		self.output = self.embd if out is None else gr.decode(out).astype(F32)
		self.output_norm = vec("output_norm.weight")
		self.rope_freqs = vec("rope_freqs.weight", required=False)
		self.n_vocab = self.embd.shape[0]
		self.layers = []
		for i in range(self.n_layer):
			p = "blk.%d." % i
			L = {n: linear(p + n) for n in
			     ("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down")}
			L["attn_norm"] = vec(p + "attn_norm.weight")
			L["ffn_norm"] = vec(p + "ffn_norm.weight")
			if self.sub_norms:
				L["attn_sub_norm"] = vec(p + "attn_sub_norm.weight")
				L["ffn_sub_norm"] = vec(p + "ffn_sub_norm.weight")
			self.layers.append(L)

	def forward(self, tokens, kv_f16=True, lm_head_q8=False):
		"""Logits (T, n_vocab) float32 after each position of one batched prefill from position 0;
		kv_f16 rounds K and V to float16 as an F16 KV cache does; lm_head_q8 applies the output layer
		as trit's --lm-head q8 does (rows and hidden states int8 absmax-quantized, exact integer dots)."""
		tokens = np.asarray(tokens, dtype=np.int64)
		if np.any(tokens < 0) or np.any(tokens >= self.n_vocab):
			raise ValueError("token id outside the vocabulary of %d" % self.n_vocab)
		T, H, KVH, D = len(tokens), self.n_head, self.n_head_kv, self.head_dim
		pos = np.arange(T)
		x = self.embd[tokens].astype(F32)
		for L in self.layers:
			h = rmsnorm(x, L["attn_norm"], self.eps)
			q = bitlinear(h, L["attn_q"]).reshape(T, H, D)
			k = bitlinear(h, L["attn_k"]).reshape(T, KVH, D)
			v = bitlinear(h, L["attn_v"]).reshape(T, KVH, D)
			q = rope(q, pos, self.n_rot, self.rope_base, self.rope_style, self.rope_freqs)
			k = rope(k, pos, self.n_rot, self.rope_base, self.rope_style, self.rope_freqs)
			if kv_f16:
				k = k.astype(np.float16).astype(F32)
				v = v.astype(np.float16).astype(F32)
			o = attention(q, k, v, H, KVH).reshape(T, H * D)
			if self.sub_norms:
				o = rmsnorm(o, L["attn_sub_norm"], self.eps)
			x = (x + bitlinear(o, L["attn_output"])).astype(F32)
			h = rmsnorm(x, L["ffn_norm"], self.eps)
			g = bitlinear(h, L["ffn_gate"])
			u = bitlinear(h, L["ffn_up"])
			if self.act == "relu2":
				r = np.maximum(g, F32(0))
				m = (r * r) * u
			else:
				with np.errstate(over="ignore"):  # exp(-g) = inf gives silu(g) = -0, as it should
					m = (g / (F32(1) + np.exp(-g))) * u
			m = m.astype(F32)
			if self.sub_norms:
				m = rmsnorm(m, L["ffn_sub_norm"], self.eps)
			x = (x + bitlinear(m, L["ffn_down"])).astype(F32)
		y = rmsnorm(x, self.output_norm, self.eps)
		if lm_head_q8:
			qw, sw = quantize_act(self.output)
			qy, sy = quantize_act(y)
			acc = qy.astype(np.float64) @ qw.T.astype(np.float64)  # exact
			inv = (F32(1) / sw).astype(F32)
			return (acc.astype(F32) * (inv[None, :] / sy[:, None]).astype(F32)).astype(F32)
		return (y @ self.output.T).astype(F32)
