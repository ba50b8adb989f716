/*
 * Deterministic generator of synthetic mail logs for the log parsing
 * benchmark: an Exim mainlog or a Postfix maillog of a given size, with a
 * given number of distinct client addresses, share of warning lines, share
 * of IPv6 clients and share of long HELO names.  The same options and seed
 * always give the same bytes.
 *
 *	loggen [-f exim|postfix] [-s bytes] [-c clients] [-w warn%]
 *	    [-6 ipv6%] [-l longhelo%] [-S lines] [-r seed] [-o file]
 *
 * -S sets the mean number of client lines of an SMTP session.  An MTA
 * logs several lines for one connection (Postfix its connect, reject and
 * disconnect lines, Exim its warnings, rejections and arrivals), and
 * other sessions run at the same time.  So with -S above 1 the client
 * lines come from LOGGEN_SESSIONS sessions open at once: each line picks
 * one of them, and a session that has written its lines is replaced by
 * one of a new client.  A session writes from 1 to 2 * S - 1 client
 * lines.  With -S 1, the default, every client line picks its client on
 * its own, which no MTA writes, but which is the worst case for a
 * program that keeps state per client.
 *
 * Every address of the pool starts a session once before any starts a
 * second one.  So a log with about -c times -S client lines or more
 * names exactly -c clients, and loggen warns when a log names fewer.
 * After that, half of the sessions come from the first 1 % of the pool
 * (busy senders and persistent scanners) and half from all of it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Output buffer; lines are at most LOGGEN_LINE_MAX bytes. */
#define LOGGEN_BUF_SIZE		(1024 * 1024)
#define LOGGEN_LINE_MAX		1024
/* Length of a long HELO name. */
#define LOGGEN_LONG_HELO	200
/* SMTP sessions open at once, with -S above 1. */
#define LOGGEN_SESSIONS		16
/* Maximum value of -S. */
#define LOGGEN_SESSION_MAX	1000

enum loggen_format {
	LOGGEN_EXIM,
	LOGGEN_POSTFIX,
};

struct loggen_session {
	uint64_t	client;		/* pool index */
	uint64_t	left;		/* client lines still to write */
};

struct loggen {
	enum loggen_format	 format;
	uint64_t		 size;
	uint64_t		 clients;
	unsigned		 warn_pct;
	unsigned		 ipv6_pct;
	unsigned		 long_helo_pct;
	uint64_t		 session_lines;	/* mean; 1: no sessions */
	struct loggen_session	 sessions[LOGGEN_SESSIONS];
	uint64_t		 rng;
	uint64_t		 next_client;	/* pool index not used yet */
	int64_t			 now;		/* seconds since 2026-11-01 */
	uint64_t		 msgno;
	FILE			*out;
	char			 line[LOGGEN_LINE_MAX];
	size_t			 len;
};

static const char *const loggen_months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
	"Nov", "Dec"
};

static const char *const loggen_warnings[] = {
	"HELO verification failed",
	"Forward/Reverse DNS mismatch",
	"Sender rate high",
	"dynamic IP range",
};

static void
loggen_usage(void)
{
	fprintf(stderr, "usage: loggen [-f exim|postfix] [-s bytes] "
	    "[-c clients] [-w warn%%] [-6 ipv6%%] [-l longhelo%%] "
	    "[-S lines] [-r seed] [-o file]\n");
	exit(2);
}

/* xorshift64*: fast and reproducible on every platform. */
static uint64_t
loggen_rand(struct loggen *g)
{
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return g->rng * 2685821657736338717ULL;
}

static unsigned
loggen_pct(struct loggen *g)
{
	return (unsigned)(loggen_rand(g) % 100);
}

/* A bijective mix of a pool index, so neighbours get unrelated addresses. */
static uint64_t
loggen_mix(uint64_t x)
{
	x ^= x >> 31;
	x *= 0x7fb5d329728ea185ULL;
	x ^= x >> 27;
	x *= 0x81dadef4bc2dd44dULL;
	x ^= x >> 33;
	return x;
}

