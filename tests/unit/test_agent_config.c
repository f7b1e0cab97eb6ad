// SPDX-License-Identifier: MIT
/* xdpwalld's configuration: the INI file (good files, every kind of bad file
 * with the line named), interface globs, and the command line over the file. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../agent/config.h"
#include "../../agent/log.h"
#include "../../agent/options.h"

static char tmpdir[] = "/tmp/xw-test-agent-config.XXXXXX";

/* Write text to a fresh file under tmpdir; returns its path (static buffer). */
static const char *write_conf(const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	unsetenv("XDPWALL_CONFIG");
	unsetenv("XDPWALL_PIN_ROOT");
	unsetenv("XDPWALL_STATE_DIR");
	unsetenv("XDPWALL_RUN_DIR");
	return 0;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) ? -1 : 0;
}

/* Load text as a config; returns the result, err holds the message. */
static int load(const char *text, struct xw_agent_config *cfg, char *err)
{
	const char *path = write_conf("x.conf", text);

	xw_config_init(cfg);
	err[0] = '\0';
	return xw_config_load(cfg, path, err, XW_CFG_ERR_MAX);
}

/* The error names file:line and contains what. */
static void expect_error(const char *text, int line, const char *what)
{
	struct xw_agent_config cfg;
	char err[XW_CFG_ERR_MAX], where[600];

	assert_int_equal(load(text, &cfg, err), -EINVAL);
	snprintf(where, sizeof(where), "%s/x.conf:%d: ", tmpdir, line);
	if (strncmp(err, where, strlen(where)) || !strstr(err, what))
		fail_msg("expected \"%s...%s\", got \"%s\"", where, what, err);
	/* A rejected file changes nothing. */
	assert_int_equal(cfg.n_ifaces, 0);
	assert_int_equal(cfg.set, 0);
	xw_config_free(&cfg);
}

static void test_good_file(void **state)
{
	struct xw_agent_config cfg;
	char err[XW_CFG_ERR_MAX];

	(void)state;
	assert_int_equal(load("# comment\n"
			      "; another\n"
			      "\n"
			      "[agent]\n"
			      "interfaces = veth* eth0,eth1  # trailing comment\n"
			      "interfaces = bond[0-3]\n"
			      "mode = generic\n"
			      "pin_root = /sys/fs/bpf/xw\n"
			      "state_dir = /var/lib/xw\n"
			      "run_dir = /run/xw\n"
			      "log_level = debug\n",
			      &cfg, err),
			 0);
	assert_int_equal(cfg.n_ifaces, 4);
	assert_string_equal(cfg.ifaces[0], "veth*");
	assert_string_equal(cfg.ifaces[1], "eth0");
	assert_string_equal(cfg.ifaces[2], "eth1");
	assert_string_equal(cfg.ifaces[3], "bond[0-3]");
	assert_int_equal(cfg.mode, XW_MODE_GENERIC);
	assert_string_equal(cfg.pin_root, "/sys/fs/bpf/xw");
	assert_string_equal(cfg.state_dir, "/var/lib/xw");
	assert_string_equal(cfg.run_dir, "/run/xw");
	assert_int_equal(cfg.log_level, XW_LOG_DEBUG);
	assert_int_equal(cfg.set, XW_CFG_IFACES | XW_CFG_MODE | XW_CFG_PIN_ROOT |
					  XW_CFG_STATE_DIR | XW_CFG_RUN_DIR | XW_CFG_LOG_LEVEL);
	xw_config_free(&cfg);
}

static void test_empty_and_defaults(void **state)
{
	struct xw_agent_config cfg;
	char err[XW_CFG_ERR_MAX];

	(void)state;
	assert_int_equal(load("", &cfg, err), 0);
	assert_int_equal(cfg.n_ifaces, 0);
	assert_int_equal(cfg.mode, XW_MODE_AUTO);
	assert_int_equal(cfg.log_level, XW_LOG_INFO);
	assert_int_equal(cfg.set, 0);
	xw_config_free(&cfg);

	/* An empty interface list is allowed: attach nothing. */
	assert_int_equal(load("[agent]\ninterfaces =\nmode = native\n", &cfg, err), 0);
	assert_int_equal(cfg.n_ifaces, 0);
	assert_true(cfg.set & XW_CFG_IFACES);
	assert_int_equal(cfg.mode, XW_MODE_NATIVE);
	xw_config_free(&cfg);

	/* No newline at the end of the last line. */
	assert_int_equal(load("[agent]\nmode = auto", &cfg, err), 0);
	assert_int_equal(cfg.mode, XW_MODE_AUTO);
	xw_config_free(&cfg);
}

