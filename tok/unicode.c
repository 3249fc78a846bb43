/* unicode.c: strict UTF-8 and category lookup by binary search over generated range tables. */
#include "tok/unicode.h"

#include "tok/unicode_tables.h"

size_t utf8_seq_len(unsigned char b)
{
	if (b < 0x80)
		return 1;
	if (b >= 0xC2 && b <= 0xDF)
		return 2;
	if (b >= 0xE0 && b <= 0xEF)
		return 3;
	if (b >= 0xF0 && b <= 0xF4)
		return 4;
	return 0;
}

size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned char b = s[0];
	size_t n = utf8_seq_len(b);
	*cp = UNI_INVALID_BASE + b;
	if (n == 1) {
		*cp = b;
		return 1;
	}
	if (n == 0 || n > len)
		return 1;
	uint32_t c = b & (0x7F >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 1;
		c = c << 6 | (s[i] & 0x3F);
	}
	/* overlong forms, UTF-16 surrogates and values past U+10FFFF are not characters */
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
	    (c >= 0xD800 && c <= 0xDFFF))
		return 1;
	*cp = c;
	return n;
}

size_t utf8_encode(uint32_t cp, char *out)
{
	unsigned char *o = (unsigned char *)out;
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

unsigned uni_flags(uint32_t cp)
{
	size_t lo = 0, hi = sizeof(uni_ranges) / sizeof(uni_ranges[0]);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cp < uni_ranges[mid].lo)
			hi = mid;
		else if (cp > uni_ranges[mid].hi)
			lo = mid + 1;
		else
			return uni_ranges[mid].flags;
	}
	return 0;
}

const char *uni_version(void)
{
	return UNI_TABLE_VERSION;
}