static void
loggen_put(struct loggen *g, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(g->line + g->len, sizeof g->line - g->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof g->line - g->len) {
		fprintf(stderr, "loggen: line too long\n");
		exit(1);
	}
	g->len += (size_t)n;
}

/* Pick the next client: every pool index once, then a skewed choice. */
static uint64_t
loggen_client(struct loggen *g)
{
	uint64_t	hot;

	if (g->next_client < g->clients)
		return g->next_client++;
	hot = g->clients / 100 > 0 ? g->clients / 100 : 1;
	if (loggen_rand(g) & 1)
		return loggen_rand(g) % hot;
	return loggen_rand(g) % g->clients;
}

/*
 * Pick the client of the next client line: with sessions, the client of
 * one of the open sessions.  With -S 1 this draws no random number of
 * its own, so such logs keep the bytes of the recorded benchmark runs,
 * which had no sessions.
 */
static uint64_t
loggen_line_client(struct loggen *g)
{
	struct loggen_session	*s;

	if (g->session_lines <= 1)
		return loggen_client(g);
	s = &g->sessions[loggen_rand(g) % LOGGEN_SESSIONS];
	if (s->left == 0) {
		s->client = loggen_client(g);
		s->left = 1 + loggen_rand(g) % (2 * g->session_lines - 1);
	}
	s->left--;
	return s->client;
}

/*
 * The address of pool index i: IPv4 from 10.0.0.0/8 and 100.64.0.0/10
 * (private and shared address space, not routed on the internet), or IPv6
 * from 2001:db8::/32 (the documentation prefix).
 */
static void
loggen_addr(const struct loggen *g, uint64_t i, char *buf, size_t size)
{
	uint64_t	h = loggen_mix(i + 1);

	if (h % 100 < g->ipv6_pct) {
		snprintf(buf, size, "2001:db8:%x:%x::%x",
		    (unsigned)(i >> 16) & 0xffff, (unsigned)i & 0xffff,
		    (unsigned)(h >> 40) & 0xfff);
		return;
	}
	/* 2^24 + 2^22 addresses: enough for any pool this tool is run with. */
	i %= (1u << 24) + (1u << 22);
	if (i < (1u << 24))
		snprintf(buf, size, "10.%u.%u.%u", (unsigned)(i >> 16) & 255,
		    (unsigned)(i >> 8) & 255, (unsigned)i & 255);
	else {
		i -= 1u << 24;
		snprintf(buf, size, "100.%u.%u.%u",
		    64 + ((unsigned)(i >> 16) & 63), (unsigned)(i >> 8) & 255,
		    (unsigned)i & 255);
	}
}

/* The HELO name of pool index i; some clients send a long one. */
static void
loggen_helo(const struct loggen *g, uint64_t i, char *buf, size_t size)
{
	uint64_t	h = loggen_mix(i ^ 0x5555);
	size_t		n;

	if ((h >> 8) % 100 < g->long_helo_pct) {
		n = (size_t)snprintf(buf, size, "host-%" PRIu64 "-", i);
		for (; n + 1 < size && n < LOGGEN_LONG_HELO; n++)
			buf[n] = (char)('a' + (h >> (n % 40)) % 26);
		buf[n] = '\0';
		return;
	}
	switch (h % 4) {
	case 0:
		snprintf(buf, size, "mail%" PRIu64 ".example.net", i);
		break;
	case 1:
		snprintf(buf, size, "dsl-%" PRIu64 ".pool.example.com", i);
		break;
	case 2:
		snprintf(buf, size, "WIN-%08" PRIX64, h >> 32);
		break;
	default:
		snprintf(buf, size, "localhost");
		break;
	}
}

/* The verified name of pool index i, or NULL for one without. */
static const char *
loggen_rdns(uint64_t i, char *buf, size_t size)
{
	if (loggen_mix(i ^ 0xaaaa) % 3 == 0)
		return NULL;
	snprintf(buf, size, "host-%" PRIu64 ".isp.example", i);
	return buf;
}

