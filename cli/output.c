// SPDX-License-Identifier: MIT
/* fwctl's printing path: text or streamed JSON from the same calls (output.h).
 *
 * Why a streaming writer and not a json-c tree: list-rules of 100k rules
 * would build 500k json-c objects (~100 MB, most of the command's time) only
 * to print them once. iproute2 streams for the same reason (json_writer.c). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "output.h"

#define OUT_DEPTH_MAX 16

static struct {
	bool json, pretty, started;
	int depth;
	unsigned count[OUT_DEPTH_MAX]; /* members written at each depth */
	bool array[OUT_DEPTH_MAX];     /* the container at each depth is an array */
} out;

void out_init(bool json, bool pretty)
{
	memset(&out, 0, sizeof(out));
	out.json = json || pretty;
	out.pretty = pretty;
}

bool out_is_json(void)
{
	return out.json;
}

bool out_started(void)
{
	return out.started;
}

static void indent(int depth)
{
	putchar('\n');
	for (int i = 0; i < depth; i++)
		fputs("  ", stdout);
}

/* JSON string: escape quotes, backslashes and control bytes; bytes that are
 * not valid UTF-8 become U+FFFD, so the document is always valid JSON. */
static void json_string(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	putchar('"');
	while (*p) {
		unsigned char c = *p;
		int n = 0;

		if (c == '"' || c == '\\') {
			putchar('\\');
			putchar(c);
		} else if (c == '\n') {
			fputs("\\n", stdout);
		} else if (c == '\t') {
			fputs("\\t", stdout);
		} else if (c < 0x20 || c == 0x7f) {
			printf("\\u%04x", c);
		} else if (c < 0x80) {
			putchar(c);
		} else {
			if (c >= 0xc2 && c <= 0xdf)
				n = 1;
			else if (c >= 0xe0 && c <= 0xef)
				n = 2;
			else if (c >= 0xf0 && c <= 0xf4)
				n = 3;
			for (int i = 1; i <= n; i++) {
				if ((p[i] & 0xc0) != 0x80) {
					n = 0;
					break;
				}
			}
			if (n == 0) {
				fputs("\\ufffd", stdout);
			} else {
				fwrite(p, 1, n + 1, stdout);
				p += n;
			}
		}
		p++;
	}
	putchar('"');
}

/* Is a value with this key part of the JSON document? Inside an array every
 * value is an element; inside an object only keyed values are members. */
static bool in_json(const char *key)
{
	return key || out.array[out.depth];
}

/* Separator and key before a member (key NULL inside an array). */
static void member(const char *key)
{
	if (out.array[out.depth])
		key = NULL;
	if (out.count[out.depth]++)
		putchar(',');
	if (out.pretty)
		indent(out.depth);
	else if (out.count[out.depth] > 1)
		putchar(' ');
	if (key) {
		json_string(key);
		fputs(": ", stdout);
	}
}

static void open_container(const char *key, char c)
{
	if (!out.json)
		return;
	member(key);
	putchar(c);
	if (out.depth + 1 < OUT_DEPTH_MAX)
		out.depth++;
	out.count[out.depth] = 0;
	out.array[out.depth] = c == '[';
}

static void close_container(char c)
{
	if (!out.json)
		return;
	bool any = out.count[out.depth] > 0;

	if (out.depth > 0)
		out.depth--;
	if (out.pretty && any)
		indent(out.depth);
	putchar(c);
}

void out_begin(void)
{
	out.started = true;
	if (!out.json)
		return;
	putchar('{');
	out.depth = 1;
	out.count[1] = 0;
	out.array[1] = false;
}

int out_end(void)
{
	if (out.json) {
		close_container('}');
		putchar('\n');
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		return -(errno ? errno : EIO);
	return 0;
}

void out_obj_begin(const char *key)
{
	open_container(key, '{');
}

void out_obj_end(void)
{
	close_container('}');
}

void out_arr_begin(const char *key)
{
	open_container(key, '[');
}

void out_arr_end(void)
{
	close_container(']');
}

void out_uint(const char *key, const char *fmt, uint64_t v)
{
	if (out.json) {
		if (in_json(key)) {
			member(key);
			printf("%llu", (unsigned long long)v);
		}
	} else if (fmt) {
		printf(fmt, v);
	}
}

void out_int(const char *key, const char *fmt, int64_t v)
{
	if (out.json) {
		if (in_json(key)) {
			member(key);
			printf("%lld", (long long)v);
		}
	} else if (fmt) {
		printf(fmt, v);
	}
}

void out_str(const char *key, const char *fmt, const char *s)
{
	if (out.json) {
		if (in_json(key)) {
			member(key);
			json_string(s);
		}
	} else if (fmt) {
		printf(fmt, s);
	}
}

void out_bool(const char *key, const char *fmt, bool v)
{
	if (out.json) {
		if (in_json(key)) {
			member(key);
			fputs(v ? "true" : "false", stdout);
		}
	} else if (fmt) {
		printf(fmt, v ? "yes" : "no");
	}
}

void out_text(const char *fmt, ...)
{
	va_list ap;

	if (out.json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

void out_error(const char *msg, int status)
{
	if (!out.json || out.started)
		return;
	out_begin();
	out_str("error", NULL, msg);
	out_int("status", NULL, status);
	out_end();
}
