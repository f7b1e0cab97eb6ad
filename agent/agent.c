// SPDX-License-Identifier: MIT
/* The agent's lifecycle. Start-up order matters for a firewall that fails
 * static: the program is pinned and its ruleset restored before anything is
 * attached, so the first packet an interface sees is already filtered; an
 * existing program is adopted, never reloaded or detached. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>

#include "agent.h"
#include "fw.h"
#include "iface.h"
#include "instance.h"
#include "loader.h"
#include "log.h"
#include "netlink.h"
#include "notify.h"
#include "status.h"
#include <xdpwall/xdpwall.h>

struct agent {
	const struct xw_agent_opts *opts;
	struct xw_agent_config *cfg;
	struct xw_paths paths;
	int lock_fd;
	int prog_fd;
	int sig_fd;
	struct xw_ifaces *ifaces;
	struct xw_netlink *nl;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Put the persisted ruleset into the maps when they do not hold it (fresh
 * pins after a reboot, or a commit a crash interrupted). */
static int restore_ruleset(struct agent *a, bool fresh)
{
	const struct xw_ruleset *rs;
	struct xw_err err = {};
	struct xw_fw *fw;
	double t0 = now_ms();
	int ret;

	ret = xw_fw_open(&fw, &a->paths, XW_FW_LOCK);
	if (ret)
		return xw_err_r(ret, "cannot open the firewall state (pins %s, state %s): %s",
				a->paths.pin_root, a->paths.state_dir, strerror(-ret));
	rs = xw_fw_ruleset(fw);
	if (!xw_fw_needs_restore(fw)) {
		xw_info("ruleset generation %llu (%zu rules, policy %s) is live",
			(unsigned long long)rs->generation, rs->n,
			rs->policy == XW_ACT_DROP ? "drop" : "accept");
		goto out_close;
	}
	if (!fresh)
		xw_warn("the maps do not hold the persisted ruleset (interrupted commit?); "
			"restoring it");
	ret = xw_fw_restore(fw, &err);
	if (ret) {
		xw_err("cannot restore the persisted ruleset from %s: %s", a->paths.state_dir,
		       err.msg[0] ? err.msg : strerror(-ret));
		goto out_close;
	}
	rs = xw_fw_ruleset(fw);
	xw_info("restored ruleset generation %llu (%zu rules, policy %s) in %.1f ms",
		(unsigned long long)rs->generation, rs->n,
		rs->policy == XW_ACT_DROP ? "drop" : "accept", now_ms() - t0);
out_close:
	xw_fw_close(fw);
	return ret;
}

/* Adopt the pins if they exist, else load, pin and restore. */
static int load_or_adopt(struct agent *a)
{
	struct xw_load_opts lopts = {};
	uint32_t id = 0;
	double t0;
	int ret;

	ret = xw_pins_open_prog(a->paths.pin_root, &a->prog_fd);
	if (ret == -EPROTO)
		return xw_err_r(ret, "the pins under %s have another layout than this xdpwalld "
				     "(version %u); refusing to touch them (the program already "
				     "attached keeps enforcing)",
				a->paths.pin_root, XW_LAYOUT_VERSION);
	if (ret && ret != -ENOENT)
		return xw_err_r(ret, "cannot open the pins under %s: %s", a->paths.pin_root,
				strerror(-ret));
	if (!ret) {
		xw_prog_pin_id(a->paths.pin_root, &id);
		xw_info("adopting program id %u pinned under %s", id, a->paths.pin_root);
		/* The maps may hold an empty ruleset (an earlier start that failed
		 * to restore): attach nothing before the persisted one is in. What
		 * is attached already stays as it is. */
		ret = restore_ruleset(a, false);
		if (ret)
			return xw_err_r(ret, "not attaching anything without the persisted ruleset; "
					     "interfaces already attached keep the maps as they are");
		return 0;
	}
	t0 = now_ms();
	ret = xw_load_and_pin(a->paths.pin_root, &lopts, &a->prog_fd);
	if (ret)
		return xw_err_r(ret, "cannot load and pin the program under %s: %s",
				a->paths.pin_root, strerror(-ret));
	xw_prog_pin_id(a->paths.pin_root, &id);
	xw_info("loaded program id %u, pinned under %s in %.1f ms", id, a->paths.pin_root,
		now_ms() - t0);
	/* Fresh pins hold an empty ruleset: attaching them without the persisted
	 * one would open the firewall. */
	ret = restore_ruleset(a, true);
	if (ret)
		return xw_err_r(ret, "not attaching anything without the persisted ruleset");
	return 0;
}

