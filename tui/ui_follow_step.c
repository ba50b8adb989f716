/*
 * The refresh of the list in steps, while a log loads (in parts or in
 * slices) and in follow mode.  ui_follow_refresh finishes every client, sorts the suspects
 * twice and rebuilds every row in one go, which took 0.15 to 0.8 s of one
 * loop pass with 100,000 suspects (bench/log/console.sh, 1 GiB log).  Here the same work is spread over
 * passes of about budget_us each: agg_finish_job finishes the clients and
 * sorts the suspects, then the rows are built into an array of their own,
 * and the last step swaps both in at once.  Until then the list shows the
 * rows of the last refresh.
 *
 * The caller reads and merges nothing while a refresh runs
 * (agg_finish_job), so the result is what ui_follow_refresh gives at the
 * time of the start.  The
 * rows are built for the score order, which is the order of the
 * suspects array, or its exact reverse.  The other orders, the grouped
 * view and a view changed during the refresh (a sort key, a filter, the
 * W toggle) get ui_sort_apply and ui_rows_rebuild in the last step.
 *
 * NOTE: those cases keep the cost of one sort and one rebuild of the rows
 * in a single pass.
 */
#include <stdlib.h>
#include <string.h>

#include "ui_internal.h"
#include "whitelist.h"
#include "xmalloc.h"

/* Clients, suspects or sort moves handled between two reads of the clock. */
#define UI_STEP_CHUNK	256

struct ui_follow_step {
	struct agg_finish_job	 job;
	int			 rows_phase;	/* the job is done */
	size_t			 next;		/* next suspect for the rows */
	struct client		**rows;
	size_t			 nrows;
	size_t			 helo_width;
	size_t			 rdns_width;
	uint64_t		 rows_builds;	/* ui->rows_builds at the start */
};

/* 1 when the rows built in steps are those that ui_rows_rebuild builds. */
static int
ui_follow_step_rows_valid(const struct ui *ui, const struct ui_follow_step *st)
{
	return ui->sort == UI_SORT_SCORE && !ui->grouped &&
	    ui->rows_builds == st->rows_builds;
}

void
ui_follow_step_start(struct ui *ui)
{
	struct ui_follow_step	*st;

	if (ui->load_step != NULL || ui->ctx->agg == NULL)
		return;
	st = xcalloc(1, sizeof *st);
	agg_finish_job_start(ui->ctx->agg, &st->job);
	st->rows_builds = ui->rows_builds;
	ui->load_step = st;
}

/*
 * Give the suspects from st->next on their state and whitelist match,
 * as ui_follow_refresh does, and add the visible ones to the rows, at
 * most max of them.
 */
static void
ui_follow_step_rows(struct ui *ui, struct ui_follow_step *st, size_t max)
{
	struct client	*c;
	size_t		 n = st->job.nsuspects, end, len;
	int		 rows;

	rows = ui_follow_step_rows_valid(ui, st);
	end = n - st->next > max ? st->next + max : n;
	for (; st->next < end; st->next++) {
		c = st->job.suspects[ui->sort_reverse ? n - 1 - st->next :
		    st->next];
		if (!c->state_loaded && !ui_load_state_apply(ui, c))
			ui_follow_load_state(ui, c);
		if (ui->ctx->wl != NULL)
			c->whitelisted = wl_match(ui->ctx->wl, &c->addr,
			    c->rdns) != NULL;
		if (!rows || !ui_visible(ui, c))
			continue;
		st->rows[st->nrows++] = c;
		if (c->nhelos > 0 &&
		    (len = ui_name_width(c->helos[0].name)) > st->helo_width)
			st->helo_width = len;
		if (c->rdns != NULL &&
		    (len = ui_name_width(c->rdns)) > st->rdns_width)
			st->rdns_width = len;
	}
}

/*
 * Put the new suspects and rows in place of the old ones, with the cursor
 * on the same suspect, as ui_rows_rebuild leaves it.
 */
static void
ui_follow_step_swap(struct ui *ui, struct ui_follow_step *st)
{
	struct client	**suspects, *sel;
	size_t		  i, n;

	sel = ui_selected(ui);
	suspects = agg_finish_job_install(ui->ctx->agg, &st->job, &n);
	ui->source = suspects;
	ui->nsuspects = n;
	if (!ui_follow_step_rows_valid(ui, st)) {
		ui_sort_apply(ui);
		ui_rows_rebuild(ui);
	} else {
		ui->sorted = xreallocarray(ui->sorted, n + 1,
		    sizeof *ui->sorted);
		for (i = 0; i < n; i++)
			ui->sorted[ui->sort_reverse ? n - 1 - i : i] =
			    suspects[i];
		ui->suspects = ui->sorted;
		free(ui->rows);
		ui->rows = st->rows;
		ui->nrows = st->nrows;
		st->rows = NULL;
		ui->helo_width = st->helo_width;
		ui->rdns_width = st->rdns_width;
		ui->rows_builds++;
		for (i = 0; i < ui->nrows; i++) {
			if (ui->rows[i] == sel) {
				ui->cursor = i;
				break;
			}
		}
		if (ui->cursor >= ui->nrows)
			ui->cursor = ui->nrows == 0 ? 0 : ui->nrows - 1;
		ui_scroll_fix(ui);
		ui_checks_prune(ui);
	}
	/* ui_detail_load reads the lines again when the event count moved. */
	if (ui_selected(ui) != sel)
		ui_check_schedule(ui, ui_now_ms());
	ui->dirty = 1;
}

/*
 * Run the refresh for about budget_us.  Returns 1 while it runs, 0 once
 * the new rows are in place (or when none runs).
 */
int
ui_follow_step(struct ui *ui, uint64_t budget_us)
{
	struct ui_follow_step	*st = ui->load_step;
	uint64_t		 start = ui_now_us();

	if (st == NULL)
		return 0;
	do {
		if (!st->rows_phase) {
			if (agg_finish_job_step(ui->ctx->agg, &st->job,
			    UI_STEP_CHUNK) == 1)
				continue;
			st->rows_phase = 1;
			st->rows = xreallocarray(NULL, st->job.nsuspects + 1,
			    sizeof *st->rows);
			/* "-", as ui_measure_names starts. */
			st->helo_width = st->rdns_width = 1;
		} else if (st->next < st->job.nsuspects)
			ui_follow_step_rows(ui, st, UI_STEP_CHUNK);
		else {
			ui_follow_step_swap(ui, st);
			ui_follow_step_free(ui);
			return 0;
		}
	} while (ui_now_us() - start < budget_us);
	return 1;
}

void
ui_follow_step_free(struct ui *ui)
{
	struct ui_follow_step	*st = ui->load_step;

	if (st == NULL)
		return;
	agg_finish_job_free(&st->job);
	free(st->rows);
	free(st);
	ui->load_step = NULL;
}
