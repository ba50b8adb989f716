/*
 * Report plans: providers, recipients, the dedupe window, the daily cap,
 * and one message per recipient.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plan.h"
#include "xmalloc.h"

/* Seconds in a day, for the window (in days) and the 24-hour cap. */
#define PLAN_DAY	86400

const char *
plan_abuse_contact(const struct dns_result *r)
{
	size_t	i;

	if (r == NULL || r->abuse.rcode != DNS_RCODE_NOERROR)
		return NULL;
	for (i = 0; i < r->abuse.naddresses && i < DNS_ABUSE_MAX; i++) {
		if (r->abuse.addresses[i] != NULL &&
		    provider_address_valid(r->abuse.addresses[i]))
			return r->abuse.addresses[i];
	}
	return NULL;
}

const char *
plan_skip_name(enum plan_skip skip)
{
	switch (skip) {
	case PLAN_SKIP_WHITELISTED:
		return "whitelisted";
	case PLAN_SKIP_WINDOW:
		return "reported within the window";
	case PLAN_SKIP_NO_RECIPIENT:
		return "without a verified recipient";
	case PLAN_SKIP_CAP:
		return "over the daily cap";
	case PLAN_SKIP_WAITING:
		return "waiting in the outbox for a retry";
	case PLAN_KEEP:
	case PLAN_SKIP_COUNT:
		break;
	}
	return "kept";
}

/* Find the message for key (a recipient or suggestion), or add one. */
static size_t
plan_message_for(struct plan *p, const char *to, const char *suggestion,
    enum provider_rcpt_source source)
{
	struct plan_message	*m;
	size_t			 i;

	for (i = 0; i < p->nmessages; i++) {
		m = &p->messages[i];
		if (strcasecmp(m->to, to) == 0 &&
		    (to[0] != '\0' || strcasecmp(m->suggestion,
		    suggestion) == 0))
			return i;
	}
	p->messages = xreallocarray(p->messages, p->nmessages + 1,
	    sizeof *p->messages);
	m = &p->messages[p->nmessages];
	memset(m, 0, sizeof *m);
	snprintf(m->to, sizeof m->to, "%s", to);
	snprintf(m->suggestion, sizeof m->suggestion, "%s", suggestion);
	m->source = source;
	return p->nmessages++;
}

static void
plan_message_add(struct plan *p, size_t i, size_t suspect)
{
	struct plan_message	*m = &p->messages[i];

	m->suspects = xreallocarray(m->suspects, m->nsuspects + 1,
	    sizeof *m->suspects);
	m->suspects[m->nsuspects++] = suspect;
	p->suspects[suspect].message = i;
}

/*
 * Check suspect s against the dedupe window for recipient to.  Returns 0
 * (sets s->skip when it was reported within the window) or -1.
 */
static int
plan_window(struct plan *p, struct plan_suspect *s, const char *to,
    const struct plan_options *o, char **cause)
{
	int64_t	last;

	s->reported_at = 0;
	if (o->store == NULL || p->force || o->cfg->report_window_days == 0)
		return 0;
	last = store_last_report_to(o->store, s->client->ip, to, cause);
	if (last == -1)
		return -1;
	if (last > 0 && last > (int64_t)o->now -
	    (int64_t)o->cfg->report_window_days * PLAN_DAY) {
		s->skip = PLAN_SKIP_WINDOW;
		s->reported_at = last;
	}
	return 0;
}

/*
 * Check suspect s for a failed report to recipient to that waits in the
 * outbox: a new report would go out a second time with its retry.
 * --force does not lift this.  Returns 0 (sets s->skip) or -1.
 */
static int
plan_waiting(struct plan_suspect *s, const char *to,
    const struct plan_options *o, char **cause)
{
	int	waiting;

	if (o->store == NULL || s->skip != PLAN_KEEP)
		return 0;
	if ((waiting = store_failed_waiting(o->store, s->client->ip, to,
	    cause)) == -1)
		return -1;
	if (waiting)
		s->skip = PLAN_SKIP_WAITING;
	return 0;
}

