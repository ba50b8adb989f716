/* Helpers shared by the unit suites. */
#ifndef SMTPTRIAGE_CHECK_UTIL_H
#define SMTPTRIAGE_CHECK_UTIL_H

#include <stddef.h>

/*
 * Remove dir and everything below it, without following symbolic links
 * and without a shell.  Returns 0, or -1 with errno set.
 */
int	check_remove_tree(const char *dir);

/*
 * Count the entries of dir other than "." and "..".  Fails the test when
 * dir cannot be read.
 */
size_t	check_count_entries(const char *dir);

#endif
