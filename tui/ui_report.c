/*
 * The console's report flow: a plan of one or more messages (the
 * selected suspect, all marked suspects of its provider, or any list of
 * clients), each shown in the pager, where y sends it, n skips it, e
 * edits it in $EDITOR, t prompts for the recipient, and Esc cancels the
 * rest.  F on the list sends a failed report again.  Only ui_report_edit
 * touches the terminal (to hand it to the editor); the key handlers here
 * do not, so tests drive them directly.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "config.h"
#include "mail.h"
#include "plan.h"
#include "provider.h"
#include "report.h"
#include "sendlock.h"
#include "store.h"
#include "template.h"
#include "ui_internal.h"
#include "xmalloc.h"

/* Largest message read back from the editor. */
#define UI_REPORT_EDIT_MAX	(4 * 1024 * 1024)
/* Length of "YYYY-MM-DD" plus the terminator, with room to spare. */
#define UI_REPORT_DATE_MAX	32
/* Control-U: clears the recipient being typed, as in a shell. */
#define UI_KEY_CTRL_U		0x15

/* The report flow's state; ui->report points to it while it runs. */
struct ui_report {
	struct plan		*plan;
	struct plan_options	 options;
	struct template		*template;	/* from report_template */
	size_t			 current;	/* message shown */
	size_t			 sent;		/* messages handled so far */
	int			 edited;	/* report_msg came from $EDITOR */
	int			 typing;	/* To prompt open */
	char			 input[PROVIDER_ADDRESS_SIZE];
	size_t			 input_len;
	/* Why Enter rejected the typed recipient; "" after another key. */
	char			 input_error[256];

	/*
	 * Clients whose DNS check runs: one started when r was pressed
	 * because no fresh result was there, or one running already.  The
	 * plan waits for those checks, because their answers decide the
	 * recipient and the DNS text, so plan is NULL until then.  With
	 * provider_of set (P), the provider batch of that client is worked
	 * out again once the checks end, because they can change it.
	 */
	struct client		**waiting;
	size_t			  nwaiting;
	int			  force;
	struct client		 *provider_of;

	/*
	 * Wait state after y found the send lock busy.  The poll loop tries
	 * again every SENDLOCK_POLL_MS until lock_deadline_ms, and the
	 * status line prints the pid of the lock holder when it is known.
	 * The console does not keep the lock between two passes of the
	 * loop, so keys, DNS replies and the editor are handled meanwhile.
	 */
	int			  lock_wait;
	pid_t			  lock_holder;
	uint64_t		  lock_next_ms;
	uint64_t		  lock_deadline_ms;
};

/* The report history of one IP, cached for the detail pane. */
struct ui_report_history {
	const struct store *store;
	char		 ip[INET6_ADDRSTRLEN];
	uint64_t	 generation;
	int64_t		 ok_time;
	char		 ok_to[PROVIDER_ADDRESS_SIZE];
	int64_t		 fail_time;
	char		 fail_to[PROVIDER_ADDRESS_SIZE];
	char		 fail_id[PROVIDER_ADDRESS_SIZE];
	int		 fail_status;
};

/* Bumped after every send, so the cached history is read again. */
static uint64_t				ui_report_generation = 1;
static struct ui_report_history		ui_report_hist;

static int	ui_report_show(struct ui *);
static void	ui_report_lines(struct ui *);
static int	ui_report_next(struct ui *);
static int	ui_report_send(struct ui *);
static int	ui_report_begin(struct ui *, struct client **, size_t, int,
		    int);
static int	ui_report_provider_of(struct ui *, struct client *, int);

/* Free the previewed report and go back to the list. */
void
ui_report_close(struct ui *ui)
{
	size_t	i;

	for (i = 0; i < ui->nreport_lines; i++)
		free(ui->report_lines[i]);
	free(ui->report_lines);
	free(ui->report_msg);
	free(ui->report_id);
	ui->report_lines = NULL;
	ui->nreport_lines = 0;
	ui->report_msg = NULL;
	ui->report_id = NULL;
	ui->report_client = NULL;
	if (ui->report != NULL) {
		free(ui->report->waiting);
		plan_free(ui->report->plan);
		template_free(ui->report->template);
		free(ui->report);
		ui->report = NULL;
	}
	if (ui->screen == UI_SCREEN_PREVIEW)
		ui->screen = UI_SCREEN_LIST;
}

/* Split a copy of report_msg into lines for the pager. */
static void
ui_report_lines(struct ui *ui)
{
	char	*p, *start, *nl;
	size_t	 i;

	for (i = 0; i < ui->nreport_lines; i++)
		free(ui->report_lines[i]);
	free(ui->report_lines);
	ui->report_lines = NULL;
	ui->nreport_lines = 0;
	p = start = xstrdup(ui->report_msg);
	for (;;) {
		ui->report_lines = xreallocarray(ui->report_lines,
		    ui->nreport_lines + 1, sizeof *ui->report_lines);
		if ((nl = strchr(p, '\n')) != NULL)
			*nl = '\0';
		ui->report_lines[ui->nreport_lines++] = xstrdup(p);
		if (nl == NULL || nl[1] == '\0')
			break;
		p = nl + 1;
	}
	free(start);
	if (ui->report_top >= ui->nreport_lines)
		ui->report_top = 0;
}

/*
 * Start a DNS check of each of clients[0..n-1] that has no fresh result
 * and no check running, at once and without the debounce.  Returns the
 * first client whose check runs, or NULL when every result is there.
 */
