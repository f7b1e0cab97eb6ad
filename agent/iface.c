// SPDX-License-Identifier: MIT
/* The interface table. Every link of the network namespace has an entry
 * (learned from netlink); an entry that matches the configuration gets the
 * program: adopted if it runs it already (directly or in libxdp's dispatcher),
 * else attached through libxdp, which uses its dispatcher where the kernel
 * allows it, with a direct attach as the fallback. Nothing here ever replaces
 * another program, and nothing detaches except a configuration change. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <xdp/libxdp.h>
#include <xdpwall/xdpwall.h>

#include "iface.h"
#include "log.h"
#include "status.h"

struct xw_iface {
	struct xw_iface *next;
	int ifindex;
	char name[IF_NAMESIZE];
	bool attached;   /* runs the program (we attached it or found it there) */
	bool managed;    /* attached because the configuration matches */
	bool dispatcher; /* through libxdp's dispatcher */
	bool failed;     /* the last attach failed: retried every second */
	bool logged;     /* that failure was logged as an error (once per streak) */
	bool stranger;   /* runs the program without matching: logged once */
	bool seen;       /* resync mark */
	bool named;      /* has an entry in xw_ifnames */
	enum xw_xdp_mode mode;
};

struct xw_ifaces {
	struct xw_iface *head;
	int prog_fd;
	uint32_t prog_id;
	struct xdp_program *prog; /* libxdp's view of prog_fd */
	int ifnames_fd;
	const struct xw_agent_config *cfg;
	/* libxdp fell back to a direct attach once: the kernel refuses its
	 * dispatcher (libxdp 1.3.1 here: "Compatibility check ... Operation not
	 * permitted"), or libxdp cannot re-load our already loaded XDP program as
	 * the dispatcher's freplace extension. Neither changes at run time: attach
	 * directly first from then on (libxdp still gets its turn if that fails). */
	bool direct_first;
};

static enum xdp_attach_mode libxdp_mode(enum xw_xdp_mode m)
{
	switch (m) {
	case XW_XDP_NATIVE:
		return XDP_MODE_NATIVE;
	case XW_XDP_GENERIC:
		return XDP_MODE_SKB;
	case XW_XDP_OFFLOAD:
		return XDP_MODE_HW;
	default:
		return XDP_MODE_UNSPEC;
	}
}

static __u32 xdp_flags(enum xw_xdp_mode m)
{
	switch (m) {
	case XW_XDP_NATIVE:
		return XDP_FLAGS_DRV_MODE;
	case XW_XDP_GENERIC:
		return XDP_FLAGS_SKB_MODE;
	case XW_XDP_OFFLOAD:
		return XDP_FLAGS_HW_MODE;
	default:
		return 0;
	}
}

/* libxdp takes ownership of the fd it is given in some versions and dups it
 * in others: give it a dup and close ours if it made its own. */
static struct xdp_program *prog_from_fd(int prog_fd, int *err)
{
	struct xdp_program *p;
	int fd;

	fd = fcntl(prog_fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0) {
		*err = -errno;
		return NULL;
	}
	p = xdp_program__from_fd(fd);
	*err = libxdp_get_error(p);
	if (*err) {
		close(fd);
		return NULL;
	}
	if (xdp_program__fd(p) != fd)
		close(fd);
	return p;
}

int xw_ifaces_new(struct xw_ifaces **tp, int prog_fd, const char *pin_root)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	struct xw_ifaces *t;
	int ret;

	t = calloc(1, sizeof(*t));
	if (!t)
		return xw_err_r(-ENOMEM, "out of memory for the interface table");
	t->prog_fd = prog_fd;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len)) {
		ret = -errno;
		xw_err("cannot read the program's id: %s", strerror(-ret));
		goto out_free;
	}
	t->prog_id = info.id;
	t->prog = prog_from_fd(prog_fd, &ret);
	if (!t->prog) {
		xw_err("libxdp cannot use program id %u: %s", t->prog_id, strerror(-ret));
		goto out_free;
	}
	snprintf(path, sizeof(path), "%s/%s", pin_root, XW_MAP_IFNAMES);
	t->ifnames_fd = bpf_obj_get(path);
	if (t->ifnames_fd < 0) {
		ret = -errno;
		xw_err("cannot open %s: %s", path, strerror(-ret));
		goto out_close_prog;
	}
	*tp = t;
	return 0;

