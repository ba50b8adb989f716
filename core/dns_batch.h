/*
 * DNS checks of many clients at once, for "smtptriage list --dns": one
 * engine with the configured limits, every check started, the engine run
 * until all are done, and each outcome recorded in the DNS history.
 */
#ifndef SMTPTRIAGE_DNS_BATCH_H
#define SMTPTRIAGE_DNS_BATCH_H

#include <stddef.h>

#include "agg.h"
#include "config.h"
#include "dns.h"
#include "dnshist.h"
#include "store.h"

/* Fill dc with the DNS settings of cfg: servers, limits and lists. */
void	dns_config_from(struct dns_config *dc, const struct config *cfg);

/*
 * Apply the --dnsbl and --abuse-zone options over cfg.  NULL leaves a
 * setting alone, and "" turns it off.  Returns 0, or -1 with *cause set.
 */
int	dns_config_override(struct config *cfg, const char *dnsbl,
	    const char *abuse_zone, char **cause);

struct dns_batch {
	struct dns		 *dns;
	struct dns_check	**checks;
	const struct dns_result	**results;	/* n entries, or NULL */
	struct dnshist_list	 *history;	/* n entries, or NULL */
	size_t			  n;
	/* Why the history could not be written or read, or NULL. */
	char			 *history_error;
};

/*
 * With check set, check the DNS of clients[0..n-1], wait for every check,
 * and add each outcome to the history in store.  With history set, read
 * each client's history afterwards.  A failure of the history is kept in
 * b->history_error and does not stop the checks.  Returns 0, or -1 with
 * *cause set if the engine could not start.  Free b with dns_batch_free
 * either way.
 */
int	dns_batch_run(struct dns_batch *b, const struct config *cfg,
	    struct store *store, struct client *const *clients, size_t n,
	    int check, int history, char **cause);
void	dns_batch_free(struct dns_batch *b);

/*
 * Count the checks of b whose PTR query ended in TIMEOUT, REFUSED or
 * ERROR (such as a closed port).  A sum of b->n means no usable response.
 */
void	dns_batch_unanswered(const struct dns_batch *b, size_t *timeouts,
	    size_t *refused, size_t *errors);

#endif
