// SPDX-License-Identifier: MIT
/* xdpwalld [-c CONFIG] [-i IFACE|GLOB]... [--mode native|generic|auto]
 *          [--pin-root DIR] [--state-dir DIR] [--run-dir DIR] [--foreground]
 *          [-v] [--detach] */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "options.h"

enum {
	OPT_MODE = 0x100,
	OPT_PIN_ROOT,
	OPT_STATE_DIR,
	OPT_RUN_DIR,
	OPT_FOREGROUND,
	OPT_DETACH,
};

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "interface", required_argument, NULL, 'i' },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "pin-root", required_argument, NULL, OPT_PIN_ROOT },
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
	{ "run-dir", required_argument, NULL, OPT_RUN_DIR },
	{ "foreground", no_argument, NULL, OPT_FOREGROUND },
	{ "verbose", no_argument, NULL, 'v' },
	{ "detach", no_argument, NULL, OPT_DETACH },
	{ "help", no_argument, NULL, 'h' },
	{},
};

void xw_agent_usage(FILE *f)
{
	fprintf(f,
		"Usage: xdpwalld [OPTIONS]\n"
		"Keeps the xdpwall XDP program loaded and attached, and the ruleset restored.\n"
		"\n"
		"  -c, --config FILE        configuration file (default $XDPWALL_CONFIG, else\n"
		"                           " XW_DEFAULT_CONFIG ")\n"
		"  -i, --interface IFACE    attach to IFACE, a name or a glob such as 'veth*';\n"
		"                           repeatable; replaces the file's 'interfaces'\n"
		"      --mode MODE          native, generic or auto (native, else generic)\n"
		"      --pin-root DIR       bpffs directory of the pins (" XW_DEFAULT_PIN_ROOT ")\n"
		"      --state-dir DIR      persisted ruleset (" XW_DEFAULT_STATE_DIR ")\n"
		"      --run-dir DIR        pid file (" XW_DEFAULT_RUN_DIR ")\n"
		"      --foreground         do not fork (for systemd and tests)\n"
		"  -v, --verbose            log at debug level\n"
		"      --detach             take the program off every interface of this\n"
		"                           network namespace running it, then exit (pins and\n"
		"                           ruleset stay; refused while an agent runs)\n"
		"  -h, --help               this text\n"
		"\n"
		"Command-line options override the file; the file overrides $XDPWALL_PIN_ROOT,\n"
		"$XDPWALL_STATE_DIR and $XDPWALL_RUN_DIR. SIGTERM/SIGINT exit without detaching;\n"
		"SIGHUP re-reads the configuration.\n");
}

static int usage_err(const char *fmt, const char *arg)
{
	fprintf(stderr, "xdpwalld: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'xdpwalld --help'.\n");
	return -EINVAL;
}

static int set_path(char *dst, const char *arg, const char *opt)
{
	if (arg[0] != '/')
		return usage_err("%s needs an absolute path", opt);
	if (strlen(arg) >= PATH_MAX)
		return usage_err("%s: path too long", opt);
	strcpy(dst, arg);
	return 0;
}

int xw_agent_opts_parse(struct xw_agent_opts *o, int argc, char **argv)
{
	struct xw_agent_config *over = &o->over;
	char err[XW_CFG_ERR_MAX];
	const char *env;
	int c, idx, prev, ret;

	memset(o, 0, sizeof(*o));
	xw_config_init(over);
	optind = 0; /* full re-initialisation (glibc), so tests can parse twice */
	opterr = 0;
	for (;;) {
		idx = -1;
		prev = optind ? optind : 1;
		c = getopt_long(argc, argv, "+:c:i:vh", long_opts, &idx);
		if (c == -1)
			break;
		/* getopt_long accepts unique prefixes (--fore); we do not. */
		if (idx >= 0 && prev < argc && !strncmp(argv[prev], "--", 2)) {
			size_t n = strcspn(argv[prev] + 2, "=");

			if (n != strlen(long_opts[idx].name) ||
			    strncmp(argv[prev] + 2, long_opts[idx].name, n))
				return usage_err("unknown option '%s'", argv[prev]);
		}
		switch (c) {
		case 'c':
			if (strlen(optarg) >= sizeof(o->config_path))
				return usage_err("%s: path too long", optarg);
			strcpy(o->config_path, optarg);
			o->config_explicit = true;
			break;
		case 'i':
			ret = xw_config_add_iface(over, optarg, err, sizeof(err));
			if (ret == -ENOMEM)
				return usage_err("%s", "out of memory");
			if (ret)
				return usage_err("%s", err);
			break;
		case OPT_MODE:
			ret = xw_mode_parse(optarg);
			if (ret < 0)
				return usage_err("bad --mode '%s' (native, generic or auto)", optarg);
			over->mode = ret;
			over->set |= XW_CFG_MODE;
			break;
		case OPT_PIN_ROOT:
			if (set_path(over->pin_root, optarg, "--pin-root"))
				return -EINVAL;
			over->set |= XW_CFG_PIN_ROOT;
			break;
		case OPT_STATE_DIR:
			if (set_path(over->state_dir, optarg, "--state-dir"))
				return -EINVAL;
			over->set |= XW_CFG_STATE_DIR;
			break;
		case OPT_RUN_DIR:
			if (set_path(over->run_dir, optarg, "--run-dir"))
				return -EINVAL;
			over->set |= XW_CFG_RUN_DIR;
			break;
		case OPT_FOREGROUND:
			o->foreground = true;
			break;
		case 'v':
			over->log_level = XW_LOG_DEBUG;
			over->set |= XW_CFG_LOG_LEVEL;
			break;
		case OPT_DETACH:
			o->detach = true;
			break;
		case 'h':
			xw_agent_usage(stdout);
			return 1;
		case ':':
			return usage_err("option '%s' needs an argument", argv[optind - 1]);
		default:
			return usage_err("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_err("unexpected argument '%s'", argv[optind]);

	if (!o->config_explicit) {
		env = getenv("XDPWALL_CONFIG");
		if (env && env[0]) {
			if (strlen(env) >= sizeof(o->config_path))
				return usage_err("XDPWALL_CONFIG: path too long (%s)", env);
			strcpy(o->config_path, env);
			o->config_explicit = true;
		} else {
			strcpy(o->config_path, XW_DEFAULT_CONFIG);
		}
	}
	return 0;
}

void xw_agent_opts_free(struct xw_agent_opts *o)
{
	xw_config_free(&o->over);
}

int xw_agent_config_build(const struct xw_agent_opts *o, struct xw_agent_config *cfg, char *err,
			  size_t errlen)
{
	int ret;

	xw_config_init(cfg);
	ret = xw_config_load(cfg, o->config_path, err, errlen);
	if (ret == -ENOENT && !o->config_explicit)
		ret = 0; /* no file at the default place: built-in defaults */
	if (ret)
		return ret;
	ret = xw_config_override(cfg, &o->over);
	if (ret) {
		snprintf(err, errlen, "out of memory");
		xw_config_free(cfg);
	}
	return ret;
}
