// SPDX-License-Identifier: MIT
/* Where xdpwall keeps its pins, state and runtime files: defaults, each
 * overridden by its XDPWALL_* environment variable when that is set and not
 * empty. A value that does not fit PATH_MAX is ignored (the default stays). */
#include <stdlib.h>
#include <string.h>

#include "paths.h"

static void set_path(char dst[PATH_MAX], const char *def, const char *env)
{
	const char *v = getenv(env);

	if (!v || !*v || strlen(v) >= PATH_MAX)
		v = def;
	memcpy(dst, v, strlen(v) + 1);
}

void xw_paths_default(struct xw_paths *p)
{
	set_path(p->pin_root, XW_DEFAULT_PIN_ROOT, "XDPWALL_PIN_ROOT");
	set_path(p->state_dir, XW_DEFAULT_STATE_DIR, "XDPWALL_STATE_DIR");
	set_path(p->run_dir, XW_DEFAULT_RUN_DIR, "XDPWALL_RUN_DIR");
	set_path(p->config, XW_DEFAULT_CONFIG, "XDPWALL_CONFIG");
}
