"""gguf_reader.py: a small, independent GGUF v2/v3 reader with numpy decoders for the tensor
types trit uses (F32, F16, BF16, Q8_0, Q4_K, Q5_K, Q6_K, TQ1_0, TQ2_0, I2_S).

Written from the GGUF and ggml/bitnet.cpp type layouts only (not from trit's C sources), so that the
end-to-end test compares two independent readings of the format.

Usage as a tool:  python3 gguf_reader.py FILE.gguf   (prints the metadata and the tensor table)
"""
import struct
import sys

import numpy as np

GGML_F32, GGML_F16, GGML_Q8_0, GGML_Q4_K, GGML_Q5_K, GGML_Q6_K = 0, 1, 8, 12, 13, 14
GGML_BF16, GGML_TQ1_0, GGML_TQ2_0, GGML_I2_S = 30, 34, 35, 36

TYPE_NAMES = {GGML_F32: "F32", GGML_F16: "F16", GGML_Q8_0: "Q8_0", GGML_Q4_K: "Q4_K", GGML_Q5_K: "Q5_K",
              GGML_Q6_K: "Q6_K",
              GGML_BF16: "BF16", GGML_TQ1_0: "TQ1_0", GGML_TQ2_0: "TQ2_0", GGML_I2_S: "I2_S"}

# (elements per block, bytes per block) for the block types
BLOCKS = {GGML_F32: (1, 4), GGML_F16: (1, 2), GGML_BF16: (1, 2), GGML_Q8_0: (32, 34),
          GGML_Q4_K: (256, 144), GGML_Q5_K: (256, 176), GGML_Q6_K: (256, 210), GGML_TQ1_0: (256, 54), GGML_TQ2_0: (256, 66)}

TERNARY_TYPES = (GGML_F32, GGML_F16, GGML_BF16, GGML_TQ1_0, GGML_TQ2_0, GGML_I2_S)


class GGUFError(Exception):
	pass


def tensor_nbytes(ggml_type, ne):
	n = 1
	for d in ne:
		n *= d
	if ggml_type == GGML_I2_S:
		if n % 4:
			raise GGUFError("I2_S tensor with %d elements (not a multiple of 4)" % n)
		return n // 4 + 32
	if ggml_type not in BLOCKS:
		raise GGUFError("unsupported ggml type %d" % ggml_type)
	blk, size = BLOCKS[ggml_type]
	if ne[0] % blk:
		raise GGUFError("%s row length %d is not a multiple of %d" % (TYPE_NAMES[ggml_type], ne[0], blk))
	return n // blk * size


class _Cursor:
	def __init__(self, buf):
		self.buf, self.pos = buf, 0

	def take(self, n):
		if n < 0 or self.pos + n > len(self.buf):
			raise GGUFError("truncated file: need %d bytes at offset %d of %d" % (n, self.pos, len(self.buf)))
		b = self.buf[self.pos:self.pos + n]
		self.pos += n
		return b

	def unpack(self, fmt):
		return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))[0]

	def string(self):
		return self.take(self.unpack("Q")).decode("utf-8")


_SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 10: "Q", 11: "q", 12: "d"}


def _value(cur, vtype):
	if vtype in _SCALARS:
		return cur.unpack(_SCALARS[vtype])
	if vtype == 7:
		return cur.unpack("B") != 0
	if vtype == 8:
		return cur.string()
	if vtype == 9:
		etype, count = cur.unpack("I"), cur.unpack("Q")
		if count > len(cur.buf):
			raise GGUFError("array of %d elements is longer than the file" % count)
		return [_value(cur, etype) for _ in range(count)]
	raise GGUFError("unknown value type %d" % vtype)


class Tensor:
	def __init__(self, name, ne, ggml_type, data):
		self.name, self.ne, self.type, self.data = name, ne, ggml_type, data

	def __repr__(self):
		return "%s %s %s" % (self.name, TYPE_NAMES.get(self.type, str(self.type)), list(self.ne))


class GGUF:
	"""A parsed GGUF file: .kv (dict of metadata), .tensors (dict name -> Tensor with raw bytes)."""

	def __init__(self, path):
		with open(path, "rb") as f:
			buf = f.read()
		cur = _Cursor(buf)
		if cur.take(4) != b"GGUF":
			raise GGUFError("%s: not a GGUF file (bad magic)" % path)
		self.version = cur.unpack("I")
		if self.version not in (2, 3):
			raise GGUFError("%s: unsupported GGUF version %d" % (path, self.version))
		n_tensors, n_kv = cur.unpack("Q"), cur.unpack("Q")
		self.kv = {}
		for _ in range(n_kv):
			key = cur.string()
			if key in self.kv:
				raise GGUFError("duplicate key %s" % key)
			self.kv[key] = _value(cur, cur.unpack("I"))
		infos = []
		for _ in range(n_tensors):
			name = cur.string()
			n_dims = cur.unpack("I")
			if n_dims < 1 or n_dims > 4:
				raise GGUFError("tensor %s has %d dims" % (name, n_dims))
			ne = tuple(cur.unpack("q") for _ in range(n_dims))
			infos.append((name, ne, cur.unpack("I"), cur.unpack("Q")))
		align = self.kv.get("general.alignment", 32)
		data_start = (cur.pos + align - 1) // align * align
		self.tensors = {}
		for name, ne, gtype, off in infos:
			nbytes = tensor_nbytes(gtype, ne)
			start = data_start + off
			if off % align or start + nbytes > len(buf):
				raise GGUFError("tensor %s: data [%d, %d) outside the file or misaligned" % (name, start, start + nbytes))
			self.tensors[name] = Tensor(name, ne, gtype, buf[start:start + nbytes])

	def get(self, key, default=None):
		return self.kv.get(key, default)


