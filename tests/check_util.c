/* Helpers shared by the unit suites. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>

#include <check.h>
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "store.h"
#include "ui.h"
#include "whitelist.h"
#include "xmalloc.h"

/* Open file descriptors that nftw may use while it walks. */
#define CHECK_TREE_FDS	16

static int
check_remove_entry(const char *path, const struct stat *sb, int type,
    struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

int
check_remove_tree(const char *dir)
{
	return nftw(dir, check_remove_entry, CHECK_TREE_FDS,
	    FTW_DEPTH | FTW_PHYS);
}

size_t
check_count_entries(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 n = 0;

	d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	}
	closedir(d);
	return n;
}

size_t
check_random_pieces(char *line, size_t size, size_t prefix,
    const char *const *pieces, size_t npieces, size_t max_pieces,
    uint32_t *seed)
{
	const char	*piece;
	size_t		 k, n = prefix, plen;

	*seed = *seed * 1103515245 + 12345;
	for (k = (*seed >> 16) % max_pieces; k > 0; k--) {
		*seed = *seed * 1103515245 + 12345;
		piece = pieces[(*seed >> 16) % npieces];
		plen = strlen(piece);
		if (n + plen > size)
			break;
		memcpy(line + n, piece, plen);
		n += plen;
	}
	return n;
}

struct event_addr
check_addr(const char *ip)
{
	struct event_addr	a;

	memset(&a, 0, sizeof a);
	if (inet_pton(AF_INET, ip, a.bytes) == 1)
		a.family = AF_INET;
	else {
		ck_assert_int_eq(inet_pton(AF_INET6, ip, a.bytes), 1);
		a.family = AF_INET6;
	}
	return a;
}

char *
check_read_file(const char *path)
{
	FILE	*f;
	char	*buf;
	size_t	 len = 0, size = 4096, n;

	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	buf = xmalloc(size);
	while ((n = fread(buf + len, 1, size - len - 1, f)) > 0) {
		len += n;
		if (size - len == 1) {
			size *= 2;
			buf = xreallocarray(buf, 1, size);
		}
	}
	ck_assert_msg(!ferror(f), "cannot read %s", path);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

void
check_write_file(const char *path, const char *text, mode_t mode)
{
	FILE	*f;

	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fwrite(text, 1, strlen(text), f), strlen(text));
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
}

char *
check_write_script(const char *dir, const char *name, const char *body)
{
	FILE	*f;
	char	*path;

	xasprintf(&path, "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, 0700), 0);
	return path;
}

void
check_ui_context(struct ui_context *ctx, struct config *cfg, const char *dir)
{
	char	*path, *cause = NULL;

	memset(ctx, 0, sizeof *ctx);
	ctx->cfg = cfg;
	xasprintf(&path, "%s/state.db", dir);
	ctx->store = store_open(path, &cause);
	ck_assert_msg(ctx->store != NULL, "store_open: %s", cause);
	free(path);
	xasprintf(&path, "%s/whitelist", dir);
	ctx->wl = wl_load(path, &cause);
	ck_assert_msg(ctx->wl != NULL, "wl_load: %s", cause);
	free(path);
	ctx->hostname = "triage.example";
}