static void test_unknown_key(void **state)
{
	(void)state;
	expect_error("[agent]\nmode = auto\nmodes = native\n", 3, "unknown key 'modes'");
	expect_error("[agent]\n\n\n\nInterfaces = eth0\n", 5, "unknown key 'Interfaces'");
}

static void test_unknown_section(void **state)
{
	(void)state;
	/* Named at its header line, even when it holds no key. */
	expect_error("[agent]\nmode = auto\n[agnet]\nmode = native\n", 3,
		     "unknown section [agnet]");
	expect_error("[agent]\nmode = auto\n\n  [extra]\n", 4, "unknown section [extra]");
	expect_error("mode = auto\n", 1, "outside a section");
}

static void test_bad_values(void **state)
{
	(void)state;
	expect_error("[agent]\nmode = fast\n", 2, "bad value 'fast' for 'mode'");
	expect_error("[agent]\nmode =\n", 2, "bad value '' for 'mode'");
	expect_error("[agent]\nlog_level = verbose\n", 2, "bad value 'verbose' for 'log_level'");
	expect_error("[agent]\npin_root = sys/fs/bpf\n", 2, "absolute path");
	expect_error("[agent]\nstate_dir = var\n", 2, "absolute path");
	expect_error("[agent]\nrun_dir = ./run\n", 2, "absolute path");
	expect_error("[agent]\ninterfaces = eth0 averyveryverylongname\n", 2,
		     "bad interface 'averyveryverylongname'");
	expect_error("[agent]\ninterfaces = eth0 a/b\n", 2, "bad interface 'a/b'");
	expect_error("[agent]\ninterfaces = eth0:1\n", 2, "bad interface 'eth0:1'");
	expect_error("[agent]\nmode = auto\nmode = native\n", 3, "'mode' is set twice");
	/* The first bad line is the one named. */
	expect_error("[agent]\nmode = auto\nfoo = 1\nmode = x\n", 3, "unknown key 'foo'");
}

static void test_syntax_error(void **state)
{
	(void)state;
	expect_error("[agent]\nmode auto\n", 2, "syntax error");
	expect_error("[agent\nmode = auto\n", 1, "syntax error");
	/* A syntax error before a bad key: the syntax error's line is named. */
	expect_error("[agent]\njunk\nfoo = 1\n", 2, "syntax error");
	/* A bad key before a syntax error: the bad key's line. */
	expect_error("[agent]\nfoo = 1\njunk\n", 2, "unknown key 'foo'");
	/* No continuation lines. */
	expect_error("[agent]\ninterfaces = eth0\n  eth1\n", 3, "syntax error");
}

static void test_long_line(void **state)
{
	char text[2048];

	(void)state;
	snprintf(text, sizeof(text), "[agent]\nmode = auto\n# %01500d\ninterfaces = eth0\n", 0);
	expect_error(text, 3, "line too long");
}

static void test_unreadable(void **state)
{
	struct xw_agent_config cfg;
	char err[XW_CFG_ERR_MAX], path[600];

	(void)state;
	xw_config_init(&cfg);
	snprintf(path, sizeof(path), "%s/missing.conf", tmpdir);
	assert_int_equal(xw_config_load(&cfg, path, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "cannot read"));
	assert_non_null(strstr(err, path));

	/* A directory opens but cannot be read. */
	assert_int_equal(xw_config_load(&cfg, tmpdir, err, sizeof(err)), -EISDIR);
	assert_non_null(strstr(err, "cannot read"));
	assert_non_null(strstr(err, "Is a directory"));
	assert_non_null(strstr(err, tmpdir));
	assert_int_equal(cfg.set, 0);
	xw_config_free(&cfg);
}

