/*
 * Fuzz target for the handling of DNS answers: dns_answer_parse on raw
 * messages, and dns_result_judge on the result they build, the way the
 * engine in dns.c builds it.  The input is a series of chunks, each a
 * 2-byte big-endian length and that many bytes (the last one may be cut):
 *	1. the client: a family byte (even: IPv4, odd: IPv6), 16 address
 *	   bytes (IPv4 uses the first 4), then HELO names, one per line;
 *	2. the answer to the PTR query;
 *	3. answers to the A and then the AAAA query of each PTR name that
 *	   may be asked, then of each HELO name that may be asked.
 * An empty or missing chunk is a query that timed out.
 *
 * Checked beyond "no crash, no leak": names from the wire are printable
 * ASCII, verdicts follow from the answers (a confirmed name passes, a
 * HELO literal of the client passes), judging twice gives the same
 * verdicts, and the JSON and CSV output hold no control byte.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "dns.h"
#include "esc.h"
#include "output.h"
#include "xmalloc.h"
#include "fuzz.h"

#define FUZZ_CLIENT_LEN	17

struct fuzz_input {
	const uint8_t	*data;
	size_t		 left;
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* Take the next chunk.  Returns 0 with *len 0 when none is left. */
static const uint8_t *
fuzz_chunk(struct fuzz_input *in, size_t *len)
{
	const uint8_t	*p;
	size_t		 n;

	*len = 0;
	if (in->left < 2) {
		in->left = 0;
		return NULL;
	}
	n = (size_t)in->data[0] << 8 | in->data[1];
	in->data += 2;
	in->left -= 2;
	if (n > in->left)
		n = in->left;
	p = in->data;
	in->data += n;
	in->left -= n;
	*len = n;
	return p;
}

static void
fuzz_check_answer(const struct dns_answer *ans, int type)
{
	size_t	i, k;

	FUZZ_CHECK(ans->nnames <= DNS_NAMES_MAX, "%zu names", ans->nnames);
	FUZZ_CHECK(ans->naddrs <= DNS_ADDRS_MAX, "%zu addresses",
	    ans->naddrs);
	for (i = 0; i < ans->nnames; i++) {
		FUZZ_CHECK(type == DNS_TYPE_PTR, "a name in a type %d answer",
		    type);
		FUZZ_CHECK(strlen(ans->names[i]) < DNS_NAME_TEXT_MAX,
		    "name of %zu bytes", strlen(ans->names[i]));
		for (k = 0; ans->names[i][k] != '\0'; k++)
			FUZZ_CHECK(ans->names[i][k] >= '!' &&
			    ans->names[i][k] <= '~', "name byte 0x%02x",
			    (unsigned char)ans->names[i][k]);
	}
	for (i = 0; i < ans->naddrs; i++)
		FUZZ_CHECK(ans->addrs[i].family == (type == DNS_TYPE_A ?
		    AF_INET : AF_INET6), "family %d in a type %d answer",
		    ans->addrs[i].family, type);
}

/* Parse the next chunk as the answer of a query of type. */
static void
fuzz_answer(struct fuzz_input *in, int type, struct dns_answer *ans)
{
	const uint8_t	*msg;
	size_t		 len;

	msg = fuzz_chunk(in, &len);
	if (len == 0) {
		memset(ans, 0, sizeof *ans);
		ans->rcode = DNS_RCODE_TIMEOUT;
		return;
	}
	if (dns_answer_parse(msg, len, type, ans) == -1)
		FUZZ_CHECK(ans->rcode == DNS_RCODE_ERROR && ans->nnames == 0 &&
		    ans->naddrs == 0, "a malformed answer kept data");
	fuzz_check_answer(ans, type);
}

