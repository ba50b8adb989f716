/*
 * The console's DNS additions.  It re-checks all listed, all marked or
 * all tagged suspects, or a provider group, in the background, writes the DNS history in batches and sums
 * it up for the detail pane, and writes the text of the DNSBL, abuse
 * contact, cache and history lines that ui_draw.c shows.
 *
 * A bulk re-check starts checks only while the engine has fewer than
 * twice its in-flight limit of queries out or queued, so the queries of
 * the suspect on screen (which are urgent) never wait behind thousands.
 * Each bulk check that finishes goes into the console's table of checks
 * (ui_check_adopt), where reports, the detail pane and the grouped view
 * find it as they find a check of the selected suspect.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dnsbl.h"
#include "dnshist.h"
#include "esc.h"
#include "ui_internal.h"
#include "xmalloc.h"

/* Checks a bulk re-check starts per loop pass, so one pass stays short. */
#define UI_BULK_PER_PASS	64
/* Most often the progress and the query counter are redrawn in a bulk. */
#define UI_DNS_REDRAW_MS	100
/* History rows wait at most this long, or until there are this many. */
#define UI_DNS_FLUSH_MS		1000
#define UI_DNS_FLUSH_ROWS	512
/*
 * The loop's pass times, kept when SMTPTRIAGE_LOOP_STATS names a file:
 * one bucket per millisecond, the last for everything longer.
 */
#define UI_LOOP_BUCKETS		201

/* Return codes named per DNSBL line, and abuse addresses shown. */
#define UI_DNS_CODES_SHOWN	4
#define UI_DNS_ADDRESSES_SHOWN	3

/* One suspect of a bulk re-check. */
struct ui_bulk_item {
	struct ui		*ui;
	struct client		*client;
	struct dns_check	*check;		/* while it runs */
};

struct ui_dns {
	/* The bulk re-check, if one runs. */
	char			*label;		/* "listed", "tagged", a provider */
	char			*stop_key;	/* the key that stops it */
	struct ui_bulk_item	*items;
	size_t			 nitems;
	size_t			 next;		/* next item to start */
	size_t			 finished;	/* done, skipped or cancelled */
	size_t			 checked;	/* of those, done */
	uint64_t		 started_ms;
	uint64_t		 redrawn_ms;
	size_t			 redrawn_finished;

	/* History rows not written yet. */
	struct dnshist		*hist;
	int			 hist_failed;
	char			(*ips)[INET6_ADDRSTRLEN];
	struct dnshist_entry	*rows;
	size_t			 nrows;
	size_t			 rows_size;
	uint64_t		 flush_due;

	/* The history summary of the client in the detail pane. */
	struct client		*summary_client;
	char			*summary;
	int			 summary_valid;

	/* Loop pass times, for the benchmark (bench/dns/run.sh). */
	char			*loop_file;
	uint64_t		 work_start_us;
	uint64_t		 passes[2][UI_LOOP_BUCKETS];	/* idle, bulk */
	uint64_t		 longest_us[2];
};

static struct ui_dns *
ui_dns_state(struct ui *ui)
{
	if (ui->dns_state == NULL)
		ui->dns_state = xcalloc(1, sizeof *ui->dns_state);
	return ui->dns_state;
}

static const char *
ui_bulk_name(enum ui_bulk_kind kind)
{
	return kind == UI_BULK_MARKED ? "marked" : "listed";
}

/* Open the history table on first use; a failure is shown once. */
static struct dnshist *
ui_dns_hist(struct ui *ui)
{
	struct ui_dns	*d = ui_dns_state(ui);
	char		*cause;

	if (d->hist != NULL || d->hist_failed || ui->ctx->store == NULL)
		return d->hist;
	if ((d->hist = dnshist_open(ui->ctx->store, &cause)) == NULL) {
		d->hist_failed = 1;
		ui_set_message(ui, 1, "DNS history is not kept: %s", cause);
		free(cause);
	}
	return d->hist;
}

