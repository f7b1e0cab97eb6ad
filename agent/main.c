// SPDX-License-Identifier: MIT
/* xdpwalld: the agent of the xdpwall firewall (see agent.c and options.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

#include "agent.h"
#include "log.h"
#include "options.h"

int main(int argc, char **argv)
{
	struct xw_agent_config cfg;
	struct xw_agent_opts o;
	char err[XW_CFG_ERR_MAX];
	int ret, p[2], ready_fd = -1, null_fd;
	pid_t pid;
	char c;

	ret = xw_agent_opts_parse(&o, argc, argv);
	if (ret)
		return ret > 0 ? 0 : 2;
	xw_log_hook_libs();
	xw_log_set_level(o.over.set & XW_CFG_LOG_LEVEL ? o.over.log_level : XW_LOG_INFO);
	ret = xw_agent_config_build(&o, &cfg, err, sizeof(err));
	if (ret) {
		xw_err("%s", err);
		xw_agent_opts_free(&o);
		return 1;
	}
	xw_log_set_level(cfg.log_level);

	if (o.detach) {
		ret = xw_agent_detach(&cfg);
		goto out;
	}

	if (!o.foreground) {
		/* The parent exits 0 once the child is ready, or with the child's
		 * status if it could not start. Logs stay on stderr. */
		if (pipe2(p, O_CLOEXEC)) {
			xw_err("pipe: %m");
			ret = 1;
			goto out;
		}
		pid = fork();
		if (pid < 0) {
			xw_err("fork: %m");
			ret = 1;
			goto out;
		}
		if (pid > 0) {
			int st;

			close(p[1]);
			if (read(p[0], &c, 1) == 1)
				_exit(0);
			if (waitpid(pid, &st, 0) == pid && WIFEXITED(st))
				_exit(WEXITSTATUS(st) ? WEXITSTATUS(st) : 1);
			_exit(1);
		}
		close(p[0]);
		ready_fd = p[1];
		setsid();
		if (chdir("/"))
			xw_warn("chdir /: %m");
		null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null_fd >= 0) {
			dup2(null_fd, STDIN_FILENO);
			dup2(null_fd, STDOUT_FILENO);
			close(null_fd);
		}
	}
	ret = xw_agent_run(&o, &cfg, ready_fd);
out:
	xw_config_free(&cfg);
	xw_agent_opts_free(&o);
	return ret;
}