static struct client *
ui_report_check_all(struct ui *ui, struct client **clients, size_t n)
{
	struct client	*running = NULL;
	uint64_t	 now = ui_now_ms();
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (ui_check_ensure(ui, clients[i], now) && running == NULL)
			running = clients[i];
	}
	return running;
}

/*
 * Show the pager with "waiting for the DNS check" until the checks of
 * clients[0..n-1] (copied) end; ui_report_tick goes on from there.
 */
static void
ui_report_wait(struct ui *ui, struct ui_report *r, struct client **clients,
    size_t n, struct client *running)
{
	r->waiting = xcalloc(n, sizeof *r->waiting);
	memcpy(r->waiting, clients, n * sizeof *clients);
	r->nwaiting = n;
	ui->report = r;
	ui->report_client = running;
	ui->report_top = 0;
	ui->screen = UI_SCREEN_PREVIEW;
	ui->dirty = 1;
}

/*
 * Start the report flow for clients[0..n-1]: build the plan and show its
 * first message.  force ignores the dedupe window (the admin asked for a
 * report about a client reported before).  A client without a fresh DNS
 * result gets its check now, and the plan waits for it.
 */
int
ui_report_start(struct ui *ui, struct client **clients, size_t n, int force)
{
	if (!ui_confirm_gate(ui, UI_DO_REPORT, clients, n, "", NULL))
		return UI_ACT_NONE;
	return ui_report_begin(ui, clients, n, force, 1);
}

/*
 * ui_report_start, with check 0 once the checks it waited for ended.
 * Those results are not checked again, even when a long batch made the
 * first ones older than UI_FRESH_MS, so the flow cannot wait forever.
 */
static int
ui_report_begin(struct ui *ui, struct client **clients, size_t n, int force,
    int check)
{
	const struct dns_result	**dns;
	struct ui_report	 *r;
	struct ui_check		 *e;
	struct client		 *running;
	struct config		 *cfg = ui->ctx->cfg;
	char			 *cause = NULL;
	size_t			  i;

	ui_report_close(ui);
	r = xcalloc(1, sizeof *r);
	if (cfg->report_template != NULL &&
	    (r->template = template_load(cfg->report_template, &cause)) ==
	    NULL) {
		ui_set_message(ui, 1, "%s", cause);
		free(cause);
		free(r);
		return UI_ACT_NONE;
	}
	if (check && (running = ui_report_check_all(ui, clients, n)) != NULL) {
		/* ui_report_tick builds the plan once the checks end. */
		r->force = force;
		ui_report_wait(ui, r, clients, n, running);
		return UI_ACT_NONE;
	}
	dns = xcalloc(n + 1, sizeof *dns);
	for (i = 0; i < n; i++) {
		e = ui_check_find(ui, clients[i]->ip);
		dns[i] = e != NULL && e->done ? dns_check_result(e->check) :
		    NULL;
	}
	r->options.cfg = cfg;
	r->options.store = ui->ctx->store;
	r->options.force = force;
	r->options.now = time(NULL);
	r->plan = plan_build(clients, dns, n, &r->options, &cause);
	free(dns);
	if (r->plan == NULL) {
		ui_set_message(ui, 1, "cannot plan the report: %s", cause);
		free(cause);
		template_free(r->template);
		free(r);
		return UI_ACT_NONE;
	}
	ui->report = r;
	return ui_report_show(ui);
}

/*
 * Compose the report that waits for DNS checks once none of them runs any
 * more.  The poll loop calls this after the engine delivered its answers.
 */
void
ui_report_tick(struct ui *ui)
{
	struct ui_report	 *r = ui->report;
	struct ui_check		 *e;
	struct client		**clients, *provider_of;
	size_t			  i, n;
	int			  force;

	if (r != NULL && r->lock_wait && ui_now_ms() >= r->lock_next_ms) {
		ui_report_send(ui);
		return;
	}
	if (r == NULL || r->waiting == NULL)
		return;
	for (i = 0; i < r->nwaiting; i++) {
		e = ui_check_find(ui, r->waiting[i]->ip);
		if (e != NULL && !e->done) {
			ui->report_client = r->waiting[i];
			return;
		}
	}
	clients = r->waiting;
	n = r->nwaiting;
	force = r->force;
	provider_of = r->provider_of;
	r->waiting = NULL;
	if (provider_of != NULL) {
		ui_report_close(ui);
		ui_report_provider_of(ui, provider_of, 0);
	} else
		ui_report_begin(ui, clients, n, force, 0);
	free(clients);
	ui->dirty = 1;
}

/* The summary of the suspects the plan left out, or "". */
static void
ui_report_skipped(const struct plan *p, char *buf, size_t size)
{
	size_t	 i, n = 0, len = 0;
	int	 w;

	buf[0] = '\0';
	for (i = PLAN_SKIP_WHITELISTED; i < PLAN_SKIP_COUNT; i++) {
		if (p->skipped[i] == 0)
			continue;
		w = snprintf(buf + len, size - len, "%s%zu %s", n == 0 ?
		    "left out: " : ", ", p->skipped[i],
		    plan_skip_name((enum plan_skip)i));
		if (w < 0 || (size_t)w >= size - len)
			break;
		len += (size_t)w;
		n++;
	}
}

/*
 * Plan the messages not handled yet (the one shown and those after it)
 * again once the DNS checks of their suspects end, as ui_report_start
 * does for the first one.  With fresh set (R in the pager), the check of
 * the suspects in the message shown queries the servers first.  Returns
 * 1 when the pager now waits, 0 when no check of them runs.
 */
