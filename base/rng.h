/* rng.h: a small seeded PRNG (splitmix64 seeding xoshiro256**), identical on every platform. */
#ifndef TRIT_RNG_H
#define TRIT_RNG_H

#include <math.h>
#include <stdint.h>

struct rng {
	uint64_t s[4];
};

/* seeds the generator; the same seed always gives the same stream */
static inline void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++) {
		uint64_t z = (seed += 0x9e3779b97f4a7c15ull);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		r->s[i] = z ^ (z >> 31);
	}
}

static inline uint64_t rng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* next 64 random bits */
static inline uint64_t rng_u64(struct rng *r)
{
	uint64_t *s = r->s, out = rng_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rng_rotl(s[3], 45);
	return out;
}

/* uniform integer in [0, n) (n > 0) */
static inline uint64_t rng_below(struct rng *r, uint64_t n) { return rng_u64(r) % n; }

/* uniform float in [0, 1) */
static inline float rng_unit(struct rng *r) { return (float)(rng_u64(r) >> 40) * (1.0f / 16777216.0f); }

/* standard normal (Box-Muller) */
static inline float rng_normal(struct rng *r)
{
	float u = rng_unit(r), v = rng_unit(r);
	if (u < 1e-7f)
		u = 1e-7f;
	return sqrtf(-2.0f * logf(u)) * cosf(6.2831853f * v);
}

#endif