/* Write the waiting history rows in one transaction. */
static void
ui_dns_flush(struct ui *ui)
{
	struct ui_dns	 *d = ui_dns_state(ui);
	struct dnshist	 *hist;
	const char	**ips;
	char		 *cause;
	size_t		  i;

	if (d->nrows == 0)
		return;
	if ((hist = ui_dns_hist(ui)) != NULL) {
		ips = xcalloc(d->nrows, sizeof *ips);
		for (i = 0; i < d->nrows; i++)
			ips[i] = d->ips[i];
		if (dnshist_add(hist, ips, d->rows, d->nrows, &cause) == -1) {
			ui_set_message(ui, 1, "%zu DNS checks not saved in the "
			    "history: %s", d->nrows, cause);
			free(cause);
		}
		free(ips);
	}
	d->nrows = 0;
}

/* Queue the outcome of a finished check for the history. */
static void
ui_dns_record(struct ui *ui, struct client *c, const struct dns_result *r,
    uint64_t now_ms)
{
	struct ui_dns	*d = ui_dns_state(ui);

	if (ui->ctx->store == NULL)
		return;
	if (d->nrows == d->rows_size) {
		d->rows_size = d->rows_size == 0 ? 64 : d->rows_size * 2;
		d->rows = xreallocarray(d->rows, d->rows_size,
		    sizeof *d->rows);
		d->ips = xreallocarray(d->ips, d->rows_size, sizeof *d->ips);
	}
	if (d->nrows == 0)
		d->flush_due = now_ms + UI_DNS_FLUSH_MS;
	snprintf(d->ips[d->nrows], sizeof d->ips[d->nrows], "%s", c->ip);
	dnshist_outcome(r, time(NULL), &d->rows[d->nrows++]);
	if (c == d->summary_client)
		d->summary_valid = 0;
}

void
ui_dns_check_done(struct ui *ui, struct client *c, const struct dns_result *r)
{
	/* A check answered from the cache alone has nothing new to keep. */
	if (r->nanswers > 0 && r->ncached == r->nanswers)
		return;
	ui_dns_record(ui, c, r, ui_now_ms());
}

/* Stop feeding the bulk re-check and cancel its running checks. */
static void
ui_bulk_end(struct ui *ui)
{
	struct ui_dns	*d = ui_dns_state(ui);
	size_t		 i;

	for (i = 0; i < d->nitems; i++) {
		if (d->items[i].check != NULL)
			dns_check_free(d->items[i].check);
	}
	free(d->items);
	free(d->label);
	free(d->stop_key);
	d->items = NULL;
	d->label = d->stop_key = NULL;
	d->nitems = d->next = d->finished = d->checked = 0;
	ui->dirty = 1;
}

static void
ui_bulk_done(struct dns_check *check, void *arg)
{
	struct ui_bulk_item	*item = arg;
	struct ui		*ui = item->ui;
	struct ui_dns		*d = ui->dns_state;

	ui_dns_record(ui, item->client, dns_check_result(check),
	    ui_now_ms());
	ui_check_adopt(ui, item->client, check);
	item->check = NULL;
	d->finished++;
	d->checked++;
	if (item->client == ui_selected(ui))
		ui->dirty = 1;
}

/*
 * Rebuild the grouped view after bulk results came in, because a
 * confirmed rDNS name can move a suspect to another provider's group.
 */
static void
ui_bulk_regroup(struct ui *ui)
{
	if (ui->grouped)
		ui_rows_rebuild(ui);
}

/* Stop the bulk re-check that runs.  Returns 0 when none runs. */
static int
ui_bulk_stop(struct ui *ui)
{
	struct ui_dns	*d = ui_dns_state(ui);

	if (d->items == NULL)
		return 0;
	ui_set_message(ui, 0, "stopped re-checking %s suspects after %zu of "
	    "%zu", d->label, d->finished, d->nitems);
	ui_bulk_end(ui);
	ui_bulk_regroup(ui);
	return 1;
}