static int
ui_report_replan(struct ui *ui, int fresh)
{
	struct ui_report	 *r = ui->report, *next;
	struct plan		 *p = r->plan;
	struct plan_message	 *m;
	struct client		**list, *running = NULL;
	struct ui_check		 *e;
	size_t			  i, k, n = 0;
	int			  force = r->options.force;

	list = xcalloc(p->nsuspects + 1, sizeof *list);
	for (i = r->current; i < p->nmessages; i++) {
		m = &p->messages[i];
		for (k = 0; k < m->nsuspects; k++) {
			list[n] = p->suspects[m->suspects[k]].client;
			if (fresh && i == r->current)
				ui_check_begin(ui, list[n], DNS_CHECK_FRESH);
			e = ui_check_find(ui, list[n]->ip);
			if (running == NULL && e != NULL && !e->done &&
			    i == r->current)
				running = list[n];
			n++;
		}
	}
	if (running == NULL) {
		free(list);
		return 0;
	}
	ui_report_close(ui);
	next = xcalloc(1, sizeof *next);
	next->force = force;
	ui_report_wait(ui, next, list, n, running);
	free(list);
	return 1;
}

/*
 * Show the plan's current message, or the next one that has suspects;
 * close the flow when none is left.
 */
static int
ui_report_show(struct ui *ui)
{
	struct ui_report	*r = ui->report;
	struct plan		*p = r->plan;
	struct plan_compose	 pc;
	struct ui_check		*e;
	char			*cause = NULL, skipped[160];
	size_t			 unread, i;

	while (r->current < p->nmessages &&
	    p->messages[r->current].nsuspects == 0)
		r->current++;
	if (r->current >= p->nmessages) {
		ui_report_skipped(p, skipped, sizeof skipped);
		if (r->sent == 0)
			ui_set_message(ui, skipped[0] != '\0', "nothing to "
			    "report%s%s", skipped[0] != '\0' ? "; " : "",
			    skipped);
		ui_report_close(ui);
		return UI_ACT_NONE;
	}

	/*
	 * A check of a suspect of this message restarted since the plan was
	 * built (R) may change its recipient and DNS text, so wait for it.
	 */
	if (ui_report_replan(ui, 0))
		return UI_ACT_NONE;

	/* A DNS check may have been replaced since the plan was built. */
	for (i = 0; i < p->nsuspects; i++) {
		e = ui_check_find(ui, p->suspects[i].client->ip);
		p->suspects[i].dns = e != NULL && e->done ?
		    dns_check_result(e->check) : NULL;
	}

	memset(&pc, 0, sizeof pc);
	pc.agg = ui->ctx->agg;
	pc.template = r->template;
	pc.hostname = ui->ctx->hostname;
	pc.now = time(NULL);
	free(ui->report_msg);
	free(ui->report_id);
	ui->report_msg = ui->report_id = NULL;
	if (plan_compose_message(p, r->current, ui->ctx->cfg, &pc,
	    &ui->report_msg, &ui->report_id, &unread, &cause) == -1) {
		ui_set_message(ui, 1, "cannot compose the report: %s", cause);
		free(cause);
		ui_report_close(ui);
		return UI_ACT_NONE;
	}
	r->edited = 0;
	ui->report_client = p->suspects[p->messages[r->current].suspects[0]]
	    .client;
	ui->report_top = 0;
	ui_report_lines(ui);
	ui->screen = UI_SCREEN_PREVIEW;
	if (unread > 0)
		ui_set_message(ui, 1, "%zu evidence line%s could not be read "
		    "and %s left out", unread, unread == 1 ? "" : "s",
		    unread == 1 ? "is" : "are");
	return UI_ACT_NONE;
}

/* Move on to the next message, or close the flow after the last. */
static int
ui_report_next(struct ui *ui)
{
	ui->report->current++;
	ui->report->typing = 0;
	return ui_report_show(ui);
}

/* Read the time of the last report about c into c->reported_at. */
static void
ui_report_refresh_client(struct ui *ui, struct client *c)
{
	char	*cause;
	int64_t	 last;

	last = store_last_report(ui->ctx->store, c->ip, &cause);
	if (last == -1) {
		ui_set_message(ui, 1, "report about %s done, but reading the "
		    "report history failed: %s", c->ip, cause);
		free(cause);
	} else if (last > 0)
		c->reported_at = last;
}

/* The To address of an edited message, or "" when it has none. */
static int
ui_report_edited_to(const char *msg, char *to, size_t size, char **cause)
{
	struct esc_buf	 value = { NULL, 0, 0 };
	const char	*line, *nl, *end;
	char		*display, *address;
	int		 found = 0;

	end = strstr(msg, "\n\n");
	to[0] = '\0';
	for (line = msg; line < end; line = nl + 1) {
		nl = strchr(line, '\n');
		if (found && (*line == ' ' || *line == '\t'))
			esc_buf_add(&value, line, (size_t)(nl - line));
		else if (found)
			break;
		else if (strncasecmp(line, "To:", 3) == 0) {
			found = 1;
			esc_buf_add(&value, line + 3, (size_t)(nl - line - 3));
		}
	}
	if (!found)
		return 0;
	esc_buf_add(&value, "", 0);
	if (mail_mailbox_parse(value.data, &display, &address, cause) == -1) {
		esc_buf_free(&value);
		return -1;
	}
	snprintf(to, size, "%s", address);
	free(display);
	free(address);
	esc_buf_free(&value);
	return 0;
}

