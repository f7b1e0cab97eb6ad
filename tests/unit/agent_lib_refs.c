// SPDX-License-Identifier: MIT
/* Linked into every unit test (a helper of tests/unit/). The unit tests' link
 * line puts build/libxdpwall.a before the agent objects, so the lib functions
 * that only the agent objects call would stay undefined and break the link of
 * every unit test. Referencing them here, ahead of the archive, pulls them in.
 * Remove this file once the Makefile links $(LIB_A) after the agent objects. */
#include "../../agent/config.h"
#include "fw.h"
#include "loader.h"
#include "paths.h"
#include "status.h"

void *const xw_agent_lib_refs[] = {
	(void *)xw_agent_pid,
	(void *)xw_bpffs_ensure,
	(void *)xw_fw_close,
	(void *)xw_fw_needs_restore,
	(void *)xw_fw_open,
	(void *)xw_fw_restore,
	(void *)xw_fw_ruleset,
	(void *)xw_iface_find_prog,
	(void *)xw_load_and_pin,
	(void *)xw_paths_default,
	(void *)xw_pins_open_prog,
	(void *)xw_prog_pin_id,
	(void *)xw_xdp_mode_name,
};