int
ui_dns_bulk_key(struct ui *ui, enum ui_bulk_kind kind)
{
	struct client	**list, *c;
	size_t		  i, n = 0;
	int		  act;

	if (ui->ctx->dns == NULL) {
		ui_set_message(ui, 1, "no DNS resolver is set up");
		return UI_ACT_NONE;
	}
	if (ui_bulk_stop(ui))
		return UI_ACT_NONE;

	/* Group headers are NULL rows. */
	list = xcalloc(ui->nrows + 1, sizeof *list);
	for (i = 0; i < ui->nrows; i++) {
		c = ui->rows[i];
		if (c == NULL || (kind == UI_BULK_MARKED && !c->marked))
			continue;
		list[n++] = c;
	}
	act = ui_dns_bulk_clients(ui, list, n, ui_bulk_name(kind),
	    kind == UI_BULK_MARKED ? "M" : "A");
	free(list);
	return act;
}

/*
 * Re-check clients[0..n-1] (copied) in the background.  label names them
 * in the messages and the status line, and stop_key is the key that stops
 * the re-check.  A bulk re-check that runs already is stopped instead.
 */
int
ui_dns_bulk_clients(struct ui *ui, struct client **clients, size_t n,
    const char *label, const char *stop_key)
{
	struct ui_dns	*d = ui_dns_state(ui);
	size_t		 i;

	if (ui->ctx->dns == NULL) {
		ui_set_message(ui, 1, "no DNS resolver is set up");
		return UI_ACT_NONE;
	}
	if (ui_bulk_stop(ui))
		return UI_ACT_NONE;
	if (n == 0) {
		ui_set_message(ui, 0, "no %s suspects to re-check", label);
		return UI_ACT_NONE;
	}
	if (!ui_confirm_gate(ui, UI_DO_RECHECK, clients, n, label, stop_key))
		return UI_ACT_NONE;

	d->items = xcalloc(n, sizeof *d->items);
	for (i = 0; i < n; i++) {
		d->items[i].ui = ui;
		d->items[i].client = clients[i];
	}
	d->label = xstrdup(label);
	d->stop_key = xstrdup(stop_key);
	d->nitems = n;
	d->next = d->finished = d->checked = 0;
	d->started_ms = ui_now_ms();
	d->redrawn_finished = 0;
	ui_set_message(ui, 0, "re-checking %zu %s suspects; %s again stops",
	    n, label, stop_key);
	return UI_ACT_NONE;
}

/* Start more bulk checks while the engine has room for them. */
static void
ui_bulk_feed(struct ui *ui)
{
	struct ui_dns		*d = ui->dns_state;
	struct ui_bulk_item	*item;
	struct client		*c;
	const char		*helos[DNS_HELOS_MAX];
	size_t			 room, started = 0, k;

	room = (size_t)ui->ctx->cfg->dns_max_inflight * 2;
	while (d->next < d->nitems && started < UI_BULK_PER_PASS &&
	    dns_inflight(ui->ctx->dns) < room) {
		item = &d->items[d->next++];
		c = item->client;
		/* A suspect hidden since the start is skipped. */
		if (c->whitelisted && !ui->show_whitelisted) {
			d->finished++;
			continue;
		}
		for (k = 0; k < c->nhelos && k < DNS_HELOS_MAX; k++)
			helos[k] = c->helos[k].name;
		item->check = dns_check_begin(ui->ctx->dns, &c->addr, helos, k,
		    DNS_CHECK_FRESH, ui_bulk_done, item);
		started++;
	}
}

void
ui_dns_tick(struct ui *ui, uint64_t now_ms)
{
	struct ui_dns	*d;

	ui_report_tick(ui);
	if ((d = ui->dns_state) == NULL)
		return;
	if (d->items != NULL && ui->ctx->dns != NULL) {
		ui_bulk_feed(ui);
		if (d->finished == d->nitems && d->checked < d->nitems) {
			ui_set_message(ui, 0, "re-checked %zu %s suspects in "
			    "%.1f s; %zu whitelisted meanwhile and left out",
			    d->checked, d->label,
			    (double)(now_ms - d->started_ms) / 1000.0,
			    d->nitems - d->checked);
			ui_bulk_end(ui);
			ui_bulk_regroup(ui);
		} else if (d->finished == d->nitems) {
			ui_set_message(ui, 0, "re-checked %zu %s suspects in "
			    "%.1f s", d->checked, d->label,
			    (double)(now_ms - d->started_ms) / 1000.0);
			ui_bulk_end(ui);
			ui_bulk_regroup(ui);
		} else if (d->finished != d->redrawn_finished &&
		    now_ms - d->redrawn_ms >= UI_DNS_REDRAW_MS) {
			d->redrawn_finished = d->finished;
			d->redrawn_ms = now_ms;
			ui->dirty = 1;
		}
	}
	if (d->nrows >= UI_DNS_FLUSH_ROWS ||
	    (d->nrows > 0 && now_ms >= d->flush_due))
		ui_dns_flush(ui);
}