/* Free a list from report_recipients. */
static void
ui_report_free_rcpts(char **rcpts, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(rcpts[i]);
	free(rcpts);
}

/*
 * Send the message shown after y in the pager.  The window and the cap
 * of every recipient (after an edit, those in To, Cc and Bcc) are checked
 * again under the send lock.  The lock is tried once, and when another process
 * holds it, ui_report_tick tries again.
 */
static int
ui_report_send(struct ui *ui)
{
	struct ui_context	*ctx = ui->ctx;
	struct ui_report	*r = ui->report;
	struct plan_message	*m = &r->plan->messages[r->current];
	struct report_guard	 g;
	struct report_outcome	 out;
	char			*cause, to[PROVIDER_ADDRESS_SIZE];
	char			**rcpts = NULL;
	size_t			 i, nrcpts = 0;
	uint64_t		 now = ui_now_ms();
	int			 rc;

	memset(&g, 0, sizeof g);
	g.force = r->options.force;
	if (r->edited) {
		if (ui_report_edited_to(ui->report_msg, to, sizeof to,
		    &cause) == -1) {
			ui_set_message(ui, 1, "the edited To header is "
			    "invalid: %s", cause);
			free(cause);
			r->lock_wait = 0;
			return UI_ACT_NONE;
		}
		if (report_recipients(ui->report_msg, &rcpts, &nrcpts,
		    &cause) == -1) {
			ui_set_message(ui, 1, "invalid recipients in the edited "
			    "message: %s", cause);
			free(cause);
			r->lock_wait = 0;
			return UI_ACT_NONE;
		}
		if (to[0] != '\0' && strcasecmp(to, m->to) != 0) {
			snprintf(m->to, sizeof m->to, "%s", to);
			m->source = RCPT_ADMIN;
		}
		g.recipients = (const char *const *)rcpts;
		g.nrecipients = nrcpts;
	}

	memset(&out, 0, sizeof out);
	rc = plan_deliver_checked(r->plan, r->current, ctx->cfg, ctx->store,
	    &g, ui->report_msg, ui->report_id, &out, &cause);
	ui_report_free_rcpts(rcpts, nrcpts);
	if (rc == 0 && out.skipped == REPORT_SKIP_BUSY) {
		if (!r->lock_wait)
			r->lock_deadline_ms = now + REPORT_LOCK_WAIT_MS;
		r->lock_wait = 1;
		r->lock_holder = out.holder;
		r->lock_next_ms = now + SENDLOCK_POLL_MS;
		report_outcome_free(&out);
		if (now < r->lock_deadline_ms)
			return UI_ACT_NONE;
		r->lock_wait = 0;
		if (r->lock_holder != 0)
			ui_set_message(ui, 1, "timed out after %d s waiting "
			    "for another smtptriage (pid %ld) to finish "
			    "sending; y tries again", REPORT_LOCK_WAIT_MS /
			    1000, (long)r->lock_holder);
		else
			ui_set_message(ui, 1, "timed out after %d s waiting "
			    "for another smtptriage to finish sending; y "
			    "tries again", REPORT_LOCK_WAIT_MS / 1000);
		return UI_ACT_NONE;
	}
	r->lock_wait = 0;
	ui->dirty = 1;
	if (rc == -1) {
		ui_set_message(ui, 1, "report about %s failed: %s",
		    ui->report_client->ip, cause);
		free(cause);
		report_outcome_free(&out);
		return ui_report_next(ui);
	}
	if (out.skipped != REPORT_SKIP_NONE) {
		ui_set_message(ui, 1, "not sent: %s", out.skip_reason);
		report_outcome_free(&out);
		ui_report_generation++;
		r->sent++;
		for (i = 0; i < m->nsuspects; i++)
			ui_report_refresh_client(ui,
			    r->plan->suspects[m->suspects[i]].client);
		return ui_report_next(ui);
	}
	ui_report_generation++;
	r->sent++;
	if (out.dry_run)
		ui_set_message(ui, 0, "dry run: written to %s", out.path);
	else if (out.sent)
		ui_set_message(ui, 0, "sent to %s", m->to);
	else if (out.detail != NULL)
		ui_set_message(ui, 1, "sending to %s failed (%s); the report "
		    "is in %s", m->to, out.detail, out.path != NULL ?
		    out.path : "the outbox");
	else
		ui_set_message(ui, 0, "written to %s",
		    out.path != NULL ? out.path : "the outbox");
	report_outcome_free(&out);

	/* The store decides what counts as reported (exit status 0). */
	for (i = 0; i < m->nsuspects; i++)
		ui_report_refresh_client(ui,
		    r->plan->suspects[m->suspects[i]].client);
	return ui_report_next(ui);
}

/*
 * Milliseconds the poll loop may sleep before ui_report_tick must try the
 * send lock again.
 */
int
ui_report_timeout(struct ui *ui, uint64_t now_ms, int timeout)
{
	struct ui_report	*r = ui->report;
	uint64_t		 due;

	if (r == NULL || !r->lock_wait)
		return timeout;
	due = r->lock_next_ms > now_ms ? r->lock_next_ms - now_ms : 0;
	return due < (uint64_t)timeout ? (int)due : timeout;
}

