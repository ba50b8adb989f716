/*
 * Confirmation prompts before actions that affect more than one suspect
 * or send mail.  They cover marks and re-checks of tagged suspects or a
 * group, bulk re-checks (A, M), reports about more than one suspect, and
 * sending failed reports again (F).  ui_tags.c and ui_wlpick.c confirm
 * whitelisting of many IPs themselves.  The config setting "confirm = no"
 * turns the prompts off.  An action calls ui_confirm_gate, and y runs it
 * again with the prompt confirmed.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ui_internal.h"
#include "xmalloc.h"

/* Return 1 unless the config file turned the prompts off. */
int
ui_confirm_wanted(const struct ui *ui)
{
	return ui->ctx->cfg == NULL || ui->ctx->cfg->confirm;
}

static char *
ui_confirm_question(enum ui_confirm_do what, size_t n, const char *label)
{
	char	*text = NULL;

	switch (what) {
	case UI_DO_MARK:
		xasprintf(&text, "mark or unmark %zu %s suspects? y/n", n,
		    label);
		break;
	case UI_DO_RECHECK:
		xasprintf(&text, "re-check the DNS of %zu %s suspects? y/n", n,
		    label);
		break;
	case UI_DO_REPORT:
		xasprintf(&text, "compose reports about %zu%s%s suspects? "
		    "y/n", n, label[0] != '\0' ? " " : "", label);
		break;
	case UI_DO_RETRY:
		xasprintf(&text, "send the failed reports about %s again? y/n",
		    label);
		break;
	case UI_DO_NONE:
		text = xstrdup("go on? y/n");
		break;
	}
	return text;
}

/*
 * Return 1 when the caller should go on with the action, because no prompt
 * is needed (one suspect, prompts off) or y confirmed it already.
 * Otherwise open the prompt, store a copy of clients[0..n-1] and return 0.
 * Sending mail again (UI_DO_RETRY) prompts even for a single suspect.
 */
int
ui_confirm_gate(struct ui *ui, enum ui_confirm_do what,
    struct client **clients, size_t n, const char *label,
    const char *stop_key)
{
	struct client	**copy;

	if (ui->confirm_given || !ui_confirm_wanted(ui))
		return 1;
	if (what != UI_DO_RETRY && n <= 1)
		return 1;
	copy = xcalloc(n + 1, sizeof *copy);
	if (n > 0)
		memcpy(copy, clients, n * sizeof *copy);
	ui_confirm_open(ui, UI_CONFIRM_ACTION, NULL, NULL,
	    ui_confirm_question(what, n, label));
	ui->confirm_list = copy;
	ui->confirm_nlist = n;
	ui->confirm_do = what;
	ui->confirm_label = xstrdup(label);
	ui->confirm_stop = stop_key != NULL ? xstrdup(stop_key) : NULL;
	return 0;
}

/* Run the action stored by a UI_CONFIRM_ACTION prompt after y. */
int
ui_confirm_replay(struct ui *ui)
{
	struct client	**list = ui->confirm_list;
	size_t		  n = ui->confirm_nlist;
	char		 *label, *stop;
	enum ui_confirm_do what = ui->confirm_do;
	int		  act = UI_ACT_NONE;

	/* Closing the prompt frees them, and the action may open a new one. */
	ui->confirm_list = NULL;
	ui->confirm_nlist = 0;
	label = ui->confirm_label;
	stop = ui->confirm_stop;
	ui->confirm_label = NULL;
	ui->confirm_stop = NULL;
	ui_confirm_close(ui);

	ui->confirm_given = 1;
	switch (what) {
	case UI_DO_MARK:
		act = ui_mark_many(ui, list, n, label);
		break;
	case UI_DO_RECHECK:
		act = ui_dns_bulk_clients(ui, list, n, label,
		    stop != NULL ? stop : "A");
		break;
	case UI_DO_REPORT:
		act = ui_report_start(ui, list, n, 0);
		break;
	case UI_DO_RETRY:
		act = ui_report_retry(ui);
		break;
	case UI_DO_NONE:
		break;
	}
	ui->confirm_given = 0;
	free(list);
	free(label);
	free(stop);
	return act;
}