int
ui_dns_timeout(struct ui *ui, uint64_t now_ms, int timeout)
{
	struct ui_dns	*d = ui->dns_state;
	uint64_t	 due;

	if (d == NULL)
		return timeout;
	if (d->items != NULL && timeout > UI_DNS_REDRAW_MS)
		timeout = UI_DNS_REDRAW_MS;
	if (d->nrows > 0) {
		due = d->flush_due > now_ms ? d->flush_due - now_ms : 0;
		if (due < (uint64_t)timeout)
			timeout = (int)due;
	}
	return timeout;
}

int
ui_dns_redraw_due(struct ui *ui, uint64_t now_ms)
{
	struct ui_dns	*d = ui->dns_state;

	if (d == NULL || d->items == NULL)
		return 1;
	if (now_ms - d->redrawn_ms < UI_DNS_REDRAW_MS)
		return 0;
	d->redrawn_ms = now_ms;
	return 1;
}

void
ui_dns_prune(struct ui *ui)
{
	struct ui_dns		*d = ui->dns_state;
	struct ui_bulk_item	*item;
	size_t			 i;

	if (d == NULL)
		return;
	for (i = 0; i < d->next && i < d->nitems; i++) {
		item = &d->items[i];
		if (item->check == NULL || !item->client->whitelisted ||
		    ui->show_whitelisted)
			continue;
		dns_check_free(item->check);
		item->check = NULL;
		d->finished++;
	}
}

uint64_t
ui_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/*
 * Time the work of each loop pass: from poll returning (polled 1) to the
 * next poll call (polled 0).  A key that arrives during a pass waits for
 * the rest of it and is handled in the next, so two of the longest pass
 * bound the time a key waits.  Only with SMTPTRIAGE_LOOP_STATS set.
 */
void
ui_dns_loop_mark(struct ui *ui, int polled)
{
	static int	 checked;
	static char	*file;
	struct ui_dns	*d;
	uint64_t	 now, us, ms;
	int		 bulk;

	if (!checked) {
		checked = 1;
		if ((file = getenv("SMTPTRIAGE_LOOP_STATS")) != NULL &&
		    *file == '\0')
			file = NULL;
	}
	if (file == NULL)
		return;
	d = ui_dns_state(ui);
	if (d->loop_file == NULL)
		d->loop_file = xstrdup(file);
	now = ui_now_us();
	if (polled) {
		d->work_start_us = now;
		return;
	}
	if (d->work_start_us == 0)
		return;
	us = now - d->work_start_us;
	bulk = d->items != NULL;
	ms = us / 1000;
	d->passes[bulk][ms < UI_LOOP_BUCKETS - 1 ? ms : UI_LOOP_BUCKETS - 1]++;
	if (us > d->longest_us[bulk])
		d->longest_us[bulk] = us;
}

/*
 * Write "idle|bulk PASSES P50_MS P99_MS LONGEST_MS" lines to the file:
 * half and 99 % of the passes took less than P50_MS and P99_MS.
 */
static void
ui_dns_loop_write(struct ui_dns *d)
{
	static const char *const	 names[2] = { "idle", "bulk" };
	FILE				*f;
	uint64_t			 total, seen;
	size_t				 i, k, p50, p99;

	if (d->loop_file == NULL || (f = fopen(d->loop_file, "w")) == NULL)
		return;
	for (k = 0; k < 2; k++) {
		total = 0;
		for (i = 0; i < UI_LOOP_BUCKETS; i++)
			total += d->passes[k][i];
		/* The upper end of the bucket holding each percentile. */
		p50 = p99 = 0;
		seen = 0;
		for (i = 0; i < UI_LOOP_BUCKETS && total > 0; i++) {
			seen += d->passes[k][i];
			if (p50 == 0 && seen * 2 >= total)
				p50 = i + 1;
			if (p99 == 0 && seen * 100 >= total * 99)
				p99 = i + 1;
		}
		fprintf(f, "%s %llu %zu %zu %.1f\n", names[k],
		    (unsigned long long)total, p50, p99,
		    (double)d->longest_us[k] / 1000.0);
	}
	fclose(f);
}

