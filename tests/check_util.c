/* Helpers shared by the unit suites. */
#include <sys/stat.h>

#include <ftw.h>
#include <stdio.h>

#include "check_util.h"

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
