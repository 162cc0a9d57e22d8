// SPDX-License-Identifier: GPL-2.0
/*
 * nlbctl genkey
 *
 * Prints a new heartbeat key: NLB_KEY_LEN (32) random bytes in standard
 * base64 (44 characters) and a newline, like `wg genkey`.  A key file
 * (`key FILE` of cluster add and cluster set) holds that text, optionally
 * followed by white space; the same key goes on every node.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <linux/nlb.h>

#include "nlbctl.h"

#define KEY_B64_LEN (((NLB_KEY_LEN + 2) / 3) * 4)	/* 44 */

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Standard base64 with padding; @out holds 4 * ceil(len / 3) + 1. */
static void b64_encode(const uint8_t *in, size_t len, char *out)
{
	uint32_t v;
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*out++ = b64[v >> 18 & 63];
		*out++ = b64[v >> 12 & 63];
		*out++ = b64[v >> 6 & 63];
		*out++ = b64[v & 63];
	}
	if (i < len) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		*out++ = b64[v >> 18 & 63];
		*out++ = b64[v >> 12 & 63];
		*out++ = i + 1 < len ? b64[v >> 6 & 63] : '=';
		*out++ = '=';
	}
	*out = '\0';
}

static int b64_value(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

/*
 * Exactly the canonical encoding of NLB_KEY_LEN bytes: 43 characters of
 * the alphabet, the last with its two unused bits clear, then one '='.
 */
static int b64_decode_key(const char *s, uint8_t *key)
{
	uint32_t acc = 0;
	unsigned int bits = 0, n = 0, i;
	int v;

	if (strlen(s) != KEY_B64_LEN || s[KEY_B64_LEN - 1] != '=')
		return -1;
	for (i = 0; i < KEY_B64_LEN - 1; i++) {
		v = b64_value(s[i]);
		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			key[n++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return n == NLB_KEY_LEN && acc == 0 ? 0 : -1;
}

int read_key_file(const char *file, uint8_t *key)
{
	char buf[256];
	bool more;
	size_t n;
	FILE *f;
	int ret;

	f = fopen(file, "r");
	if (!f)
		return nlbctl_error("key file %s: %s", file, strerror(errno));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	if (ferror(f)) {
		ret = nlbctl_error("key file %s: %s", file, strerror(errno));
		fclose(f);
		return ret;
	}
	more = fgetc(f) != EOF;		/* far too long for a key */
	fclose(f);
	buf[n] = '\0';
	/* Trailing white space (a newline) is fine, nothing else. */
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	ret = !more && strlen(buf) == n ? b64_decode_key(buf, key) : -1;
	explicit_bzero(buf, sizeof(buf));
	if (ret) {
		explicit_bzero(key, NLB_KEY_LEN);
		return nlbctl_error("key file %s: must hold %d bytes in base64",
				    file, NLB_KEY_LEN);
	}
	return 0;
}

int do_genkey(struct nlbctl *ctl, int argc, char **argv)
{
	uint8_t key[NLB_KEY_LEN];
	char text[KEY_B64_LEN + 1];
	size_t got = 0;
	ssize_t n;

	(void)ctl;
	if (argc > 0)
		return nlbctl_error("unknown argument \"%s\"", *argv);
	while (got < sizeof(key)) {
		n = getrandom(key + got, sizeof(key) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return nlbctl_error("getrandom: %s", strerror(errno));
		got += (size_t)n;
	}
	b64_encode(key, sizeof(key), text);
	explicit_bzero(key, sizeof(key));
	printf("%s\n", text);
	explicit_bzero(text, sizeof(text));
	if (fflush(stdout) || ferror(stdout))
		return nlbctl_error("cannot write the key: %s", strerror(errno));
	return 0;
}
