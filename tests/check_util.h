/* Helpers shared by the unit suites. */
#ifndef SMTPTRIAGE_CHECK_UTIL_H
#define SMTPTRIAGE_CHECK_UTIL_H

/*
 * Remove dir and everything below it, without following symbolic links
 * and without a shell.  Returns 0, or -1 with errno set.
 */
int	check_remove_tree(const char *dir);

#endif