static void test_glob(void **state)
{
	struct xw_agent_config cfg;
	char err[XW_CFG_ERR_MAX];

	(void)state;
	xw_config_init(&cfg);
	assert_false(xw_config_match(&cfg, "eth0")); /* nothing configured */
	assert_int_equal(xw_config_add_iface(&cfg, "veth*", err, sizeof(err)), 0);
	assert_int_equal(xw_config_add_iface(&cfg, "eth0", err, sizeof(err)), 0);
	assert_int_equal(xw_config_add_iface(&cfg, "bond[0-3]", err, sizeof(err)), 0);
	assert_int_equal(xw_config_add_iface(&cfg, "wl?", err, sizeof(err)), 0);
	assert_int_equal(xw_config_add_iface(&cfg, "eth0", err, sizeof(err)), 0); /* dup */
	assert_int_equal(cfg.n_ifaces, 4);

	assert_true(xw_config_match(&cfg, "veth0"));
	assert_true(xw_config_match(&cfg, "veth"));
	assert_true(xw_config_match(&cfg, "veth-long-name1"));
	assert_false(xw_config_match(&cfg, "aveth0"));
	assert_true(xw_config_match(&cfg, "eth0"));
	assert_false(xw_config_match(&cfg, "eth01"));
	assert_false(xw_config_match(&cfg, "eth1"));
	assert_true(xw_config_match(&cfg, "bond3"));
	assert_false(xw_config_match(&cfg, "bond4"));
	assert_true(xw_config_match(&cfg, "wl0"));
	assert_false(xw_config_match(&cfg, "wl00"));
	assert_false(xw_config_match(&cfg, "lo"));

	assert_true(xw_config_is_glob("veth*"));
	assert_true(xw_config_is_glob("bond[0-3]"));
	assert_true(xw_config_is_glob("wl?"));
	assert_false(xw_config_is_glob("eth0"));

	assert_int_equal(xw_config_add_iface(&cfg, "", err, sizeof(err)), -EINVAL);
	assert_int_equal(xw_config_add_iface(&cfg, "0123456789abcdef", err, sizeof(err)), -EINVAL);
	assert_int_equal(xw_config_add_iface(&cfg, "0123456789abcde", err, sizeof(err)), 0);
	assert_int_equal(xw_config_add_iface(&cfg, "a b", err, sizeof(err)), -EINVAL);
	assert_int_equal(xw_config_add_iface(&cfg, "..", err, sizeof(err)), -EINVAL);
	xw_config_free(&cfg);
}

static int parse(struct xw_agent_opts *o, int argc, const char **argv)
{
	return xw_agent_opts_parse(o, argc, (char **)argv);
}

static void test_options_over_file(void **state)
{
	const char *path = write_conf("prec.conf", "[agent]\n"
						   "interfaces = eth0 eth1\n"
						   "mode = native\n"
						   "pin_root = /file/pins\n"
						   "state_dir = /file/state\n"
						   "log_level = warn\n");
	struct xw_agent_config cfg;
	struct xw_agent_opts o;
	char err[XW_CFG_ERR_MAX];
	struct xw_paths paths;

	(void)state;
	/* Nothing on the command line: the file's values. */
	{
		const char *argv[] = { "xdpwalld", "-c", path };

		assert_int_equal(parse(&o, 3, argv), 0);
		assert_true(o.config_explicit);
		assert_int_equal(xw_agent_config_build(&o, &cfg, err, sizeof(err)), 0);
		assert_int_equal(cfg.n_ifaces, 2);
		assert_int_equal(cfg.mode, XW_MODE_NATIVE);
		assert_int_equal(cfg.log_level, XW_LOG_WARN);
		xw_config_paths(&cfg, &paths);
		assert_string_equal(paths.pin_root, "/file/pins");
		assert_string_equal(paths.state_dir, "/file/state");
		assert_string_equal(paths.run_dir, XW_DEFAULT_RUN_DIR);
		xw_config_free(&cfg);
		xw_agent_opts_free(&o);
	}
	/* Every option over the file; -i replaces the file's list. */
	{
		const char *argv[] = { "xdpwalld",   "--config",
				       path,         "-i",
				       "veth*",      "--interface=xw0",
				       "--mode",     "generic",
				       "--pin-root=/cli/pins", "--run-dir",
				       "/cli/run",   "-v",
				       "--foreground" };

		assert_int_equal(parse(&o, 13, argv), 0);
		assert_true(o.foreground);
		assert_false(o.detach);
		assert_int_equal(xw_agent_config_build(&o, &cfg, err, sizeof(err)), 0);
		assert_int_equal(cfg.n_ifaces, 2);
		assert_string_equal(cfg.ifaces[0], "veth*");
		assert_string_equal(cfg.ifaces[1], "xw0");
		assert_true(xw_config_match(&cfg, "veth9"));
		assert_false(xw_config_match(&cfg, "eth0"));
		assert_int_equal(cfg.mode, XW_MODE_GENERIC);
		assert_int_equal(cfg.log_level, XW_LOG_DEBUG);
		xw_config_paths(&cfg, &paths);
		assert_string_equal(paths.pin_root, "/cli/pins");
		assert_string_equal(paths.state_dir, "/file/state"); /* not on the command line */
		assert_string_equal(paths.run_dir, "/cli/run");
		xw_config_free(&cfg);
		xw_agent_opts_free(&o);
	}
}

