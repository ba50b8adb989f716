/*
 * Taking in new clients while a log loads.  A full refresh (agg_finish,
 * the state of new suspects, the sort and the rows) takes time in
 * proportion to the clients, so during the load it runs only now and
 * then.  It runs when UI_LOAD_REFRESH_MS have passed, or at once while
 * the page has empty rows.  Either way the next one waits
 * UI_LOAD_REFRESH_RATIO times as long as this one took, so reading and
 * keys get most of the time.
 *
 * NOTE: one refresh still blocks keys for as long as it takes, which grew
 * to about 2 s with 300,000 new clients (measured on a shared 2-core test
 * machine, most of it reading the state of each new suspect).
 */
#include "ui_internal.h"

/* Minimum time between two refreshes of the list during a load, in ms. */
#define UI_LOAD_REFRESH_MS	250
/* The wait after a refresh, as a multiple of the time it took. */
#define UI_LOAD_REFRESH_RATIO	4

/*
 * Refresh the list when it is due.  After the last slice more is 0, and
 * the list is always refreshed so that it ends complete.
 */
void
ui_load_refresh(struct ui *ui, int more)
{
	uint64_t	start, took, wait;

	start = ui_now_ms();
	/* The progress bar moved even when the rows wait. */
	ui->dirty = 1;
	if (more && start < ui->load_refresh_due)
		return;
	ui_follow_refresh(ui);
	took = ui_now_ms() - start;
	wait = took * UI_LOAD_REFRESH_RATIO;
	if (ui->nrows >= ui->page && wait < UI_LOAD_REFRESH_MS)
		wait = UI_LOAD_REFRESH_MS;
	ui->load_refresh_due = start + took + wait;
}