void
ui_dns_free(struct ui *ui)
{
	struct ui_dns	*d = ui->dns_state;

	if (d == NULL)
		return;
	ui_dns_loop_write(d);
	free(d->loop_file);
	ui_bulk_end(ui);
	ui_dns_flush(ui);
	dnshist_close(d->hist);
	free(d->rows);
	free(d->ips);
	free(d->summary);
	free(d);
	ui->dns_state = NULL;
}

void
ui_dns_status(struct ui *ui, struct esc_buf *b)
{
	struct ui_dns	*d = ui->dns_state;

	if (d == NULL || d->items == NULL)
		return;
	esc_buf_printf(b, "%sre-checking %s: %zu of %zu done",
	    b->len > 0 ? "  " : "", d->label, d->finished,
	    d->nitems);
}

void
ui_dns_age_text(const struct dns_result *r, char *buf, size_t len)
{
	if (r->ncached == 0) {
		snprintf(buf, len, "%s", "");
		return;
	}
	if (r->ncached == r->nanswers)
		snprintf(buf, len, "all %zu answers from the cache, up to "
		    "%lld s old", r->nanswers, (long long)r->cache_age_s);
	else
		snprintf(buf, len, "%zu of %zu answers from the cache, up to "
		    "%lld s old", r->ncached, r->nanswers,
		    (long long)r->cache_age_s);
}

/* "listed 127.0.0.2 (SBL), 127.0.0.4", "not listed", "unknown: ...". */
static char *
ui_dns_dnsbl_text(struct ui *ui, const struct dns_dnsbl *z,
    enum ui_tone *tone)
{
	struct esc_buf	 b = { NULL, 0, 0 };
	const char	*meaning;
	char		 code[INET6_ADDRSTRLEN];
	size_t		 i;

	esc_buf_printf(&b, "%s  ", z->zone != NULL ? z->zone : "?");
	switch (z->listed) {
	case DNS_LISTED_PENDING:
		*tone = UI_TONE_DIM;
		esc_buf_lit(&b, "checking");
		break;
	case DNS_LISTED_YES:
		*tone = UI_TONE_FAIL;
		esc_buf_lit(&b, "listed");
		break;
	case DNS_LISTED_NO:
		*tone = UI_TONE_PASS;
		esc_buf_lit(&b, "not listed");
		break;
	case DNS_LISTED_UNKNOWN:
		*tone = UI_TONE_INDETERMINATE;
		esc_buf_printf(&b, "unknown (%s)", dns_rcode_name(z->rcode));
		break;
	}
	for (i = 0; i < z->ncodes && i < UI_DNS_CODES_SHOWN; i++) {
		inet_ntop(AF_INET, z->codes[i].bytes, code, sizeof code);
		esc_buf_printf(&b, "%s%s", i == 0 ? ": " : ", ", code);
		switch (dnsbl_code_kind(ui->ctx->cfg->dnsbl, z->zone != NULL ?
		    z->zone : "", &z->codes[i], &meaning)) {
		case DNSBL_KIND_ERROR:
			esc_buf_printf(&b, " (error%s%s)", meaning != NULL ?
			    ": " : "", meaning != NULL ? meaning : "");
			break;
		case DNSBL_KIND_NOT_LISTED:
			esc_buf_printf(&b, " (no listing%s%s)", meaning !=
			    NULL ? ": " : "", meaning != NULL ? meaning : "");
			break;
		case DNSBL_KIND_LISTED:
			if (meaning != NULL)
				esc_buf_printf(&b, " (%s)", meaning);
			break;
		}
	}
	if (z->ncodes > UI_DNS_CODES_SHOWN)
		esc_buf_printf(&b, ", +%zu", z->ncodes - UI_DNS_CODES_SHOWN);
	return b.data;
}

