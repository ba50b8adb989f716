/*
 * A reader for DNS answer messages (RFC 1035 section 4).  Every octet comes
 * from the network, so each read is checked against the message length,
 * compression pointers are counted, and names are bounded at 255 octets.
 *
 * The c-ares reply parsers are not used.  With c-ares 1.18.1 one PTR name
 * holding a space makes ares_parse_ptr_reply reject the whole answer
 * (ARES_EBADRESP), and this program shows such a name, escaped, instead.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "xmalloc.h"

#define DNS_HEADER_LEN		12
/* A name on the wire, with its length octets and the final zero. */
#define DNS_WIRE_NAME_MAX	255
/* Compression pointers followed while reading one name. */
#define DNS_POINTERS_MAX	64
#define DNS_CLASS_IN		1

/* Fixed fields of a resource record after its owner name. */
#define DNS_RR_FIXED_LEN	10

struct dns_wire_name {
	unsigned char	data[DNS_WIRE_NAME_MAX];
	size_t		len;
};

struct dns_rr {
	/*
	 * The owner name: &owner_copy, or the question name itself when the
	 * record names it with a pointer (see dns_read_rr).
	 */
	const struct dns_wire_name *owner;
	struct dns_wire_name	owner_copy;
	int			type;
	int			class;
	int64_t			ttl;		/* seconds */
	size_t			rdata;		/* offset in the message */
	size_t			rdlen;
};

/* Length of the SOA fields after the two names: serial to minimum. */
#define DNS_SOA_FIXED_LEN	20

