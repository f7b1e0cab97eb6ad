// SPDX-License-Identifier: MIT
/* The agent's INI configuration, parsed with libinih, strictly: one section
 * [agent], known keys only, every value checked, errors name file and line. */
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ini.h>

#include "config.h"
#include "log.h"

#define IFNAME_MAX 15 /* IFNAMSIZ - 1 */

void xw_config_init(struct xw_agent_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = XW_MODE_AUTO;
	cfg->log_level = XW_LOG_INFO;
}

static void free_ifaces(char **ifaces, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ifaces[i]);
	free(ifaces);
}

void xw_config_free(struct xw_agent_config *cfg)
{
	free_ifaces(cfg->ifaces, cfg->n_ifaces);
	cfg->ifaces = NULL;
	cfg->n_ifaces = 0;
}

int xw_mode_parse(const char *s)
{
	if (!strcmp(s, "auto"))
		return XW_MODE_AUTO;
	if (!strcmp(s, "native"))
		return XW_MODE_NATIVE;
	if (!strcmp(s, "generic"))
		return XW_MODE_GENERIC;
	return -EINVAL;
}

const char *xw_mode_name(enum xw_attach_mode mode)
{
	switch (mode) {
	case XW_MODE_AUTO:
		return "auto";
	case XW_MODE_NATIVE:
		return "native";
	case XW_MODE_GENERIC:
		return "generic";
	}
	return "?";
}

bool xw_config_is_glob(const char *pattern)
{
	return strpbrk(pattern, "*?[") != NULL;
}

int xw_config_add_iface(struct xw_agent_config *cfg, const char *pattern, char *err,
			size_t errlen)
{
	size_t len = strlen(pattern);
	char **ifaces, *copy;

	if (len == 0 || len > IFNAME_MAX) {
		snprintf(err, errlen, "bad interface '%s': a name or glob has 1 to %d characters",
			 pattern, IFNAME_MAX);
		return -EINVAL;
	}
	if (strpbrk(pattern, "/: \t\n\r\v\f") || !strcmp(pattern, ".") || !strcmp(pattern, "..")) {
		snprintf(err, errlen, "bad interface '%s': not a valid interface name or glob",
			 pattern);
		return -EINVAL;
	}
	for (size_t i = 0; i < cfg->n_ifaces; i++)
		if (!strcmp(cfg->ifaces[i], pattern))
			return 0;
	copy = strdup(pattern);
	if (!copy)
		return -ENOMEM;
	ifaces = realloc(cfg->ifaces, (cfg->n_ifaces + 1) * sizeof(*ifaces));
	if (!ifaces) {
		free(copy);
		return -ENOMEM;
	}
	ifaces[cfg->n_ifaces++] = copy;
	cfg->ifaces = ifaces;
	cfg->set |= XW_CFG_IFACES;
	return 0;
}

bool xw_config_match(const struct xw_agent_config *cfg, const char *ifname)
{
	for (size_t i = 0; i < cfg->n_ifaces; i++)
		if (!fnmatch(cfg->ifaces[i], ifname, 0))
			return true;
	return false;
}

/* ---- the INI file ---- */

struct parse_ctx {
	struct xw_agent_config cfg; /* built here, copied out only on success */
	FILE *f;
	int line;       /* lines read so far: the line inih is handling */
	int err_line;   /* first line a handler rejected, 0 if none */
	int long_line;  /* first line longer than the reader's buffer */
	int read_err;   /* errno of a failed read */
	char msg[XW_CFG_ERR_MAX];
};

/* A "[section]" line: only [agent] exists. Checked here, where the line is
 * known (inih reports a section only with its first key, if it has one). */
static void check_section(struct parse_ctx *c, const char *line)
{
	const char *p = line + strspn(line, " \t");
	size_t n;

	if (*p != '[' || c->err_line)
		return;
	p++;
	n = strcspn(p, "]");
	if (p[n] != ']')
		return; /* inih reports the syntax error */
	if (n != strlen("agent") || strncmp(p, "agent", n)) {
		c->err_line = c->line;
		snprintf(c->msg, sizeof(c->msg), "unknown section [%.*s] (known: [agent])", (int)n,
			 p);
	}
}