# ---- decoders: each returns float32 of shape (ne1, ne0) for 2-D tensors, (ne0,) for 1-D ----

def _f16(b):
	return np.frombuffer(b, dtype="<f2").astype(np.float32)


def _blocks(t, size):
	return np.frombuffer(t.data, dtype=np.uint8).reshape(-1, size)


def _decode_q8_0(t):
	b = _blocks(t, 34)
	d = _f16(b[:, 0:2].tobytes())
	return (d[:, None] * b[:, 2:].view(np.int8).astype(np.float32)).reshape(-1)


def _k_scales(sc):
	"""Q4_K/Q5_K: 8 six-bit (scale, min) pairs packed in 12 bytes; returns two [nb, 8] arrays."""
	sc = sc.astype(np.int32)
	lo_s, lo_m = sc[:, 0:4] & 63, sc[:, 4:8] & 63  # sub-blocks 0..3
	hi_s = (sc[:, 8:12] & 15) | ((sc[:, 0:4] >> 6) << 4)  # sub-blocks 4..7: low nibble + 2 top bits
	hi_m = (sc[:, 8:12] >> 4) | ((sc[:, 4:8] >> 6) << 4)
	return (np.concatenate([lo_s, hi_s], axis=1).astype(np.float32),
	        np.concatenate([lo_m, hi_m], axis=1).astype(np.float32))


def _decode_q45_k(t, five):
	"""Q4_K (144 B: d, dmin, scales[12], qs[128]) and Q5_K (176 B: the same + qh[32] before qs).
	Each 64-element chunk j uses qs[32j..32j+31]: low nibbles are sub-block 2j, high nibbles 2j+1;
	Q5_K adds bit 2j (resp. 2j+1) of qh[l] as value 16.  x = d*scale*q - dmin*min."""
	b = _blocks(t, 176 if five else 144)
	d, dmin = _f16(b[:, 0:2].tobytes()), _f16(b[:, 2:4].tobytes())
	scale, mins = _k_scales(b[:, 4:16])
	qs = b[:, 48:176] if five else b[:, 16:144]
	qs = qs.reshape(-1, 4, 1, 32).astype(np.int32)
	q = np.concatenate([qs & 15, qs >> 4], axis=2)  # [nb, chunk, nibble, 32] = sub-block 2*chunk+nibble
	if five:
		qh = b[:, 16:48].astype(np.int32).reshape(-1, 1, 1, 32)
		bit = np.arange(8).reshape(1, 4, 2, 1)
		q = q + ((qh >> bit) & 1) * 16
	q = q.reshape(-1, 8, 32).astype(np.float32)
	d1 = (d[:, None] * scale)[:, :, None]
	m1 = (dmin[:, None] * mins)[:, :, None]
	return (d1 * q - m1).reshape(-1)


def _decode_q6_k(t):
	b = _blocks(t, 210)
	ql, qh = b[:, 0:128].astype(np.int32), b[:, 128:192].astype(np.int32)
	sc = b[:, 192:208].view(np.int8).astype(np.float32)
	d = _f16(b[:, 208:210].tobytes())
	out = np.empty((b.shape[0], 256), dtype=np.float32)
	for half in range(2):  # each half: 128 elements from ql[64], qh[32], scales[8]
		l_lo, l_hi = ql[:, 64 * half:64 * half + 32], ql[:, 64 * half + 32:64 * half + 64]
		h = qh[:, 32 * half:32 * half + 32]
		quarters = [(l_lo & 15) | ((h & 3) << 4), (l_hi & 15) | (((h >> 2) & 3) << 4),
		            (l_lo >> 4) | (((h >> 4) & 3) << 4), (l_hi >> 4) | (((h >> 6) & 3) << 4)]
		for qi, q in enumerate(quarters):
			s = np.repeat(sc[:, 8 * half + 2 * qi:8 * half + 2 * qi + 2], 16, axis=1)
			base = 128 * half + 32 * qi
			out[:, base:base + 32] = d[:, None] * s * (q - 32).astype(np.float32)
	return out.reshape(-1)


def _decode_tq2_0(t):
	b = _blocks(t, 66)
	qs = b[:, :64].reshape(-1, 2, 1, 32)
	shifts = (2 * np.arange(4, dtype=np.uint8)).reshape(1, 1, 4, 1)
	q = ((qs >> shifts) & 3).reshape(-1, 256).astype(np.float32)  # index = 128*half + 32*n + m
	return ((q - 1) * _f16(b[:, 64:66].tobytes())[:, None]).reshape(-1)


