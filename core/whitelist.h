/*
 * The whitelist: a text file with one entry per line, an IPv4 or IPv6
 * address, a CIDR block, or a name glob such as "*.example.net" that
 * matches forward-confirmed rDNS names only.  Comments ("#" to the end of
 * the line) and blank lines are kept when the program rewrites the file,
 * and every rewrite is atomic (a temporary file, fsync, rename).
 */
#ifndef SMTPTRIAGE_WHITELIST_H
#define SMTPTRIAGE_WHITELIST_H

#include "event.h"

struct whitelist;

/*
 * Load path.  A missing file gives an empty whitelist that wl_save creates.
 * Returns NULL with *cause set (allocated) when the file cannot be read or
 * a line is invalid (the cause names the file and line).
 */
struct whitelist *wl_load(const char *path, char **cause);
void		 wl_free(struct whitelist *);

/*
 * Check an entry's syntax and return it in normal form (allocated): an
 * address as inet_ntop writes it, a CIDR block with its host bits cleared,
 * a glob in lower case.  Returns NULL with *cause set if it is invalid.
 */
char		*wl_normalize(const char *entry, char **cause);

/*
 * Add or remove an entry and rewrite the file atomically.  comment, if not
 * NULL, is written after the entry.  Both return 0, or -1 with *cause set;
 * adding an entry that exists, or removing one that does not, returns 0.
 */
int		 wl_add(struct whitelist *, const char *entry,
		    const char *comment, char **cause);
int		 wl_remove(struct whitelist *, const char *entry, char **cause);

/*
 * Return the first entry that matches the client (an address or CIDR for
 * addr, a glob for rdns when rdns is a forward-confirmed name, else NULL),
 * or NULL when none does.
 */
const char	*wl_match(const struct whitelist *, const struct event_addr *addr,
		    const char *rdns);

/*
 * Read the file again when its inode, size or modification time changed
 * since it was last read or written, such as after a hand edit.  Sets
 * *changed to 1 when it read the file.  Returns 0, or -1 with *cause set
 * when the file cannot be read or has an invalid line, and then keeps the
 * entries it had.
 */
int		 wl_reload(struct whitelist *, int *changed, char **cause);
/*
 * Return 1 when entry alone (any form that wl_add takes) would match the
 * client as wl_match does, 0 when it would not or is invalid.
 */
int		 wl_entry_match(const char *entry,
		    const struct event_addr *addr, const char *rdns);
/* Number of entries, and entry i in file order (for the console). */
size_t		 wl_count(const struct whitelist *);
const char	*wl_entry(const struct whitelist *, size_t i);
/* Comment on the line of entry i, without "#" and blanks, or "". */
const char	*wl_comment(const struct whitelist *, size_t i);

#endif