out_close_prog:
	xdp_program__close(t->prog);
out_free:
	free(t);
	return ret;
}

void xw_ifaces_free(struct xw_ifaces *t)
{
	if (!t)
		return;
	while (t->head) {
		struct xw_iface *e = t->head;

		t->head = e->next;
		free(e);
	}
	close(t->ifnames_fd);
	xdp_program__close(t->prog);
	free(t);
}

void xw_ifaces_set_config(struct xw_ifaces *t, const struct xw_agent_config *cfg)
{
	t->cfg = cfg;
}

/* ---- xw_ifnames ---- */

static void ifnames_set(struct xw_ifaces *t, struct xw_iface *e)
{
	struct xw_ifname v = {};
	__u32 key = e->ifindex;

	memcpy(v.name, e->name, strnlen(e->name, sizeof(v.name) - 1));
	if (bpf_map_update_elem(t->ifnames_fd, &key, &v, BPF_ANY))
		xw_err("%s: cannot record its name in %s: %s (iif rules will not match it)",
		       e->name, XW_MAP_IFNAMES, strerror(errno));
	else
		e->named = true;
}

static void ifnames_del(struct xw_ifaces *t, int ifindex, const char *name)
{
	__u32 key = ifindex;

	if (bpf_map_delete_elem(t->ifnames_fd, &key) && errno != ENOENT)
		xw_warn("%s: cannot remove ifindex %d from %s: %s", name, ifindex, XW_MAP_IFNAMES,
			strerror(errno));
}

/* ---- attach, adopt, detach ---- */

static const char *how(const struct xw_iface *e)
{
	return e->dispatcher ? "libxdp dispatcher" : "direct";
}

/* Learn from the kernel whether e runs the program. 1 yes, 0 no, -errno. */
static int iface_query(struct xw_ifaces *t, struct xw_iface *e, uint32_t *other_id)
{
	struct xw_iface_status st;
	int ret;

	ret = xw_iface_find_prog(e->ifindex, t->prog_id, &st);
	if (ret < 0)
		return ret;
	if (other_id)
		*other_id = st.attached_id;
	e->attached = ret == 1;
	if (e->attached) {
		e->mode = st.mode;
		e->dispatcher = st.dispatcher;
	}
	return ret;
}

/* One mode: libxdp first (its dispatcher where the kernel allows, which it
 * falls back from by itself in some cases), then a direct attach. */
static int attach_mode(struct xw_ifaces *t, struct xw_iface *e, enum xw_xdp_mode m)
{
	char msg[128];
	int ret;

	/* Failures are ours to report, once (the caller names the mode and the
	 * kernel's reason): keep the libraries' warnings for each try at debug. */
	xw_log_libs_quiet(true);
	if (t->direct_first && !bpf_xdp_attach(e->ifindex, t->prog_fd,
					       XDP_FLAGS_UPDATE_IF_NOEXIST | xdp_flags(m), NULL)) {
		ret = 0;
		goto out;
	}
	ret = xdp_program__attach(t->prog, e->ifindex, libxdp_mode(m), 0);
	if (!ret)
		goto out;
	libxdp_strerror(ret, msg, sizeof(msg));
	xw_debug("%s: libxdp attach in %s mode failed (%s); trying a direct attach", e->name,
		 xw_xdp_mode_name(m), msg);
	/* Never replace a program someone else attached meanwhile. */
	ret = bpf_xdp_attach(e->ifindex, t->prog_fd, XDP_FLAGS_UPDATE_IF_NOEXIST | xdp_flags(m),
			     NULL) ? -errno : 0;
out:
	xw_log_libs_quiet(false);
	return ret;
}

/* Is the program on ifindex libxdp's multi-program dispatcher? */
static bool is_dispatcher(int ifindex)
{
	struct xdp_multiprog *mp;
	bool ret;

	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (!mp || libxdp_get_error(mp))
		return false;
	ret = !xdp_multiprog__is_legacy(mp);
	xdp_multiprog__close(mp);
	return ret;
}

/* An attach failed: log it as an error the first time (retries repeat it at
 * debug level); quiet failures (races with the link going away) only ever at
 * debug level. Returns err. */
