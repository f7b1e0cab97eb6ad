// SPDX-License-Identifier: MIT
/* Paths: the defaults, and each XDPWALL_* variable overriding its own path. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "paths.h"

static void clear_env(void)
{
	unsetenv("XDPWALL_PIN_ROOT");
	unsetenv("XDPWALL_STATE_DIR");
	unsetenv("XDPWALL_RUN_DIR");
	unsetenv("XDPWALL_CONFIG");
}

static void test_defaults(void **state)
{
	struct xw_paths p;

	(void)state;
	clear_env();
	xw_paths_default(&p);
	assert_string_equal(p.pin_root, "/sys/fs/bpf/xdpwall");
	assert_string_equal(p.state_dir, "/var/lib/xdpwall");
	assert_string_equal(p.run_dir, "/run/xdpwall");
	assert_string_equal(p.config, "/etc/xdpwall/xdpwall.conf");
}

static void test_environment(void **state)
{
	struct xw_paths p;
	char *big = malloc(PATH_MAX + 10);

	(void)state;
	assert_non_null(big);
	clear_env();
	setenv("XDPWALL_PIN_ROOT", "/sys/fs/bpf/test-a", 1);
	setenv("XDPWALL_STATE_DIR", "/tmp/state", 1);
	xw_paths_default(&p);
	assert_string_equal(p.pin_root, "/sys/fs/bpf/test-a");
	assert_string_equal(p.state_dir, "/tmp/state");
	assert_string_equal(p.run_dir, "/run/xdpwall");
	assert_string_equal(p.config, "/etc/xdpwall/xdpwall.conf");

	setenv("XDPWALL_RUN_DIR", "/tmp/run", 1);
	setenv("XDPWALL_CONFIG", "/tmp/x.conf", 1);
	setenv("XDPWALL_PIN_ROOT", "", 1); /* empty: the default */
	xw_paths_default(&p);
	assert_string_equal(p.pin_root, "/sys/fs/bpf/xdpwall");
	assert_string_equal(p.run_dir, "/tmp/run");
	assert_string_equal(p.config, "/tmp/x.conf");

	/* too long for PATH_MAX: the default, never a truncated path */
	memset(big, 'a', PATH_MAX + 5);
	big[0] = '/';
	big[PATH_MAX + 5] = '\0';
	setenv("XDPWALL_STATE_DIR", big, 1);
	xw_paths_default(&p);
	assert_string_equal(p.state_dir, "/var/lib/xdpwall");
	clear_env();
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_environment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
