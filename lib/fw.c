// SPDX-License-Identifier: MIT
/*
 * An open firewall: pinned maps + persisted ruleset + the edit lock.
 *
 * A commit is one of two kinds:
 *  - small: the tree stays; new rules go into the side rules of the inactive
 *    side slot (up to XW_SIDE_MAX compiled rules), deleted tree rules into its
 *    tombstones. Cheap whatever the size of the ruleset.
 *  - full: every rule is compiled into a new tree in the inactive tree slot,
 *    and the inactive side slot names it, with no side rules.
 * Either way the last step is one write of xw_active (0 <-> 1), the commit
 * point. Before a commit rewrites the slots that stopped being live at the
 * previous flip, it makes sure no packet still runs on them: if that flip was
 * less than XW_GRACE_NS ago (its time is persisted with the state), it waits
 * for an RCU grace period with membarrier(MEMBARRIER_CMD_GLOBAL); XDP runs in
 * an RCU read-side section and takes microseconds, so after a second no
 * reader is left. A lone edit thus skips the wait, a burst pays it.
 *
 * Persistence (state_dir): "ruleset" is a snapshot written by every full
 * commit, "delta" the side rules, tombstones and deletions of the small commits
 * made since, rewritten whole by each (a few KiB). Both are written to a
 * temporary file, fsync'ed and renamed, then the directory is fsync'ed.
 * Both carry the generation; the maps carry it too (xw_side.generation), so a
 * mismatch (fresh pins after a reboot, a crash between flip and persist) is seen
 * at open, and the next commit is then a full one from the persisted ruleset.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "compile.h"
#include "fw.h"
#include "maps.h"

#define XW_PRIO_STEP   (1u << 14) /* gap between neighbours after a full commit */
#define XW_TOMB_MAX    1024u      /* tree rules deleted by small commits before a rebuild */
#define XW_STATE_VER   2u
#define XW_GRACE_NS    1000000000ull /* a flip older than this has no readers left */
#define XW_SNAP_MAGIC  "XWSNAP1"
#define XW_DELTA_MAGIC "XWDELT1"

struct snap_hdr {
	char magic[8];
	uint32_t version, entry_size;
	uint64_t generation, next_handle;
	uint32_t policy, n;
	uint32_t tree_slot, side_slot;
	uint32_t rid_cursor, rid_hwm;
	uint64_t flip_ns; /* CLOCK_BOOTTIME of the last flip */
};

struct delta_hdr {
	char magic[8];
	uint32_t version, entry_size;
	uint64_t base_generation, generation, next_handle;
	uint32_t policy, side_slot;
	uint32_t nside, ntomb;
	uint32_t rid_cursor, rid_hwm;
	uint64_t flip_ns;
};

struct xw_fw {
	struct xw_paths paths;
	struct xw_maps maps;
	int lock_fd;
	struct xw_ruleset rs;       /* committed, with rid / prio / in_tree */
	void *snap_map;             /* rs.v lives in this private mapping of the snapshot */
	size_t snap_map_len;
	uint32_t tree_slot, side_slot;
	uint64_t tomb[XW_MAX_RULES / 64];
	uint32_t ntomb;
	uint32_t rid_cursor, rid_hwm; /* next rid to try; rids below hwm were used */
	uint64_t snap_generation;   /* generation of the snapshot on disk */
	uint64_t maps_generation;   /* generation the maps hold */
	uint64_t flip_ns;           /* CLOCK_BOOTTIME of the last flip; 0: long ago */
	bool needs_restore;
	struct xw_counter *ctr;     /* per-rule counters summed over CPUs, read lazily */
};

/* ---- small helpers ---- */

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t r = read(fd, p, len);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -EIO; /* short file */
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, len + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

/* Write iov-like parts to dir/name atomically and durably. */
struct part {
	const void *p;
	size_t len;
};

static int write_file_atomic(const char *dir, const char *name, const struct part *parts,
			     unsigned nparts)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	int fd, dfd, err = 0;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	for (unsigned i = 0; i < nparts && !err; i++)
		err = write_all(fd, parts[i].p, parts[i].len);
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

static int read_file_fd(const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	{
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		return fd < 0 ? -errno : fd;
	}
}

static bool tomb_test(const uint64_t *tomb, uint32_t rid)
{
	return (tomb[rid / 64] >> (rid % 64)) & 1;
}

static void tomb_set(uint64_t *tomb, uint32_t rid)
{
	tomb[rid / 64] |= 1ull << (rid % 64);
}

static int cmp_entry_prio(const void *a, const void *b)
{
	const struct xw_entry *x = a, *y = b;

	return x->prio < y->prio ? -1 : x->prio > y->prio;
}

static void rs_release(struct xw_fw *fw)
{
	if (fw->snap_map) {
		munmap(fw->snap_map, fw->snap_map_len);
		fw->snap_map = NULL;
		fw->rs.v = NULL;
		fw->rs.n = fw->rs.cap = 0;
	}
	xw_ruleset_free(&fw->rs);
}