static void on_link(void *ctx, bool present, int ifindex, const char *name)
{
	struct agent *a = ctx;

	if (present)
		xw_ifaces_link_new(a->ifaces, ifindex, name);
	else
		xw_ifaces_link_del(a->ifaces, ifindex);
}

static int resync(struct agent *a)
{
	int ret;

	xw_ifaces_resync_begin(a->ifaces);
	ret = xw_netlink_dump(a->nl);
	if (ret)
		return ret; /* keep everything; the next resync tries again */
	xw_ifaces_resync_end(a->ifaces);
	return 0;
}

static void reload(struct agent *a)
{
	struct xw_agent_config next;
	char err[XW_CFG_ERR_MAX];
	struct xw_paths p;
	int ret;

	ret = xw_agent_config_build(a->opts, &next, err, sizeof(err));
	if (ret) {
		xw_err("SIGHUP: %s; keeping the running configuration", err);
		return;
	}
	xw_config_paths(&next, &p);
	if (strcmp(p.pin_root, a->paths.pin_root) || strcmp(p.state_dir, a->paths.state_dir) ||
	    strcmp(p.run_dir, a->paths.run_dir))
		xw_warn("SIGHUP: pin_root, state_dir and run_dir changes need a restart; "
			"keeping %s, %s, %s", a->paths.pin_root, a->paths.state_dir,
			a->paths.run_dir);
	xw_log_set_level(next.log_level);
	xw_config_free(a->cfg);
	*a->cfg = next;
	xw_ifaces_set_config(a->ifaces, a->cfg);
	xw_info("SIGHUP: configuration reloaded from %s (%zu interface pattern%s, mode %s)",
		a->opts->config_path, a->cfg->n_ifaces, a->cfg->n_ifaces == 1 ? "" : "s",
		xw_mode_name(a->cfg->mode));
	xw_ifaces_reconcile(a->ifaces);
	xw_ifaces_log_missing(a->ifaces);
}

static int block_signals(void)
{
	sigset_t set;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return xw_err_r(-errno, "cannot block signals: %s", strerror(errno));
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return xw_err_r(-errno, "cannot create a signalfd: %s", strerror(errno));
	return fd;
}

/* Returns 1 to exit, 0 to go on. */
static int handle_signal(struct agent *a)
{
	struct signalfd_siginfo si;

	while (read(a->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			reload(a);
			break;
		default:
			xw_info("%s: exiting; the program stays attached on %u interface%s",
				strsignal(si.ssi_signo), xw_ifaces_attached(a->ifaces),
				xw_ifaces_attached(a->ifaces) == 1 ? "" : "s");
			return 1;
		}
	}
	return 0;
}

static int loop(struct agent *a)
{
	struct pollfd pfd[2] = {
		{ .fd = a->sig_fd, .events = POLLIN },
		{ .fd = xw_netlink_fd(a->nl), .events = POLLIN },
	};
	int ret;

	for (;;) {
		/* Failed attaches are retried every second. */
		ret = poll(pfd, 2, xw_ifaces_retry_pending(a->ifaces) ? 1000 : -1);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			return xw_err_r(-errno, "poll: %s", strerror(errno));
		}
		if (ret == 0) {
			xw_ifaces_retry(a->ifaces);
			continue;
		}
		if ((pfd[0].revents & POLLIN) && handle_signal(a))
			return 0;
		if (pfd[1].revents & POLLIN) {
			ret = xw_netlink_dispatch(a->nl);
			if (ret == -ENOBUFS) {
				xw_warn("link events were lost (netlink buffer overflow); full resync");
				resync(a);
			} else if (ret) {
				return ret;
			}
		}
	}
}

