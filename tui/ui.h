/* The console: the only user of ncurses. */
#ifndef SMTPTRIAGE_UI_H
#define SMTPTRIAGE_UI_H

#include "agg.h"
#include "config.h"
#include "dns.h"
#include "logread.h"
#include "store.h"
#include "whitelist.h"

/* Everything the console works on; owned by the caller of ui_run. */
struct ui_context {
	struct config		*cfg;
	struct agg		*agg;		/* loaded and finished */
	struct whitelist	*wl;
	struct store		*store;
	struct dns		*dns;
	const struct logread_stats *stats;	/* for the bad-line count */
	const char		*hostname;	/* for Message-IDs */
	struct logread		*logread;	/* its messages show; or NULL */
	int			 follow;	/* poll logread for new lines */
	/* logread's inputs are not read yet: the console reads them. */
	int			 loading;
};

/*
 * Run the console until the user quits.  Returns 0, or -1 with *cause set
 * (allocated) if the terminal could not be set up.
 */
int	ui_run(struct ui_context *ctx, char **cause);

/*
 * Callbacks for store_each_mark and store_each_report with the struct agg
 * as arg.  Each sets the mark or the latest report time on the client of
 * ip, and skips an ip that is invalid or has no client.
 */
void	ui_state_apply_mark(const char *ip, void *arg);
void	ui_state_apply_report(const char *ip, int64_t time, void *arg);

#endif