/* Handle a key while the status line prompts for the recipient. */
static int
ui_report_key_input(struct ui *ui, int key)
{
	struct ui_report	*r = ui->report;
	char			*cause;

	r->input_error[0] = '\0';
	switch (key) {
	case '\r':
	case '\n':
	case KEY_ENTER:
		r->input[r->input_len] = '\0';
		if (plan_set_recipient(r->plan, r->current, r->input,
		    &r->options, &cause) == -1) {
			/* The prompt hides messages, so it shows the error. */
			snprintf(r->input_error, sizeof r->input_error, "%s",
			    cause);
			free(cause);
			return UI_ACT_NONE;
		}
		r->typing = 0;
		if (r->plan->messages[r->current].nsuspects == 0) {
			ui_set_message(ui, 1, "every client in this report was "
			    "reported to %s within %d days; skipped", r->input,
			    ui->ctx->cfg->report_window_days);
			return ui_report_next(ui);
		}
		return ui_report_show(ui);
	case UI_KEY_ESC:
		r->typing = 0;
		return UI_ACT_NONE;
	case KEY_BACKSPACE:
	case 0x7f:
	case 0x08:
		if (r->input_len > 0)
			r->input_len--;
		return UI_ACT_NONE;
	case UI_KEY_CTRL_U:
		r->input_len = 0;
		return UI_ACT_NONE;
	}
	/* An address is printable ASCII; anything else is ignored. */
	if (key > ' ' && key < 0x7f && r->input_len < PROVIDER_ADDRESS_MAX)
		r->input[r->input_len++] = (char)key;
	return UI_ACT_NONE;
}

/* Start asking for the recipient, filled with the suggestion or To. */
static void
ui_report_ask_to(struct ui *ui)
{
	struct ui_report	*r = ui->report;
	struct plan_message	*m = &r->plan->messages[r->current];

	r->typing = 1;
	snprintf(r->input, sizeof r->input, "%s", m->to[0] != '\0' ? m->to :
	    m->suggestion);
	r->input_len = strlen(r->input);
}

int
ui_report_preview_key(struct ui *ui, int key)
{
	const char	*to;
	size_t		 n = ui->nreport_lines, page = ui->text_page, last;

	if (ui->report != NULL && ui->report->typing)
		return ui_report_key_input(ui, key);
	if (ui->report != NULL && ui->report->lock_wait && (key == 'n' ||
	    key == 'N' || key == 'q' || key == UI_KEY_ESC)) {
		ui->report->lock_wait = 0;
		ui_set_message(ui, 0, "stopped waiting; the report was not sent, "
		    "y tries again");
		return UI_ACT_NONE;
	}
	if (ui->report != NULL && ui->report->waiting != NULL) {
		if (key == 'n' || key == 'N' || key == 'q' ||
		    key == UI_KEY_ESC) {
			ui_report_close(ui);
			ui_set_message(ui, 0, "report cancelled");
		}
		return UI_ACT_NONE;
	}

	/* The last top line that still fills the screen. */
	last = n > page ? n - page : 0;
	switch (key) {
	case 'y':
	case 'Y':
		if (ui->report == NULL)
			return UI_ACT_NONE;
		return ui_report_send(ui);
	case 'n':
	case 'N':
		if (ui->report != NULL && ui->report->current + 1 <
		    ui->report->plan->nmessages) {
			to = ui->report->plan->messages[ui->report->current].to;
			if (to[0] == '\0')
				ui_set_message(ui, 0, "skipped the report "
				    "without a recipient");
			else
				ui_set_message(ui, 0, "skipped the report to "
				    "%s", to);
			return ui_report_next(ui);
		}
		ui_report_close(ui);
		ui_set_message(ui, 0, "report cancelled");
		return UI_ACT_NONE;
	case 'q':
	case UI_KEY_ESC:
		ui_report_close(ui);
		ui_set_message(ui, 0, "report cancelled");
		return UI_ACT_NONE;
	case 'e':
		return UI_ACT_EDIT;
	case 'R':
		if (ui->report == NULL)
			return UI_ACT_NONE;
		if (ui->ctx->dns == NULL) {
			ui_set_message(ui, 1, "no DNS resolver is set up");
			return UI_ACT_NONE;
		}
		ui_report_replan(ui, 1);
		return UI_ACT_NONE;
	case 't':
		if (ui->report != NULL)
			ui_report_ask_to(ui);
		return UI_ACT_NONE;
	case KEY_DOWN:
	case 'j':
		if (ui->report_top < last)
			ui->report_top++;
		break;
	case KEY_UP:
	case 'k':
		if (ui->report_top > 0)
			ui->report_top--;
		break;
	case KEY_NPAGE:
	case ' ':
		ui->report_top += page;
		if (ui->report_top > last)
			ui->report_top = last;
		break;
	case KEY_PPAGE:
		ui->report_top = ui->report_top > page ?
		    ui->report_top - page : 0;
		break;
	case KEY_HOME:
	case KEY_A1:
		ui->report_top = 0;
		break;
	case KEY_END:
	case KEY_C1:
		ui->report_top = last;
		break;
	}
	return UI_ACT_NONE;
}

/* The plan of the report flow that runs, or NULL; for tests. */
const struct plan *
ui_report_plan(const struct ui *ui)
{
	return ui->report != NULL ? ui->report->plan : NULL;
}

/* P on the list: report every marked suspect of the selected one's provider. */
int
ui_report_provider(struct ui *ui)
{
	struct client	*c;

	if ((c = ui_selected(ui)) == NULL)
		return UI_ACT_NONE;
	return ui_report_provider_of(ui, c, 1);
}

/*
 * Report every marked suspect of c's provider.  DNS results decide the
 * providers, so with check set, c and the marked suspects without a fresh
 * result get their checks first, and the batch is worked out when those
 * end (check 0).
 */