static void
loggen_msgid(struct loggen *g, char *buf, size_t size)
{
	static const char	 b62[] =
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	uint64_t		 m = loggen_mix(++g->msgno);
	size_t			 k;

	if (size < 17)
		return;
	for (k = 0; k < 16; k++) {
		buf[k] = b62[m % 62];
		m = m / 62 + (k == 8 ? loggen_mix(m) : 0);
	}
	buf[6] = buf[13] = '-';
	buf[16] = '\0';
}

/* Start a line with the timestamp of the format. */
static void
loggen_stamp(struct loggen *g)
{
	int64_t	t = g->now, day = t / 86400, sec = t % 86400;
	int	month = 11, mday = (int)day + 1, year = 2026;
	static const int mdays[] = { 30, 31, 31, 28, 31, 30, 31, 30, 31 };
	int	k = 0;

	/* November 2026 onwards; the logs cover weeks, not years. */
	while (mday > mdays[k % 9]) {
		mday -= mdays[k % 9];
		k++;
		if (++month > 12) {
			month = 1;
			year++;
		}
	}
	g->len = 0;
	if (g->format == LOGGEN_EXIM)
		loggen_put(g, "%04d-%02d-%02d %02d:%02d:%02d ", year, month,
		    mday, (int)(sec / 3600), (int)(sec / 60 % 60),
		    (int)(sec % 60));
	else
		loggen_put(g, "%s %2d %02d:%02d:%02d mx1 ",
		    loggen_months[month - 1], mday, (int)(sec / 3600),
		    (int)(sec / 60 % 60), (int)(sec % 60));
}

static void
loggen_exim_line(struct loggen *g)
{
	char		 ip[64], helo[LOGGEN_LONG_HELO + 64], name[96], id[17];
	const char	*rdns;
	uint64_t	 c;
	unsigned	 kind = loggen_pct(g);

	loggen_stamp(g);
	loggen_msgid(g, id, sizeof id);
	if (loggen_pct(g) < g->warn_pct) {
		c = loggen_line_client(g);
		loggen_addr(g, c, ip, sizeof ip);
		loggen_helo(g, c, helo, sizeof helo);
		loggen_put(g, "H=(%s) [%s]:%u Warning: %s\n", helo, ip,
		    1024 + (unsigned)(loggen_rand(g) % 60000),
		    loggen_warnings[loggen_rand(g) % 4]);
		return;
	}
	if (kind < 25) {
		c = loggen_line_client(g);
		loggen_addr(g, c, ip, sizeof ip);
		loggen_helo(g, c, helo, sizeof helo);
		rdns = loggen_rdns(c, name, sizeof name);
		loggen_put(g, "%s <= sender%u@example.org H=%s%s(%s) [%s]:%u "
		    "P=esmtps X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no "
		    "S=%u id=%s@example.org\n", id,
		    (unsigned)(loggen_rand(g) % 1000), rdns != NULL ? rdns : "",
		    rdns != NULL ? " " : "", helo, ip,
		    1024 + (unsigned)(loggen_rand(g) % 60000),
		    500 + (unsigned)(loggen_rand(g) % 90000), id);
	} else if (kind < 50)
		loggen_put(g, "%s => user%u@example.com R=local_user "
		    "T=mail_spool\n", id, (unsigned)(loggen_rand(g) % 500));
	else if (kind < 70)
		loggen_put(g, "%s Completed\n", id);
	else if (kind < 82) {
		c = loggen_line_client(g);
		loggen_addr(g, c, ip, sizeof ip);
		loggen_helo(g, c, helo, sizeof helo);
		loggen_put(g, "SMTP connection from (%s) [%s]:%u closed by "
		    "QUIT\n", helo, ip, 1024 + (unsigned)(loggen_rand(g) %
		    60000));
	} else if (kind < 90) {
		c = loggen_line_client(g);
		loggen_addr(g, c, ip, sizeof ip);
		loggen_helo(g, c, helo, sizeof helo);
		loggen_put(g, "H=(%s) [%s]:%u F=<spam%u@example.biz> rejected "
		    "RCPT <user%u@example.com>: relay not permitted\n", helo,
		    ip, 1024 + (unsigned)(loggen_rand(g) % 60000),
		    (unsigned)(loggen_rand(g) % 1000),
		    (unsigned)(loggen_rand(g) % 500));
	} else if (kind < 93) {
		c = loggen_line_client(g);
		loggen_addr(g, c, ip, sizeof ip);
		loggen_put(g, "no host name found for IP address %s\n", ip);
	} else if (kind < 97)
		loggen_put(g, "Start queue run: pid=%u\n",
		    1000 + (unsigned)(loggen_rand(g) % 30000));
	else
		loggen_put(g, "End queue run: pid=%u\n",
		    1000 + (unsigned)(loggen_rand(g) % 30000));
}

