/* SPDX-License-Identifier: MIT */
/*
 * fwctl's one printing path for text and JSON, after iproute2's print_uint():
 * every value is printed by one call that knows both its text format and its
 * JSON key, so the two outputs cannot drift apart.
 *
 *	out_uint("packets", "%" PRIu64 " packets", n);
 *
 * prints "123 packets" in text mode and the member "packets": 123 with -j.
 * A NULL key prints text only (but inside a JSON array every value is an
 * element, key or not); a NULL fmt prints JSON only. out_bool's fmt takes a
 * string, "yes" or "no".
 *
 * JSON is streamed (constant memory for 100k rules), compact with ", " and
 * ": " separators, or indented with -p. Every command's JSON document is one
 * object: out_begin() opens it, out_end() closes it and flushes stdout.
 */
#ifndef XW_CLI_OUTPUT_H
#define XW_CLI_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

void out_init(bool json, bool pretty);
bool out_is_json(void);
/* Has out_begin() run (so an error can no longer be reported as JSON)? */
bool out_started(void);

void out_begin(void);
/* Close the document, flush stdout. Returns 0 or -errno of a failed write. */
int out_end(void);

void out_obj_begin(const char *key); /* key is NULL inside an array */
void out_obj_end(void);
void out_arr_begin(const char *key);
void out_arr_end(void);

void out_uint(const char *key, const char *fmt, uint64_t v);
void out_int(const char *key, const char *fmt, int64_t v);
void out_str(const char *key, const char *fmt, const char *s);
void out_bool(const char *key, const char *fmt, bool v);

/* Text mode only (headers, separators, newlines). */
void out_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The JSON error document {"error": msg, "status": status}, on stdout; does
 * nothing in text mode or once output has started. */
void out_error(const char *msg, int status);

#endif