/* Ask A and AAAA for a name, as dns_enqueue_forward does. */
static void
fuzz_forward(struct fuzz_input *in, struct dns_addrlist *f)
{
	struct dns_answer	ans;
	size_t			i;
	int			type;

	for (type = DNS_TYPE_A; type != 0;
	    type = type == DNS_TYPE_A ? DNS_TYPE_AAAA : 0) {
		fuzz_answer(in, type, &ans);
		if (type == DNS_TYPE_A)
			f->rcode_a = ans.rcode;
		else
			f->rcode_aaaa = ans.rcode;
		for (i = 0; i < ans.naddrs && f->count < DNS_ADDRS_MAX; i++)
			f->addrs[f->count++] = ans.addrs[i];
		dns_answer_clear(&ans);
	}
}

static void
fuzz_set_invalid(struct dns_addrlist *f)
{
	f->rcode_a = DNS_RCODE_INVALID;
	f->rcode_aaaa = DNS_RCODE_INVALID;
}

/* Read the client chunk: its address and HELO names. */
static void
fuzz_client(struct fuzz_input *in, struct event_addr *addr,
    struct dns_result *r)
{
	const uint8_t	*p, *nl;
	size_t		 len, n;
	struct dns_helo	*h;
	struct event_addr literal;
	int		 rc;

	memset(addr, 0, sizeof *addr);
	addr->family = AF_INET;
	p = fuzz_chunk(in, &len);
	if (len == 0)
		return;
	addr->family = p[0] & 1 ? AF_INET6 : AF_INET;
	n = len - 1 < 16 ? len - 1 : 16;
	memcpy(addr->bytes, p + 1, addr->family == AF_INET && n > 4 ? 4 : n);
	if (len <= FUZZ_CLIENT_LEN)
		return;
	p += FUZZ_CLIENT_LEN;
	len -= FUZZ_CLIENT_LEN;
	while (len > 0 && r->nhelo < DNS_HELOS_MAX) {
		nl = memchr(p, '\n', len);
		n = nl != NULL ? (size_t)(nl - p) : len;
		h = &r->helo[r->nhelo++];
		/* Up to a NUL byte, like the C string the engine gets. */
		h->name = xstrndup((const char *)p, n < DNS_NAME_TEXT_MAX ? n :
		    DNS_NAME_TEXT_MAX);
		if ((rc = dns_literal_parse(h->name, &literal)) == 1)
			h->literal = 1;
		else if (rc == -1)
			h->invalid = "malformed address literal";
		else
			h->invalid = dns_name_invalid(h->name);
		if (h->invalid != NULL) {
			h->rcode = DNS_RCODE_INVALID;
			fuzz_set_invalid(&h->forward);
		}
		p += n;
		len -= n;
		if (len > 0) {
			p++;
			len--;
		}
	}
}

static void
fuzz_check_verdicts(const struct dns_result *r, const struct event_addr *a)
{
	struct event_addr	literal;
	size_t			i, k;
	int			confirmed = 0;

	FUZZ_CHECK(r->fcrdns <= DNS_VERDICT_INDETERMINATE, "fcrdns %d",
	    (int)r->fcrdns);
	for (i = 0; i < r->nptr; i++) {
		for (k = 0; k < r->ptr[i].forward.count; k++)
			confirmed |= dns_addr_equal(&r->ptr[i].forward.addrs[k],
			    a);
		FUZZ_CHECK(r->ptr[i].confirmed == 0 || confirmed,
		    "PTR name %zu confirmed without the address", i);
	}
	FUZZ_CHECK((r->fcrdns == DNS_VERDICT_PASS) == (confirmed != 0),
	    "fcrdns %s, confirmed %d", dns_verdict_name(r->fcrdns),
	    confirmed);
	for (i = 0; i < r->nhelo; i++) {
		FUZZ_CHECK(r->helo[i].verified <= DNS_VERDICT_INDETERMINATE,
		    "helo verdict %d", (int)r->helo[i].verified);
		if (r->helo[i].literal) {
			FUZZ_CHECK(dns_literal_parse(r->helo[i].name,
			    &literal) == 1, "literal does not parse");
			FUZZ_CHECK((r->helo[i].verified == DNS_VERDICT_PASS) ==
			    dns_addr_equal(&literal, a),
			    "literal verdict %s",
			    dns_verdict_name(r->helo[i].verified));
		}
		if (r->helo[i].invalid != NULL)
			FUZZ_CHECK(r->helo[i].verified == DNS_VERDICT_FAIL,
			    "invalid HELO verdict %s",
			    dns_verdict_name(r->helo[i].verified));
	}
}

