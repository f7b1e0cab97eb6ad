/* SPDX-License-Identifier: MIT */
/* The agent's life: start (bpffs, lock, adopt or load + restore, attach),
 * follow link events and SIGHUP, exit on SIGTERM without detaching. */
#ifndef XW_AGENT_AGENT_H
#define XW_AGENT_AGENT_H

#include "options.h"

/* Run until SIGTERM/SIGINT. cfg is the configuration built from o (the agent
 * rebuilds it from o on SIGHUP). ready_fd >= 0: write one byte there when
 * ready (the parent of a daemonized agent waits for it). Returns the exit
 * status: 0 after a signal, 1 when it could not start. */
int xw_agent_run(const struct xw_agent_opts *o, struct xw_agent_config *cfg, int ready_fd);

/* xdpwalld --detach: detach the pinned program from every interface running
 * it (this network namespace). Pins and the persisted ruleset stay. */
int xw_agent_detach(const struct xw_agent_config *cfg);

#endif
