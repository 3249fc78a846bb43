/* unicode.h: strict UTF-8 decoding/encoding and the Unicode category flags the pre-tokenizers
 * need (letter \p{L}, number \p{N}, punctuation \p{P}, White_Space). */
#ifndef TRIT_UNICODE_H
#define TRIT_UNICODE_H

#include <stddef.h>
#include <stdint.h>

enum {
	UNI_L = 1,  /* letter: general category L* */
	UNI_N = 2,  /* number: N* */
	UNI_P = 4,  /* punctuation: P* */
	UNI_WS = 8, /* the White_Space property (what \s matches) */
};

/* the code point utf8_decode reports for a byte that does not start a valid sequence:
 * UNI_INVALID_BASE + the byte (outside the Unicode range, so it has no category flags) */
#define UNI_INVALID_BASE 0x110000u

/* decodes one character at s (len > 0 bytes available): sets *cp and returns its length 1..4;
 * an invalid, overlong, surrogate or truncated sequence yields one byte as UNI_INVALID_BASE+byte */
size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);
/* writes the UTF-8 form of cp (<= 0x10FFFF) to out (4 bytes room); returns its length */
size_t utf8_encode(uint32_t cp, char *out);
/* the length of a UTF-8 sequence that starts with lead byte b, or 0 when b cannot start one */
size_t utf8_seq_len(unsigned char b);
/* the UNI_* flags of a code point (0 for others, unassigned and invalid ones) */
unsigned uni_flags(uint32_t cp);
/* the version of the Unicode data the tables were generated from */
const char *uni_version(void);

#endif
