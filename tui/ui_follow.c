/*
 * --follow in the console: a timer in the poll loop reads what the logs
 * gained (core/follow.c), and the list takes in new clients and events
 * with the cursor kept on the same client.  Messages about the inputs
 * (a vanished file, a truncated gzip file) show in the status line.
 */
#include <stdlib.h>
#include <string.h>

#include "follow.h"
#include "store.h"
#include "ui_internal.h"
#include "whitelist.h"

/* Microseconds of the refresh in steps per pass. */
#define UI_FOLLOW_STEP_US	5000

/* Show the latest message about the inputs, an error before a notice. */
static void
ui_follow_messages(struct ui *ui)
{
	struct logread_message	*m;
	size_t			 i, n, pick;

	if (ui->ctx->logread == NULL)
		return;
	if ((n = logread_take_messages(ui->ctx->logread, &m)) == 0)
		return;
	pick = n - 1;
	for (i = 0; i < n; i++) {
		if (m[i].error)
			pick = i;
	}
	/*
	 * A newer message about the inputs supersedes an error still shown,
	 * such as a removed file that is back.
	 */
	free(ui->message);
	ui->message = NULL;
	ui->message_error = 0;
	if (n > 1)
		ui_set_message(ui, m[pick].error, "%s (and %zu more message%s)",
		    m[pick].text, n - 1, n == 2 ? "" : "s");
	else
		ui_set_message(ui, m[pick].error, "%s", m[pick].text);
	logread_messages_free(m, n);
	ui->dirty = 1;
}

/* Read the mark and the last report of a client new to the list. */
void
ui_follow_load_state(struct ui *ui, struct client *c)
{
	struct store	*store = ui->ctx->store;
	char		*cause;
	int64_t		 t;
	int		 marked;

	c->state_loaded = 1;
	if (store == NULL)
		return;
	if ((marked = store_is_marked(store, c->ip, &cause)) == -1) {
		ui_set_message(ui, 1, "state of %s: %s", c->ip, cause);
		free(cause);
	} else
		c->marked = marked;
	if ((t = store_last_report(store, c->ip, &cause)) == -1) {
		ui_set_message(ui, 1, "state of %s: %s", c->ip, cause);
		free(cause);
	} else if (t > c->reported_at)
		c->reported_at = t;
}

/*
 * Take in the events added since the last agg_finish: new suspects get
 * their state, every suspect its whitelist match (an rDNS name may have
 * changed), and the rows are rebuilt around the selected client.
 */
void
ui_follow_refresh(struct ui *ui)
{
	struct client	**suspects, *sel, *c;
	size_t		  i, n;

	if (ui->ctx->agg == NULL)
		return;
	sel = ui_selected(ui);
	agg_finish(ui->ctx->agg);
	suspects = agg_suspects(ui->ctx->agg, &n);
	for (i = 0; i < n; i++) {
		c = suspects[i];
		if (!c->state_loaded && !ui_load_state_apply(ui, c))
			ui_follow_load_state(ui, c);
		if (ui->ctx->wl != NULL)
			c->whitelisted = wl_match(ui->ctx->wl, &c->addr,
			    c->rdns) != NULL;
	}
	ui->source = suspects;
	ui->nsuspects = n;
	ui_sort_apply(ui);
	ui_rows_rebuild(ui);
	/* ui_detail_load reads the lines again when the event count moved. */
	if (ui_selected(ui) != sel)
		ui_check_schedule(ui, ui_now_ms());
	ui->dirty = 1;
}

void
ui_follow_start(struct ui *ui, uint64_t now_ms)
{
	ui_follow_messages(ui);
	if (ui->ctx->follow && ui->ctx->logread != NULL && !ui->loading)
		ui->follow_due = now_ms + FOLLOW_INTERVAL_MS;
}

/*
 * Poll the logs when the timer is due, and arm it again.  New events
 * start a refresh in steps (ui_follow_step.c), and the logs are not
 * polled again until it is done.
 */
void
ui_follow_tick(struct ui *ui, uint64_t now_ms)
{
	const struct logread_stats	*st = ui->ctx->stats;
	uint64_t			 before;
	int				 more;

	if (ui->load_step != NULL && !ui->loading) {
		ui_follow_step(ui, UI_FOLLOW_STEP_US);
		return;
	}
	if (ui->follow_due == 0 || now_ms < ui->follow_due)
		return;
	before = st != NULL ? st->events : 0;
	more = follow_poll(ui->ctx->logread, FOLLOW_LINES_PER_POLL);
	if (st == NULL || st->events != before) {
		ui_follow_step_start(ui);
		ui_follow_step(ui, UI_FOLLOW_STEP_US);
	}
	ui_follow_messages(ui);
	/* A backlog is read on the next pass, after the keys waiting. */
	ui->follow_due = more ? now_ms : now_ms + FOLLOW_INTERVAL_MS;
}

/* Shorten the poll timeout to the follow timer. */
int
ui_follow_timeout(const struct ui *ui, uint64_t now_ms, int timeout)
{
	if (ui->load_step != NULL && !ui->loading)
		return 0;
	if (ui->follow_due == 0)
		return timeout;
	return ui_timeout_until(ui->follow_due, now_ms, timeout);
}