/* Format the result as "list --dns" does, for JSON and CSV. */
static void
fuzz_check_output(const struct event_addr *a, const struct dns_result *r)
{
	struct client		 c, *cp = &c;
	struct agg_count	 helos[DNS_HELOS_MAX];
	static char		 reason_name[] = "no_rdns";
	struct agg_count	 reason = { .name = reason_name, .count = 1 };
	const struct dns_result	*rp = r;
	struct esc_buf		 b;
	const char		*problem;
	size_t			 i;
	int			 csv;

	memset(&c, 0, sizeof c);
	memset(helos, 0, sizeof helos);
	c.addr = *a;
	inet_ntop(a->family, a->bytes, c.ip, sizeof c.ip);
	for (i = 0; i < r->nhelo; i++) {
		helos[i].name = r->helo[i].name;
		helos[i].count = 1;
	}
	c.helos = helos;
	c.nhelos = r->nhelo;
	c.reasons = &reason;
	c.nreasons = 1;
	c.events = 1;
	c.suspect = 1;
	for (csv = 0; csv <= 1; csv++) {
		memset(&b, 0, sizeof b);
		esc_buf_lit(&b, "");
		out_clients(&b, csv ? OUT_CSV : OUT_JSON, &cp, 1, &rp);
		problem = fuzz_text_problem(b.data, b.len, 1);
		FUZZ_CHECK(problem == NULL, "%s: %s", csv ? "CSV" : "JSON",
		    problem);
		FUZZ_CHECK(fuzz_count(b.data, b.len, '\n') == 1u + csv,
		    "%s: %zu lines", csv ? "CSV" : "JSON",
		    fuzz_count(b.data, b.len, '\n'));
		esc_buf_free(&b);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input	 in = { data, size };
	struct event_addr	 addr;
	struct dns_result	 r, again;
	struct dns_answer	 ans;
	struct dns_ptrname	*p;
	char			 reverse[DNS_REVERSE_NAME_MAX];
	size_t			 i;

	memset(&r, 0, sizeof r);
	fuzz_client(&in, &addr, &r);
	FUZZ_CHECK(dns_reverse_name(&addr, reverse, sizeof reverse) == 0,
	    "no reverse name");

	fuzz_answer(&in, DNS_TYPE_PTR, &ans);
	r.ptr_rcode = ans.rcode;
	for (i = 0; i < ans.nnames && r.nptr < DNS_NAMES_MAX; i++) {
		p = &r.ptr[r.nptr++];
		p->name = ans.names[i];
		ans.names[i] = NULL;
		if ((p->invalid = dns_name_invalid(p->name)) != NULL)
			fuzz_set_invalid(&p->forward);
	}
	dns_answer_clear(&ans);
	dns_result_judge(&r, &addr);

	for (i = 0; i < r.nptr; i++) {
		if (r.ptr[i].invalid == NULL)
			fuzz_forward(&in, &r.ptr[i].forward);
	}
	for (i = 0; i < r.nhelo; i++) {
		if (r.helo[i].literal || r.helo[i].invalid != NULL)
			continue;
		fuzz_forward(&in, &r.helo[i].forward);
		r.helo[i].rcode = dns_helo_rcode(&r.helo[i].forward);
	}
	r.done = 1;
	dns_result_judge(&r, &addr);
	fuzz_check_verdicts(&r, &addr);

	again = r;
	dns_result_judge(&again, &addr);
	FUZZ_CHECK(again.fcrdns == r.fcrdns, "fcrdns changed on a second run");
	for (i = 0; i < r.nhelo; i++)
		FUZZ_CHECK(again.helo[i].verified == r.helo[i].verified,
		    "HELO %zu verdict changed on a second run", i);

	fuzz_check_output(&addr, &r);

	for (i = 0; i < r.nptr; i++)
		free(r.ptr[i].name);
	for (i = 0; i < r.nhelo; i++)
		free(r.helo[i].name);
	return 0;
}