static int rs_reserve(struct xw_fw *fw, size_t n)
{
	struct xw_entry *v;

	if (n <= fw->rs.cap)
		return 0;
	if (fw->snap_map) {
		v = malloc(n * sizeof(*v));
		if (!v)
			return -ENOMEM;
		memcpy(v, fw->rs.v, fw->rs.n * sizeof(*v));
		munmap(fw->snap_map, fw->snap_map_len);
		fw->snap_map = NULL;
	} else {
		v = realloc(fw->rs.v, n * sizeof(*v));
		if (!v)
			return -ENOMEM;
	}
	fw->rs.v = v;
	fw->rs.cap = n;
	return 0;
}

/* Map the snapshot file privately, with room after it for the entries of the
 * delta: no copy, and only the pages an edit writes are copied (on write). */
static int map_snapshot(struct xw_fw *fw, int fd, uint32_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), cap = (size_t)n + XW_SIDE_MAX + 1;
	size_t want = sizeof(struct snap_hdr) + (size_t)n * sizeof(struct xw_entry);
	size_t len = (sizeof(struct snap_hdr) + cap * sizeof(struct xw_entry) + page - 1) & ~(page - 1);
	size_t flen = (want + page - 1) & ~(page - 1);
	struct stat st;
	void *base;

	if (fstat(fd, &st))
		return -errno;
	if ((size_t)st.st_size != want)
		return -EPROTO;
	base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return -errno;
	/* read-only while populating, else MAP_POPULATE breaks COW on every page */
	if (mmap(base, want, PROT_READ, MAP_PRIVATE | MAP_FIXED | MAP_POPULATE, fd, 0) == MAP_FAILED ||
	    mprotect(base, flen, PROT_READ | PROT_WRITE)) {
		int err = -errno;

		munmap(base, len);
		return err;
	}
	fw->snap_map = base;
	fw->snap_map_len = len;
	fw->rs.v = (struct xw_entry *)((char *)base + sizeof(struct snap_hdr));
	fw->rs.cap = cap;
	return 0;
}

static uint64_t boottime_ns(void);

/* ---- loading the persisted state ---- */

static int load_snapshot(struct xw_fw *fw)
{
	struct snap_hdr h;
	int fd, err;

	fd = read_file_fd(fw->paths.state_dir, "ruleset");
	if (fd == -ENOENT)
		return 0; /* nothing persisted yet: the empty ruleset, generation 0 */
	if (fd < 0)
		return fd;
	err = read_all(fd, &h, sizeof(h));
	if (err)
		goto out_close;
	if (memcmp(h.magic, XW_SNAP_MAGIC, 8) || h.version != XW_STATE_VER ||
	    h.entry_size != sizeof(struct xw_entry) || h.n > XW_MAX_RULES || h.tree_slot > 1 ||
	    h.side_slot > 1) {
		err = -EPROTO;
		goto out_close;
	}
	err = map_snapshot(fw, fd, h.n);
	if (err)
		goto out_close;
	fw->rs.n = h.n;
	fw->rs.generation = h.generation;
	fw->rs.next_handle = h.next_handle;
	fw->rs.policy = (uint8_t)h.policy;
	fw->tree_slot = h.tree_slot;
	fw->side_slot = h.side_slot;
	fw->rid_cursor = h.rid_cursor % XW_MAX_RULES;
	fw->rid_hwm = h.rid_hwm > XW_MAX_RULES ? XW_MAX_RULES : h.rid_hwm;
	fw->snap_generation = h.generation;
	fw->flip_ns = h.flip_ns;
out_close:
	close(fd);
	return err;
}

