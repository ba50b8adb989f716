/*
 * Abuse reports: composing an RFC 5322 message about one or more suspects
 * and delivering it to the outbox folder or to a sendmail command, with
 * the report history in the store.
 */
#ifndef SMTPTRIAGE_REPORT_H
#define SMTPTRIAGE_REPORT_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "agg.h"
#include "dns.h"

struct report_input {
	const struct client	*client;
	const struct dns_result	*dns;		/* NULL if never checked */
	char			**evidence;	/* log lines, as read back */
	size_t			 nevidence;
	const char		*from;
	const char		*to;		/* NULL: no recipient known */
	const char		*hostname;	/* this host, for Message-ID */
	time_t			 now;
	uint64_t		 nonce;		/* Message-ID part; 0: random */
};

/*
 * Compose the message (CRLF-free, "\n" line ends, as sendmail -t reads
 * it).  Log-derived text is escaped so it can never add a header line or a
 * recipient.  Returns the allocated message and sets *message_id
 * (allocated, with angle brackets).
 *
 * Date is now in local time; with a nonce the Message-ID is fixed too, so
 * tests can compare whole messages.  When to is NULL the message has no
 * To header, which RFC 5322 allows, and it goes to the outbox for the
 * admin to address.  No Auto-Submitted header is added, because a person
 * requests each report.
 */
char	*report_compose(const struct report_input *, char **message_id);

/*
 * Write msg into dir (created with mode 0700) as a new file with mode 0600,
 * atomically.  Returns 0 and sets *path (allocated), or -1 with *cause.
 */
int	 report_write_outbox(const char *dir, const char *msg,
	     char **path, char **cause);

/*
 * Pipe msg to argv[0] started with execve (no shell) and wait for it.
 * Returns 0 with *exit_status set once the command ran, or -1 with *cause
 * if it could not be started (*exit_status 127) or was killed by a signal
 * (*exit_status 128 plus the signal number), as a shell would report it.
 * A command still running after 60 seconds is killed.  Its stdout and
 * stderr go to a pipe, never to the terminal.
 */
int	 report_sendmail(char *const *argv, const char *msg, int *exit_status,
	     char **cause);

struct config;
struct store;

/*
 * The recipient of every report (report_to or --to), or NULL when none is
 * set and plan.c finds each report's recipient.
 */
const char *report_recipient(const struct config *);

/* The reason report_deliver_checked sent and wrote nothing. */
enum report_skip {
	REPORT_SKIP_NONE = 0,
	REPORT_SKIP_WINDOW,	/* reported to a recipient within the window */
	REPORT_SKIP_CAP,	/* a recipient's daily cap is reached */
	REPORT_SKIP_BUSY,	/* another process holds the send lock */
	REPORT_SKIP_SENT,	/* a retry: another process sent it meanwhile */
	REPORT_SKIP_WAITING,	/* a failed report to a recipient waits */
	/* A retry: a suspect was reported since, so the report is dropped. */
	REPORT_SKIP_SUPERSEDED,
};

struct report_outcome {
	char	*path;		/* outbox file, or NULL when piped */
	int	 sent;		/* 1 if handed to sendmail with exit 0 */
	int	 exit_status;	/* sendmail's exit status */
	char	*detail;	/* why sending failed, escaped; or NULL */
	int	 dry_run;	/* written to the outbox only, not recorded */
	enum report_skip skipped;
	char	*skip_reason;	/* with skipped: a sentence for the admin */
	pid_t	 holder;	/* REPORT_SKIP_BUSY: the lock's holder, or 0 */
};

/*
 * Deliver a composed message: pipe it to cfg->sendmail when that is set and
 * to is not NULL, otherwise write it to cfg->outbox; a failed send also
 * leaves the message in the outbox.  With cfg->dry_run it only goes to the
 * outbox and is not recorded.  Records the report in the store
 * (unless store is NULL) with method "sendmail" or "outbox" and the exit
 * status.  Returns 0 once the message was sent or kept in the outbox
 * (out->sent and out->detail tell which), or -1 with *cause set when it
 * could not be kept or recorded.  *out is set in both cases; free it with
 * report_outcome_free.
 */
