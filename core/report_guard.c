/*
 * Delivery of a report as one step under the send lock.  The dedupe
 * window and the daily cap are checked again against the history, which
 * by then contains every other process's sends.  The report is sent and
 * recorded before the lock is released.  Also the recipients of an edited
 * message, from its To, Cc and Bcc fields.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "config.h"
#include "esc.h"
#include "mail.h"
#include "report.h"
#include "sendlock.h"
#include "store.h"
#include "xmalloc.h"

/* Seconds in a day, for the window (in days) and the 24-hour cap. */
#define REPORT_GUARD_DAY	86400
/* Room for "YYYY-MM-DD HH:MM" and its terminator. */
#define REPORT_GUARD_TIME_SIZE	32

/* Add address to the list unless it is there already (ignoring case). */
static void
report_rcpt_add(char ***rcpts, size_t *n, const char *address)
{
	size_t	i;

	for (i = 0; i < *n; i++) {
		if (strcasecmp((*rcpts)[i], address) == 0)
			return;
	}
	*rcpts = xreallocarray(*rcpts, *n + 1, sizeof **rcpts);
	(*rcpts)[(*n)++] = xstrdup(address);
}

/*
 * Split the unfolded value of an address field at the commas outside
 * quoted strings and angle brackets, and add each mailbox's address.
 */
static int
report_rcpt_field(const char *name, char *value, char ***rcpts, size_t *n,
    char **cause)
{
	char	*p, *start, *display, *address, *why;
	int	 quoted = 0, angle = 0, end;

	for (p = start = value;; p++) {
		end = *p == '\0';
		if (quoted && *p == '\\' && p[1] != '\0') {
			p++;
			continue;
		}
		if (*p == '"')
			quoted = !quoted;
		else if (!quoted && *p == '<')
			angle = 1;
		else if (!quoted && *p == '>')
			angle = 0;
		else if (!quoted && !angle && (*p == ':' || *p == ';')) {
			xasprintf(cause, "the %s field holds a group; list "
			    "each address", name);
			return -1;
		}
		if (!end && (quoted || angle || *p != ','))
			continue;
		*p = '\0';
		if (start[strspn(start, " \t")] != '\0') {
			if (mail_mailbox_parse(start, &display, &address,
			    &why) == -1) {
				xasprintf(cause, "invalid %s field: %s", name,
				    why);
				free(why);
				return -1;
			}
			report_rcpt_add(rcpts, n, address);
			free(display);
			free(address);
		}
		if (end)
			return 0;
		start = p + 1;
	}
}

int
report_recipients(const char *msg, char ***rcpts, size_t *n, char **cause)
{
	static const char *const fields[] = { "To", "Cc", "Bcc" };
	struct esc_buf	 value = { NULL, 0, 0 };
	const char	*line, *nl, *name = NULL;
	size_t		 i, len;
	int		 rc = 0;

	*rcpts = NULL;
	*n = 0;
	for (line = msg; rc == 0 && *line != '\0' && *line != '\n';
	    line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			nl = line + strlen(line);
		len = (size_t)(nl - line);
		if (name != NULL && (*line == ' ' || *line == '\t')) {
			esc_buf_add(&value, line, len);
		} else {
			if (name != NULL) {
				esc_buf_add(&value, "", 0);
				rc = report_rcpt_field(name, value.data, rcpts,
				    n, cause);
			}
			name = NULL;
			value.len = 0;
			for (i = 0; i < sizeof fields / sizeof fields[0];
			    i++) {
				if (len > strlen(fields[i]) &&
				    strncasecmp(line, fields[i],
				    strlen(fields[i])) == 0 &&
				    line[strlen(fields[i])] == ':')
					name = fields[i];
			}
			if (name != NULL)
				esc_buf_add(&value, line + strlen(name) + 1,
				    len - strlen(name) - 1);
		}
		if (*nl == '\0')
			break;
	}
	if (rc == 0 && name != NULL) {
		esc_buf_add(&value, "", 0);
		rc = report_rcpt_field(name, value.data, rcpts, n, cause);
	}
	esc_buf_free(&value);
	if (rc == -1) {
		for (i = 0; i < *n; i++)
			free((*rcpts)[i]);
		free(*rcpts);
		*rcpts = NULL;
		*n = 0;
	}
	return rc;
}