static int load_delta(struct xw_fw *fw)
{
	struct xw_entry *side = NULL;
	uint32_t *tomb = NULL;
	struct delta_hdr h;
	size_t k = 0;
	int fd, err;

	fd = read_file_fd(fw->paths.state_dir, "delta");
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	err = read_all(fd, &h, sizeof(h));
	if (err)
		goto out_close;
	if (memcmp(h.magic, XW_DELTA_MAGIC, 8) || h.version != XW_STATE_VER ||
	    h.entry_size != sizeof(struct xw_entry) || h.nside > XW_SIDE_MAX ||
	    h.ntomb > XW_TOMB_MAX || h.side_slot > 1) {
		err = -EPROTO;
		goto out_close;
	}
	if (h.base_generation != fw->snap_generation)
		goto out_close; /* left over from before the last full commit */
	side = calloc(h.nside + 1, sizeof(*side));
	tomb = calloc(h.ntomb + 1, sizeof(*tomb));
	if (!side || !tomb) {
		err = -ENOMEM;
		goto out_free;
	}
	err = read_all(fd, side, h.nside * sizeof(*side));
	if (!err)
		err = read_all(fd, tomb, h.ntomb * sizeof(*tomb));
	if (err)
		goto out_free;
	for (uint32_t j = 0; j < h.ntomb; j++) {
		if (tomb[j] >= XW_MAX_RULES) {
			err = -EPROTO;
			goto out_free;
		}
		tomb_set(fw->tomb, tomb[j]);
	}

	/* snapshot entries minus the tombstoned (deleted) ones, plus the side
	 * entries, in prio order */
	for (size_t i = 0; i < fw->rs.n; i++) {
		if (tomb_test(fw->tomb, fw->rs.v[i].rid & (XW_MAX_RULES - 1)))
			continue;
		if (k != i) /* untouched pages of the mapping stay shared */
			fw->rs.v[k] = fw->rs.v[i];
		k++;
	}
	err = rs_reserve(fw, k + h.nside + 1);
	if (err)
		goto out_free;
	/* merge the (few) side entries in by prio, from the back */
	qsort(side, h.nside, sizeof(*side), cmp_entry_prio);
	{
		size_t a = k, b = h.nside, o = k + h.nside;

		while (b > 0) {
			if (a > 0 && fw->rs.v[a - 1].prio > side[b - 1].prio)
				fw->rs.v[--o] = fw->rs.v[--a];
			else
				fw->rs.v[--o] = side[--b];
		}
	}
	fw->rs.n = k + h.nside;
	fw->ntomb = h.ntomb;
	fw->rs.generation = h.generation;
	fw->rs.next_handle = h.next_handle;
	fw->rs.policy = (uint8_t)h.policy;
	fw->side_slot = h.side_slot;
	fw->rid_cursor = h.rid_cursor % XW_MAX_RULES;
	fw->rid_hwm = h.rid_hwm > XW_MAX_RULES ? XW_MAX_RULES : h.rid_hwm;
	fw->flip_ns = h.flip_ns;
out_free:
	free(side);
	free(tomb);
out_close:
	close(fd);
	return err;
}

/* Do the maps hold what the state says? */
static int check_maps(struct xw_fw *fw)
{
	struct xw_side *side;
	uint32_t zero = 0, active;
	int err = 0;

	if (bpf_map_lookup_elem(fw->maps.active, &zero, &active))
		return -errno;
	side = malloc(sizeof(*side));
	if (!side)
		return -ENOMEM;
	active &= 1;
	if (bpf_map_lookup_elem(fw->maps.side, &active, side)) {
		err = -errno;
		goto out_free;
	}
	fw->maps_generation = side->generation;
	fw->needs_restore = side->generation != fw->rs.generation || active != fw->side_slot ||
			    side->tree_slot != fw->tree_slot;
	if (fw->needs_restore) {
		/* the next commit is full, into the slots not live now */
		fw->side_slot = active;
		fw->tree_slot = side->tree_slot & 1;
		memset(fw->tomb, 0, sizeof(fw->tomb));
		fw->ntomb = 0;
		fw->rid_hwm = XW_MAX_RULES; /* counters may hold anything: zero before use */
		fw->flip_ns = boottime_ns(); /* when the maps last flipped is unknown */
	}
out_free:
	free(side);
	return err;
}

int xw_fw_open(struct xw_fw **out, const struct xw_paths *paths, unsigned flags)
{
	struct xw_fw *fw;
	char path[PATH_MAX];
	int err;

	fw = calloc(1, sizeof(*fw));
	if (!fw)
		return -ENOMEM;
	fw->paths = *paths;
	fw->lock_fd = -1;
	xw_ruleset_init(&fw->rs);
	err = xw_maps_open(&fw->maps, paths->pin_root);
	if (err)
		goto out_free;
	if (flags & XW_FW_LOCK) {
		err = mkdir_p(paths->state_dir, 0700);
		if (err) {
			fprintf(stderr, "cannot create state directory %s: %s\n", paths->state_dir,
				strerror(-err));
			goto out_maps;
		}
		if (snprintf(path, sizeof(path), "%s/lock", paths->state_dir) >= (int)sizeof(path)) {
			err = -ENAMETOOLONG;
			goto out_maps;
		}
		fw->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fw->lock_fd < 0 || flock(fw->lock_fd, LOCK_EX)) {
			err = -errno;
			fprintf(stderr, "cannot lock %s: %s\n", path, strerror(errno));
			goto out_maps;
		}
	}
	err = load_snapshot(fw);
	if (!err)
		err = load_delta(fw);
	if (err) {
		fprintf(stderr, "cannot read the persisted ruleset in %s: %s\n", paths->state_dir,
			err == -EPROTO || err == -EIO ? "unknown format or damaged" : strerror(-err));
		if (err == -EPROTO || err == -EIO)
			err = -EBADMSG; /* not the pins' layout: the files */
		goto out_lock;
	}
	err = check_maps(fw);
	if (err)
		goto out_lock;
	*out = fw;
	return 0;

out_lock:
	if (fw->lock_fd >= 0)
		close(fw->lock_fd);
out_maps:
	xw_maps_close(&fw->maps);
out_free:
	rs_release(fw);
	free(fw);
	return err;
}