static void
loggen_postfix_line(struct loggen *g)
{
	char		 ip[64], helo[LOGGEN_LONG_HELO + 64], name[96], id[17];
	const char	*rdns;
	uint64_t	 c;
	unsigned	 kind = loggen_pct(g), pid;

	loggen_stamp(g);
	/* Postfix queue ids are upper-case hexadecimal. */
	snprintf(id, sizeof id, "%010" PRIX64, loggen_mix(++g->msgno) >> 24);
	pid = 1000 + (unsigned)(loggen_rand(g) % 30000);
	if (loggen_pct(g) < g->warn_pct) {
		c = loggen_line_client(g);
		loggen_addr(g, c, ip, sizeof ip);
		if (loggen_rand(g) & 1)
			loggen_put(g, "postfix/smtpd[%u]: warning: hostname "
			    "dsl-%" PRIu64 ".pool.example.com does not resolve "
			    "to address %s\n", pid, c, ip);
		else
			loggen_put(g, "postfix/smtpd[%u]: warning: unknown[%s]: "
			    "SASL LOGIN authentication failed: UGFzc3dvcmQ6\n",
			    pid, ip);
		return;
	}
	if (kind < 40) {
		c = loggen_line_client(g);
		loggen_addr(g, c, ip, sizeof ip);
		rdns = loggen_rdns(c, name, sizeof name);
		loggen_put(g, "postfix/smtpd[%u]: %s from %s[%s]%s\n", pid,
		    kind < 20 ? "connect" : "disconnect",
		    rdns != NULL ? rdns : "unknown", ip,
		    kind < 20 ? "" : " ehlo=1 mail=1 rcpt=1 data=1 quit=1 "
		    "commands=5");
	} else if (kind < 50) {
		c = loggen_line_client(g);
		loggen_addr(g, c, ip, sizeof ip);
		rdns = loggen_rdns(c, name, sizeof name);
		loggen_put(g, "postfix/smtpd[%u]: %s: client=%s[%s]\n", pid, id,
		    rdns != NULL ? rdns : "unknown", ip);
	} else if (kind < 58) {
		c = loggen_line_client(g);
		loggen_addr(g, c, ip, sizeof ip);
		loggen_helo(g, c, helo, sizeof helo);
		loggen_put(g, "postfix/smtpd[%u]: NOQUEUE: reject: RCPT from "
		    "unknown[%s]: 450 4.7.25 Client host rejected: cannot find "
		    "your hostname, [%s]; from=<spam%u@example.biz> "
		    "to=<user%u@example.com> proto=ESMTP helo=<%s>\n", pid, ip,
		    ip, (unsigned)(loggen_rand(g) % 1000),
		    (unsigned)(loggen_rand(g) % 500), helo);
	} else if (kind < 66)
		loggen_put(g, "postfix/cleanup[%u]: %s: message-id=<%s@example."
		    "org>\n", pid, id, id);
	else if (kind < 76)
		loggen_put(g, "postfix/qmgr[900]: %s: from=<sender%u@example.org>"
		    ", size=%u, nrcpt=1 (queue active)\n", id,
		    (unsigned)(loggen_rand(g) % 1000),
		    500 + (unsigned)(loggen_rand(g) % 90000));
	else if (kind < 88)
		loggen_put(g, "postfix/local[%u]: %s: to=<user%u@example.com>, "
		    "relay=local, delay=0.1, delays=0.05/0.01/0/0.04, dsn=2.0.0, "
		    "status=sent (delivered to mailbox)\n", pid, id,
		    (unsigned)(loggen_rand(g) % 500));
	else if (kind < 96)
		loggen_put(g, "postfix/qmgr[900]: %s: removed\n", id);
	else
		loggen_put(g, "dovecot[%u]: imap-login: Login: user=<user%u>, "
		    "method=PLAIN, rip=10.0.0.1, lip=10.0.0.2, mpid=%u, TLS\n",
		    pid, (unsigned)(loggen_rand(g) % 500), pid + 1);
}