static int
ui_report_provider_of(struct ui *ui, struct client *c, int check)
{
	struct provider_info	  pv, other;
	struct client		**list, *running;
	struct ui_report	 *r;
	struct ui_check		 *e;
	size_t			  i, n = 0;

	list = xcalloc(ui->nsuspects + 1, sizeof *list);
	list[n++] = c;
	for (i = 0; i < ui->nsuspects; i++) {
		if (ui->suspects[i]->marked && !ui->suspects[i]->whitelisted &&
		    ui->suspects[i] != c)
			list[n++] = ui->suspects[i];
	}
	if (check && (running = ui_report_check_all(ui, list, n)) != NULL) {
		ui_report_close(ui);
		r = xcalloc(1, sizeof *r);
		r->provider_of = c;
		ui_report_wait(ui, r, list, n, running);
		free(list);
		return UI_ACT_NONE;
	}
	free(list);

	n = 0;
	e = ui_check_find(ui, c->ip);
	provider_identify_client(ui->ctx->cfg->providers, c, e != NULL &&
	    e->done ? dns_check_result(e->check) : NULL, &pv);
	if (pv.name[0] == '\0') {
		ui_set_message(ui, 1, "the provider of %s is not known", c->ip);
		return UI_ACT_NONE;
	}
	list = xcalloc(ui->nsuspects + 1, sizeof *list);
	for (i = 0; i < ui->nsuspects; i++) {
		if (!ui->suspects[i]->marked || ui->suspects[i]->whitelisted)
			continue;
		e = ui_check_find(ui, ui->suspects[i]->ip);
		provider_identify_client(ui->ctx->cfg->providers,
		    ui->suspects[i], e != NULL && e->done ?
		    dns_check_result(e->check) : NULL, &other);
		if (strcasecmp(other.name, pv.name) == 0)
			list[n++] = ui->suspects[i];
	}
	if (n == 0) {
		ui_set_message(ui, 1, "no marked suspect of %s; m marks one",
		    pv.name);
		free(list);
		return UI_ACT_NONE;
	}
	ui_report_begin(ui, list, n, 0, 0);
	free(list);
	return UI_ACT_NONE;
}

/* Collect the Message-IDs of failed reports about one IP. */
struct ui_report_failed {
	const char	*ip;
	char		**ids;
	size_t		  nids;
};

static void
ui_report_failed_row(const struct store_report *row, void *arg)
{
	struct ui_report_failed	*f = arg;
	size_t			 i;

	if (strcmp(row->ip, f->ip) != 0)
		return;
	for (i = 0; i < f->nids; i++) {
		if (strcmp(f->ids[i], row->message_id) == 0)
			return;
	}
	f->ids = xreallocarray(f->ids, f->nids + 1, sizeof *f->ids);
	f->ids[f->nids++] = xstrdup(row->message_id);
}

/* F on the list: send the failed reports about the selected suspect again. */
int
ui_report_retry(struct ui *ui)
{
	struct ui_report_failed	 f;
	struct report_guard	 g;
	struct report_outcome	 out;
	struct client		*c;
	char			*cause = NULL;
	size_t			 i, sent = 0, failed = 0, busy = 0, dropped = 0;

	if ((c = ui_selected(ui)) == NULL)
		return UI_ACT_NONE;
	/* Try the send lock once, because the keyboard must not wait for it. */
	memset(&g, 0, sizeof g);
	memset(&f, 0, sizeof f);
	f.ip = c->ip;
	if (store_each_failed(ui->ctx->store, ui_report_failed_row, &f,
	    &cause) == -1) {
		ui_set_message(ui, 1, "cannot read the report history: %s",
		    cause);
		free(cause);
		return UI_ACT_NONE;
	}
	if (f.nids == 0) {
		ui_set_message(ui, 0, "no failed report about %s to send "
		    "again", c->ip);
		return UI_ACT_NONE;
	}
	if (!ui_confirm_gate(ui, UI_DO_RETRY, NULL, 0, c->ip, NULL)) {
		for (i = 0; i < f.nids; i++)
			free(f.ids[i]);
		free(f.ids);
		return UI_ACT_NONE;
	}
	for (i = 0; i < f.nids; i++) {
		if (report_retry_checked(ui->ctx->cfg, ui->ctx->store,
		    f.ids[i], &g, &out, &cause) == -1) {
			ui_set_message(ui, 1, "cannot send the report about %s "
			    "again: %s", c->ip, cause);
			free(cause);
			failed++;
		} else if (out.skipped == REPORT_SKIP_BUSY) {
			ui_set_message(ui, 1, "not sent again: %s; F tries "
			    "again", out.skip_reason);
			busy++;
		} else if (out.skipped == REPORT_SKIP_SENT)
			sent++;
		else if (out.skipped == REPORT_SKIP_SUPERSEDED) {
			ui_set_message(ui, 0, "not sent again, and dropped: %s",
			    out.skip_reason);
			dropped++;
		} else if (out.sent)
			sent++;
		else {
			ui_set_message(ui, 1, "sending again failed (%s); the "
			    "report is still in %s", out.detail != NULL ?
			    out.detail : "no reason given", out.path);
			failed++;
		}
		report_outcome_free(&out);
		free(f.ids[i]);
	}
	free(f.ids);
	ui_report_generation++;
	if (failed == 0 && busy == 0 && dropped == 0)
		ui_set_message(ui, 0, "sent %zu failed report%s about %s again",
		    sent, sent == 1 ? "" : "s", c->ip);
	ui_report_refresh_client(ui, c);
	return UI_ACT_NONE;
}