void xw_fw_close(struct xw_fw *fw)
{
	if (!fw)
		return;
	if (fw->lock_fd >= 0)
		close(fw->lock_fd); /* releases the flock */
	xw_maps_close(&fw->maps);
	rs_release(fw);
	free(fw->ctr);
	free(fw);
}

const struct xw_ruleset *xw_fw_ruleset(const struct xw_fw *fw)
{
	return &fw->rs;
}

bool xw_fw_needs_restore(const struct xw_fw *fw)
{
	return fw->needs_restore;
}

/* ---- committing ---- */

static void wait_for_readers(void)
{
	/* A grace period: every XDP run that could have read the old xw_active
	 * value has finished. */
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) < 0)
		usleep(50000); /* no membarrier (nohz_full): XDP runs take microseconds */
}

static uint64_t boottime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Before rewriting the slots that are not live: no packet may still run on
 * them since the flip that made them so. */
static void slots_quiesce(struct xw_fw *fw)
{
	uint64_t now = boottime_ns();

	if (fw->flip_ns > now || now - fw->flip_ns < XW_GRACE_NS) {
		wait_for_readers();
		fw->flip_ns = 0;
	}
}

static int flip(struct xw_fw *fw, uint32_t side_slot)
{
	uint32_t zero = 0;

	if (bpf_map_update_elem(fw->maps.active, &zero, &side_slot, BPF_ANY))
		return -errno;
	fw->flip_ns = boottime_ns();
	return 0;
}

/* Give every entry without a rid one that no live or tombstoned rule uses
 * (tomb may be NULL), and zero its counters if it was ever used before. */
static int assign_rids(struct xw_fw *fw, struct xw_ruleset *next, const uint64_t *tomb,
		       struct xw_err *err)
{
	uint64_t *used = calloc(XW_MAX_RULES / 64, sizeof(*used));
	struct xw_counter *zero = NULL;
	int ret = 0;

	if (!used)
		return -ENOMEM;
	for (size_t i = 0; i < next->n; i++)
		if (next->v[i].rid != XW_RID_NONE)
			tomb_set(used, next->v[i].rid & (XW_MAX_RULES - 1));
	for (size_t i = 0; tomb && i < XW_MAX_RULES / 64; i++)
		used[i] |= tomb[i];
	for (size_t i = 0; i < next->n; i++) {
		uint32_t rid, tries;

		if (next->v[i].rid != XW_RID_NONE)
			continue;
		for (tries = 0; tries < XW_MAX_RULES; tries++) {
			rid = fw->rid_cursor;
			fw->rid_cursor = (fw->rid_cursor + 1) % XW_MAX_RULES;
			if (!tomb_test(used, rid))
				break;
		}
		if (tries == XW_MAX_RULES) {
			snprintf(err->msg, sizeof(err->msg), "no free rule id (capacity %u)",
				 XW_MAX_RULES);
			ret = -ENOSPC;
			goto out;
		}
		tomb_set(used, rid);
		next->v[i].rid = rid;
		if (next->v[i].rule.fields & XW_F_IIF) {
			/* the name an iif rule matches: in place before any commit uses rid */
			struct xw_ifname name = { 0 };

			memcpy(name.name, next->v[i].rule.iif, sizeof(name.name) - 1);
			if (bpf_map_update_elem(fw->maps.iifs, &rid, &name, BPF_ANY)) {
				ret = -errno;
				snprintf(err->msg, sizeof(err->msg), "cannot write rule %u's interface: %s",
					 rid, strerror(errno));
				goto out;
			}
		}
		if (rid < fw->rid_hwm) {
			if (!zero) {
				zero = calloc((size_t)fw->maps.ncpus, sizeof(*zero));
				if (!zero) {
					ret = -ENOMEM;
					goto out;
				}
			}
			if (bpf_map_update_elem(fw->maps.counters, &rid, zero, BPF_ANY)) {
				ret = -errno;
				snprintf(err->msg, sizeof(err->msg), "cannot reset counters: %s",
					 strerror(errno));
				goto out;
			}
		}
		if (rid + 1 > fw->rid_hwm)
			fw->rid_hwm = rid + 1;
	}
out:
	free(zero);
	free(used);
	return ret;
}

static struct xw_side *side_new(const struct xw_ruleset *next, uint32_t tree_slot)
{
	struct xw_side *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->generation = next->generation;
	s->tree_slot = tree_slot;
	s->policy = next->policy == XW_ACT_DROP ? XW_ACT_DROP : XW_ACT_ACCEPT;
	s->activated_ns = boottime_ns();
	return s;
}

