/* rowdot.h: the dot product of one row stored in a quantized GGUF type with a float vector, without
 * decoding the row to memory first (the output layer of llama.cpp files, whose token_embd is often
 * Q6_K or Q8_0). Each weight is the float the type's decoder gives (ggml_decode_row); only the order
 * of the sum differs. AVX2+FMA where the CPU has it, else decode and sum in C. */
#ifndef TRIT_ROWDOT_H
#define TRIT_ROWDOT_H

#include <stdint.h>

/* 1 when rowdot() handles rows of this GGML type */
int rowdot_supported(uint32_t type);
/* Σ w[i]·h[i] over n elements of the row at `row` (n a multiple of the type's block) */
float rowdot(uint32_t type, const uint8_t *row, const float *h, int64_t n);

#endif
