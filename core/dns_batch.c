/* DNS checks of many clients at once, for "smtptriage list --dns". */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns_batch.h"
#include "dnsbl.h"
#include "xmalloc.h"

void
dns_config_from(struct dns_config *dc, const struct config *cfg)
{
	memset(dc, 0, sizeof *dc);
	dc->servers = cfg->resolver;
	dc->timeout_ms = cfg->dns_timeout_ms;
	dc->tries = cfg->dns_tries;
	dc->max_inflight = cfg->dns_max_inflight;
	dc->qps = cfg->dns_qps;
	dc->dnsbl = cfg->dnsbl;
	dc->abuse_zone = cfg->abuse_zone;
}

int
dns_config_override(struct config *cfg, const char *dnsbl,
    const char *abuse_zone, char **cause)
{
	const char	*reason;
	char		*inner;

	if (dnsbl != NULL && dnsbl_set_zones(cfg->dnsbl, dnsbl, &inner) ==
	    -1) {
		xasprintf(cause, "invalid --dnsbl: %s", inner);
		free(inner);
		return -1;
	}
	if (abuse_zone == NULL)
		return 0;
	if (*abuse_zone != '\0' && (reason = dnsbl_zone_invalid(abuse_zone)) !=
	    NULL) {
		xasprintf(cause, "invalid --abuse-zone \"%.80s\": %s",
		    abuse_zone, reason);
		return -1;
	}
	free(cfg->abuse_zone);
	cfg->abuse_zone = *abuse_zone != '\0' ? xstrdup(abuse_zone) : NULL;
	return 0;
}

/* Add every finished check to the history, in one transaction. */
static int
dns_batch_record(struct dns_batch *b, struct dnshist *hist,
    struct client *const *clients, char **cause)
{
	struct dnshist_entry	*entries;
	const char		**ips;
	int64_t			 now = time(NULL);
	size_t			 i;
	int			 rc;

	entries = xcalloc(b->n + 1, sizeof *entries);
	ips = xcalloc(b->n + 1, sizeof *ips);
	for (i = 0; i < b->n; i++) {
		ips[i] = clients[i]->ip;
		dnshist_outcome(b->results[i], now, &entries[i]);
	}
	rc = dnshist_add(hist, ips, entries, b->n, cause);
	free(ips);
	free(entries);
	return rc;
}

static int
dns_batch_read(struct dns_batch *b, struct dnshist *hist,
    struct client *const *clients, char **cause)
{
	size_t	i;

	b->history = xcalloc(b->n + 1, sizeof *b->history);
	for (i = 0; i < b->n; i++) {
		if (dnshist_get(hist, clients[i]->ip, &b->history[i].entries,
		    &b->history[i].n, cause) == -1)
			return -1;
	}
	return 0;
}

int
dns_batch_run(struct dns_batch *b, const struct config *cfg,
    struct store *store, struct client *const *clients, size_t n, int check,
    int history, char **cause)
{
	struct dns_config	 dc;
	struct dnshist		*hist = NULL;
	const char		*helos[DNS_HELOS_MAX];
	char			*reason;
	size_t			 i, k;

	memset(b, 0, sizeof *b);
	b->n = n;
	if (check) {
		dns_config_from(&dc, cfg);
		if ((b->dns = dns_create(&dc, cause)) == NULL)
			return -1;
		b->checks = xcalloc(n + 1, sizeof *b->checks);
		b->results = xcalloc(n + 1, sizeof *b->results);
		for (i = 0; i < n; i++) {
			for (k = 0; k < clients[i]->nhelos &&
			    k < DNS_HELOS_MAX; k++)
				helos[k] = clients[i]->helos[k].name;
			b->checks[i] = dns_check_start(b->dns,
			    &clients[i]->addr, helos, k, NULL, NULL);
		}
		dns_run(b->dns);
		for (i = 0; i < n; i++)
			b->results[i] = dns_check_result(b->checks[i]);
	}
	if (store == NULL || (!check && !history))
		return 0;

	if ((hist = dnshist_open(store, &reason)) == NULL ||
	    (check && dns_batch_record(b, hist, clients, &reason) == -1) ||
	    (history && dns_batch_read(b, hist, clients, &reason) == -1))
		b->history_error = reason;
	dnshist_close(hist);
	return 0;
}

void
dns_batch_free(struct dns_batch *b)
{
	size_t	i;

	if (b->checks != NULL) {
		for (i = 0; i < b->n; i++)
			dns_check_free(b->checks[i]);
	}
	dns_free(b->dns);
	if (b->history != NULL) {
		for (i = 0; i < b->n; i++)
			free(b->history[i].entries);
	}
	free(b->history);
	free(b->checks);
	free(b->results);
	free(b->history_error);
	memset(b, 0, sizeof *b);
}

void
dns_batch_unanswered(const struct dns_batch *b, size_t *timeouts,
    size_t *refused, size_t *errors)
{
	size_t	i;

	*timeouts = *refused = *errors = 0;
	if (b->results == NULL)
		return;
	for (i = 0; i < b->n; i++) {
		if (b->results[i] == NULL)
			continue;
		switch (b->results[i]->ptr_rcode) {
		case DNS_RCODE_TIMEOUT:
			(*timeouts)++;
			break;
		case DNS_RCODE_REFUSED:
			(*refused)++;
			break;
		case DNS_RCODE_ERROR:
			(*errors)++;
			break;
		default:
			break;
		}
	}
}