static int persist_snapshot(struct xw_fw *fw, const struct xw_ruleset *rs)
{
	struct snap_hdr h = {
		.version = XW_STATE_VER,
		.entry_size = sizeof(struct xw_entry),
		.generation = rs->generation,
		.next_handle = rs->next_handle,
		.policy = rs->policy,
		.n = (uint32_t)rs->n,
		.tree_slot = fw->tree_slot,
		.side_slot = fw->side_slot,
		.rid_cursor = fw->rid_cursor,
		.rid_hwm = fw->rid_hwm,
		.flip_ns = fw->flip_ns,
	};
	struct part parts[] = {
		{ &h, sizeof(h) },
		{ rs->v, rs->n * sizeof(struct xw_entry) },
	};
	char path[PATH_MAX];
	int err;

	memcpy(h.magic, XW_SNAP_MAGIC, 8);
	err = write_file_atomic(fw->paths.state_dir, "ruleset", parts, 2);
	if (err)
		return err;
	/* its base generation is gone; unlinking is tidiness only */
	if (snprintf(path, sizeof(path), "%s/delta", fw->paths.state_dir) < (int)sizeof(path))
		unlink(path);
	fw->snap_generation = rs->generation;
	return 0;
}

static int persist_delta(struct xw_fw *fw, const struct xw_ruleset *rs, const uint64_t *tomb,
			 uint32_t ntomb)
{
	struct delta_hdr h = {
		.version = XW_STATE_VER,
		.entry_size = sizeof(struct xw_entry),
		.base_generation = fw->snap_generation,
		.generation = rs->generation,
		.next_handle = rs->next_handle,
		.policy = rs->policy,
		.side_slot = fw->side_slot,
		.rid_cursor = fw->rid_cursor,
		.rid_hwm = fw->rid_hwm,
		.flip_ns = fw->flip_ns,
	};
	struct xw_entry side[XW_SIDE_MAX];
	uint32_t trids[XW_TOMB_MAX];
	struct part parts[3];

	memcpy(h.magic, XW_DELTA_MAGIC, 8);
	for (size_t i = 0; i < rs->n; i++)
		if (!rs->v[i].in_tree && h.nside < XW_SIDE_MAX)
			side[h.nside++] = rs->v[i];
	for (uint32_t rid = 0; rid < XW_MAX_RULES && h.ntomb < ntomb; rid++)
		if (tomb_test(tomb, rid))
			trids[h.ntomb++] = rid;
	/* the snapshot's entries whose rid is tombstoned are the deleted ones */
	parts[0] = (struct part){ &h, sizeof(h) };
	parts[1] = (struct part){ side, h.nside * sizeof(side[0]) };
	parts[2] = (struct part){ trids, h.ntomb * sizeof(trids[0]) };
	return write_file_atomic(fw->paths.state_dir, "delta", parts, 3);
}

struct hidx {
	uint64_t handle;
	size_t i;
};

static int cmp_hidx(const void *a, const void *b)
{
	const struct hidx *x = a, *y = b;

	return x->handle < y->handle ? -1 : x->handle > y->handle;
}

/* Copy rid / prio / in_tree of every entry of next that the committed ruleset
 * has with the same handle and the same rule; others get XW_RID_NONE. */
static int carry_over(const struct xw_fw *fw, struct xw_ruleset *next)
{
	struct hidx *idx = NULL;
	size_t j = 0;

	for (size_t i = 0; i < next->n; i++) {
		struct xw_entry *e = &next->v[i];
		const struct xw_entry *old = NULL;

		e->rid = XW_RID_NONE;
		e->prio = 0;
		e->in_tree = 0;
		/* usually an edit leaves the order alone: try the next old entry */
		if (j < fw->rs.n && fw->rs.v[j].rule.handle == e->rule.handle) {
			old = &fw->rs.v[j++];
		} else if (e->rule.handle >= fw->rs.next_handle) {
			continue; /* handed out by this edit: new */
		} else {
			struct hidx key = { e->rule.handle, 0 }, *hit;

			if (!idx) {
				idx = malloc((fw->rs.n + 1) * sizeof(*idx));
				if (!idx)
					return -ENOMEM;
				for (size_t k = 0; k < fw->rs.n; k++)
					idx[k] = (struct hidx){ fw->rs.v[k].rule.handle, k };
				qsort(idx, fw->rs.n, sizeof(*idx), cmp_hidx);
			}
			hit = bsearch(&key, idx, fw->rs.n, sizeof(*idx), cmp_hidx);
			if (!hit)
				continue;
			old = &fw->rs.v[hit->i];
			j = hit->i + 1;
		}
		if (memcmp(&old->rule, &e->rule, sizeof(e->rule)))
			continue; /* replaced: a new rule under the old handle */
		e->rid = old->rid;
		e->prio = old->prio;
		e->in_tree = old->in_tree;
	}
	free(idx);
	return 0;
}

static int expand_into(const struct xw_entry *e, struct xw_crule *out, size_t room,
		       size_t *n, struct xw_err *err)
{
	int k = xw_crule_expand(&e->rule, e->prio, e->rid, out, room);

	if (k < 0) {
		snprintf(err->msg, sizeof(err->msg),
			 "ruleset too large: more compiled rules than the capacity");
		return k;
	}
	*n += (size_t)k;
	return 0;
}

/* The last steps of every commit: write the side slot sslot (naming tree slot
 * tslot), flip to it, persist (snapshot for a full commit, else the delta). If
 * persisting fails, flip back: a change that is not durable is not made. */