static char *
ui_dns_abuse_text(const struct dns_abuse *a, enum ui_tone *tone)
{
	struct esc_buf	b = { NULL, 0, 0 };
	size_t		i;

	esc_buf_lit(&b, "");
	*tone = UI_TONE_NORMAL;
	if (a->rcode == DNS_RCODE_NONE) {
		*tone = UI_TONE_DIM;
		esc_buf_lit(&b, "checking");
	} else if (a->naddresses > 0) {
		for (i = 0; i < a->naddresses && i < UI_DNS_ADDRESSES_SHOWN;
		    i++)
			esc_buf_printf(&b, "%s%s", i > 0 ? ", " : "",
			    a->addresses[i]);
		if (a->naddresses > UI_DNS_ADDRESSES_SHOWN)
			esc_buf_printf(&b, ", +%zu",
			    a->naddresses - UI_DNS_ADDRESSES_SHOWN);
	} else if (dns_rcode_temporary(a->rcode) ||
	    a->rcode == DNS_RCODE_INVALID) {
		*tone = UI_TONE_INDETERMINATE;
		esc_buf_printf(&b, "lookup failed (%s)",
		    dns_rcode_name(a->rcode));
	} else {
		*tone = UI_TONE_DIM;
		esc_buf_printf(&b, "none found (%s)", dns_rcode_name(a->rcode));
	}
	esc_buf_printf(&b, " in %s", a->zone != NULL ? a->zone : "?");
	return b.data;
}

char *
ui_dns_history_text(struct ui *ui, struct client *c)
{
	struct ui_dns		*d = ui_dns_state(ui);
	struct dnshist		*hist;
	struct dnshist_entry	*entries = NULL;
	char			 text[DNSHIST_SUMMARY_MAX], *cause;
	size_t			 n = 0, i;

	if (d->summary_client == c && d->summary_valid)
		return d->summary != NULL ? xstrdup(d->summary) : NULL;
	free(d->summary);
	d->summary = NULL;
	d->summary_client = c;
	d->summary_valid = 1;
	if ((hist = ui_dns_hist(ui)) == NULL)
		return NULL;
	if (dnshist_get(hist, c->ip, &entries, &n, &cause) == -1) {
		ui_set_message(ui, 1, "DNS history of %s: %s", c->ip, cause);
		free(cause);
		return NULL;
	}
	/* Rows not written yet are newer than those in the database. */
	for (i = 0; i < d->nrows; i++) {
		if (strcmp(d->ips[i], c->ip) != 0)
			continue;
		entries = xreallocarray(entries, n + 1, sizeof *entries);
		entries[n++] = d->rows[i];
	}
	dnshist_summary(entries, n, time(NULL), text, sizeof text);
	free(entries);
	if (text[0] == '\0')
		return NULL;
	d->summary = xstrdup(text);
	return xstrdup(text);
}

size_t
ui_dns_lines(struct ui *ui, struct client *c, struct ui_dns_line *out,
    size_t max)
{
	struct ui_check		*e;
	const struct dns_result	*r = NULL;
	size_t			 n = 0, i;

	e = ui_check_find(ui, c->ip);
	if (e != NULL && e->check != NULL)
		r = dns_check_result(e->check);
	for (i = 0; r != NULL && i < r->ndnsbl && n < max; i++) {
		out[n].label = "  DNSBL  ";
		out[n].text = ui_dns_dnsbl_text(ui, &r->dnsbl[i],
		    &out[n].tone);
		n++;
	}
	if (r != NULL && r->abuse.zone != NULL && n < max) {
		out[n].label = "  Abuse  ";
		out[n].text = ui_dns_abuse_text(&r->abuse, &out[n].tone);
		n++;
	}
	if (n < max && (out[n].text = ui_dns_history_text(ui, c)) != NULL) {
		out[n].label = "  History ";
		out[n].tone = UI_TONE_NORMAL;
		n++;
	}
	return n;
}
