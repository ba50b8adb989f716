/*
 * X-ARF v4 JSON and base64.  Field names and limits follow the XARF v4
 * core schema (schemas/v4/xarf-core.json of the xarf-spec repository) and
 * its vulnerability/misconfiguration type schema.  Required are
 * xarf_version, report_id (a UUID), timestamp, reporter and sender (org,
 * contact, domain), source_identifier, category and type, and for this
 * type service.  Evidence items have content_type, description, payload
 * (base64) and size.
 */
#include <sys/random.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xarf.h"
#include "xmalloc.h"

/* Maximum length of a reason name, as in reason.h. */
#define XARF_REASON_MAX	64

static const char xarf_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
xarf_base64(struct esc_buf *b, const void *data, size_t len, size_t wrap)
{
	const unsigned char	*p = data;
	char			 quad[4];
	size_t			 i, col = 0;
	uint32_t		 v;

	esc_buf_add(b, "", 0);
	for (i = 0; i < len; i += 3) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		quad[0] = xarf_alphabet[v >> 18 & 0x3f];
		quad[1] = xarf_alphabet[v >> 12 & 0x3f];
		quad[2] = '=';
		quad[3] = '=';
		if (i + 1 < len)
			quad[2] = xarf_alphabet[v >> 6 & 0x3f];
		if (i + 2 < len)
			quad[3] = xarf_alphabet[v & 0x3f];
		esc_buf_add(b, quad, 4);
		col += 4;
		if (wrap > 0 && col >= wrap) {
			esc_buf_add(b, "\n", 1);
			col = 0;
		}
	}
	if (wrap > 0 && col > 0)
		esc_buf_add(b, "\n", 1);
}

