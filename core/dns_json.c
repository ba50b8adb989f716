/* The JSON of the DNS lists and the DNS history for "smtptriage list". */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <string.h>
#include <time.h>

#include "dns_json.h"

/* "2026-11-28T10:00:00Z" and its terminating NUL. */
#define DNS_JSON_TIME_MAX	32

static void
dns_json_string(struct esc_buf *b, const char *s)
{
	esc_buf_lit(b, "\"");
	esc_buf_json(b, s, strlen(s));
	esc_buf_lit(b, "\"");
}

static void
dns_json_rcode(struct esc_buf *b, enum dns_rcode rcode)
{
	if (rcode == DNS_RCODE_NONE)
		esc_buf_lit(b, "null");
	else
		dns_json_string(b, dns_rcode_name(rcode));
}

void
dns_json_lists(struct esc_buf *b, const struct dns_result *r)
{
	const struct dns_dnsbl	*d;
	char			 addr[INET6_ADDRSTRLEN];
	size_t			 i, k;

	esc_buf_lit(b, ",\"dnsbl\":[");
	for (i = 0; i < r->ndnsbl && i < DNS_DNSBL_MAX; i++) {
		d = &r->dnsbl[i];
		if (i > 0)
			esc_buf_lit(b, ",");
		esc_buf_lit(b, "{\"zone\":");
		dns_json_string(b, d->zone != NULL ? d->zone : "");
		esc_buf_lit(b, ",\"listed\":");
		if (d->listed == DNS_LISTED_YES)
			esc_buf_lit(b, "true");
		else if (d->listed == DNS_LISTED_NO)
			esc_buf_lit(b, "false");
		else
			esc_buf_lit(b, "null");
		esc_buf_lit(b, ",\"codes\":[");
		for (k = 0; k < d->ncodes && k < DNS_CODES_MAX; k++) {
			if (k > 0)
				esc_buf_lit(b, ",");
			inet_ntop(d->codes[k].family, d->codes[k].bytes, addr,
			    sizeof addr);
			dns_json_string(b, addr);
		}
		esc_buf_lit(b, "],\"rcode\":");
		dns_json_rcode(b, d->rcode);
		esc_buf_lit(b, "}");
	}
	esc_buf_lit(b, "],\"abuse_contact\":");
	if (r->abuse.zone == NULL) {
		esc_buf_lit(b, "null");
		return;
	}
	esc_buf_lit(b, "{\"rcode\":");
	dns_json_rcode(b, r->abuse.rcode);
	esc_buf_lit(b, ",\"addresses\":[");
	for (k = 0; k < r->abuse.naddresses && k < DNS_ABUSE_MAX; k++) {
		if (k > 0)
			esc_buf_lit(b, ",");
		dns_json_string(b, r->abuse.addresses[k]);
	}
	esc_buf_lit(b, "]}");
}

/* Append the zones of a comma-separated list as a JSON array. */
static void
dns_json_zones(struct esc_buf *b, const char *list)
{
	const char	*p = list;
	size_t		 len;
	int		 first = 1;

	esc_buf_lit(b, "[");
	while (*p != '\0') {
		len = strcspn(p, ",");
		if (len > 0) {
			if (!first)
				esc_buf_lit(b, ",");
			first = 0;
			esc_buf_lit(b, "\"");
			esc_buf_json(b, p, len);
			esc_buf_lit(b, "\"");
		}
		p += len;
		if (*p == ',')
			p++;
	}
	esc_buf_lit(b, "]");
}

void
dns_json_history(struct esc_buf *b, const struct dnshist_list *h)
{
	const struct dnshist_entry	*e;
	struct tm			 tm;
	time_t				 t;
	char				 when[DNS_JSON_TIME_MAX];
	size_t				 i;

	esc_buf_lit(b, ",\"dns_history\":[");
	for (i = 0; h != NULL && i < h->n; i++) {
		e = &h->entries[i];
		if (i > 0)
			esc_buf_lit(b, ",");
		t = (time_t)e->time;
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
			strcpy(when, "1970-01-01T00:00:00Z");
		esc_buf_lit(b, "{\"time\":");
		dns_json_string(b, when);
		esc_buf_lit(b, ",\"ptr\":");
		dns_json_rcode(b, e->ptr);
		esc_buf_lit(b, ",\"fcrdns\":");
		dns_json_string(b, dns_verdict_name(e->fcrdns));
		esc_buf_lit(b, ",\"helo\":");
		if (e->helo == DNS_VERDICT_NONE)
			esc_buf_lit(b, "null");
		else
			dns_json_string(b, dns_verdict_name(e->helo));
		esc_buf_lit(b, ",\"listed\":");
		if (strcmp(e->listed, DNSHIST_NOT_ASKED) == 0)
			esc_buf_lit(b, "null");
		else
			dns_json_zones(b, e->listed);
		esc_buf_lit(b, ",\"problem\":");
		if (e->problem[0] == '\0')
			esc_buf_lit(b, "null");
		else
			dns_json_string(b, e->problem);
		esc_buf_lit(b, "}");
	}
	esc_buf_lit(b, "]");
}
