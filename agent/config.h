/* SPDX-License-Identifier: MIT */
/* The agent's configuration: the INI file (scripts/xdpwall.conf documents
 * every key) and the command line that overrides it. */
#ifndef XW_AGENT_CONFIG_H
#define XW_AGENT_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "paths.h"

enum xw_attach_mode {
	XW_MODE_AUTO = 0, /* native, else generic */
	XW_MODE_NATIVE,
	XW_MODE_GENERIC,
};

/* Which fields of struct xw_agent_config were given (file or command line). */
#define XW_CFG_IFACES    0x01
#define XW_CFG_MODE      0x02
#define XW_CFG_PIN_ROOT  0x04
#define XW_CFG_STATE_DIR 0x08
#define XW_CFG_RUN_DIR   0x10
#define XW_CFG_LOG_LEVEL 0x20

#define XW_CFG_ERR_MAX 512

struct xw_agent_config {
	char **ifaces;   /* interface names and fnmatch(3) globs, e.g. "veth*" */
	size_t n_ifaces;
	enum xw_attach_mode mode;
	char pin_root[PATH_MAX];
	char state_dir[PATH_MAX];
	char run_dir[PATH_MAX];
	int log_level; /* enum xw_log_level */
	unsigned set;  /* XW_CFG_* */
};

void xw_config_init(struct xw_agent_config *cfg);
void xw_config_free(struct xw_agent_config *cfg);

/* Parse the INI file at path into cfg (which xw_config_init prepared).
 * Returns 0; -ENOENT if the file does not exist; -EINVAL if it is malformed
 * (err: "PATH:LINE: what is wrong"); another -errno if it cannot be read
 * (err: "cannot read PATH: reason"). On error cfg is left as it was. */
int xw_config_load(struct xw_agent_config *cfg, const char *path, char *err, size_t errlen);

/* Add one interface name or glob (validated: 1..15 characters, none of '/',
 * ':' or whitespace). Returns 0, -EINVAL (err says why) or -ENOMEM. */
int xw_config_add_iface(struct xw_agent_config *cfg, const char *pattern, char *err,
			size_t errlen);

/* "native", "generic", "auto" -> mode; -EINVAL otherwise. */
int xw_mode_parse(const char *s);
const char *xw_mode_name(enum xw_attach_mode mode);

/* Every field given in over replaces the one in cfg (the command line over the
 * file). Interfaces given in over replace the file's list, not extend it. */
int xw_config_override(struct xw_agent_config *cfg, const struct xw_agent_config *over);

/* Does ifname match one of the configured names or globs? */
bool xw_config_match(const struct xw_agent_config *cfg, const char *ifname);
/* Is pattern a glob (contains * ? or [)? */
bool xw_config_is_glob(const char *pattern);

/* The paths the agent uses: xw_paths_default() (built-in defaults and the
 * XDPWALL_* environment), then what cfg sets. */
void xw_config_paths(const struct xw_agent_config *cfg, struct xw_paths *paths);

#endif
