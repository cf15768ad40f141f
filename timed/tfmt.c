/*
 * tfmt.c: strftime with bounded cost.
 *
 * A format is checked before strftime sees it: valid UTF-8, no NUL, at
 * most max_format bytes and max_conversions conversions, every conversion
 * one glibc documents, and no field width beyond max_output (so
 * "%1000000Y" is refused before any work).  %s is expanded here, because
 * glibc computes it with mktime(), which consults TZ and, with TZ unset,
 * the filesystem.  strftime then writes into a buffer of max_output bytes,
 * so the cost of the worst format is a small multiple of the common one.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <utf8proc.h>

#include "timed.h"

/* Conversions glibc's strftime documents. */
static const char tfmt_convs[] = "aAbBcCdDeFgGhHIjklmMnpPrRsStTuUVwWxXyYzZ%";

/* Is buf valid UTF-8 with no NUL byte? */
static int
tfmt_utf8_ok(const char *buf, size_t len)
{
	const utf8proc_uint8_t	*p = (const utf8proc_uint8_t *)buf;
	utf8proc_int32_t	 cp;
	utf8proc_ssize_t	 n;
	size_t			 i = 0;

	while (i < len) {
		if (p[i] < 0x80) {	/* the common case, without a call */
			if (p[i] == 0)
				return 0;
			i++;
			continue;
		}
		n = utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);
		if (n <= 0 || cp < 0)
			return 0;
		i += (size_t)n;
	}
	return 1;
}

/* Append the decimal seconds of t, honouring flags and width, to dst. */
static size_t
tfmt_seconds(char *dst, size_t cap, time_t t, char pad, int width)
{
	char	num[32];
	int	n, w;

	n = snprintf(num, sizeof num, "%lld", (long long)t);
	if (pad == '-' || width <= n)
		w = n;
	else
		w = width;
	if ((size_t)w >= cap)
		return (size_t)-1;
	if (w > n) {
		memset(dst, pad == '_' ? ' ' : '0', (size_t)(w - n));
		if (t < 0 && pad != '_') {	/* sign before zero padding */
			dst[0] = '-';
			num[0] = '0';
		}
	}
	memcpy(dst + (w - n), num, (size_t)n);
	return (size_t)w;
}

enum tfmt_result
tfmt_render(const struct tfmt_limits *lim, const char *fmt, size_t fmt_len,
    const struct tm *tm, time_t t, char *out, size_t limit, size_t *out_len,
    size_t *needed)
{
	/* One leading space tells an empty result from an overflow. */
	char	 buf[2048], res[1 + 1200 + 1];
	size_t	 i, o = 0, n, max_out = lim->max_output;
	int	 convs = 0, width;
	char	 pad;

	*needed = 0;
	*out_len = 0;
	if (max_out > sizeof res - 2)
		max_out = sizeof res - 2;
	if (limit > max_out)
		limit = max_out;
	if (fmt_len > lim->max_format || !tfmt_utf8_ok(fmt, fmt_len))
		return TFMT_BAD;

	buf[o++] = ' ';
	for (i = 0; i < fmt_len; i++) {
		if (fmt[i] != '%') {
			if (o + 2 > sizeof buf)
				return TFMT_BAD;
			buf[o++] = fmt[i];
			continue;
		}
		if (++convs > lim->max_conversions)
			return TFMT_BAD;
		n = i++;
		pad = 0;
		while (i < fmt_len && strchr("_-0^#", fmt[i]) != NULL)
			pad = fmt[i++];
		width = 0;
		while (i < fmt_len && fmt[i] >= '0' && fmt[i] <= '9') {
			width = width * 10 + (fmt[i++] - '0');
			if ((size_t)width > max_out) {
				/* Refused before any work, whatever follows. */
				return TFMT_TOO_LONG;
			}
		}
		if (i < fmt_len && (fmt[i] == 'E' || fmt[i] == 'O'))
			i++;
		if (i >= fmt_len || fmt[i] == '\0' ||
		    strchr(tfmt_convs, fmt[i]) == NULL)
			return TFMT_BAD;
		if (fmt[i] == 's') {
			n = tfmt_seconds(buf + o, sizeof buf - o - 1, t, pad,
			    width);
			if (n == (size_t)-1)
				return TFMT_BAD;
			o += n;
			continue;
		}
		if (o + (i - n + 1) + 1 > sizeof buf)
			return TFMT_BAD;
		memcpy(buf + o, fmt + n, i - n + 1);
		o += i - n + 1;
	}
	buf[o] = '\0';

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	n = strftime(res, max_out + 2, buf, tm);
#pragma GCC diagnostic pop
	if (n == 0)
		return TFMT_TOO_LONG;	/* more than max_output */
	n--;
	if (n > limit) {
		*needed = n;
		return TFMT_TOO_LONG;
	}
	memcpy(out, res + 1, n);
	*out_len = n;
	return TFMT_OK;
}