__attribute__((format(printf, 4, 5))) static int attach_failed(struct xw_iface *e, int err,
							  bool quiet, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e->failed = true;
	if (quiet || e->logged) {
		xw_debug("%s: %s%s", e->name, msg, e->logged ? " (retrying every second)" : "");
		return err;
	}
	e->logged = true;
	xw_err("%s: %s (retrying every second)", e->name, msg);
	return err;
}

static void attach_ok(struct xw_iface *e)
{
	e->managed = true;
	if (e->failed && e->logged)
		xw_info("%s: attach works again", e->name);
	e->failed = false;
	e->logged = false;
}

static int iface_attach(struct xw_ifaces *t, struct xw_iface *e)
{
	static const enum xw_xdp_mode order[][2] = {
		[XW_MODE_AUTO] = { XW_XDP_NATIVE, XW_XDP_GENERIC },
		[XW_MODE_NATIVE] = { XW_XDP_NATIVE, XW_XDP_NONE },
		[XW_MODE_GENERIC] = { XW_XDP_GENERIC, XW_XDP_NONE },
	};
	const enum xw_xdp_mode *modes = order[t->cfg->mode];
	struct timespec t0, t1;
	char why[320] = "";
	uint32_t other = 0;
	int ret, first_err = 0;
	unsigned i;

	ret = iface_query(t, e, &other);
	if (ret < 0)
		return attach_failed(e, ret, ret == -ENODEV, "cannot query its XDP program: %s",
				     strerror(-ret));
	if (ret == 1) {
		attach_ok(e);
		ifnames_set(t, e);
		xw_info("%s: adopted: already runs program id %u (%s, %s)", e->name, t->prog_id,
			xw_xdp_mode_name(e->mode), how(e));
		return 0;
	}
	/* Another program: join it only if it is libxdp's dispatcher (libxdp
	 * adds ours to it); never replace anything. */
	if (other && !is_dispatcher(e->ifindex))
		return attach_failed(e, -EBUSY, false,
				     "another XDP program (id %u) is attached; not replacing it", other);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 2 && modes[i] != XW_XDP_NONE; i++) {
		ret = attach_mode(t, e, modes[i]);
		if (!ret)
			break;
		if (!first_err) {
			first_err = ret;
			snprintf(why, sizeof(why), "%s%s%s", strerror(-ret),
				 xw_log_libs_kernel_msg()[0] ? ": " : "", xw_log_libs_kernel_msg());
		}
		if (ret == -ENODEV)
			break;
		if (i + 1 < 2 && modes[i + 1] != XW_XDP_NONE && !e->logged)
			xw_info("%s: %s mode refused (%s); trying %s", e->name,
				xw_xdp_mode_name(modes[i]), why, xw_xdp_mode_name(modes[i + 1]));
	}
	if (ret)
		return attach_failed(e, first_err, first_err == -ENODEV, "cannot attach (%s mode): %s",
				     xw_mode_name(t->cfg->mode), why);
	/* A link being deleted can take an attach and lose it at once: quiet,
	 * its RTM_DELLINK follows (else the retry finds out). */
	ret = iface_query(t, e, NULL);
	if (ret != 1)
		return attach_failed(e, ret < 0 ? ret : -EAGAIN, true,
				     "attached, but the interface does not run program id %u",
				     t->prog_id);
	attach_ok(e);
	ifnames_set(t, e);
	if (!e->dispatcher && !t->direct_first) {
		t->direct_first = true;
		xw_info("libxdp attached without its multi-program dispatcher (refused by this "
			"kernel, or unusable with a program loaded outside libxdp); attaching "
			"directly from now on");
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	xw_info("%s: attached program id %u (%s, %s) in %.1f ms", e->name, t->prog_id,
		xw_xdp_mode_name(e->mode), how(e),
		(t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	return 0;
}

static int detach_prog(struct xw_ifaces *t, int ifindex, enum xw_xdp_mode mode, bool dispatcher)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = t->prog_fd);
	int ret;

	if (dispatcher) {
		ret = xdp_program__detach(t->prog, ifindex, libxdp_mode(mode), 0);
		return ret;
	}
	/* Only if it still runs our program: XDP_FLAGS_REPLACE with old_prog_fd. */
	if (bpf_xdp_detach(ifindex, XDP_FLAGS_REPLACE | xdp_flags(mode), &opts))
		return -errno;
	return 0;
}