/* fgets with a line count, so the handler knows where it is (Debian's inih is
 * built without INI_HANDLER_LINENO). */
static char *reader(char *str, int num, void *stream)
{
	struct parse_ctx *c = stream;
	char *s;
	size_t len;

	errno = 0;
	s = fgets(str, num, c->f);
	if (!s) {
		if (ferror(c->f))
			c->read_err = errno ? errno : EIO;
		return NULL;
	}
	len = strlen(s);
	if (len && s[len - 1] == '\n') {
		c->line++;
	} else if (!feof(c->f)) {
		/* The rest of the line would come back as a line of its own. */
		c->line++;
		if (!c->long_line)
			c->long_line = c->line;
		while (fgets(str, num, c->f) && !strchr(str, '\n'))
			;
		str[0] = '\0';
	} else {
		c->line++;
	}
	check_section(c, s);
	return s;
}

__attribute__((format(printf, 2, 3))) static int reject(struct parse_ctx *c, const char *fmt,
							  ...)
{
	va_list ap;

	if (c->err_line)
		return 0;
	c->err_line = c->line;
	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	return 0;
}

static int set_path(struct parse_ctx *c, const char *key, const char *value, char *dst,
		    unsigned bit)
{
	if (c->cfg.set & bit)
		return reject(c, "'%s' is set twice", key);
	if (value[0] != '/')
		return reject(c, "bad value '%s' for '%s': an absolute path is needed", value, key);
	if (strlen(value) >= PATH_MAX)
		return reject(c, "bad value for '%s': path too long", key);
	strcpy(dst, value);
	c->cfg.set |= bit;
	return 1;
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
	struct parse_ctx *c = user;
	char buf[256], *tok, *save;
	int v;

	if (c->err_line)
		return 0;
	if (!section[0])
		return reject(c, "'%s' outside a section: put it under [agent]", key);
	if (strcmp(section, "agent"))
		return reject(c, "unknown section [%s] (known: [agent])", section);

	if (!strcmp(key, "interfaces")) {
		/* May be repeated: every line adds to the list. */
		if (strlen(value) >= sizeof(buf))
			return reject(c, "value of 'interfaces' too long");
		strcpy(buf, value);
		c->cfg.set |= XW_CFG_IFACES;
		for (tok = strtok_r(buf, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
			char err[XW_CFG_ERR_MAX];
			int ret = xw_config_add_iface(&c->cfg, tok, err, sizeof(err));

			if (ret == -ENOMEM)
				return reject(c, "out of memory");
			if (ret)
				return reject(c, "%s", err);
		}
		return 1;
	}
	if (!strcmp(key, "mode")) {
		if (c->cfg.set & XW_CFG_MODE)
			return reject(c, "'mode' is set twice");
		v = xw_mode_parse(value);
		if (v < 0)
			return reject(c, "bad value '%s' for 'mode' (native, generic or auto)", value);
		c->cfg.mode = v;
		c->cfg.set |= XW_CFG_MODE;
		return 1;
	}
	if (!strcmp(key, "log_level")) {
		if (c->cfg.set & XW_CFG_LOG_LEVEL)
			return reject(c, "'log_level' is set twice");
		v = xw_log_level_parse(value);
		if (v < 0)
			return reject(c, "bad value '%s' for 'log_level' (error, warn, info or debug)",
				      value);
		c->cfg.log_level = v;
		c->cfg.set |= XW_CFG_LOG_LEVEL;
		return 1;
	}
	if (!strcmp(key, "pin_root"))
		return set_path(c, key, value, c->cfg.pin_root, XW_CFG_PIN_ROOT);
	if (!strcmp(key, "state_dir"))
		return set_path(c, key, value, c->cfg.state_dir, XW_CFG_STATE_DIR);
	if (!strcmp(key, "run_dir"))
		return set_path(c, key, value, c->cfg.run_dir, XW_CFG_RUN_DIR);
	return reject(c, "unknown key '%s' in [agent] (known: interfaces, mode, pin_root, "
			 "state_dir, run_dir, log_level)", key);
}

int xw_config_load(struct xw_agent_config *cfg, const char *path, char *err, size_t errlen)
{
	struct parse_ctx *c;
	int ret, line;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	xw_config_init(&c->cfg);
	c->f = fopen(path, "re");
	if (!c->f) {
		ret = -errno;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(-ret));
		goto out_free;
	}

	/* Strict and simple: no continuation lines; '#' and ';' start comments,
	 * at the start of a line or after whitespace. */
	ini_allow_multiline = false;
	ini_inline_comment_prefixes = (char *)";#";
	line = ini_parse_stream(reader, c, handler, c);
	if (line < 0 || c->read_err) {
		ret = line == -2 ? -ENOMEM : -(c->read_err ? c->read_err : EIO);
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(-ret));
		goto out_cfg;
	}
	if (c->long_line && (!c->err_line || c->long_line < c->err_line) &&
	    (!line || c->long_line <= line)) {
		snprintf(err, errlen, "%s:%d: line too long", path, c->long_line);
		ret = -EINVAL;
		goto out_cfg;
	}
	if (line && (!c->err_line || line < c->err_line)) {
		snprintf(err, errlen, "%s:%d: syntax error: expected '[section]' or 'key = value'",
			 path, line);
		ret = -EINVAL;
		goto out_cfg;
	}
	if (c->err_line) {
		snprintf(err, errlen, "%s:%d: %s", path, c->err_line, c->msg);
		ret = -EINVAL;
		goto out_cfg;
	}
	xw_config_free(cfg);
	*cfg = c->cfg;
	ret = 0;
	goto out_close;