static uint16_t
dns_get16(const unsigned char *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

/* A TTL with the top bit set counts as 0 (RFC 2181 section 8). */
static int64_t
dns_get_ttl(const unsigned char *p)
{
	uint32_t	v;

	v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	return (v & 0x80000000U) ? 0 : (int64_t)v;
}

/*
 * Read the name at *off into out, uncompressed, or only check it if out
 * is NULL.  *off moves past the name as it is stored at *off (a pointer
 * counts two octets).  Returns 0, or -1 if the name runs past len, loops,
 * or is longer than 255 octets.
 */
static int
dns_read_name(const unsigned char *msg, size_t len, size_t *off,
    struct dns_wire_name *out)
{
	size_t	pos = *off, label, pointer, n = 0;
	int	jumped = 0, hops = 0;

	for (;;) {
		if (pos >= len)
			return -1;
		label = msg[pos];
		if ((label & 0xc0) == 0xc0) {
			if (pos + 1 >= len || ++hops > DNS_POINTERS_MAX)
				return -1;
			pointer = ((label & 0x3f) << 8) | msg[pos + 1];
			if (!jumped)
				*off = pos + 2;
			jumped = 1;
			pos = pointer;
			continue;
		}
		if ((label & 0xc0) != 0)
			return -1;	/* extended label types: obsolete */
		if (n + 1 + label > DNS_WIRE_NAME_MAX)
			return -1;
		if (out != NULL)
			out->data[n] = (unsigned char)label;
		n++;
		if (label == 0)
			break;
		if (pos + 1 + label > len)
			return -1;
		if (out != NULL)
			memcpy(out->data + n, msg + pos + 1, label);
		n += label;
		pos += 1 + label;
	}
	if (out != NULL)
		out->len = n;
	if (!jumped)
		*off = pos + 1;
	return 0;
}

static int
dns_wire_name_equal(const struct dns_wire_name *a,
    const struct dns_wire_name *b)
{
	size_t		i;
	unsigned char	ca, cb;

	if (a->len != b->len)
		return 0;
	/* The names of one message usually have the same case. */
	if (a == b || memcmp(a->data, b->data, a->len) == 0)
		return 1;
	for (i = 0; i < a->len; i++) {
		ca = a->data[i];
		cb = b->data[i];
		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
		if (ca != cb)
			return 0;
	}
	return 1;
}

/* Write name in master-file form, as dns_answer_parse in dns.h describes. */
static char *
dns_wire_name_text(const struct dns_wire_name *name)
{
	static const char	 digits[] = "0123456789";
	char			 text[DNS_NAME_TEXT_MAX];
	size_t			 pos = 0, t = 0, label, i;
	unsigned char		 ch;

	if (name->len <= 1)
		return xstrdup(".");
	while (pos < name->len && (label = name->data[pos]) != 0) {
		if (t > 0)
			text[t++] = '.';
		for (i = 1; i <= label; i++) {
			/* Four characters at most, plus a dot and the NUL. */
			if (t + 6 > sizeof text)
				return xstrndup(text, t);
			ch = name->data[pos + i];
			if (ch == '.' || ch == '\\') {
				text[t++] = '\\';
				text[t++] = (char)ch;
			} else if (ch < '!' || ch > '~') {
				text[t++] = '\\';
				text[t++] = digits[ch / 100];
				text[t++] = digits[ch / 10 % 10];
				text[t++] = digits[ch % 10];
			} else
				text[t++] = (char)ch;
		}
		pos += 1 + label;
	}
	return xstrndup(text, t);
}

/*
 * Read the resource record at *off and move *off past it.  question is
 * the name at the end of the header, if it contains no pointer, or NULL.
 * An owner that is a pointer to that name is the question name itself,
 * as dns_read_name would read it, so it is not copied.
 */
static int
dns_read_rr(const unsigned char *msg, size_t len, size_t *off,
    const struct dns_wire_name *question, struct dns_rr *rr)
{
	const unsigned char	*p;

	if (question != NULL && len - *off >= 2 &&
	    msg[*off] == (0xc0 | DNS_HEADER_LEN >> 8) &&
	    msg[*off + 1] == (DNS_HEADER_LEN & 0xff)) {
		rr->owner = question;
		*off += 2;
	} else {
		if (dns_read_name(msg, len, off, &rr->owner_copy) == -1)
			return -1;
		rr->owner = &rr->owner_copy;
	}
	if (len - *off < DNS_RR_FIXED_LEN)
		return -1;
	p = msg + *off;
	rr->type = dns_get16(p);
	rr->class = dns_get16(p + 2);
	rr->ttl = dns_get_ttl(p + 4);
	rr->rdlen = dns_get16(p + 8);
	rr->rdata = *off + DNS_RR_FIXED_LEN;
	if (rr->rdlen > len - rr->rdata)
		return -1;
	*off = rr->rdata + rr->rdlen;
	return 0;
}

/* Read a name stored in the rdata of rr.  It must end inside the rdata. */
static int
dns_read_rdata_name(const unsigned char *msg, size_t len,
    const struct dns_rr *rr, struct dns_wire_name *out)
{
	size_t	off = rr->rdata;

	if (dns_read_name(msg, len, &off, out) == -1)
		return -1;
	return off > rr->rdata + rr->rdlen ? -1 : 0;
}

static enum dns_rcode
dns_rcode_from_wire(unsigned int rcode)
{
	switch (rcode) {
	case 0:
		return DNS_RCODE_NOERROR;
	case 2:
		return DNS_RCODE_SERVFAIL;
	case 3:
		return DNS_RCODE_NXDOMAIN;
	case 5:
		return DNS_RCODE_REFUSED;
	default:
		return DNS_RCODE_ERROR;	/* FORMERR, NOTIMP and the rest */
	}
}

/*
 * Follow CNAME records from *name through the answer section, at most
 * DNS_CNAME_MAX of them, and leave the last name in *name.
 */
static int
dns_follow_cnames(const unsigned char *msg, size_t len, size_t answers,
    unsigned int ancount, const struct dns_wire_name *question,
    struct dns_wire_name *name)
{
	struct dns_rr	rr;
	size_t		off;
	unsigned int	i;
	int		hop, found;

	for (hop = 0; hop < DNS_CNAME_MAX; hop++) {
		found = 0;
		off = answers;
		for (i = 0; i < ancount && !found; i++) {
			if (dns_read_rr(msg, len, &off, question, &rr) == -1)
				return -1;
			if (rr.type != DNS_TYPE_CNAME ||
			    rr.class != DNS_CLASS_IN ||
			    !dns_wire_name_equal(rr.owner, name))
				continue;
			if (dns_read_rdata_name(msg, len, &rr, name) == -1)
				return -1;
			found = 1;
		}
		if (!found)
			break;
	}
	return 0;
}

static void
dns_answer_add_name(struct dns_answer *ans, struct dns_wire_name *seen,
    const struct dns_wire_name *name)
{
	size_t	i;

	for (i = 0; i < ans->nnames; i++) {
		if (dns_wire_name_equal(&seen[i], name))
			return;
	}
	if (ans->nnames == DNS_NAMES_MAX) {
		ans->names_dropped++;
		return;
	}
	seen[ans->nnames] = *name;
	ans->names[ans->nnames++] = dns_wire_name_text(name);
}

static void
dns_answer_add_addr(struct dns_answer *ans, int family,
    const unsigned char *bytes, size_t len)
{
	struct event_addr	a;
	size_t			i;

	memset(&a, 0, sizeof a);
	a.family = family;
	memcpy(a.bytes, bytes, len);
	for (i = 0; i < ans->naddrs; i++) {
		if (memcmp(&ans->addrs[i], &a, sizeof a) == 0)
			return;
	}
	if (ans->naddrs < DNS_ADDRS_MAX)
		ans->addrs[ans->naddrs++] = a;
}

/*
 * Join the character strings of the TXT record rr, escaped as dns.h
 * describes, and keep the text unless DNS_TXT_MAX are kept already.
 */
static int
dns_answer_add_txt(struct dns_answer *ans, const unsigned char *msg,
    const struct dns_rr *rr)
{
	static const char	 digits[] = "0123456789";
	char			 text[DNS_TXT_TEXT_MAX];
	size_t			 pos, end, t = 0, i, n;
	unsigned char		 ch;

	pos = rr->rdata;
	end = rr->rdata + rr->rdlen;
	while (pos < end) {
		n = msg[pos++];
		if (n > end - pos)
			return -1;
		for (i = 0; i < n; i++) {
			ch = msg[pos + i];
			if (t + 5 > sizeof text)
				break;	/* cut: the rest does not fit */
			if (ch == '\\') {
				text[t++] = '\\';
				text[t++] = '\\';
			} else if (ch < ' ' || ch > '~') {
				text[t++] = '\\';
				text[t++] = digits[ch / 100];
				text[t++] = digits[ch / 10 % 10];
				text[t++] = digits[ch % 10];
			} else
				text[t++] = (char)ch;
		}
		pos += n;
	}
	if (ans->ntxt < DNS_TXT_MAX)
		ans->txt[ans->ntxt++] = xstrndup(text, t);
	return 0;
}

/*
 * The negative TTL of an answer without the records asked for: the lower
 * of the TTL of the SOA record in the authority section and its minimum
 * field (RFC 2308 section 5), or -1 without a SOA record.
 */
static int64_t
dns_negative_ttl(const unsigned char *msg, size_t len, size_t off,
    unsigned int nscount, const struct dns_wire_name *question)
{
	struct dns_rr		rr;
	size_t			pos;
	int64_t			minimum;
	unsigned int		i;

	for (i = 0; i < nscount; i++) {
		if (dns_read_rr(msg, len, &off, question, &rr) == -1)
			return -1;
		if (rr.type != DNS_TYPE_SOA || rr.class != DNS_CLASS_IN)
			continue;
		/* Skip MNAME, then RNAME, to reach the fixed fields. */
		pos = rr.rdata;
		if (dns_read_name(msg, len, &pos, NULL) == -1)
			return -1;
		if (dns_read_name(msg, len, &pos, NULL) == -1 ||
		    pos + DNS_SOA_FIXED_LEN > rr.rdata + rr.rdlen)
			return -1;
		minimum = dns_get_ttl(msg + pos + 16);
		return minimum < rr.ttl ? minimum : rr.ttl;
	}
	return -1;
}

int
dns_answer_parse(const unsigned char *buf, size_t len, int type,
    struct dns_answer *ans)
{
	struct dns_wire_name	 question, cname, target;
	struct dns_wire_name	 seen[DNS_NAMES_MAX];	/* names kept */
	const struct dns_wire_name *qname = &question, *plain = NULL;
	struct dns_rr		 rr;
	unsigned int		 qdcount, ancount, nscount, i;
	size_t			 off, answers, used = 0;
	int64_t			 answer_ttl = -1;
	int			 followed = 0;

	/* Clear only the counts, because readers of the arrays stop there. */
	ans->nnames = ans->names_dropped = ans->naddrs = ans->ntxt = 0;
	ans->rcode = DNS_RCODE_ERROR;
	ans->ttl = -1;
	if (len < DNS_HEADER_LEN || (buf[2] & 0x80) == 0)
		return -1;	/* too short, or not a response */
	qdcount = dns_get16(buf + 4);
	ancount = dns_get16(buf + 6);
	nscount = dns_get16(buf + 8);

	/* The first question names what the answers are about. */
	off = DNS_HEADER_LEN;
	for (i = 0; i < qdcount; i++) {
		if (dns_read_name(buf, len, &off, i == 0 ? &question :
		    &target) == -1 || len - off < 4)
			return -1;
		off += 4;
	}
	answers = off;
	ans->rcode = dns_rcode_from_wire(buf[3] & 0x0f);
	if (qdcount == 0)
		return 0;

	/*
	 * Records usually name the question with a pointer to it.  When the
	 * question name is stored without pointers, dns_read_rr can take
	 * such an owner as the question name without reading it again.
	 */
	if (DNS_HEADER_LEN + question.len <= len && memcmp(buf +
	    DNS_HEADER_LEN, question.data, question.len) == 0)
		plain = &question;

	/*
	 * Most answers hold no CNAME, so the chain is followed only when the
	 * loop below meets one for the question name, and the loop restarts.
	 */
restart:
	off = answers;
	for (i = 0; i < ancount; i++) {
		if (dns_read_rr(buf, len, &off, plain, &rr) == -1)
			goto malformed;
		if (rr.class != DNS_CLASS_IN)
			continue;
		if (rr.type == DNS_TYPE_CNAME && !followed &&
		    dns_wire_name_equal(rr.owner, qname)) {
			cname = question;
			qname = &cname;
			if (dns_follow_cnames(buf, len, answers, ancount,
			    plain, &cname) == -1)
				goto malformed;
			/* Keep only the records of the last name. */
			dns_answer_clear(ans);
			followed = 1;
			answer_ttl = -1;
			used = 0;
			goto restart;
		}
		/* The lowest TTL of the records, CNAMEs included. */
		if (answer_ttl == -1 || rr.ttl < answer_ttl)
			answer_ttl = rr.ttl;
		if (rr.type != type || !dns_wire_name_equal(rr.owner, qname))
			continue;
		used++;
		if (type == DNS_TYPE_PTR) {
			if (dns_read_rdata_name(buf, len, &rr, &target) == -1)
				goto malformed;
			dns_answer_add_name(ans, seen, &target);
		} else if (type == DNS_TYPE_TXT) {
			if (dns_answer_add_txt(ans, buf, &rr) == -1)
				goto malformed;
		} else if (type == DNS_TYPE_A && rr.rdlen == 4)
			dns_answer_add_addr(ans, AF_INET, buf + rr.rdata, 4);
		else if (type == DNS_TYPE_AAAA && rr.rdlen == 16)
			dns_answer_add_addr(ans, AF_INET6, buf + rr.rdata, 16);
	}

	if (ans->rcode == DNS_RCODE_NOERROR && used > 0)
		ans->ttl = answer_ttl;
	else if (ans->rcode == DNS_RCODE_NOERROR ||
	    ans->rcode == DNS_RCODE_NXDOMAIN) {
		ans->ttl = dns_negative_ttl(buf, len, off, nscount, plain);
		if (ans->ttl >= 0 && answer_ttl >= 0 && answer_ttl < ans->ttl)
			ans->ttl = answer_ttl;
	}
	return 0;

malformed:
	dns_answer_clear(ans);
	ans->rcode = DNS_RCODE_ERROR;
	ans->ttl = -1;
	return -1;
}

void
dns_answer_clear(struct dns_answer *ans)
{
	size_t	i;

	for (i = 0; i < ans->nnames; i++) {
		free(ans->names[i]);
		ans->names[i] = NULL;
	}
	for (i = 0; i < ans->ntxt; i++) {
		free(ans->txt[i]);
		ans->txt[i] = NULL;
	}
	ans->nnames = 0;
	ans->naddrs = 0;
	ans->ntxt = 0;
}
