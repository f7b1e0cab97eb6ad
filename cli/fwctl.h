/* SPDX-License-Identifier: MIT */
/* What fwctl's command families share: the global options, the exit statuses
 * of design.md, error reporting, and the handlers the command table names. */
#ifndef XW_CLI_FWCTL_H
#define XW_CLI_FWCTL_H

#include <stdbool.h>

#include "paths.h"

/* Exit statuses (design.md) */
enum {
	FW_EXIT_OK = 0,
	FW_EXIT_REJECTED = 1,   /* bad rule, file or handle; or a failed system call */
	FW_EXIT_USAGE = 2,      /* unknown command or option, missing argument */
	FW_EXIT_NOT_LOADED = 3, /* no pins: the firewall is not loaded */
};

struct fwctl {
	bool json, pretty, check, echo;
	const char *cmd; /* the command word, for messages */
	struct xw_paths paths;
};

/* Report a failure: "fwctl: CMD: message" on stderr and, with -j, the
 * document {"error": "message", "status": N} on stdout. Returns status. */
int fw_fail(const struct fwctl *c, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Usage error (exit 2): the message, then the command's synopsis. */
int fw_usage(const struct fwctl *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Failure of xw_fw_open(): 3 when the firewall is not loaded, else 1. */
int fw_open_fail(const struct fwctl *c, int err);
/* Finish the output; a failed write to stdout is a failure (exit 1). */
int fw_done(const struct fwctl *c);

/* Handlers: argv[0] is the command word. Each returns an exit status. */
int cmd_edit(struct fwctl *c, int argc, char **argv); /* add/insert/replace/del/flush/policy */
int cmd_list_rules(struct fwctl *c, int argc, char **argv);
int cmd_apply(struct fwctl *c, int argc, char **argv);
int cmd_save(struct fwctl *c, int argc, char **argv);
int cmd_status(struct fwctl *c, int argc, char **argv);
int cmd_stats(struct fwctl *c, int argc, char **argv);

#endif