def _trits(bytes_, n_trits):
	"""trit n of each byte: ((uint8)(byte * 3^n) * 3) >> 8; returns [..., n_trits, bytes]"""
	pow3 = np.array([1, 3, 9, 27, 81], dtype=np.uint16)[:n_trits]
	prod = (bytes_[..., None, :].astype(np.uint16) * pow3[:, None]) & 0xFF
	return (prod * 3) >> 8


def _decode_tq1_0(t):
	b = _blocks(t, 54)
	nb = b.shape[0]
	q = np.concatenate([_trits(b[:, 0:32], 5).reshape(nb, 160),     # element 32n + m
	                    _trits(b[:, 32:48], 5).reshape(nb, 80),     # element 160 + 16n + m
	                    _trits(b[:, 48:52], 4).reshape(nb, 16)],    # element 240 + 4n + j
	                   axis=1).astype(np.float32)
	return ((q - 1) * _f16(b[:, 52:54].tobytes())[:, None]).reshape(-1)


def i2s_decode(t):
	"""I2_S: returns (codes t in {-1,0,1} as int8 of the flat tensor, f32 scale)."""
	n = int(np.prod(t.ne))
	if n % 128:
		raise GGUFError("I2_S tensor %s has %d elements, not a multiple of 128" % (t.name, n))
	b = np.frombuffer(t.data, dtype=np.uint8)
	packed = b[:n // 4].reshape(-1, 1, 32)
	shifts = (6 - 2 * np.arange(4, dtype=np.uint8)).reshape(1, 4, 1)
	codes = ((packed >> shifts) & 3).reshape(-1)  # block b, element 32g + m
	if np.any(codes == 3):
		raise GGUFError("I2_S tensor %s holds the unused code 3" % t.name)
	scale = np.frombuffer(t.data[n // 4:n // 4 + 4], dtype="<f4")[0]
	return codes.astype(np.int8) - 1, np.float32(scale)


def decode(t):
	"""Dequantizes any supported tensor to float32, shaped (ne1, ne0) or (ne0,)."""
	if t.type == GGML_F32:
		flat = np.frombuffer(t.data, dtype="<f4").astype(np.float32)
	elif t.type == GGML_F16:
		flat = _f16(t.data)
	elif t.type == GGML_BF16:
		flat = (np.frombuffer(t.data, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
	elif t.type == GGML_Q8_0:
		flat = _decode_q8_0(t)
	elif t.type in (GGML_Q4_K, GGML_Q5_K):
		flat = _decode_q45_k(t, t.type == GGML_Q5_K)
	elif t.type == GGML_Q6_K:
		flat = _decode_q6_k(t)
	elif t.type == GGML_TQ2_0:
		flat = _decode_tq2_0(t)
	elif t.type == GGML_TQ1_0:
		flat = _decode_tq1_0(t)
	elif t.type == GGML_I2_S:
		codes, scale = i2s_decode(t)
		flat = codes.astype(np.float32) * scale
	else:
		raise GGUFError("tensor %s: unsupported type %d" % (t.name, t.type))
	return flat.reshape(tuple(reversed(t.ne)))


def decode_ternary(t):
	"""A BitLinear weight as (t int8 (M, K) in {-1,0,1}, alpha float32).  Non-I2_S storage must
	decode to exactly {-alpha, 0, +alpha} with one alpha for the whole tensor (TQ blocks share it)."""
	if len(t.ne) != 2:
		raise GGUFError("tensor %s is not 2-D" % t.name)
	if t.type == GGML_I2_S:
		codes, alpha = i2s_decode(t)
		return codes.reshape(t.ne[1], t.ne[0]), alpha
	if t.type not in TERNARY_TYPES:
		raise GGUFError("tensor %s: type %s cannot hold ternary weights" % (t.name, TYPE_NAMES.get(t.type, t.type)))
	w = decode(t)
	alpha = np.float32(np.max(np.abs(w)))
	if alpha == 0:
		return np.zeros(w.shape, dtype=np.int8), alpha
	tern = np.rint(w / alpha)
	if np.any(np.abs(tern) > 1) or not np.array_equal(tern.astype(np.float32) * alpha, w):
		raise GGUFError("tensor %s is not ternary with one scale per tensor" % t.name)
	return tern.astype(np.int8), alpha


def main(argv):
	g = GGUF(argv[1])
	print("GGUF v%d, %d keys, %d tensors" % (g.version, len(g.kv), len(g.tensors)))
	for k, v in g.kv.items():
		if isinstance(v, list) and len(v) > 8:
			v = "[%d elements: %s ...]" % (len(v), ", ".join(repr(x) for x in v[:4]))
		print("  %s = %r" % (k, v))
	for t in g.tensors.values():
		print("  %r" % t)


if __name__ == "__main__":
	main(sys.argv)