static int iface_detach(struct xw_ifaces *t, struct xw_iface *e, const char *why)
{
	int ret;

	ret = detach_prog(t, e->ifindex, e->mode, e->dispatcher);
	if (ret)
		return xw_err_r(ret, "%s: cannot detach: %s", e->name, strerror(-ret));
	xw_info("%s: detached program id %u (%s)", e->name, t->prog_id, why);
	ifnames_del(t, e->ifindex, e->name);
	e->named = false;
	e->attached = false;
	e->managed = false;
	e->stranger = false;
	return 0;
}

/* ---- the table ---- */

static struct xw_iface **find(struct xw_ifaces *t, int ifindex)
{
	struct xw_iface **pp;

	for (pp = &t->head; *pp; pp = &(*pp)->next)
		if ((*pp)->ifindex == ifindex)
			return pp;
	return NULL;
}

static void iface_forget(struct xw_ifaces *t, struct xw_iface **pp)
{
	struct xw_iface *e = *pp;

	if (e->named)
		ifnames_del(t, e->ifindex, e->name);
	if (e->attached || e->managed || e->failed) {
		/* libxdp keeps dispatcher state in bpffs until told the link is gone. */
		if (e->dispatcher)
			libxdp_clean_references(e->ifindex);
		xw_info("%s: gone (ifindex %d); forgotten", e->name, e->ifindex);
	} else {
		xw_debug("%s: gone (ifindex %d)", e->name, e->ifindex);
	}
	*pp = e->next;
	free(e);
}

/* Bring e in line with the configuration. */
static void iface_update(struct xw_ifaces *t, struct xw_iface *e)
{
	bool match = t->cfg && xw_config_match(t->cfg, e->name);
	int ret;

	if (match) {
		if (e->attached) {
			/* Still ours? (Someone may have detached it behind our back.) */
			ret = iface_query(t, e, NULL);
			if (ret == 1) {
				e->managed = true;
				return;
			}
			if (ret < 0)
				return; /* going away (-ENODEV), or logged */
			if (!iface_attach(t, e))
				xw_warn("%s: program id %u had been taken off the interface; "
					"re-attached", e->name, t->prog_id);
			return;
		}
		iface_attach(t, e);
		return;
	}
	if (e->attached && e->managed) {
		iface_detach(t, e, "no longer in the configuration");
		return;
	}
	/* Not ours to manage; note whether it runs the program (for xw_ifnames). */
	ret = iface_query(t, e, NULL);
	if (ret == 1) {
		ifnames_set(t, e);
		if (!e->stranger)
			xw_warn("%s: runs program id %u but is not in the configuration; leaving it "
				"(xdpwalld --detach removes it)", e->name, t->prog_id);
		e->stranger = true;
	} else if (ret == 0 && e->named) {
		ifnames_del(t, e->ifindex, e->name);
		e->named = false;
		e->stranger = false;
	}
}

void xw_ifaces_link_new(struct xw_ifaces *t, int ifindex, const char *name)
{
	struct xw_iface **pp = find(t, ifindex), *e;

	if (pp) {
		e = *pp;
		if (strcmp(e->name, name)) {
			xw_info("%s: renamed to %s (ifindex %d)", e->name, name, ifindex);
			snprintf(e->name, sizeof(e->name), "%s", name);
			if (e->attached)
				ifnames_set(t, e);
		}
	} else {
		e = calloc(1, sizeof(*e));
		if (!e) {
			xw_err("%s: out of memory; ignoring the interface", name);
			return;
		}
		e->ifindex = ifindex;
		snprintf(e->name, sizeof(e->name), "%s", name);
		e->next = t->head;
		t->head = e;
		xw_debug("%s: present (ifindex %d)", name, ifindex);
	}
	e->seen = true;
	iface_update(t, e);
}

void xw_ifaces_link_del(struct xw_ifaces *t, int ifindex)
{
	struct xw_iface **pp = find(t, ifindex);

	if (pp)
		iface_forget(t, pp);
}

void xw_ifaces_resync_begin(struct xw_ifaces *t)
{
	for (struct xw_iface *e = t->head; e; e = e->next)
		e->seen = false;
}

