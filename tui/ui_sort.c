/*
 * The sort order of the list.  s cycles through score, count, last seen,
 * IP and provider, and S reverses the order.  Ties keep the order of the
 * array the console was given (agg_suspects: score, then count, then
 * address), because the sort is stable.  Reversed, the list is the exact
 * reverse of the forward order, ties included.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ui_internal.h"
#include "xmalloc.h"

/* Sort key of one suspect: its position in ui->source and provider. */
struct ui_sort_item {
	struct client	*client;
	size_t		 index;		/* position in ui->source */
	char		 provider[PROVIDER_NAME_SIZE];	/* "" unknown */
};

/* Order of the running sort, a static because qsort passes no context. */
static enum ui_sort	ui_sort_by;

const char *
ui_sort_name(enum ui_sort sort)
{
	switch (sort) {
	case UI_SORT_SCORE:
		return "score";
	case UI_SORT_COUNT:
		return "count";
	case UI_SORT_LAST:
		return "last seen";
	case UI_SORT_IP:
		return "IP";
	case UI_SORT_PROVIDER:
		return "provider";
	}
	return "score";
}

/* Numeric address order, IPv4 before IPv6. */
static int
ui_sort_addr(const struct client *a, const struct client *b)
{
	size_t	size;

	if (a->addr.family != b->addr.family)
		return a->addr.family == AF_INET ? -1 : 1;
	size = a->addr.family == AF_INET ? 4 : 16;
	return memcmp(a->addr.bytes, b->addr.bytes, size);
}

static int
ui_sort_cmp(const void *pa, const void *pb)
{
	const struct ui_sort_item	*a = pa, *b = pb;
	const struct client		*ca = a->client, *cb = b->client;
	int				 d = 0;

	switch (ui_sort_by) {
	case UI_SORT_SCORE:
		d = (cb->score > ca->score) - (cb->score < ca->score);
		break;
	case UI_SORT_COUNT:
		d = (cb->events > ca->events) - (cb->events < ca->events);
		break;
	case UI_SORT_LAST:
		d = (cb->last.utc > ca->last.utc) - (cb->last.utc < ca->last.utc);
		break;
	case UI_SORT_IP:
		d = ui_sort_addr(ca, cb);
		break;
	case UI_SORT_PROVIDER:
		/* Suspects without a known provider come last. */
		if ((a->provider[0] == '\0') != (b->provider[0] == '\0'))
			d = a->provider[0] == '\0' ? 1 : -1;
		else
			d = strcasecmp(a->provider, b->provider);
		break;
	}
	if (d != 0)
		return d;
	return (a->index > b->index) - (a->index < b->index);
}

/*
 * Sort ui->source into ui->suspects, an owned copy.  The caller rebuilds
 * the rows.
 *
 * NOTE: the provider order uses the DNS results available at sort time,
 * so a later check that confirms an rDNS name moves a suspect only at the
 * next sort (s, S, or new log lines in follow mode).
 */
void
ui_sort_apply(struct ui *ui)
{
	struct ui_sort_item	*items;
	struct provider_info	 pv;
	struct client		*c;
	size_t			 i, n = ui->nsuspects;

	if (ui->source == NULL) {
		ui->suspects = NULL;
		return;
	}
	items = xcalloc(n + 1, sizeof *items);
	for (i = 0; i < n; i++) {
		c = ui->source[i];
		items[i].client = c;
		items[i].index = i;
		if (ui->sort == UI_SORT_PROVIDER && ui->ctx->cfg != NULL) {
			ui_client_provider(ui, c, &pv);
			memcpy(items[i].provider, pv.name, sizeof pv.name);
		}
	}
	ui_sort_by = ui->sort;
	qsort(items, n, sizeof *items, ui_sort_cmp);

	ui->sorted = xreallocarray(ui->sorted, n + 1, sizeof *ui->sorted);
	for (i = 0; i < n; i++)
		ui->sorted[ui->sort_reverse ? n - 1 - i : i] = items[i].client;
	free(items);
	ui->suspects = ui->sorted;
}

/* s (reverse 0) cycles the order, S (reverse 1) reverses it. */
int
ui_sort_key(struct ui *ui, int reverse)
{
	if (reverse)
		ui->sort_reverse = !ui->sort_reverse;
	else
		ui->sort = (enum ui_sort)((ui->sort + 1) % UI_SORTS);
	ui_sort_apply(ui);
	ui_rows_rebuild(ui);
	ui_set_message(ui, 0, "sorted by %s%s", ui_sort_name(ui->sort),
	    ui->sort_reverse ? ", reversed" : "");
	return UI_ACT_SELECT;
}
