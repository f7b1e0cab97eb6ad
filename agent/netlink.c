// SPDX-License-Identifier: MIT
/* Link events with libnl-3: one non-blocking socket subscribed to RTNLGRP_LINK
 * for the events, one blocking socket for full dumps (a link cache). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/cache.h>
#include <netlink/route/link.h>

#include "log.h"
#include "netlink.h"

/* Room for bursts of events (a script creating hundreds of veths). */
#define EVENT_RCVBUF (8 << 20)

struct xw_netlink {
	struct nl_sock *ev;   /* events */
	struct nl_sock *dump; /* dumps */
	xw_link_fn fn;
	void *ctx;
};

static int on_event(struct nl_msg *msg, void *arg)
{
	struct xw_netlink *nl = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nlattr *tb[IFLA_MAX + 1];
	struct ifinfomsg *ifi;

	if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK)
		return NL_SKIP;
	if (!nlmsg_valid_hdr(h, sizeof(*ifi)))
		return NL_SKIP;
	ifi = nlmsg_data(h);
	/* AF_BRIDGE messages are about bridge ports (a DELLINK of that family
	 * means "left the bridge", not "gone"). */
	if (ifi->ifi_family == AF_BRIDGE)
		return NL_SKIP;
	if (nlmsg_parse(h, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0 || !tb[IFLA_IFNAME])
		return NL_SKIP;
	nl->fn(nl->ctx, h->nlmsg_type == RTM_NEWLINK, ifi->ifi_index,
	       nla_get_string(tb[IFLA_IFNAME]));
	return NL_OK;
}

int xw_netlink_open(struct xw_netlink **out, xw_link_fn fn, void *ctx)
{
	struct xw_netlink *nl;
	const char *env;
	int ret, rcvbuf;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return xw_err_r(-ENOMEM, "out of memory for netlink");
	nl->fn = fn;
	nl->ctx = ctx;

	nl->ev = nl_socket_alloc();
	if (!nl->ev) {
		ret = -ENOMEM;
		goto out_free;
	}
	nl_socket_disable_seq_check(nl->ev);
	nl_socket_modify_cb(nl->ev, NL_CB_VALID, NL_CB_CUSTOM, on_event, nl);
	ret = nl_connect(nl->ev, NETLINK_ROUTE);
	if (ret < 0) {
		xw_err("cannot open a netlink socket: %s", nl_geterror(ret));
		ret = -EIO;
		goto out_free_ev;
	}
	ret = nl_socket_add_membership(nl->ev, RTNLGRP_LINK);
	if (ret < 0) {
		xw_err("cannot subscribe to link events: %s", nl_geterror(ret));
		ret = -EIO;
		goto out_free_ev;
	}
	/* Ask for a big buffer; a smaller one only means earlier ENOBUFS resyncs.
	 * XDPWALLD_NETLINK_RCVBUF (bytes) overrides it: tests make it tiny to
	 * force an overflow. */
	rcvbuf = EVENT_RCVBUF;
	env = getenv("XDPWALLD_NETLINK_RCVBUF");
	if (env && env[0]) {
		char *end;
		long v;

		errno = 0;
		v = strtol(env, &end, 10);
		if (errno || *end || v <= 0 || v > (1L << 30))
			xw_warn("ignoring XDPWALLD_NETLINK_RCVBUF=%s: not a size in bytes", env);
		else
			rcvbuf = v;
	}
	if (setsockopt(nl_socket_get_fd(nl->ev), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)))
		nl_socket_set_buffer_size(nl->ev, rcvbuf, 0);
	nl_socket_set_nonblocking(nl->ev);

	nl->dump = nl_socket_alloc();
	if (!nl->dump) {
		ret = -ENOMEM;
		goto out_free_ev;
	}
	ret = nl_connect(nl->dump, NETLINK_ROUTE);
	if (ret < 0) {
		xw_err("cannot open a netlink socket: %s", nl_geterror(ret));
		ret = -EIO;
		goto out_free_dump;
	}
	*out = nl;
	return 0;

out_free_dump:
	nl_socket_free(nl->dump);
out_free_ev:
	nl_socket_free(nl->ev);
out_free:
	free(nl);
	return ret;
}

void xw_netlink_close(struct xw_netlink *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->dump);
	nl_socket_free(nl->ev);
	free(nl);
}

int xw_netlink_fd(const struct xw_netlink *nl)
{
	return nl_socket_get_fd(nl->ev);
}

int xw_netlink_dispatch(struct xw_netlink *nl)
{
	int ret;

	for (;;) {
		ret = nl_recvmsgs_default(nl->ev);
		if (ret >= 0)
			continue;
		if (ret == -NLE_AGAIN)
			return 0;
		/* libnl reports recvmsg's ENOBUFS (events were dropped) as NLE_NOMEM. */
		if (ret == -NLE_NOMEM)
			return -ENOBUFS;
		xw_err("reading link events: %s", nl_geterror(ret));
		return -EIO;
	}
}

static void dump_one(struct nl_object *obj, void *arg)
{
	struct xw_netlink *nl = arg;
	struct rtnl_link *link = (struct rtnl_link *)obj;
	const char *name = rtnl_link_get_name(link);

	if (name)
		nl->fn(nl->ctx, true, rtnl_link_get_ifindex(link), name);
}

int xw_netlink_dump(struct xw_netlink *nl)
{
	struct nl_cache *cache;
	int ret, tries;

	/* A dump interrupted by a change (NLE_DUMP_INTR) is simply repeated. */
	for (tries = 0; tries < 5; tries++) {
		ret = rtnl_link_alloc_cache(nl->dump, AF_UNSPEC, &cache);
		if (ret != -NLE_DUMP_INTR)
			break;
	}
	if (ret < 0)
		return xw_err_r(-EIO, "cannot list the interfaces: %s", nl_geterror(ret));
	nl_cache_foreach(cache, dump_one, nl);
	nl_cache_free(cache);
	return 0;
}
