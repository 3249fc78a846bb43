"""compare.py: runs the numpy reference on a token list and compares it with trit's logits dump.

  python3 compare.py --name NAME --model M.gguf --tokens 1,2,3 --logits OUT.bin [--tol 1e-3] [--kv-type f32]
  python3 compare.py --tokens 1,2,3 --manifest CASES   (lines "NAME MODEL LOGITS KV_TYPE", one process)

OUT.bin is what `trit run -m M.gguf --tokens 1,2,3 -n 0 --dump-logits OUT.bin` writes: raw
little-endian float32 logits [n_tokens][n_vocab].  Metric, per row t (one position):
  err_t = max_v |trit[t,v] - ref[t,v]| / max_v |ref[t,v]|
and the case passes when max_t err_t <= tol and argmax_v trit[t] == argmax_v ref[t] for every t.
Prints one line "PASS NAME: ..." or "FAIL NAME: ..." per case; exits 0 when all pass, else 1.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import forward  # noqa: E402


def compare(ref, got, tol):
	"""Returns (ok, detail)."""
	if got.shape != ref.shape:
		return False, "logits dump has %d floats, expected %d tokens x %d vocab = %d" % (
			got.size, ref.shape[0], ref.shape[1], ref.size)
	if not np.all(np.isfinite(got)):
		return False, "logits dump holds NaN or Inf (first at row %d)" % np.argwhere(~np.isfinite(got))[0][0]
	denom = np.max(np.abs(ref), axis=1)
	err = np.max(np.abs(got.astype(np.float64) - ref), axis=1) / denom
	worst = int(np.argmax(err))
	am_ref, am_got = np.argmax(ref, axis=1), np.argmax(got, axis=1)
	detail = "max rel err %.3g (row %d), argmax %s" % (err[worst], worst, ",".join(str(int(a)) for a in am_ref))
	if err[worst] > tol:
		v = int(np.argmax(np.abs(got[worst] - ref[worst])))
		return False, detail + "; exceeds %g: row %d vocab %d trit %.7g ref %.7g" % (
			tol, worst, v, got[worst, v], ref[worst, v])
	bad = np.nonzero(am_ref != am_got)[0]
	if len(bad):
		t = int(bad[0])
		return False, detail + "; argmax differs at row %d: trit %d ref %d" % (t, am_got[t], am_ref[t])
	return True, detail


def run_case(name, model_path, tokens, logits_path, tol, kv_type, head="file"):
	"""Compares one dump; prints its PASS/FAIL line and returns True on PASS."""
	try:
		model = forward.Model(model_path)
		ref = model.forward(tokens, kv_f16=kv_type == "f16", lm_head_q8=head == "q8").astype(np.float64)
		got = np.fromfile(logits_path, dtype="<f4")
		if got.size == ref.size:
			got = got.reshape(ref.shape)
		ok, detail = compare(ref, got, tol)
	except Exception as ex:  # report any reader/reference failure as this case's failure
		ok, detail = False, "%s: %s" % (type(ex).__name__, ex)
	print("%s %s: %s" % ("PASS" if ok else "FAIL", name, detail))
	return ok


def main():
	ap = argparse.ArgumentParser()
	ap.add_argument("--name")
	ap.add_argument("--model")
	ap.add_argument("--tokens", required=True)
	ap.add_argument("--logits")
	ap.add_argument("--tol", type=float, default=1e-3)
	ap.add_argument("--kv-type", choices=("f16", "f32"), default="f16", help="trit's KV cache type (-ctk)")
	ap.add_argument("--lm-head", choices=("file", "q8"), default="file", help="trit's --lm-head")
	ap.add_argument("--manifest", help='many cases, one per line: "NAME MODEL LOGITS KV_TYPE [LM_HEAD]"')
	a = ap.parse_args()
	tokens = [int(t) for t in a.tokens.split(",")]
	if a.manifest:
		with open(a.manifest) as f:
			cases = [line.split() for line in f if line.strip()]
	elif a.name and a.model and a.logits:
		cases = [(a.name, a.model, a.logits, a.kv_type, a.lm_head)]
	else:
		ap.error("give --name, --model and --logits, or --manifest")
	results = [run_case(c[0], c[1], tokens, c[2], a.tol, c[3], c[4] if len(c) > 4 else "file") for c in cases]
	sys.stdout.flush()
	return 0 if all(results) else 1


if __name__ == "__main__":
	sys.exit(main())
