// SPDX-License-Identifier: MIT
/* fwctl status and stats: what is loaded and attached, and what it counted. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fw.h"
#include "rule_print.h"
#include "status.h"

#include "fwctl.h"
#include "output.h"

/* Names of enum xw_stat, and which ones are a packet's final verdict: every
 * packet lands in exactly one of those (fragment and non_ip are notes, the
 * packet is counted again under the verdict it got). */
static const struct {
	const char *name;
	bool verdict;
} stat_names[XW_STAT_MAX] = {
	[XW_STAT_RULE_ACCEPT] = { "rule_accept", true },
	[XW_STAT_RULE_DROP] = { "rule_drop", true },
	[XW_STAT_POLICY_ACCEPT] = { "policy_accept", true },
	[XW_STAT_POLICY_DROP] = { "policy_drop", true },
	[XW_STAT_L2_PASS] = { "l2_pass", true },
	[XW_STAT_MALFORMED] = { "malformed", true },
	[XW_STAT_FRAGMENT] = { "fragment", false },
	[XW_STAT_EXTHDR_LIMIT] = { "exthdr_limit", true },
	[XW_STAT_NON_IP] = { "non_ip", false },
};

int cmd_status(struct fwctl *c, int argc, char **argv)
{
	const struct xw_ruleset *rs;
	struct xw_status st = { 0 };
	struct xw_fw *fw;
	int ret;

	(void)argc;
	(void)argv;
	ret = xw_fw_open(&fw, &c->paths, XW_FW_LOCK);
	if (ret)
		return fw_open_fail(c, ret);
	ret = xw_status_collect(&c->paths, &st);
	if (ret) {
		xw_status_free(&st);
		xw_fw_close(fw);
		return fw_fail(c, FW_EXIT_REJECTED, "collecting the status: %s", strerror(-ret));
	}
	rs = xw_fw_ruleset(fw);

	out_begin();
	out_obj_begin("agent");
	out_bool("running", "agent running %s", st.agent_running);
	if (st.agent_running)
		out_int("pid", " pid %" PRId64, st.agent_pid);
	out_text("\n");
	out_obj_end();
	out_str("policy", "policy %s\n", xw_action_name(rs->policy));
	out_uint("generation", "generation %" PRIu64 "\n", rs->generation);
	out_uint("rules", "rules %" PRIu64 "\n", rs->n);
	out_arr_begin("interfaces");
	for (size_t i = 0; i < st.n_ifaces; i++) {
		const struct xw_iface_status *ifs = &st.ifaces[i];

		out_obj_begin(NULL);
		out_str("name", "interface %s", ifs->name);
		out_uint("ifindex", " ifindex %" PRIu64, ifs->ifindex);
		out_str("mode", " mode %s", xw_xdp_mode_name(ifs->mode));
		out_uint("prog_id", " prog_id %" PRIu64, ifs->prog_id);
		out_bool("dispatcher", " dispatcher %s\n", ifs->dispatcher);
		out_obj_end();
	}
	out_arr_end();
	if (!st.n_ifaces)
		out_text("interfaces none\n");
	xw_status_free(&st);
	xw_fw_close(fw);
	return fw_done(c);
}

int cmd_stats(struct fwctl *c, int argc, char **argv)
{
	struct xw_counter st[XW_STAT_MAX] = { 0 }, total = { 0 };
	struct xw_fw *fw;
	uint64_t memlock = 0;
	int ret;

	(void)argc;
	(void)argv;
	ret = xw_fw_open(&fw, &c->paths, 0);
	if (ret)
		return fw_open_fail(c, ret);
	ret = xw_fw_stats(fw, st);
	if (ret) {
		xw_fw_close(fw);
		return fw_fail(c, FW_EXIT_REJECTED, "reading the counters: %s", strerror(-ret));
	}
	ret = xw_fw_memlock(fw, &memlock);
	xw_fw_close(fw);
	if (ret)
		return fw_fail(c, FW_EXIT_REJECTED, "reading the map memory: %s", strerror(-ret));

	out_begin();
	out_text("%-14s %20s %20s\n", "counter", "packets", "bytes");
	out_obj_begin("counters");
	for (unsigned i = 0; i < XW_STAT_MAX; i++) {
		if (!stat_names[i].name)
			continue;
		if (stat_names[i].verdict) {
			total.packets += st[i].packets;
			total.bytes += st[i].bytes;
		}
		out_obj_begin(stat_names[i].name);
		out_str(NULL, "%-14s ", stat_names[i].name);
		out_uint("packets", "%20" PRIu64 " ", st[i].packets);
		out_uint("bytes", "%20" PRIu64 "\n", st[i].bytes);
		out_obj_end();
	}
	out_obj_end();
	out_obj_begin("total");
	out_str(NULL, "%-14s ", "total");
	out_uint("packets", "%20" PRIu64 " ", total.packets);
	out_uint("bytes", "%20" PRIu64 "\n", total.bytes);
	out_obj_end();
	out_uint("memlock", "map memory %" PRIu64 " bytes", memlock);
	out_text(" (%.1f MiB)\n", memlock / 1048576.0);
	return fw_done(c);
}