int xw_agent_run(const struct xw_agent_opts *o, struct xw_agent_config *cfg, int ready_fd)
{
	struct agent a = { .opts = o, .cfg = cfg, .lock_fd = -1, .prog_fd = -1, .sig_fd = -1 };
	double t0 = now_ms();
	unsigned n;
	int ret, status = 1;

	xw_config_paths(cfg, &a.paths);
	a.sig_fd = block_signals();
	if (a.sig_fd < 0)
		return 1;
	ret = xw_bpffs_ensure(a.paths.pin_root);
	if (ret) {
		xw_err("no bpffs for the pins at %s: %s", a.paths.pin_root, strerror(-ret));
		goto out_close_sig;
	}
	a.lock_fd = xw_instance_lock(&a.paths);
	if (a.lock_fd < 0)
		goto out_close_sig;
	if (xw_pidfile_write(&a.paths))
		goto out_unlock;
	if (load_or_adopt(&a))
		goto out_rm_pidfile;

	if (xw_ifaces_new(&a.ifaces, a.prog_fd, a.paths.pin_root))
		goto out_close_prog;
	xw_ifaces_set_config(a.ifaces, a.cfg);
	/* Subscribe before the dump, so a link that comes meanwhile is not missed. */
	if (xw_netlink_open(&a.nl, on_link, &a))
		goto out_free_ifaces;
	if (resync(&a))
		goto out_close_nl;
	xw_ifaces_log_missing(a.ifaces);

	n = xw_ifaces_attached(a.ifaces);
	xw_info("ready in %.1f ms: enforcing on %u interface%s (mode %s), pins %s", now_ms() - t0,
		n, n == 1 ? "" : "s", xw_mode_name(a.cfg->mode), a.paths.pin_root);
	fprintf(stderr, "ready\n");
	xw_sd_notify("READY=1");
	if (ready_fd >= 0) {
		if (write(ready_fd, "R", 1) != 1)
			xw_warn("cannot tell the parent we are ready: %s", strerror(errno));
		close(ready_fd);
	}

	status = loop(&a) ? 1 : 0;
	xw_sd_notify("STOPPING=1");

out_close_nl:
	xw_netlink_close(a.nl);
out_free_ifaces:
	xw_ifaces_free(a.ifaces);
out_close_prog:
	close(a.prog_fd);
out_rm_pidfile:
	xw_pidfile_remove(&a.paths);
out_unlock:
	close(a.lock_fd);
out_close_sig:
	close(a.sig_fd);
	return status;
}

int xw_agent_detach(const struct xw_agent_config *cfg)
{
	struct xw_paths paths;
	int prog_fd, lock_fd, ret;

	xw_config_paths(cfg, &paths);
	ret = xw_pins_open_prog(paths.pin_root, &prog_fd);
	if (ret == -ENOENT) {
		xw_info("nothing pinned under %s: nothing to detach", paths.pin_root);
		return 0;
	}
	if (ret && ret != -EPROTO) {
		xw_err("cannot open the pins under %s: %s", paths.pin_root, strerror(-ret));
		return 1;
	}
	if (ret == -EPROTO) {
		xw_err("the pins under %s have another layout (not version %u); not touching them",
		       paths.pin_root, XW_LAYOUT_VERSION);
		return 1;
	}
	/* A running agent would put the program back on the next link event. */
	lock_fd = xw_instance_lock(&paths);
	if (lock_fd < 0) {
		xw_err("stop the agent first, then run xdpwalld --detach");
		close(prog_fd);
		return 1;
	}
	ret = xw_ifaces_detach_all(prog_fd);
	close(lock_fd);
	close(prog_fd);
	return ret ? 1 : 0;
}
