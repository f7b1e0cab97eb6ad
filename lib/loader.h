/* SPDX-License-Identifier: MIT */
/* Loading the XDP program (embedded object, bpftool skeleton) and pinning it. */
#ifndef XW_LIB_LOADER_H
#define XW_LIB_LOADER_H

#include "compile.h"

/* Knobs set before load (const volatile globals in the program). */
struct xw_load_opts {
	struct xw_caps caps; /* zero fields take XW_DEF_*_CAP */
};

/* Mount bpffs on the pin root's parent if it is not on a bpffs already, and
 * create pin_root. Returns 0 or -errno with a message on stderr. */
int xw_bpffs_ensure(const char *pin_root);

/* Load the program with opts, write xw_meta, an empty generation (policy
 * accept, generation 0), and pin every map (pin_root/<map name>) and the program
 * (pin_root/prog). On failure nothing stays pinned. *prog_fd gets the program. */
int xw_load_and_pin(const char *pin_root, const struct xw_load_opts *opts, int *prog_fd);

/* Existing pins: open the pinned program, check xw_meta.layout.
 * Returns 0, -ENOENT (no pins), -EPROTO (incompatible layout). */
int xw_pins_open_prog(const char *pin_root, int *prog_fd);

/* Remove every pin this project makes under pin_root, then pin_root itself. */
int xw_pins_remove(const char *pin_root);

#endif