/* One step of the splitmix64 generator: spreads a seed over 64 bits. */
static uint64_t
xarf_mix(uint64_t *state)
{
	uint64_t	z;

	z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
xarf_uuid(uint64_t seed, char buf[37])
{
	unsigned char	u[16];
	uint64_t	a, b, state = seed;
	int		i;

	if (seed != 0 || getrandom(u, sizeof u, GRND_NONBLOCK) !=
	    (ssize_t)sizeof u) {
		if (seed == 0)
			state = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
		a = xarf_mix(&state);
		b = xarf_mix(&state);
		for (i = 0; i < 8; i++) {
			u[i] = (unsigned char)(a >> (56 - 8 * i));
			u[8 + i] = (unsigned char)(b >> (56 - 8 * i));
		}
	}
	u[6] = (u[6] & 0x0f) | 0x40;	/* version 4 */
	u[8] = (u[8] & 0x3f) | 0x80;	/* RFC 4122 variant */
	snprintf(buf, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3], u[4], u[5],
	    u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

static void
xarf_string(struct esc_buf *b, const char *s)
{
	esc_buf_lit(b, "\"");
	esc_buf_json(b, s, strlen(s));
	esc_buf_lit(b, "\"");
}

/* Append "  "key": "value"," with indent spaces. */
static void
xarf_field(struct esc_buf *b, int indent, const char *key, const char *value,
    int last)
{
	esc_buf_printf(b, "%*s\"%s\": ", indent, "", key);
	xarf_string(b, value);
	esc_buf_printf(b, "%s\n", last ? "" : ",");
}

/* Write t (seconds since the epoch) as "YYYY-MM-DDTHH:MM:SSZ". */
static void
xarf_time(int64_t t, char *buf, size_t size)
{
	struct tm	tm;
	time_t		tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The reason name of key (the part before ':'), or "other". */
static void
xarf_reason(const char *key, char *name, size_t size)
{
	size_t	len;

	len = strcspn(key, ":");
	if (len == 0 || len > XARF_REASON_MAX || len >= size ||
	    strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789_") < len ||
	    key[0] == '_') {
		snprintf(name, size, "other");
		return;
	}
	memcpy(name, key, len);
	name[len] = '\0';
}

static void
xarf_contact(struct esc_buf *b, const char *key, const struct xarf_input *in,
    int last)
{
	esc_buf_printf(b, "  \"%s\": {\n", key);
	xarf_field(b, 4, "org", in->org, 0);
	xarf_field(b, 4, "contact", in->contact, 0);
	xarf_field(b, 4, "domain", in->domain, 1);
	esc_buf_printf(b, "  }%s\n", last ? "" : ",");
}

/* The description: which checks failed, with counts, within the limit. */
static void
xarf_description(struct esc_buf *b, const struct client *c, const char *ip)
{
	struct esc_buf	 d = { NULL, 0, 0 };
	char		 name[XARF_REASON_MAX + 1], *part;
	size_t		 i;

	esc_buf_printf(&d, "SMTP client %s failed the HELO and reverse DNS "
	    "checks of our mail server", ip);
	for (i = 0; i < c->nreasons; i++) {
		xarf_reason(c->reasons[i].name, name, sizeof name);
		xasprintf(&part, "%s%s (%llu line%s)", i == 0 ? ": " : ", ",
		    name, (unsigned long long)c->reasons[i].count,
		    c->reasons[i].count == 1 ? "" : "s");
		if (d.len + strlen(part) + 1 > XARF_DESCRIPTION_MAX) {
			free(part);
			break;
		}
		esc_buf_add(&d, part, strlen(part));
		free(part);
	}
	esc_buf_add(&d, ".", 1);
	xarf_field(b, 2, "description", d.data, 0);
	esc_buf_free(&d);
}

static void
xarf_tags(struct esc_buf *b, const struct client *c)
{
	char	names[XARF_TAGS_MAX][XARF_REASON_MAX + 1];
	size_t	i, j, n = 0;

	for (i = 0; i < c->nreasons && n < XARF_TAGS_MAX; i++) {
		xarf_reason(c->reasons[i].name, names[n], sizeof names[n]);
		for (j = 0; j < n; j++) {
			if (strcmp(names[j], names[n]) == 0)
				break;
		}
		if (j == n)
			n++;
	}
	esc_buf_lit(b, "  \"tags\": [");
	for (i = 0; i < n; i++)
		esc_buf_printf(b, "%s\"reason:%s\"", i == 0 ? "" : ", ",
		    names[i]);
	esc_buf_lit(b, "],\n");
}

static void
xarf_evidence_item(struct esc_buf *b, const char *description,
    const char *text, int last)
{
	esc_buf_lit(b, "    {\n");
	xarf_field(b, 6, "content_type", "text/plain", 0);
	xarf_field(b, 6, "description", description, 0);
	esc_buf_lit(b, "      \"payload\": \"");
	xarf_base64(b, text, strlen(text), 0);
	esc_buf_printf(b, "\",\n      \"size\": %zu\n    }%s\n", strlen(text),
	    last ? "" : ",");
}

void
xarf_json(struct esc_buf *b, const struct xarf_input *in)
{
	const struct client	*c = in->client;
	char			 ip[INET6_ADDRSTRLEN], uuid[37], when[32];
	int64_t			 last;

	if (inet_ntop(c->addr.family, c->addr.bytes, ip, sizeof ip) == NULL)
		snprintf(ip, sizeof ip, "unknown");
	xarf_uuid(in->seed, uuid);
	last = c->last.utc != 0 ? c->last.utc : (int64_t)in->now;

	esc_buf_lit(b, "{\n");
	xarf_field(b, 2, "xarf_version", XARF_VERSION, 0);
	xarf_field(b, 2, "report_id", uuid, 0);
	xarf_time(last, when, sizeof when);
	xarf_field(b, 2, "timestamp", when, 0);
	xarf_contact(b, "reporter", in, 0);
	xarf_contact(b, "sender", in, 0);
	xarf_field(b, 2, "source_identifier", ip, 0);
	xarf_field(b, 2, "category", "vulnerability", 0);
	xarf_field(b, 2, "type", "misconfiguration", 0);
	xarf_field(b, 2, "service", "smtp", 0);
	xarf_field(b, 2, "evidence_source", "automated_scan", 0);
	if (c->first.utc != 0) {
		xarf_time(c->first.utc, when, sizeof when);
		xarf_field(b, 2, "first_seen", when, 0);
	}
	if (c->last.utc != 0) {
		xarf_time(c->last.utc, when, sizeof when);
		xarf_field(b, 2, "last_seen", when, 0);
	}
	xarf_description(b, c, ip);
	xarf_tags(b, c);
	esc_buf_lit(b, "  \"evidence\": [\n");
	if (in->log_text != NULL)
		xarf_evidence_item(b, "Log lines of our mail server that name "
		    "the client", in->log_text, in->dns_text == NULL);
	if (in->dns_text != NULL)
		xarf_evidence_item(b, "DNS check of the client's PTR and HELO "
		    "names, with rcodes", in->dns_text, 1);
	esc_buf_lit(b, "  ]\n}\n");
}