struct plan *
plan_build(struct client *const *clients,
    const struct dns_result *const *dns, size_t n,
    const struct plan_options *o, char **cause)
{
	struct plan		*p;
	struct plan_suspect	*s;
	size_t			 i, m;

	p = xcalloc(1, sizeof *p);
	p->suspects = xcalloc(n + 1, sizeof *p->suspects);
	p->nsuspects = n;
	p->force = o->force;
	p->now = o->now;
	for (i = 0; i < n; i++) {
		s = &p->suspects[i];
		s->client = clients[i];
		s->dns = dns != NULL ? dns[i] : NULL;
		provider_identify_client(o->cfg->providers, s->client, s->dns,
		    &s->provider);
		provider_recipient(o->cfg->providers, &s->client->addr,
		    &s->provider, o->cfg->report_to,
		    plan_abuse_contact(s->dns), &s->rcpt);

		if (s->client->whitelisted)
			s->skip = PLAN_SKIP_WHITELISTED;
		else if (s->rcpt.address[0] == '\0' && o->headless)
			s->skip = PLAN_SKIP_NO_RECIPIENT;
		else if (s->rcpt.address[0] != '\0' &&
		    (plan_window(p, s, s->rcpt.address, o, cause) == -1 ||
		    plan_waiting(s, s->rcpt.address, o, cause) == -1))
			goto fail;
		if (s->skip != PLAN_KEEP) {
			p->skipped[s->skip]++;
			continue;
		}
		m = plan_message_for(p, s->rcpt.address, s->rcpt.suggestion,
		    s->rcpt.source);
		plan_message_add(p, m, i);
	}

	/* The cap is per recipient, so it applies to whole messages. */
	for (m = 0; m < p->nmessages; m++) {
		if (plan_over_cap(p, m, o, &p->messages[m].sent_today,
		    cause) != 1)
			continue;
		for (i = 0; i < p->messages[m].nsuspects; i++)
			p->suspects[p->messages[m].suspects[i]].skip =
			    PLAN_SKIP_CAP;
		p->skipped[PLAN_SKIP_CAP] += p->messages[m].nsuspects;
		p->messages[m].nsuspects = 0;
	}
	return p;

fail:
	plan_free(p);
	return NULL;
}

void
plan_free(struct plan *p)
{
	size_t	i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nmessages; i++)
		free(p->messages[i].suspects);
	free(p->messages);
	free(p->suspects);
	free(p);
}

/*
 * Why provider_address_valid rejects address, in its order of checks, or
 * NULL when it accepts it.
 */
static const char *
plan_address_problem(const char *address)
{
	const char	*at;
	size_t		 i;

	if (provider_address_valid(address))
		return NULL;
	if (address[0] == '\0')
		return "the address is empty";
	if (strlen(address) > PROVIDER_ADDRESS_MAX)
		return "the address is too long";
	if ((at = strchr(address, '@')) == NULL)
		return "it has no @";
	if (at == address)
		return "nothing comes before the @";
	if (strchr(at + 1, '@') != NULL)
		return "it has more than one @";
	for (i = 0; i < (size_t)(at - address); i++) {
		if (address[i] <= ' ' || address[i] >= 0x7f ||
		    strchr("\"(),:;<>[\\]", address[i]) != NULL)
			return "the part before the @ has an invalid character";
	}
	if (address[0] == '.' || at[-1] == '.' || strstr(address, "..") !=
	    NULL)
		return "the part before the @ starts or ends with a dot, or "
		    "has two dots in a row";
	return "the part after the @ is not a valid host name";
}

int
plan_set_recipient(struct plan *p, size_t i, const char *address,
    const struct plan_options *o, char **cause)
{
	struct plan_message	*m = &p->messages[i];
	const char		*problem;

	if ((problem = plan_address_problem(address)) != NULL) {
		xasprintf(cause, "invalid recipient \"%.80s\": %s; expected "
		    "one address such as abuse@example.net", address, problem);
		return -1;
	}
	snprintf(m->to, sizeof m->to, "%s", address);
	m->source = RCPT_ADMIN;
	return plan_recheck(p, i, o, cause);
}

