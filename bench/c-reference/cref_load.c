// SPDX-License-Identifier: MIT
/*
 * cref_load.c: libbpf as the reference loader (see cref.h): an object's per-program outcome as libbpf gives it, for the
 * loader's differential tests, and the time libbpf takes to open and load an object, for `ebpf bench load`.
 * Written for Ebpf.Net against Debian 12's libbpf 1.1; uses only libbpf's public API.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "cref.h"

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Opens the object with its LIBBPF_PIN_BY_NAME maps pinned under pin_root (NULL: libbpf's default). */
static struct bpf_object *open_object(const char *object_path, const char *pin_root)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_root);

	return bpf_object__open_file(object_path, &opts);
}

/* One attempt: only the program called `only` (none when NULL) loaded, only the maps create[i] != 0 created.
 * Loaded programs are pinned at pin_dir/<name>. Returns 0 or libbpf's negative errno. */
static int attempt(const char *object_path, const char *pin_dir, int n, const char *only, const bool *create)
{
	char root[4096], pin[4096];
	struct bpf_program *prog;
	struct bpf_object *obj;
	struct bpf_map *map;
	int err, i = 0;

	/* A root of its own per attempt: maps pinned by name in one attempt are not reused by the next. */
	snprintf(root, sizeof(root), "%s/.maps-%d-%s", pin_dir, n, only ? only : "");
	obj = open_object(object_path, root);
	if (!obj)
		return -errno;
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, only && !strcmp(bpf_program__name(prog), only));
	bpf_object__for_each_map(map, obj)
		bpf_map__set_autocreate(map, create[i++]);
	err = bpf_object__load(obj);
	if (!err && only) {
		prog = bpf_object__find_program_by_name(obj, only);
		snprintf(pin, sizeof(pin), "%s/%s", pin_dir, only);
		err = bpf_program__pin(prog, pin);
	}
	bpf_object__close(obj);
	return err;
}

int cref_load_each(const char *object_path, const char *pin_dir, char *out, int64_t out_len)
{
	struct bpf_program *prog;
	struct bpf_object *obj;
	struct bpf_map *map;
	int maps = 0, programs = 0, n = 0, err;
	int64_t used = 0;
	char **names = NULL;
	bool *create = NULL;

	if (!object_path || !pin_dir || !out || out_len < 1)
		return -EINVAL;
	out[0] = '\0';
	obj = open_object(object_path, pin_dir);
	if (!obj)
		return -errno;
	bpf_object__for_each_map(map, obj)
		maps++;
	bpf_object__for_each_program(prog, obj)
		programs++;
	create = calloc(maps ? maps : 1, sizeof(*create));
	names = calloc(programs ? programs : 1, sizeof(*names));
	err = create && names ? 0 : -ENOMEM;
	bpf_object__for_each_program(prog, obj) {
		if (err)
			break;
		names[n] = strdup(bpf_program__name(prog));
		err = names[n++] ? 0 : -ENOMEM;
	}
	bpf_object__close(obj);
	/* Which maps does the kernel create? Each alone, with no program loaded. */
	bool *alone = calloc(maps ? maps : 1, sizeof(*alone));

	if (!alone && !err)
		err = -ENOMEM;
	for (int m = 0; !err && m < maps; m++) {
		memset(alone, 0, maps * sizeof(*alone));
		alone[m] = true;
		create[m] = attempt(object_path, pin_dir, m, NULL, alone) == 0;
	}
	free(alone);
	/* Each program alone, with every map the kernel creates. */
	for (int p = 0; !err && p < programs; p++) {
		int r = attempt(object_path, pin_dir, maps + p, names[p], create);
		int w = snprintf(out + used, (size_t)(out_len - used), "%s\t%d\n", names[p], r);

		if (w < 0 || w >= out_len - used) {
			err = -ENOSPC;
			break;
		}
		used += w;
	}
	for (int p = 0; names && p < n; p++)
		free(names[p]);
	free(names);
	free(create);
	return err ? err : programs;
}

int cref_load_object(const char *object_path, int64_t *open_ns, int64_t *load_ns)
{
	struct bpf_object *obj;
	int64_t t0, t1, t2;
	int err;

	if (!object_path)
		return -EINVAL;
	t0 = now_ns();
	obj = bpf_object__open_file(object_path, NULL);
	if (!obj)
		return -errno;
	t1 = now_ns();
	err = bpf_object__load(obj);
	t2 = now_ns();
	bpf_object__close(obj);
	if (open_ns)
		*open_ns = t1 - t0;
	if (load_ns)
		*load_ns = t2 - t1;
	return err;
}