static int publish(struct xw_fw *fw, const struct xw_ruleset *next, const struct xw_side *side,
		   uint32_t sslot, uint32_t tslot, bool full, const uint64_t *tomb, uint32_t ntomb,
		   struct xw_err *err)
{
	uint32_t old_s = fw->side_slot, old_t = fw->tree_slot;
	int ret;

	slots_quiesce(fw);
	if (bpf_map_update_elem(fw->maps.side, &sslot, side, BPF_ANY)) {
		ret = -errno;
		snprintf(err->msg, sizeof(err->msg), "cannot write the generation: %s",
			 strerror(errno));
		return ret;
	}
	ret = flip(fw, sslot);
	if (ret) {
		snprintf(err->msg, sizeof(err->msg), "cannot switch generation: %s",
			 strerror(-ret));
		return ret;
	}
	fw->side_slot = sslot;
	fw->tree_slot = tslot;
	ret = full ? persist_snapshot(fw, next) : persist_delta(fw, next, tomb, ntomb);
	if (ret) {
		fw->side_slot = old_s;
		fw->tree_slot = old_t;
		flip(fw, old_s);
		wait_for_readers(); /* the state on disk does not know of this flip */
		snprintf(err->msg, sizeof(err->msg), "cannot persist the ruleset in %.160s: %s",
			 fw->paths.state_dir, strerror(-ret));
	}
	return ret;
}

/* Try a small commit. Returns 0 done, 1 if it must be a full commit, <0 error. */
static int commit_small(struct xw_fw *fw, struct xw_ruleset *next, struct xw_err *err)
{
	uint64_t *tomb = NULL;
	uint32_t ntomb = fw->ntomb, new_slot = fw->side_slot ^ 1;
	struct xw_side *side = NULL;
	size_t nsub = 0, kept_tree = 0;
	int ret;

	if (fw->needs_restore)
		return 1;
	/* more rules outside the tree than the side slot holds (an apply -f,
	 * say): rebuild, before any work that grows with them */
	{
		size_t outside = 0;

		for (size_t i = 0; i < next->n && outside <= XW_SIDE_MAX; i++)
			outside += next->v[i].rid == XW_RID_NONE || !next->v[i].in_tree;
		if (outside > XW_SIDE_MAX)
			return 1;
	}
	tomb = malloc(sizeof(fw->tomb));
	if (!tomb)
		return -ENOMEM;
	memcpy(tomb, fw->tomb, sizeof(fw->tomb));

	/* tree entries that disappeared become tombstones */
	{
		uint64_t *alive = calloc(XW_MAX_RULES / 64, sizeof(*alive));

		if (!alive) {
			ret = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < next->n; i++)
			if (next->v[i].in_tree) {
				tomb_set(alive, next->v[i].rid);
				kept_tree++;
			}
		for (size_t i = 0; i < fw->rs.n; i++) {
			uint32_t rid = fw->rs.v[i].rid;

			if (fw->rs.v[i].in_tree && !tomb_test(alive, rid) && !tomb_test(tomb, rid)) {
				tomb_set(tomb, rid);
				ntomb++;
			}
		}
		free(alive);
	}
	if (ntomb > XW_TOMB_MAX || (kept_tree == 0 && ntomb > 0)) {
		ret = 1; /* many deletions, or none of the tree left: rebuild */
		goto out;
	}

	/* positions: each entry not in the tree goes between its neighbours */
	for (size_t i = 0; i < next->n; i++) {
		struct xw_entry *e = &next->v[i];
		uint64_t lo = i ? next->v[i - 1].prio : 0, hi = UINT32_MAX;

		if (e->rid != XW_RID_NONE && (i == 0 || e->prio > lo))
			continue; /* kept, in order */
		for (size_t k = i + 1; k < next->n; k++) {
			if (next->v[k].rid != XW_RID_NONE) {
				hi = next->v[k].prio;
				break;
			}
		}
		if (e->rid != XW_RID_NONE) {
			ret = 1; /* out of order: cannot happen, rebuild to be safe */
			goto out;
		}
		if (hi == UINT32_MAX && lo + XW_PRIO_STEP < UINT32_MAX)
			e->prio = (uint32_t)(lo + XW_PRIO_STEP);
		else if (hi - lo >= 2)
			e->prio = (uint32_t)((lo + hi) / 2);
		else {
			ret = 1; /* no room between the neighbours */
			goto out;
		}
		e->in_tree = 0;
	}

	/* rids first (a fallback to a full commit rewinds the cursor), then
	 * the side rules, expanded once */
	ret = assign_rids(fw, next, tomb, err);
	if (ret == -ENOSPC)
		ret = 1; /* every free rid is a tombstone: a rebuild frees them */
	if (ret)
		goto out;
	side = side_new(next, fw->tree_slot);
	if (!side) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < next->n; i++) {
		if (next->v[i].in_tree)
			continue;
		ret = xw_crule_expand(&next->v[i].rule, next->v[i].prio, next->v[i].rid,
				      side->side + nsub, XW_SIDE_MAX - nsub);
		if (ret == -ENOSPC) {
			ret = 1; /* the side rules are full: rebuild */
			goto out;
		}
		if (ret < 0)
			goto out;
		nsub += (size_t)ret;
	}
	side->nside = (uint32_t)nsub;
	memcpy(side->tomb, tomb, sizeof(side->tomb));
	side->ntomb = ntomb;

	ret = publish(fw, next, side, new_slot, fw->tree_slot, false, tomb, ntomb, err);
	if (ret)
		goto out;
	memcpy(fw->tomb, tomb, sizeof(fw->tomb));
	fw->ntomb = ntomb;
	ret = 0;