int
plan_recheck(struct plan *p, size_t i, const struct plan_options *o,
    char **cause)
{
	struct plan_message	*m = &p->messages[i];
	struct plan_suspect	*s;
	const char		*address = m->to;
	size_t			 k, kept = 0;

	for (k = 0; k < m->nsuspects; k++) {
		s = &p->suspects[m->suspects[k]];
		if (plan_window(p, s, address, o, cause) == -1 ||
		    plan_waiting(s, address, o, cause) == -1)
			return -1;
		if (s->skip != PLAN_KEEP) {
			p->skipped[s->skip]++;
			continue;
		}
		m->suspects[kept++] = m->suspects[k];
	}
	m->nsuspects = kept;
	return 0;
}

int
plan_over_cap(const struct plan *p, size_t i, const struct plan_options *o,
    int64_t *sent, char **cause)
{
	const struct plan_message	*m = &p->messages[i];
	int64_t				 n;

	*sent = 0;
	if (m->to[0] == '\0' || o->store == NULL)
		return 0;
	n = store_count_sent(o->store, m->to, (int64_t)o->now - PLAN_DAY,
	    cause);
	if (n == -1)
		return -1;
	*sent = n;
	return o->cfg->report_daily_cap > 0 && n >= o->cfg->report_daily_cap;
}

int
plan_compose_message(const struct plan *p, size_t i,
    const struct config *cfg, const struct plan_compose *pc, char **msg,
    char **message_id, size_t *unread, char **cause)
{
	const struct plan_message	*m = &p->messages[i];
	const struct plan_suspect	*s;
	struct report_message		 rm;
	struct report_item		*items;
	char				*error;
	size_t				 k, e, n;
	int				 rc;

	*unread = 0;
	if (m->nsuspects == 0) {
		xasprintf(cause, "the message covers no suspect");
		return -1;
	}
	items = xcalloc(m->nsuspects, sizeof *items);
	for (k = 0; k < m->nsuspects; k++) {
		s = &p->suspects[m->suspects[k]];
		items[k].client = s->client;
		items[k].dns = s->dns;
		items[k].provider = &s->provider;
		items[k].evidence = xcalloc(s->client->nevidence + 1,
		    sizeof *items[k].evidence);
		for (e = n = 0; e < s->client->nevidence && pc->agg != NULL;
		    e++) {
			if (agg_read_evidence(pc->agg,
			    agg_client_evidence(s->client, e),
			    &items[k].evidence[n], &error) == -1) {
				free(error);
				(*unread)++;
				continue;
			}
			n++;
		}
		items[k].nevidence = n;
	}

	memset(&rm, 0, sizeof rm);
	rm.items = items;
	rm.nitems = m->nsuspects;
	rm.from = cfg->from;
	rm.reply_to = cfg->reply_to;
	rm.to = m->to[0] != '\0' ? m->to : NULL;
	rm.hostname = pc->hostname;
	rm.template = pc->template;
	rm.xarf = cfg->report_xarf;
	rm.auto_submitted = pc->auto_submitted;
	rm.now = pc->now;
	rm.nonce = pc->nonce;
	rc = report_compose_message(&rm, msg, message_id, cause);

	for (k = 0; k < m->nsuspects; k++) {
		for (e = 0; e < items[k].nevidence; e++)
			free(items[k].evidence[e]);
		free(items[k].evidence);
	}
	free(items);
	return rc;
}

int
plan_deliver(const struct plan *p, size_t i, const struct config *cfg,
    struct store *store, const char *msg, const char *message_id,
    struct report_outcome *out, char **cause)
{
	return plan_deliver_checked(p, i, cfg, store, NULL, msg, message_id,
	    out, cause);
}

int
plan_deliver_checked(const struct plan *p, size_t i,
    const struct config *cfg, struct store *store,
    const struct report_guard *g, const char *msg, const char *message_id,
    struct report_outcome *out, char **cause)
{
	const struct plan_message	*m = &p->messages[i];
	const char			**ips, *to;
	size_t				  k;
	int				  rc;

	ips = xcalloc(m->nsuspects + 1, sizeof *ips);
	for (k = 0; k < m->nsuspects; k++)
		ips[k] = p->suspects[m->suspects[k]].client->ip;
	to = m->to[0] != '\0' ? m->to : NULL;
	if (g != NULL)
		rc = report_deliver_checked(cfg, store, ips, m->nsuspects, to,
		    g, msg, message_id, out, cause);
	else
		rc = report_deliver_ips(cfg, store, ips, m->nsuspects, to, msg,
		    message_id, out, cause);
	free(ips);
	return rc;
}
