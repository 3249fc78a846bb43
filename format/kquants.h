/* kquants.h: llama.cpp's 256-element "K" block formats Q4_K, Q5_K and Q6_K: decoders to float and
 * simple round-to-nearest encoders. n is always a multiple of 256. */
#ifndef TRIT_KQUANTS_H
#define TRIT_KQUANTS_H

#include <stdint.h>

#define QK_K 256
#define Q4_K_BYTES 144
#define Q5_K_BYTES 176
#define Q6_K_BYTES 210

/* decodes n elements of Q4_K blocks */
void q4_k_decode(const uint8_t *blocks, int64_t n, float *y);
/* decodes n elements of Q5_K blocks */
void q5_k_decode(const uint8_t *blocks, int64_t n, float *y);
/* decodes n elements of Q6_K blocks */
void q6_k_decode(const uint8_t *blocks, int64_t n, float *y);
/* encodes n floats as Q4_K blocks */
void q4_k_encode(const float *x, int64_t n, uint8_t *blocks);
/* encodes n floats as Q5_K blocks */
void q5_k_encode(const float *x, int64_t n, uint8_t *blocks);
/* encodes n floats as Q6_K blocks */
void q6_k_encode(const float *x, int64_t n, uint8_t *blocks);

#endif