int
report_guard_window(const struct config *cfg, struct store *store,
    const char *const *ips, size_t nips, const char *recipient,
    int64_t since, enum report_skip skip, struct report_outcome *out,
    char **cause)
{
	char		when[REPORT_GUARD_TIME_SIZE];
	struct tm	tm;
	time_t		t, now = time(NULL);
	int64_t		last;
	size_t		i;

	if (cfg->report_window_days <= 0)
		return 0;
	if (since < (int64_t)now - (int64_t)cfg->report_window_days *
	    REPORT_GUARD_DAY)
		since = (int64_t)now - (int64_t)cfg->report_window_days *
		    REPORT_GUARD_DAY;
	for (i = 0; i < nips; i++) {
		last = store_last_report_to(store, ips[i], recipient, cause);
		if (last == -1)
			return -1;
		if (last == 0 || last <= since)
			continue;
		t = (time_t)last;
		strftime(when, sizeof when, "%Y-%m-%d %H:%M",
		    localtime_r(&t, &tm));
		out->skipped = skip;
		xasprintf(&out->skip_reason, "%s was reported to %s at %s, "
		    "within the %d-day window", ips[i], recipient, when,
		    cfg->report_window_days);
		return 0;
	}
	return 0;
}

/*
 * Check ips against the window, the failed reports waiting in the outbox
 * and every recipient's cap.  Returns 0 (out->skipped set when the
 * report must not go) or -1 with *cause.
 */
static int
report_guard_check(const struct config *cfg, struct store *store,
    const char *const *ips, size_t nips, const char *const *rcpts,
    size_t nrcpts, int force, struct report_outcome *out, char **cause)
{
	time_t		now = time(NULL);
	int64_t		sent;
	size_t		i, k;
	int		waiting;

	for (k = 0; k < nrcpts; k++) {
		if (rcpts[k] == NULL)
			continue;
		if (!force && report_guard_window(cfg, store, ips, nips,
		    rcpts[k], 0, REPORT_SKIP_WINDOW, out, cause) == -1)
			return -1;
		if (out->skipped != REPORT_SKIP_NONE)
			return 0;
		/* --force does not lift this: --retry sends that report. */
		for (i = 0; i < nips; i++) {
			waiting = store_failed_waiting(store, ips[i], rcpts[k],
			    cause);
			if (waiting == -1)
				return -1;
			if (waiting == 0)
				continue;
			out->skipped = REPORT_SKIP_WAITING;
			xasprintf(&out->skip_reason, "a failed report about %s "
			    "to %s waits in the outbox; --retry or F sends it",
			    ips[i], rcpts[k]);
			return 0;
		}
		if (cfg->report_daily_cap == 0)
			continue;
		sent = store_count_sent(store, rcpts[k], (int64_t)now -
		    REPORT_GUARD_DAY, cause);
		if (sent == -1)
			return -1;
		if (sent >= cfg->report_daily_cap) {
			out->skipped = REPORT_SKIP_CAP;
			xasprintf(&out->skip_reason, "%lld reports went to %s "
			    "in the last 24 hours, and report_daily_cap is %d",
			    (long long)sent, rcpts[k], cfg->report_daily_cap);
			return 0;
		}
	}
	return 0;
}

int
report_lock(const char *path, const struct report_guard *g,
    struct sendlock *lock, struct report_outcome *out, char **cause)
{
	int	rc;

	if (g->lock_timeout_ms > 0)
		return sendlock_wait(path, g->lock_timeout_ms, g->waiting,
		    g->arg, lock, cause);
	if ((rc = sendlock_try(path, lock, &out->holder, cause)) != 0)
		return rc == 1 ? 0 : -1;
	out->skipped = REPORT_SKIP_BUSY;
	if (out->holder != 0)
		xasprintf(&out->skip_reason, "waiting for another smtptriage "
		    "to finish sending (pid %ld)", (long)out->holder);
	else
		xasprintf(&out->skip_reason, "waiting for another smtptriage "
		    "to finish sending");
	return -1;
}

int
report_deliver_checked(const struct config *cfg, struct store *store,
    const char *const *ips, size_t nips, const char *to,
    const struct report_guard *g, const char *msg, const char *message_id,
    struct report_outcome *out, char **cause)
{
	struct sendlock		  lock;
	const char *const	 *rcpts = &to;
	size_t			  nrcpts = 1;
	char			 *path;
	int			  rc;

	memset(out, 0, sizeof *out);
	if (g->nrecipients > 0) {
		rcpts = g->recipients;
		nrcpts = g->nrecipients;
	}
	if (cfg->dry_run || store == NULL)
		return report_deliver_to(cfg, store, ips, nips, to, rcpts,
		    nrcpts, msg, message_id, out, cause);

	path = sendlock_path(store_path(store));
	rc = report_lock(path, g, &lock, out, cause);
	free(path);
	if (rc != 0)
		return out->skipped == REPORT_SKIP_BUSY ? 0 : -1;

	rc = report_guard_check(cfg, store, ips, nips, rcpts, nrcpts, g->force,
	    out, cause);
	if (rc == 0 && out->skipped == REPORT_SKIP_NONE)
		rc = report_deliver_to(cfg, store, ips, nips, to, rcpts, nrcpts,
		    msg, message_id, out, cause);
	sendlock_release(&lock);
	return rc;
}
