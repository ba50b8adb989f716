/*
 * The counters at the right of the status line.  They count flags, not
 * the status column, so a reported suspect that is also marked counts
 * under both.
 */
#include "esc.h"
#include "ui_internal.h"

void
ui_status_counts(const struct ui *ui, struct esc_buf *b)
{
	const struct client	*c;
	size_t			 i, marked = 0, whitelisted = 0, reported = 0;

	for (i = 0; i < ui->nsuspects; i++) {
		c = ui->suspects[i];
		marked += c->marked != 0;
		whitelisted += c->whitelisted != 0;
		reported += c->reported_at != 0;
	}
	esc_buf_printf(b, "%zu %s, %zu tagged, %zu marked, %zu whitelisted, "
	    "%zu reported", ui->nsuspects,
	    ui->nsuspects == 1 ? "suspect" : "suspects", ui->ntags, marked,
	    whitelisted, reported);
}