out:
	free(side);
	free(tomb);
	return ret;
}

static int commit_full(struct xw_fw *fw, struct xw_ruleset *next, struct xw_err *err)
{
	uint32_t tslot = fw->tree_slot ^ 1, sslot = fw->side_slot ^ 1;
	struct xw_caps caps = {
		.rule_cap = fw->maps.caps.rule_cap,
		.node_cap = fw->maps.caps.node_cap,
		.leaf_cap = fw->maps.caps.leaf_cap,
	};
	struct xw_tree_image img = { 0 };
	struct xw_crule *cr = NULL;
	struct xw_side *side = NULL;
	size_t ncr = 0;
	int ret;

	if (next->n > XW_MAX_RULES) {
		snprintf(err->msg, sizeof(err->msg), "too many rules: %zu, capacity %u", next->n,
			 XW_MAX_RULES);
		return -ENOSPC;
	}
	for (size_t i = 0; i < next->n; i++) {
		next->v[i].prio = (uint32_t)(i + 1) * XW_PRIO_STEP;
		next->v[i].in_tree = 1;
	}
	if (fw->needs_restore)
		for (size_t i = 0; i < next->n; i++)
			next->v[i].rid = XW_RID_NONE;
	ret = assign_rids(fw, next, NULL, err); /* the new tree has no tombstones */
	if (ret)
		return ret;
	cr = malloc(((size_t)caps.rule_cap + 1) * sizeof(*cr));
	if (!cr)
		return -ENOMEM;
	for (size_t i = 0; i < next->n; i++) {
		ret = expand_into(&next->v[i], cr + ncr, caps.rule_cap - ncr, &ncr, err);
		if (ret)
			goto out;
	}
	ret = xw_tree_build(cr, (uint32_t)ncr, &caps, &img);
	if (ret) {
		snprintf(err->msg, sizeof(err->msg), "cannot compile the ruleset: %s",
			 ret == -ENOSPC ? "more compiled rules than the capacity" : strerror(-ret));
		goto out;
	}
	slots_quiesce(fw);
	memcpy(fw->maps.nodes_mm + (size_t)tslot * caps.node_cap, img.nodes,
	       (size_t)img.n_nodes * sizeof(*img.nodes));
	memcpy(fw->maps.leaves_mm + (size_t)tslot * caps.leaf_cap, img.leaves,
	       (size_t)img.n_leaves * sizeof(*img.leaves));
	memcpy(fw->maps.rules_mm + (size_t)tslot * caps.rule_cap, img.rules,
	       (size_t)img.n_rules * sizeof(*img.rules));
	side = side_new(next, tslot);
	if (!side) {
		ret = -ENOMEM;
		goto out;
	}
	ret = publish(fw, next, side, sslot, tslot, true, NULL, 0, err);
	if (ret)
		goto out;
	memset(fw->tomb, 0, sizeof(fw->tomb));
	fw->ntomb = 0;
	fw->needs_restore = false;
	ret = 0;
out:
	xw_tree_image_free(&img);
	free(side);
	free(cr);
	return ret;
}

static int commit(struct xw_fw *fw, struct xw_ruleset *next, bool force_full, struct xw_err *err)
{
	uint32_t cursor = fw->rid_cursor, hwm = fw->rid_hwm;
	int ret = 1;

	if (fw->lock_fd < 0) {
		snprintf(err->msg, sizeof(err->msg), "commit without the edit lock");
		return -EPERM;
	}
	next->generation = (fw->rs.generation > fw->maps_generation ? fw->rs.generation
								    : fw->maps_generation) + 1;
	if (!force_full)
		ret = commit_small(fw, next, err);
	if (ret == 1) {
		/* the small try may have assigned rids and prios: start over */
		fw->rid_cursor = cursor;
		fw->rid_hwm = hwm;
		ret = carry_over(fw, next);
		if (!ret)
			ret = commit_full(fw, next, err);
	}
	if (ret) {
		fw->rid_cursor = cursor;
		fw->rid_hwm = hwm;
		return ret;
	}
	/* next's rules are now the committed ruleset: move them, keep the header */
	rs_release(fw);
	fw->rs = *next;
	next->v = NULL;
	next->cap = 0;
	fw->maps_generation = fw->rs.generation;
	free(fw->ctr);
	fw->ctr = NULL;
	return 0;
}

