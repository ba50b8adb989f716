/*
 * The state database (SQLite): marks and the report history.  Every change
 * is one transaction, and the database runs in WAL mode with a busy
 * timeout, so two instances can share it.
 */
#ifndef SMTPTRIAGE_STORE_H
#define SMTPTRIAGE_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

/*
 * Open or create the database at path, creating its directory with mode
 * 0700 and the file with mode 0600.  Returns NULL with *cause set.
 */
struct store	*store_open(const char *path, char **cause);
void		 store_close(struct store *);

/* Set or clear the mark on an IP (text form).  0, or -1 with *cause. */
int		 store_set_mark(struct store *, const char *ip, int marked,
		    char **cause);
/* 1 if marked, 0 if not, -1 with *cause on error. */
int		 store_is_marked(struct store *, const char *ip, char **cause);

struct store_report {
	const char	*ip;
	const char	*recipient;	/* NULL when written to the outbox only */
	const char	*message_id;
	const char	*method;	/* "outbox" or "sendmail" */
	const char	*path;		/* outbox file, or NULL */
	int		 exit_status;	/* sendmail's, 0 for the outbox */
	int64_t		 time;		/* seconds since the epoch */
};

/* Record one report.  0, or -1 with *cause. */
int		 store_add_report(struct store *, const struct store_report *,
		    char **cause);
/*
 * Time of the last successful report about ip (exit status 0, and a
 * recipient), 0 if none, or -1 with *cause on error.  A report kept in
 * the outbox without a recipient does not count.
 */
int64_t		 store_last_report(struct store *, const char *ip,
		    char **cause);

/*
 * Call fn for every marked IP and every reported IP (with the time of its
 * last successful report), so a caller can set state on many clients with
 * one query each.  0, or -1 with *cause.
 */
int		 store_each_mark(struct store *,
		    void (*fn)(const char *ip, void *arg), void *arg,
		    char **cause);
int		 store_each_report(struct store *,
		    void (*fn)(const char *ip, int64_t time, void *arg),
		    void *arg, char **cause);

/*
 * The SQLite handle, for modules that keep their own tables in the state
 * database (dnshist.c).  It stays owned by the store.
 */
struct sqlite3	*store_sqlite(struct store *);

/*
 * Report history for abuse reports (report.c, plan.c).  A report that
 * covers several IPs is one row per IP, all with the same Message-ID.
 */

/* Record one report about ips[0..nips-1] in one transaction. */
int		 store_add_report_ips(struct store *,
		    const struct store_report *r, const char *const *ips,
		    size_t nips, char **cause);
/*
 * Record one report about ips[0..nips-1] sent to rcpts[0..nrcpts-1] (an
 * entry may be NULL): one row per IP and recipient, in one transaction.
 * r->recipient is not used.
 */
int		 store_add_report_rcpts(struct store *,
		    const struct store_report *r, const char *const *ips,
		    size_t nips, const char *const *rcpts, size_t nrcpts,
		    char **cause);
/*
 * Write ip into out (INET6_ADDRSTRLEN bytes) as the store keeps it, the
 * inet_ntop form.  0, or -1 with *cause when ip is no IP address.
 */
int		 store_ip_normalize(const char *ip, char *out, char **cause);
/* The path the database was opened with. */
const char	*store_path(const struct store *);
/*
 * Time of the last successful report (exit status 0) about ip to
 * recipient, compared ignoring ASCII case; 0 if none, -1 with *cause.
 */
int64_t		 store_last_report_to(struct store *, const char *ip,
		    const char *recipient, char **cause);
/*
 * Number of messages that sendmail accepted for recipient at or after
 * since (seconds since the epoch), or -1 with *cause.
 */
int64_t		 store_count_sent(struct store *, const char *recipient,
		    int64_t since, char **cause);
/*
 * Call fn for every row of the reports whose sending failed and that
 * were not sent since: the latest attempt per Message-ID and IP, oldest
 * first.  Rows of a dropped report (path NULL) are left out.  0, or -1
 * with *cause.
 */
int		 store_each_failed(struct store *,
		    void (*fn)(const struct store_report *, void *arg),
		    void *arg, char **cause);
/*
 * 1 if a failed report about ip to recipient (ignoring ASCII case) waits
 * in the outbox for a retry, 0 if none does, or -1 with *cause.
 */
int		 store_failed_waiting(struct store *, const char *ip,
		    const char *recipient, char **cause);
/*
 * Drop the failed report message_id: its failed rows keep their exit
 * status but lose their outbox path, so no retry lists them again.  The
 * caller removes the file.  0, or -1 with *cause.
 */
int		 store_drop_failed(struct store *, const char *message_id,
		    char **cause);
/* Call fn for every report row about ip (NULL: all), oldest first. */
int		 store_each_report_row(struct store *, const char *ip,
		    void (*fn)(const struct store_report *, void *arg),
		    void *arg, char **cause);

#endif
