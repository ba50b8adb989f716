/*
 * Settings: built-in defaults, then the config file, then command-line
 * options (applied by the caller).  The file has one "key = value" per
 * line, "#" comments, and lines of the form
 *	warning "HELO verification failed" = helo_verify_failed
 * that add to the table mapping Exim warn ACL texts to reasons, and
 *	provider "Example Mail" = 192.0.2.0/24, 2001:db8::/32
 *	recipient "Example Mail" = abuse@example.net
 * that define providers by address range and the recipient map.
 */
#ifndef SMTPTRIAGE_CONFIG_H
#define SMTPTRIAGE_CONFIG_H

#include <sys/stat.h>
#include <sys/types.h>

#include "reason.h"

struct provider_table;

struct dnsbl_list;

/*
 * One "key ACTION = KEY" line of the config file.  The console checks the
 * action and key names, because only it defines them.
 */
struct config_keybind {
	char	*action;
	char	*key;
	char	*where;		/* "file:line", for error messages */
};
/* Maximum number of "key" lines. */
#define CONFIG_KEYBINDS_MAX	256

struct config {
	char			*state_path;	/* SQLite database */
	char			*whitelist_path;
	char			*outbox;	/* folder for report files */
	char			*resolver;	/* NULL: /etc/resolv.conf */
	char			*sendmail;	/* command line, NULL: outbox only */
	char			*from;		/* From of reports */
	char			*report_to;	/* recipient of every report */
	int			 dns_timeout_ms;
	int			 dns_tries;
	int			 dns_max_inflight;
	int			 dns_qps;	/* queries per second, 0: no limit */
	struct dnsbl_list	*dnsbl;		/* DNSBL zones and return codes */
	char			*abuse_zone;	/* NULL: no abuse contact lookup */
	struct reason_table	*reasons;

	/* Reports; docs/reports.md describes them. */
	char			*reply_to;	/* Reply-To, NULL: none */
	char			*report_template; /* NULL: the built-in one */
	int			 dry_run;	/* write reports to the outbox only */
	int			 report_xarf;	/* attach X-ARF v4 JSON */
	int			 report_window_days; /* no repeat to a recipient */
	int			 report_daily_cap; /* messages per recipient a day */
	struct provider_table	*providers;	/* ranges and recipient map */
	int			 max_clients;	/* distinct clients kept */

	/* The console. */
	int			 confirm;	/* y/n before bulk actions, mail */
	struct config_keybind	*keybinds;	/* in file order */
	size_t			 nkeybinds;
};

/*
 * Fill cfg with the defaults: paths under $XDG_STATE_HOME and
 * $XDG_CONFIG_HOME (or ~/.local/state and ~/.config), no resolver, no
 * sendmail, From "<user>@<host name>".
 */
void	 config_defaults(struct config *cfg);

/*
 * Read the config file at path over cfg.  A missing file is not an error
 * unless must_exist is set.  Returns 0, or -1 with *cause set (allocated,
 * naming the file and line).
 */
int	 config_load(struct config *cfg, const char *path, int must_exist,
	     char **cause);

/* The default config file path (allocated). */
char	*config_default_path(void);

void	 config_free(struct config *cfg);

/*
 * Split a command line such as "/usr/sbin/sendmail -oi -t" at blanks into
 * an allocated, NULL-terminated argument vector (no quoting, no shell).
 * Returns NULL with *cause set if it is empty.
 */
char	**config_split_argv(const char *cmd, char **cause);
void	 config_free_argv(char **argv);

/*
 * File helpers shared by the modules that keep state on disk (whitelist,
 * store, report outbox).  All return 0, or -1 with *cause set (allocated).
 */

/* Create dir and any missing parents, each new folder with mode 0700. */
int	 config_make_dir(const char *dir, char **cause);
/* Create the folder that will hold the file at path (see above). */
int	 config_make_parent(const char *path, char **cause);

/*
 * Reject a file that other users could change: one writable by its group
 * or by others, or owned by neither the caller nor root.  sb is the
 * file's fstat.
 */
int	 config_check_owner(const char *path, const struct stat *sb,
	     char **cause);

/*
 * Read a whole regular file of at most max bytes into an allocated,
 * NUL-terminated buffer.  When the file does not exist, returns 0 with
 * *data set to NULL.  With check_owner set, config_check_owner applies.
 */
int	 config_read_file(const char *path, size_t max, int check_owner,
	     char **data, size_t *len, char **cause);

/*
 * Write data to path atomically: a temporary file in the same folder,
 * fsync, rename, then fsync of the folder.  The file gets mode unless
 * replace is set and path exists, in which case it keeps its mode.
 * Without replace, an existing path is an error and is left alone, and
 * the temporary file has no name where the system allows (see tmpfile.h).
 */
int	 config_write_atomic(const char *path, const char *data, size_t len,
	     mode_t mode, int replace, char **cause);

#endif