static void test_env_file_options(void **state)
{
	const char *path = write_conf("env.conf", "[agent]\nstate_dir = /file/state\n");
	const char *argv[] = { "xdpwalld", "--run-dir", "/cli/run" };
	struct xw_agent_config cfg;
	struct xw_agent_opts o;
	char err[XW_CFG_ERR_MAX];
	struct xw_paths paths;

	(void)state;
	setenv("XDPWALL_CONFIG", path, 1);
	setenv("XDPWALL_PIN_ROOT", "/env/pins", 1);
	setenv("XDPWALL_STATE_DIR", "/env/state", 1);
	setenv("XDPWALL_RUN_DIR", "/env/run", 1);
	assert_int_equal(parse(&o, 3, argv), 0);
	assert_string_equal(o.config_path, path);
	assert_true(o.config_explicit);
	assert_int_equal(xw_agent_config_build(&o, &cfg, err, sizeof(err)), 0);
	xw_config_paths(&cfg, &paths);
	assert_string_equal(paths.pin_root, "/env/pins");    /* environment */
	assert_string_equal(paths.state_dir, "/file/state"); /* file over environment */
	assert_string_equal(paths.run_dir, "/cli/run");      /* option over both */
	xw_config_free(&cfg);
	xw_agent_opts_free(&o);
	unsetenv("XDPWALL_CONFIG");
	unsetenv("XDPWALL_PIN_ROOT");
	unsetenv("XDPWALL_STATE_DIR");
	unsetenv("XDPWALL_RUN_DIR");
}

static void test_missing_file(void **state)
{
	struct xw_agent_config cfg;
	struct xw_agent_opts o;
	char err[XW_CFG_ERR_MAX];

	(void)state;
	/* The default file may be absent: built-in defaults. */
	memset(&o, 0, sizeof(o));
	xw_config_init(&o.over);
	snprintf(o.config_path, sizeof(o.config_path), "%s/none.conf", tmpdir);
	o.config_explicit = false;
	assert_int_equal(xw_agent_config_build(&o, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.n_ifaces, 0);
	xw_config_free(&cfg);
	/* A file that was asked for must exist. */
	o.config_explicit = true;
	assert_int_equal(xw_agent_config_build(&o, &cfg, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "none.conf"));
	/* A bad file is an error even with options that would override it. */
	{
		const char *bad = write_conf("bad.conf", "[agent]\nmode = turbo\n");
		const char *argv[] = { "xdpwalld", "-c", bad, "--mode", "native" };

		assert_int_equal(parse(&o, 5, argv), 0);
		assert_int_equal(xw_agent_config_build(&o, &cfg, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "bad.conf:2: "));
		xw_agent_opts_free(&o);
	}
}

static void test_strict_options(void **state)
{
	struct xw_agent_opts o;

	(void)state;
#define REJECT(...)                                                                  \
	do {                                                                         \
		const char *argv[] = { "xdpwalld", __VA_ARGS__ };                     \
		assert_int_equal(parse(&o, sizeof(argv) / sizeof(argv[0]), argv), -EINVAL); \
		xw_agent_opts_free(&o);                                              \
	} while (0)
	REJECT("--fore");              /* a prefix is not the option */
	REJECT("--foregroundx");
	REJECT("--mode", "fast");
	REJECT("--mode");              /* missing argument */
	REJECT("-i");
	REJECT("-i", "a/b");
	REJECT("--pin-root", "relative");
	REJECT("eth0");                /* no positional arguments */
	REJECT("-x");
	REJECT("--detach", "extra");
#undef REJECT
	{
		const char *argv[] = { "xdpwalld", "--detach", "--mode=auto" };

		assert_int_equal(parse(&o, 3, argv), 0);
		assert_true(o.detach);
		assert_true(o.over.set & XW_CFG_MODE);
		xw_agent_opts_free(&o);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_empty_and_defaults),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_unknown_section),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_glob),
		cmocka_unit_test(test_options_over_file),
		cmocka_unit_test(test_env_file_options),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_strict_options),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
