/* SPDX-License-Identifier: MIT */
/* The agent's log: one line per event on stderr (the journal under systemd). */
#ifndef XW_AGENT_LOG_H
#define XW_AGENT_LOG_H

#include <stdbool.h>

enum xw_log_level {
	XW_LOG_ERROR = 0,
	XW_LOG_WARN,
	XW_LOG_INFO,
	XW_LOG_DEBUG,
};

void xw_log_set_level(enum xw_log_level level);
enum xw_log_level xw_log_get_level(void);
/* "error", "warn", "info", "debug" -> level; -EINVAL otherwise. */
int xw_log_level_parse(const char *s);
const char *xw_log_level_name(enum xw_log_level level);

void xw_log(enum xw_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define xw_err(...)   xw_log(XW_LOG_ERROR, __VA_ARGS__)
#define xw_warn(...)  xw_log(XW_LOG_WARN, __VA_ARGS__)
#define xw_info(...)  xw_log(XW_LOG_INFO, __VA_ARGS__)
#define xw_debug(...) xw_log(XW_LOG_DEBUG, __VA_ARGS__)

/* Log at ERROR and return err (a negative errno): return xw_err_r(-ENOMEM, "..."). */
#define xw_err_r(err, ...) ({ xw_err(__VA_ARGS__); (err); })

/* Route libbpf's and libxdp's own messages through xw_log (warnings as WARN,
 * the rest as DEBUG). */
void xw_log_hook_libs(void);
/* While set, the libraries' warnings are logged as DEBUG: around calls whose
 * failures are expected and reported by us (libxdp probing its dispatcher
 * makes libbpf warn about a failed load on kernels that refuse it). */
void xw_log_libs_quiet(bool quiet);
/* The kernel's own words (netlink extack) that libbpf relayed while quiet, or "". */
const char *xw_log_libs_kernel_msg(void);

#endif