/*
 * Run the editor on a copy of the report in a private temporary file and
 * take the result.  editor is the command line ($EDITOR), split at blanks;
 * NULL or empty means vi.  Returns 0, or -1 with *cause; the report is
 * unchanged on an error.  The caller hands the terminal over first.
 */
int
ui_report_edit_run(struct ui *ui, const char *editor, char **cause)
{
	struct sigaction	  ign, old_int, old_quit;
	const char		 *tmpdir;
	char			**argv = NULL, *path, *data = NULL;
	size_t			  len, n;
	pid_t			  pid;
	int			  fd, status, rc = -1;

	if (ui->report_msg == NULL) {
		xasprintf(cause, "no report is open");
		return -1;
	}
	tmpdir = getenv("TMPDIR");
	if (tmpdir == NULL || tmpdir[0] != '/')
		tmpdir = "/tmp";
	xasprintf(&path, "%s/smtptriage-report-XXXXXX.eml", tmpdir);
	if ((fd = mkostemps(path, 4, O_CLOEXEC)) == -1) {
		xasprintf(cause, "cannot create a file in %s: %s", tmpdir,
		    strerror(errno));
		free(path);
		return -1;
	}
	len = strlen(ui->report_msg);
	if (write(fd, ui->report_msg, len) != (ssize_t)len || close(fd) == -1) {
		xasprintf(cause, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}

	if ((argv = config_split_argv(editor != NULL && editor[strspn(editor,
	    " \t")] != '\0' ? editor : "vi", cause)) == NULL)
		goto out;
	for (n = 0; argv[n] != NULL; n++)
		;
	argv = xreallocarray(argv, n + 2, sizeof *argv);
	argv[n] = xstrdup(path);
	argv[n + 1] = NULL;

	/* Like system(3): Ctrl-C and Ctrl-\ are for the editor. */
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	if ((pid = fork()) == -1) {
		xasprintf(cause, "cannot start the editor: %s",
		    strerror(errno));
		goto restore;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			xasprintf(cause, "cannot wait for the editor: %s",
			    strerror(errno));
			goto restore;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			xasprintf(cause, "could not run the editor %s; set "
			    "EDITOR", argv[0]);
		else
			xasprintf(cause, "the editor %s failed (%s %d); the "
			    "report is unchanged", argv[0], WIFEXITED(status) ?
			    "exit status" : "signal", WIFEXITED(status) ?
			    WEXITSTATUS(status) : WTERMSIG(status));
		goto restore;
	}
	if (config_read_file(path, UI_REPORT_EDIT_MAX, 0, &data, &len,
	    cause) == -1)
		goto restore;
	if (data == NULL || memchr(data, '\0', len) != NULL ||
	    strstr(data, "\n\n") == NULL || strncmp(data, "\n", 1) == 0) {
		xasprintf(cause, "the edited report %s; it is unchanged",
		    data == NULL ? "is gone" : memchr(data, '\0', len) != NULL ?
		    "holds a NUL byte" : "has no header followed by an empty "
		    "line");
		goto restore;
	}
	if (len > 0 && data[len - 1] != '\n') {
		data = xreallocarray(data, len + 2, 1);
		memcpy(data + len, "\n", 2);
	}
	free(ui->report_msg);
	ui->report_msg = data;
	data = NULL;
	if (ui->report != NULL)
		ui->report->edited = 1;
	ui_report_lines(ui);
	rc = 0;

restore:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
out:
	unlink(path);
	free(path);
	free(data);
	config_free_argv(argv);
	return rc;
}

/* e in the pager: hand the terminal to $EDITOR, then take it back. */
void
ui_report_edit(struct ui *ui)
{
	char	*cause = NULL;

	def_prog_mode();
	endwin();
	if (ui_report_edit_run(ui, getenv("EDITOR"), &cause) == -1) {
		ui_set_message(ui, 1, "%s", cause);
		free(cause);
	} else
		ui_set_message(ui, 0, "report edited; y sends it as it is now");
	reset_prog_mode();
	ui->clear = 1;
	ui->dirty = 1;
}

/* The pager's title line. */
char *
ui_report_title(const struct ui *ui)
{
	const struct ui_report	*r = ui->report;
	const struct plan	*p;
	const char		*n_does;
	char			*title;
	size_t			 n;

	if (r == NULL) {
		xasprintf(&title, " Report: y sends, n cancels, j/k scroll ");
		return title;
	}
	if (r->waiting != NULL) {
		xasprintf(&title, " Report: waiting for the DNS check; Esc "
		    "cancels ");
		return title;
	}
	p = r->plan;
	n = p->messages[r->current].nsuspects;
	n_does = r->current + 1 < p->nmessages ? "skips" : "cancels";
	if (p->nmessages > 1)
		xasprintf(&title, " Report %zu of %zu, about %zu client%s: y "
		    "sends, n %s, e edits, t sets To, j/k scroll ",
		    r->current + 1, p->nmessages, n, n == 1 ? "" : "s",
		    n_does);
	else if (n == 1)
		xasprintf(&title, " Report about %s: y sends, n %s, e edits, t "
		    "sets To, j/k scroll ", ui->report_client->ip, n_does);
	else
		xasprintf(&title, " Report about %zu clients: y sends, n %s, e "
		    "edits, t sets To, j/k scroll ", n, n_does);
	return title;
}

/* The pager's status line when no message is shown: what y will do. */
char *
ui_report_status(const struct ui *ui)
{
	const struct ui_report		*r = ui->report;
	const struct config		*cfg = ui->ctx->cfg;
	const struct plan_message	*m;
	char				*text;

	if (r == NULL) {
		xasprintf(&text, "y writes it to the outbox %s",
		    cfg->outbox != NULL ? cfg->outbox : "(none set)");
		return text;
	}
	if (r->waiting != NULL) {
		xasprintf(&text, "checking DNS of %s\u2026 the report is "
		    "composed when the check ends; Esc cancels",
		    ui->report_client != NULL ? ui->report_client->ip : "?");
		return text;
	}
	m = &r->plan->messages[r->current];
	if (r->lock_wait && r->lock_holder != 0)
		xasprintf(&text, "waiting for another smtptriage to finish "
		    "sending (pid %ld); Esc stops waiting",
		    (long)r->lock_holder);
	else if (r->lock_wait)
		xasprintf(&text, "waiting for another smtptriage to finish "
		    "sending; Esc stops waiting");
	else if (r->typing && r->input_error[0] != '\0')
		xasprintf(&text, "To (Enter sets, Esc cancels): %.*s_  %s",
		    (int)r->input_len, r->input, r->input_error);
	else if (r->typing)
		xasprintf(&text, "To (Enter sets, Esc cancels): %.*s_",
		    (int)r->input_len, r->input);
	else if (cfg->dry_run)
		xasprintf(&text, "dry run: y writes it to the outbox %s",
		    cfg->outbox);
	else if (m->to[0] == '\0' && m->suggestion[0] != '\0')
		xasprintf(&text, "no verified recipient: t to address it "
		    "(suggested %s, from an unverified name), or y writes it "
		    "to the outbox", m->suggestion);
	else if (m->to[0] == '\0')
		xasprintf(&text, "no recipient known: t to address it, or y "
		    "writes it to the outbox %s", cfg->outbox);
	else if (cfg->sendmail != NULL)
		xasprintf(&text, "y pipes it to %s for %s (%s)", cfg->sendmail,
		    m->to, provider_rcpt_source_name(m->source));
	else
		xasprintf(&text, "y writes it to the outbox %s, addressed to "
		    "%s", cfg->outbox, m->to);
	return text;
}

/* Remember the latest sent report and the latest failure of an IP. */
static void
ui_report_history_row(const struct store_report *row, void *arg)
{
	struct ui_report_history	*h = arg;

	if (row->exit_status == 0) {
		h->ok_time = row->time;
		snprintf(h->ok_to, sizeof h->ok_to, "%s",
		    row->recipient != NULL ? row->recipient : "the outbox");
		/* A later success of the same message ends the failure. */
		if (strcmp(h->fail_id, row->message_id) == 0)
			h->fail_time = 0;
	} else if (row->path != NULL) {
		/* A dropped report has no path and nothing left to send. */
		h->fail_time = row->time;
		h->fail_status = row->exit_status;
		snprintf(h->fail_to, sizeof h->fail_to, "%s",
		    row->recipient != NULL ? row->recipient : "?");
		snprintf(h->fail_id, sizeof h->fail_id, "%s", row->message_id);
	}
}

/*
 * The detail pane's lines about c: its provider and its report history,
 * as "Provider" and "History" texts (allocated; NULL when empty).
 */
void
ui_report_detail(struct ui *ui, struct client *c, char **provider,
    char **history)
{
	struct ui_report_history	*h = &ui_report_hist;
	struct provider_info		 pv;
	struct ui_check			*e;
	char				 date[UI_REPORT_DATE_MAX], *cause = NULL;
	char				*ok = NULL, *fail = NULL;

	e = ui_check_find(ui, c->ip);
	provider_identify_client(ui->ctx->cfg->providers, c, e != NULL &&
	    e->done ? dns_check_result(e->check) : NULL, &pv);
	/*
	 * Without a name that the MTA verified, a verified rDNS domain comes
	 * from the live check, while the rDNS field beside it shows "-".
	 */
	if (pv.name[0] != '\0')
		xasprintf(provider, "%s (%s)", pv.name, pv.source ==
		    PROVIDER_RDNS && c->rdns == NULL ?
		    "rDNS confirmed live" :
		    provider_source_name(pv.source));
	else
		*provider = NULL;

	*history = NULL;
	if (ui->ctx->store == NULL)
		return;
	if (h->store != ui->ctx->store || strcmp(h->ip, c->ip) != 0 ||
	    h->generation != ui_report_generation) {
		memset(h, 0, sizeof *h);
		h->store = ui->ctx->store;
		snprintf(h->ip, sizeof h->ip, "%s", c->ip);
		h->generation = ui_report_generation;
		if (store_each_report_row(ui->ctx->store, c->ip,
		    ui_report_history_row, h, &cause) == -1) {
			xasprintf(history, "cannot read: %s", cause);
			free(cause);
			h->generation = 0;
			return;
		}
	}
	if (h->ok_time != 0) {
		ui_format_date(h->ok_time, date, sizeof date);
		xasprintf(&ok, "reported %s to %s", date, h->ok_to);
	}
	if (h->fail_time != 0) {
		ui_format_date(h->fail_time, date, sizeof date);
		xasprintf(&fail, "sending failed %s to %s (exit status %d); F "
		    "sends it again", date, h->fail_to, h->fail_status);
	}
	if (ok != NULL && fail != NULL)
		xasprintf(history, "%s; %s", ok, fail);
	else if (ok != NULL || fail != NULL)
		*history = xstrdup(ok != NULL ? ok : fail);
	free(ok);
	free(fail);
}
