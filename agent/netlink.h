/* SPDX-License-Identifier: MIT */
/* Link events from the kernel (libnl-3, NETLINK_ROUTE, RTNLGRP_LINK). */
#ifndef XW_AGENT_NETLINK_H
#define XW_AGENT_NETLINK_H

#include <stdbool.h>

struct xw_netlink;

/* Called for every link that exists (present=true: RTM_NEWLINK, or a line of
 * a dump) or went away (present=false: RTM_DELLINK). */
typedef void (*xw_link_fn)(void *ctx, bool present, int ifindex, const char *name);

/* Subscribe to link events. Open it before the first dump, so nothing that
 * happens in between is missed. */
int xw_netlink_open(struct xw_netlink **nl, xw_link_fn fn, void *ctx);
void xw_netlink_close(struct xw_netlink *nl);
/* The socket to poll for POLLIN. */
int xw_netlink_fd(const struct xw_netlink *nl);

/* Handle every pending event. Returns 0; -ENOBUFS when the kernel dropped
 * events (the socket overflowed: the caller must resync with a dump); or
 * another -errno. */
int xw_netlink_dispatch(struct xw_netlink *nl);

/* Report every link that exists now (present=true), from a dump. */
int xw_netlink_dump(struct xw_netlink *nl);

#endif