static uint64_t
loggen_number(const char *s)
{
	char			*end;
	unsigned long long	 v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		loggen_usage();
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	if (*end != '\0')
		loggen_usage();
	return v;
}

int
main(int argc, char **argv)
{
	struct loggen	 g;
	uint64_t	 written = 0;
	const char	*path = NULL;
	int		 ch;

	memset(&g, 0, sizeof g);
	g.size = 1ULL << 30;
	g.clients = 100000;
	g.warn_pct = 10;
	g.ipv6_pct = 10;
	g.long_helo_pct = 2;
	g.session_lines = 1;
	g.rng = 1;
	while ((ch = getopt(argc, argv, "f:s:c:w:6:l:S:r:o:")) != -1) {
		switch (ch) {
		case 'f':
			if (strcmp(optarg, "exim") == 0)
				g.format = LOGGEN_EXIM;
			else if (strcmp(optarg, "postfix") == 0)
				g.format = LOGGEN_POSTFIX;
			else
				loggen_usage();
			break;
		case 's': g.size = loggen_number(optarg); break;
		case 'c': g.clients = loggen_number(optarg); break;
		case 'w': g.warn_pct = (unsigned)loggen_number(optarg); break;
		case '6': g.ipv6_pct = (unsigned)loggen_number(optarg); break;
		case 'l': g.long_helo_pct = (unsigned)loggen_number(optarg);
			break;
		case 'S': g.session_lines = loggen_number(optarg); break;
		case 'r': g.rng = loggen_number(optarg) | 1; break;
		case 'o': path = optarg; break;
		default: loggen_usage();
		}
	}
	if (g.clients == 0 || g.warn_pct > 100 || g.ipv6_pct > 100 ||
	    g.long_helo_pct > 100 || g.session_lines == 0 ||
	    g.session_lines > LOGGEN_SESSION_MAX)
		loggen_usage();
	g.out = stdout;
	if (path != NULL && (g.out = fopen(path, "w")) == NULL) {
		fprintf(stderr, "loggen: %s: %s\n", path, strerror(errno));
		return 1;
	}
	setvbuf(g.out, NULL, _IOFBF, LOGGEN_BUF_SIZE);
	while (written < g.size) {
		g.now += (int64_t)(loggen_rand(&g) % 3 == 0);
		if (g.format == LOGGEN_EXIM)
			loggen_exim_line(&g);
		else
			loggen_postfix_line(&g);
		if (written + g.len > g.size)
			break;
		fwrite(g.line, 1, g.len, g.out);
		written += g.len;
	}
	if (fflush(g.out) == EOF || (path != NULL && fclose(g.out) == EOF)) {
		fprintf(stderr, "loggen: write failed: %s\n", strerror(errno));
		return 1;
	}
	/* A benchmark that reports -c as the client count would be wrong. */
	if (g.next_client < g.clients)
		fprintf(stderr, "loggen: warning: the log names only %" PRIu64
		    " of the %" PRIu64 " clients; use a larger -s%s to name "
		    "them all\n", g.next_client, g.clients,
		    g.session_lines > 1 ? " or a smaller -S" : "");
	return 0;
}