int	 report_deliver(const struct config *cfg, struct store *store,
	     const char *ip, const char *to, const char *msg,
	     const char *message_id, struct report_outcome *out, char **cause);
void	 report_outcome_free(struct report_outcome *);

struct provider_info;
struct template;

/* One suspect that a report covers. */
struct report_item {
	const struct client		*client;
	const struct dns_result		*dns;		/* NULL if never checked */
	char				**evidence;	/* log lines, as read back */
	size_t				 nevidence;
	const struct provider_info	*provider;	/* NULL: not shown */
};

/* A report about one or more suspects, for report_compose_message. */
struct report_message {
	const struct report_item	*items;
	size_t				 nitems;
	const char	*from;		/* mailbox: address or "Name <address>" */
	const char	*reply_to;	/* mailbox, or NULL */
	const char	*to;		/* mailbox, or NULL: no To header */
	const char	*hostname;	/* this host, for Message-ID */
	const struct template *template;	/* NULL: the built-in one */
	int		 xarf;		/* attach an X-ARF v4 report per suspect */
	/* Add "Auto-Submitted: auto-generated" (RFC 3834), for cron runs. */
	int		 auto_submitted;
	time_t		 now;
	uint64_t	 nonce;		/* Message-ID and MIME part; 0: random */
};

/*
 * Compose a report about m->items (at least one).  From, Reply-To and To
 * are parsed as mailboxes, a display name with non-ASCII text is written
 * as RFC 2047 encoded words, and so is a Subject with non-ASCII text.
 * Text from logs and DNS answers reaches the body only, escaped as in
 * report_compose.  With m->xarf the message is multipart/mixed with the
 * text and one application/json part per suspect.  Returns 0 with *msg
 * and *message_id set (allocated), or -1 with *cause set when a mailbox
 * is invalid.
 */
int	 report_compose_message(const struct report_message *m, char **msg,
	     char **message_id, char **cause);

/*
 * report_deliver for a report about several IPs: one history row per IP,
 * all with message_id.  With cfg->dry_run the message only goes to the
 * outbox and nothing is recorded (out->dry_run is set).
 */
int	 report_deliver_ips(const struct config *cfg, struct store *store,
	     const char *const *ips, size_t nips, const char *to,
	     const char *msg, const char *message_id,
	     struct report_outcome *out, char **cause);

/*
 * Deliver as report_deliver_ips, but record one history row per IP and
 * recipient of rcpts[0..nrcpts-1] (an entry may be NULL for "no
 * recipient").  to selects sendmail or the outbox as there.  *out must be zeroed.
 */
int	 report_deliver_to(const struct config *cfg, struct store *store,
	     const char *const *ips, size_t nips, const char *to,
	     const char *const *rcpts, size_t nrcpts, const char *msg,
	     const char *message_id, struct report_outcome *out,
	     char **cause);

/*
 * Maximum wait for the send lock in a headless run.  Another process keeps
 * it for one message, and sendmail may run for 60 s
 * (REPORT_SENDMAIL_TIMEOUT_MS) for it.  Two such times leave room for the
 * history writes.
 */
#define REPORT_LOCK_WAIT_MS	150000

/* Options of the check that report_deliver_checked makes under the lock. */
struct report_guard {
	/* Every address the message goes to.  When empty, to alone. */
	const char *const *recipients;
	size_t		 nrecipients;
	int		 force;		/* ignore the dedupe window */
	/* Maximum wait in ms, or 0 for one try that sets out->skipped. */
	int		 lock_timeout_ms;
	/* Called once before waiting for the lock, with its holder's pid. */
	void		(*waiting)(pid_t holder, void *arg);
	void		*arg;
};

