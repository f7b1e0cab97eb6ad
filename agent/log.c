// SPDX-License-Identifier: MIT
/* One line per event on stderr. Under systemd (JOURNAL_STREAM set) each line
 * carries its syslog priority as a "<N>" prefix so the journal keeps levels. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "log.h"

static enum xw_log_level log_level = XW_LOG_INFO;
static bool libs_quiet;
static char kernel_msg[256]; /* the last "Kernel error message" libbpf relayed while quiet */
static const char *const level_names[] = {
	[XW_LOG_ERROR] = "error",
	[XW_LOG_WARN] = "warn",
	[XW_LOG_INFO] = "info",
	[XW_LOG_DEBUG] = "debug",
};
static const int level_prio[] = { 3, 4, 6, 7 };

void xw_log_set_level(enum xw_log_level level)
{
	log_level = level;
}

enum xw_log_level xw_log_get_level(void)
{
	return log_level;
}

int xw_log_level_parse(const char *s)
{
	for (unsigned i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (!strcmp(s, level_names[i]))
			return i;
	return -EINVAL;
}

const char *xw_log_level_name(enum xw_log_level level)
{
	return level <= XW_LOG_DEBUG ? level_names[level] : "?";
}

static void log_line(enum xw_log_level level, const char *fmt, va_list ap)
{
	static int journal = -1;
	char buf[1024];
	int n;

	if (journal < 0)
		journal = getenv("JOURNAL_STREAM") != NULL;
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0)
		return;
	/* libbpf and libxdp end their messages with a newline; we add our own. */
	n = strnlen(buf, sizeof(buf));
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (journal)
		fprintf(stderr, "<%d>%s: %s\n", level_prio[level], level_names[level], buf);
	else
		fprintf(stderr, "xdpwalld: %s: %s\n", level_names[level], buf);
}

void xw_log(enum xw_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	log_line(level, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	enum xw_log_level level = l == LIBBPF_WARN && !libs_quiet ? XW_LOG_WARN : XW_LOG_DEBUG;
	static const char prefix[] = "libbpf: Kernel error message: ";

	if (libs_quiet) {
		char buf[sizeof(kernel_msg) + sizeof(prefix)];
		va_list aq;
		size_t n;

		va_copy(aq, ap);
		vsnprintf(buf, sizeof(buf), fmt, aq);
		va_end(aq);
		if (!strncmp(buf, prefix, sizeof(prefix) - 1)) {
			snprintf(kernel_msg, sizeof(kernel_msg), "%.*s", (int)sizeof(kernel_msg) - 1,
				 buf + sizeof(prefix) - 1);
			n = strlen(kernel_msg);
			while (n && kernel_msg[n - 1] == '\n')
				kernel_msg[--n] = '\0';
		}
	}

	if (level <= log_level)
		log_line(level, fmt, ap);
	return 0;
}

static int libxdp_print(enum libxdp_print_level l, const char *fmt, va_list ap)
{
	enum xw_log_level level = l == LIBXDP_WARN && !libs_quiet ? XW_LOG_WARN : XW_LOG_DEBUG;

	if (level <= log_level)
		log_line(level, fmt, ap);
	return 0;
}

void xw_log_hook_libs(void)
{
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
}

void xw_log_libs_quiet(bool quiet)
{
	if (quiet)
		kernel_msg[0] = '\0';
	libs_quiet = quiet;
}

const char *xw_log_libs_kernel_msg(void)
{
	return kernel_msg;
}