out_cfg:
	xw_config_free(&c->cfg);
out_close:
	fclose(c->f);
out_free:
	free(c);
	return ret;
}

int xw_config_override(struct xw_agent_config *cfg, const struct xw_agent_config *over)
{
	if (over->set & XW_CFG_IFACES) {
		char **ifaces = NULL;
		size_t i;

		if (over->n_ifaces) {
			ifaces = calloc(over->n_ifaces, sizeof(*ifaces));
			if (!ifaces)
				return -ENOMEM;
		}
		for (i = 0; i < over->n_ifaces; i++) {
			ifaces[i] = strdup(over->ifaces[i]);
			if (!ifaces[i]) {
				free_ifaces(ifaces, i);
				return -ENOMEM;
			}
		}
		free_ifaces(cfg->ifaces, cfg->n_ifaces);
		cfg->ifaces = ifaces;
		cfg->n_ifaces = over->n_ifaces;
	}
	if (over->set & XW_CFG_MODE)
		cfg->mode = over->mode;
	if (over->set & XW_CFG_LOG_LEVEL)
		cfg->log_level = over->log_level;
	if (over->set & XW_CFG_PIN_ROOT)
		strcpy(cfg->pin_root, over->pin_root);
	if (over->set & XW_CFG_STATE_DIR)
		strcpy(cfg->state_dir, over->state_dir);
	if (over->set & XW_CFG_RUN_DIR)
		strcpy(cfg->run_dir, over->run_dir);
	cfg->set |= over->set;
	return 0;
}

void xw_config_paths(const struct xw_agent_config *cfg, struct xw_paths *paths)
{
	xw_paths_default(paths);
	if (cfg->set & XW_CFG_PIN_ROOT)
		strcpy(paths->pin_root, cfg->pin_root);
	if (cfg->set & XW_CFG_STATE_DIR)
		strcpy(paths->state_dir, cfg->state_dir);
	if (cfg->set & XW_CFG_RUN_DIR)
		strcpy(paths->run_dir, cfg->run_dir);
}