int xw_fw_commit(struct xw_fw *fw, struct xw_ruleset *next, struct xw_err *err)
{
	int ret;

	err->col = -1;
	err->msg[0] = '\0';
	ret = carry_over(fw, next);
	if (ret)
		return ret;
	return commit(fw, next, false, err);
}

int xw_fw_restore(struct xw_fw *fw, struct xw_err *err)
{
	struct xw_ruleset next;
	int ret;

	err->col = -1;
	err->msg[0] = '\0';
	if (!fw->needs_restore)
		return 0;
	xw_ruleset_init(&next);
	ret = xw_ruleset_copy(&next, &fw->rs);
	if (!ret)
		ret = commit(fw, &next, true, err);
	xw_ruleset_free(&next);
	return ret;
}

/* ---- counters ---- */

/* Per-rule counters of every rule in use, summed over CPUs, read once per
 * open: one lookup per rule for a small ruleset, one batch up to the highest
 * rid in use for a large one. */
static int read_counters(const struct xw_fw *cfw)
{
	struct xw_fw *fw = (struct xw_fw *)cfw;
	unsigned ncpu = (unsigned)fw->maps.ncpus;
	struct xw_counter *all = NULL, *sum;
	uint32_t out_batch = 0, count = 0, *keys = NULL;
	int err;

	if (fw->ctr)
		return 0;
	sum = calloc(XW_MAX_RULES, sizeof(*sum));
	if (!sum)
		return -ENOMEM;
	for (size_t i = 0; i < fw->rs.n; i++)
		if (fw->rs.v[i].rid < XW_MAX_RULES && fw->rs.v[i].rid + 1 > count)
			count = fw->rs.v[i].rid + 1;
	if (count == 0)
		goto out_done;
	all = calloc((size_t)(fw->rs.n < 256 ? 1 : count) * ncpu, sizeof(*all));
	keys = calloc(count, sizeof(*keys));
	if (!all || !keys) {
		err = -ENOMEM;
		goto out_free;
	}
	if (fw->rs.n < 256) {
		for (size_t i = 0; i < fw->rs.n; i++) {
			uint32_t rid = fw->rs.v[i].rid;

			if (rid >= XW_MAX_RULES)
				continue;
			if (bpf_map_lookup_elem(fw->maps.counters, &rid, all)) {
				err = -errno;
				goto out_free;
			}
			for (unsigned c = 0; c < ncpu; c++) {
				sum[rid].packets += all[c].packets;
				sum[rid].bytes += all[c].bytes;
			}
		}
		goto out_done;
	}
	err = bpf_map_lookup_batch(fw->maps.counters, NULL, &out_batch, keys, all, &count, NULL);
	if (err && errno != ENOENT) {
		err = -errno;
		goto out_free;
	}
	for (uint32_t i = 0; i < count; i++) {
		uint32_t rid = keys[i];

		if (rid >= XW_MAX_RULES)
			continue;
		for (unsigned c = 0; c < ncpu; c++) {
			sum[rid].packets += all[(size_t)i * ncpu + c].packets;
			sum[rid].bytes += all[(size_t)i * ncpu + c].bytes;
		}
	}
out_done:
	fw->ctr = sum;
	sum = NULL;
	err = 0;
out_free:
	free(sum);
	free(all);
	free(keys);
	return err;
}

int xw_fw_rule_counter(const struct xw_fw *fw, uint32_t rid, struct xw_counter *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	if (rid >= XW_MAX_RULES)
		return -ENOENT;
	err = read_counters(fw);
	if (err)
		return err;
	*out = fw->ctr[rid];
	return 0;
}

int xw_fw_stats(const struct xw_fw *fw, struct xw_counter out[XW_STAT_MAX])
{
	struct xw_counter *pc = calloc((size_t)fw->maps.ncpus, sizeof(*pc));

	if (!pc)
		return -ENOMEM;
	for (uint32_t k = 0; k < XW_STAT_MAX; k++) {
		out[k].packets = out[k].bytes = 0;
		if (bpf_map_lookup_elem(fw->maps.stats, &k, pc)) {
			int err = -errno;

			free(pc);
			return err;
		}
		for (int c = 0; c < fw->maps.ncpus; c++) {
			out[k].packets += pc[c].packets;
			out[k].bytes += pc[c].bytes;
		}
	}
	free(pc);
	return 0;
}

static uint64_t fd_memlock(int fd)
{
	char path[64], line[256];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

int xw_fw_memlock(const struct xw_fw *fw, uint64_t *bytes)
{
	const int fds[] = { fw->maps.active,   fw->maps.side,  fw->maps.nodes,
			    fw->maps.leaves,   fw->maps.rules, fw->maps.counters,
			    fw->maps.stats,    fw->maps.ifnames, fw->maps.meta,
			    fw->maps.iifs };

	*bytes = 0;
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		*bytes += fd_memlock(fds[i]);
	return 0;
}
