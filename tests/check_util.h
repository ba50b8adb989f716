/* Helpers shared by the unit suites. */
#ifndef SMTPTRIAGE_CHECK_UTIL_H
#define SMTPTRIAGE_CHECK_UTIL_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "event.h"

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

/*
 * Append up to max_pieces pieces, drawn from pieces[0, npieces) with the
 * linear congruential generator state *seed, to line[prefix, size).
 * Returns the length of the line.
 */
size_t	check_random_pieces(char *line, size_t size, size_t prefix,
	    const char *const *pieces, size_t npieces, size_t max_pieces,
	    uint32_t *seed);

/*
 * Return the whole content of the file at path as a NUL-terminated string
 * to free.  Fails the test when the file cannot be read.
 */
char	*check_read_file(const char *path);

/* Write text to the file at path and set its mode, or fail the test. */
void	 check_write_file(const char *path, const char *text, mode_t mode);

/*
 * Write "#!/bin/sh", a newline and body as the executable (mode 0700)
 * file dir/name, and return its path to free.
 */
char	*check_write_script(const char *dir, const char *name,
	    const char *body);

struct config;
struct ui_context;

/*
 * Clear ctx and point it at cfg, at the state database dir/state.db and
 * at the whitelist dir/whitelist, both opened here, with the host name
 * "triage.example".  Fails the test when either cannot be opened.
 */
void	 check_ui_context(struct ui_context *ctx, struct config *cfg,
	    const char *dir);

/* Parse the IPv4 or IPv6 address ip, or fail the test when it is invalid. */
struct event_addr check_addr(const char *ip);

#endif