void xw_ifaces_resync_end(struct xw_ifaces *t)
{
	struct xw_iface **pp = &t->head, *e;
	__u32 key, next, *prev;
	__u32 stale[64];
	unsigned n, rounds = 0; /* bounded: a delete that keeps failing must not spin */

	while (*pp) {
		if (!(*pp)->seen)
			iface_forget(t, pp);
		else
			pp = &(*pp)->next;
	}
	/* Entries of xw_ifnames for interfaces that no longer run the program (or
	 * no longer exist: an agent that was down missed their removal), a batch
	 * at a time (deleting while walking a hash restarts the walk). */
	do {
		n = 0;
		prev = NULL;
		while (n < sizeof(stale) / sizeof(stale[0]) &&
		       !bpf_map_get_next_key(t->ifnames_fd, prev, &next)) {
			pp = find(t, next);
			e = pp ? *pp : NULL;
			if (!e || !e->attached)
				stale[n++] = next;
			key = next;
			prev = &key;
		}
		for (unsigned i = 0; i < n; i++) {
			xw_debug("ifindex %u: stale entry of %s removed", stale[i], XW_MAP_IFNAMES);
			ifnames_del(t, stale[i], "?");
			pp = find(t, stale[i]);
			if (pp)
				(*pp)->named = false;
		}
	} while (n == sizeof(stale) / sizeof(stale[0]) && ++rounds < 64);
}

void xw_ifaces_reconcile(struct xw_ifaces *t)
{
	for (struct xw_iface *e = t->head; e; e = e->next)
		iface_update(t, e);
}

bool xw_ifaces_retry_pending(const struct xw_ifaces *t)
{
	for (const struct xw_iface *e = t->head; e; e = e->next)
		if (e->failed)
			return true;
	return false;
}

void xw_ifaces_retry(struct xw_ifaces *t)
{
	for (struct xw_iface *e = t->head; e; e = e->next)
		if (e->failed && t->cfg && xw_config_match(t->cfg, e->name))
			iface_attach(t, e);
		else
			e->failed = false;
}

unsigned xw_ifaces_attached(const struct xw_ifaces *t)
{
	unsigned n = 0;

	for (const struct xw_iface *e = t->head; e; e = e->next)
		n += e->attached;
	return n;
}

void xw_ifaces_log_missing(const struct xw_ifaces *t)
{
	const struct xw_iface *e;

	if (!t->cfg)
		return;
	for (size_t i = 0; i < t->cfg->n_ifaces; i++) {
		const char *p = t->cfg->ifaces[i];

		if (xw_config_is_glob(p))
			continue;
		for (e = t->head; e && strcmp(e->name, p); e = e->next)
			;
		if (!e)
			xw_info("%s: not present; waiting for it to appear", p);
	}
}

int xw_ifaces_detach_all(int prog_fd)
{
	struct xw_ifaces t = { .prog_fd = prog_fd, .ifnames_fd = -1 };
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	struct if_nameindex *ifs, *it;
	int ret = 0, err;
	unsigned n = 0;

	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return xw_err_r(-errno, "cannot read the program's id: %s", strerror(errno));
	t.prog_id = info.id;
	t.prog = prog_from_fd(prog_fd, &err);
	if (!t.prog)
		return xw_err_r(err, "libxdp cannot use program id %u: %s", t.prog_id,
				strerror(-err));
	ifs = if_nameindex();
	if (!ifs) {
		ret = -errno;
		xw_err("cannot list the interfaces: %s", strerror(-ret));
		goto out_close_prog;
	}
	for (it = ifs; it->if_index; it++) {
		struct xw_iface_status st;

		err = xw_iface_find_prog(it->if_index, t.prog_id, &st);
		if (err != 1)
			continue;
		err = detach_prog(&t, it->if_index, st.mode, st.dispatcher);
		if (err) {
			xw_err("%s: cannot detach program id %u: %s", it->if_name, t.prog_id,
			       strerror(-err));
			if (!ret)
				ret = err;
			continue;
		}
		xw_info("%s: detached program id %u (%s, %s)", it->if_name, t.prog_id,
			xw_xdp_mode_name(st.mode), st.dispatcher ? "libxdp dispatcher" : "direct");
		n++;
	}
	xw_info("detached from %u interface%s", n, n == 1 ? "" : "s");
	if_freenameindex(ifs);
out_close_prog:
	xdp_program__close(t.prog);
	return ret;
}
