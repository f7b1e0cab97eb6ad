// SPDX-License-Identifier: MIT
/* lib/status without root: the agent is whoever holds the flock on the pin
 * root (read back from /proc/locks), not whoever the pid file names; an
 * interface without XDP runs nothing; mode names. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "status.h"

static char dir[] = "/tmp/xw-test-status.XXXXXX";
static struct xw_paths paths;

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	memset(&paths, 0, sizeof(paths));
	snprintf(paths.pin_root, sizeof(paths.pin_root), "%s/pins", dir);
	snprintf(paths.run_dir, sizeof(paths.run_dir), "%s/run", dir);
	snprintf(paths.state_dir, sizeof(paths.state_dir), "%s/state", dir);
	if (mkdir(paths.pin_root, 0700) || mkdir(paths.run_dir, 0700))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

static void write_pidfile(pid_t pid)
{
	char path[PATH_MAX + 32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", paths.run_dir, XW_AGENT_PIDFILE);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%d\n", (int)pid);
	fclose(f);
}

static void test_agent_is_the_lock_holder(void **state)
{
	int fd, p[2];
	pid_t pid, child;
	char c;

	(void)state;
	/* No lock: not running, whatever a (stale) pid file says. */
	write_pidfile(getpid());
	assert_int_equal(xw_agent_pid(&paths, &pid), -ESRCH);

	/* A child holds the lock, as an agent does. */
	assert_int_equal(pipe(p), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		fd = open(paths.pin_root, O_RDONLY | O_DIRECTORY);
		if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB))
			_exit(1);
		if (write(p[1], "L", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	pid = 0;
	assert_int_equal(xw_agent_pid(&paths, &pid), 0);
	assert_int_equal(pid, child);

	/* And it is gone with the process (kill -9 included). */
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	close(p[0]);
	assert_int_equal(xw_agent_pid(&paths, &pid), -ESRCH);
}

static void test_no_pin_root(void **state)
{
	struct xw_paths none = paths;
	struct xw_status st;
	pid_t pid;

	(void)state;
	snprintf(none.pin_root, sizeof(none.pin_root), "%s/absent", dir);
	assert_int_equal(xw_agent_pid(&none, &pid), -ESRCH);
	/* Nothing pinned: not loaded, no interfaces, no error. */
	assert_int_equal(xw_status_collect(&none, &st), 0);
	assert_false(st.loaded);
	assert_false(st.agent_running);
	assert_int_equal(st.prog_id, 0);
	assert_int_equal(st.n_ifaces, 0);
	xw_status_free(&st);
	assert_int_equal(xw_prog_pin_id(none.pin_root, &(uint32_t){ 0 }), -ENOENT);
}

static void test_iface_without_xdp(void **state)
{
	struct xw_iface_status s;

	(void)state;
	/* lo (ifindex 1) runs no XDP program. */
	assert_int_equal(xw_iface_find_prog(1, 12345, &s), 0);
	assert_int_equal(s.attached_id, 0);
	assert_int_equal(s.ifindex, 1);
	assert_int_equal(xw_iface_find_prog(0x7ffffff0, 12345, &s), -ENODEV);
}

static void test_mode_names(void **state)
{
	(void)state;
	assert_string_equal(xw_xdp_mode_name(XW_XDP_NATIVE), "native");
	assert_string_equal(xw_xdp_mode_name(XW_XDP_GENERIC), "generic");
	assert_string_equal(xw_xdp_mode_name(XW_XDP_OFFLOAD), "offload");
	assert_string_equal(xw_xdp_mode_name(XW_XDP_NONE), "none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agent_is_the_lock_holder),
		cmocka_unit_test(test_no_pin_root),
		cmocka_unit_test(test_iface_without_xdp),
		cmocka_unit_test(test_mode_names),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