/*
 * Deliver as report_deliver_ips, as one step that other processes on the
 * same state database cannot interleave with: take the send lock (see
 * sendlock.h), check the dedupe window (unless g->force) and the daily
 * cap of every recipient against the history again, then send, record a
 * row per IP and recipient, and release the lock.  When the check fails,
 * nothing is sent or written: out->skipped and out->skip_reason give the
 * reason, and it returns 0.  A dry run or a NULL store takes no lock and
 * checks nothing, because it records nothing.  Returns -1 with *cause when the
 * lock timed out or delivery failed as in report_deliver_ips.
 */
int	 report_deliver_checked(const struct config *cfg, struct store *store,
	     const char *const *ips, size_t nips, const char *to,
	     const struct report_guard *g, const char *msg,
	     const char *message_id, struct report_outcome *out,
	     char **cause);

/*
 * Check ips against the dedupe window of recipient: when one was reported
 * to it (exit status 0) after since, set out->skipped to skip with a
 * skip_reason.  A window of 0 days checks nothing.  Returns 0, or -1
 * with *cause when the history cannot be read.
 */
int	 report_guard_window(const struct config *cfg, struct store *store,
	     const char *const *ips, size_t nips, const char *recipient,
	     int64_t since, enum report_skip skip, struct report_outcome *out,
	     char **cause);

struct sendlock;

/*
 * Take the send lock at path as g requests: wait up to
 * g->lock_timeout_ms, or with 0 try once.  When that one try finds the
 * lock taken by another process, set out->skipped to REPORT_SKIP_BUSY
 * with out->holder and a skip_reason.  Returns 0 once the lock is taken,
 * or -1 (with *cause unless busy).
 */
int	 report_lock(const char *path, const struct report_guard *g,
	     struct sendlock *lock, struct report_outcome *out, char **cause);

/*
 * Run report_retry under the send lock taken as g requests (only its lock
 * fields count).  The failed rows are read again under the lock, so a
 * report that another process sent meanwhile is not sent twice.  Then
 * out->skipped is REPORT_SKIP_SENT, also when the Message-ID has no
 * failed row left but was sent.  When one of its IPs was reported to one
 * of its recipients within the dedupe window after the report was
 * written, it is not sent but dropped.  Then its file is removed,
 * store_drop_failed updates its rows, and out->skipped is
 * REPORT_SKIP_SUPERSEDED.  A success is recorded for
 * every recipient of the failed rows.  report_retry waits up to
 * REPORT_LOCK_WAIT_MS.
 */
int	 report_retry_checked(const struct config *cfg, struct store *store,
	     const char *message_id, const struct report_guard *g,
	     struct report_outcome *out, char **cause);

/*
 * Collect the addresses of the To, Cc and Bcc header fields of msg (its
 * header ends at the first empty line), each once, compared ignoring
 * case.  Returns 0 with *rcpts (free each and the array) and *n set, or
 * -1 with *cause when a field contains an invalid mailbox or a group.
 */
int	 report_recipients(const char *msg, char ***rcpts, size_t *n,
	     char **cause);

/*
 * Send the failed report message_id again from its outbox file through
 * cfg->sendmail, and record the attempt for each IP it covers.  After a
 * successful send the outbox file is removed.  Returns 0 once the
 * command ran (out->sent is 1 when it was sent), or -1 with *cause when
 * no failed report has that Message-ID, its file cannot be read, no
 * sendmail command is set, or dry_run is on.
 */
int	 report_retry(const struct config *cfg, struct store *store,
	     const char *message_id, struct report_outcome *out, char **cause);

/*
 * The argument vector of the sendmail command line cmd: split at blanks,
 * with "-oi -t" added when cmd names only the program.  Returns NULL
 * with *cause set when cmd is empty.  Free with config_free_argv.
 */
char	**report_sendmail_argv(const char *cmd, char **cause);

#endif
