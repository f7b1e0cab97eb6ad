/* SPDX-License-Identifier: MIT */
/* xdpwalld's command line, and the configuration it makes with the file. */
#ifndef XW_AGENT_OPTIONS_H
#define XW_AGENT_OPTIONS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"

struct xw_agent_opts {
	struct xw_agent_config over; /* what the command line sets (.set says what) */
	char config_path[PATH_MAX];  /* -c, else $XDPWALL_CONFIG, else the default */
	bool config_explicit;        /* -c or $XDPWALL_CONFIG: a missing file is an error */
	bool foreground;
	bool detach;
};

/* Parse argv strictly (exact long option names, no positional arguments).
 * Returns 0; 1 after printing --help; -EINVAL after printing a usage error. */
int xw_agent_opts_parse(struct xw_agent_opts *o, int argc, char **argv);
void xw_agent_opts_free(struct xw_agent_opts *o);
void xw_agent_usage(FILE *f);

/* The configuration to run with: the file at o->config_path (a missing default
 * file means built-in defaults), then the command line over it. Returns 0, or
 * -errno with err saying which file and line is wrong. */
int xw_agent_config_build(const struct xw_agent_opts *o, struct xw_agent_config *cfg, char *err,
			  size_t errlen);

#endif
