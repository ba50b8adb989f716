/*
 * smtptriage: the command line.  Without a command it opens the console;
 * "list" prints the suspects for scripts.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "config.h"
#include "dns.h"
#include "esc.h"
#include "exim.h"
#include "logread.h"
#include "output.h"
#include "store.h"
#include "ui.h"
#include "whitelist.h"
#include "xmalloc.h"

#define SMTPTRIAGE_VERSION	"0.1.0"

/* Exit statuses that scripts rely on. */
#define EXIT_USAGE	1
#define EXIT_INPUT	2

/* The Exim mainlog paths tried, in order, when no log file is named. */
static const char *const main_default_logs[] = {
	"/var/log/exim4/mainlog",
	"/var/log/exim/main.log",
	"/var/log/exim/mainlog",
};

enum main_option {
	OPT_STATE = 256,
	OPT_WHITELIST,
	OPT_CONFIG,
	OPT_OUTBOX,
	OPT_RESOLVER,
	OPT_DNS_TIMEOUT,
	OPT_FORMAT,
	OPT_DNS,
	OPT_VERSION,
	OPT_HELP,
};

static const struct option main_options[] = {
	{ "state", required_argument, NULL, OPT_STATE },
	{ "whitelist", required_argument, NULL, OPT_WHITELIST },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "outbox", required_argument, NULL, OPT_OUTBOX },
	{ "resolver", required_argument, NULL, OPT_RESOLVER },
	{ "dns-timeout", required_argument, NULL, OPT_DNS_TIMEOUT },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "dns", no_argument, NULL, OPT_DNS },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

/* Options as given on the command line, applied over the config file. */
struct main_args {
	const char	*state;
	const char	*whitelist;
	const char	*config;
	const char	*outbox;
	const char	*resolver;
	int		 dns_timeout_ms;
	enum out_format	 format;
	int		 format_set;
	int		 dns;
	int		 list;
	char		**files;
	size_t		 nfiles;
};

static void
main_usage(FILE *f)
{
	fprintf(f,
"usage: smtptriage [options] [LOGFILE...]\n"
"       smtptriage list [--format table|json|csv] [--dns] [options]"
" [LOGFILE...]\n"
"\n"
"Without a command, open the console on the Exim logs named (default:\n"
"those of /var/log/exim4/mainlog, /var/log/exim/main.log and\n"
"/var/log/exim/mainlog that exist). \"list\" prints the suspects instead.\n"
"\n"
"options:\n"
"  --config FILE      read settings from FILE\n"
"                     (default $XDG_CONFIG_HOME/smtptriage/config)\n"
"  --state FILE       SQLite state database with marks and report history\n"
"                     (default $XDG_STATE_HOME/smtptriage/state.db)\n"
"  --whitelist FILE   whitelist file\n"
"                     (default $XDG_CONFIG_HOME/smtptriage/whitelist)\n"
"  --outbox DIR       folder for reports not sent through sendmail\n"
"                     (default $XDG_STATE_HOME/smtptriage/outbox)\n"
"  --resolver HOST[:PORT][,HOST[:PORT]...]\n"
"                     DNS servers to query instead of /etc/resolv.conf;\n"
"                     write IPv6 servers as [ADDR]:PORT\n"
"  --dns-timeout MS   DNS timeout per try, in milliseconds (default 2000)\n"
"  --format FORMAT    list: table (default), json (one object per line)\n"
"                     or csv\n"
"  --dns              list: re-check each suspect's DNS and add the results\n"
"  --version          print the version and exit\n"
"  --help             print this help and exit\n"
"\n"
"Exit status: 0 on success, 1 on a usage error, 2 when an input cannot be\n"
"read.\n");
}

static int
main_parse_int(const char *s, int min, int max, int *out)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

/* Print why getopt_long rejected the option it just read. */
static void
main_bad_option(int argc, char **argv, int c)
{
	const char	*arg = optind - 1 < argc ? argv[optind - 1] : "?";

	if (c == ':')
		fprintf(stderr, "smtptriage: option %s needs a value\n", arg);
	else
		fprintf(stderr, "smtptriage: unknown option %s\n", arg);
	fprintf(stderr, "Run \"smtptriage --help\" for the options.\n");
}

/* Returns 0, or an exit status after printing why. */
static int
main_parse_args(int argc, char **argv, struct main_args *a)
{
	int	c;

	/* getopt's own messages would name argv[0] as typed. */
	opterr = 0;
	optind = 1;
	if (argc > 1 && strcmp(argv[1], "list") == 0) {
		a->list = 1;
		optind = 2;
	}
	while ((c = getopt_long(argc, argv, ":h", main_options, NULL)) != -1) {
		switch (c) {
		case OPT_STATE:
			a->state = optarg;
			break;
		case OPT_WHITELIST:
			a->whitelist = optarg;
			break;
		case OPT_CONFIG:
			a->config = optarg;
			break;
		case OPT_OUTBOX:
			a->outbox = optarg;
			break;
		case OPT_RESOLVER:
			a->resolver = optarg;
			break;
		case OPT_DNS_TIMEOUT:
			if (main_parse_int(optarg, 10, 60000,
			    &a->dns_timeout_ms) == -1) {
				fprintf(stderr, "smtptriage: invalid "
				    "--dns-timeout \"%s\": give milliseconds "
				    "from 10 to 60000\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_FORMAT:
			if (out_format_parse(optarg, &a->format) == -1) {
				fprintf(stderr, "smtptriage: invalid --format "
				    "\"%s\": use table, json or csv\n", optarg);
				return EXIT_USAGE;
			}
			a->format_set = 1;
			break;
		case OPT_DNS:
			a->dns = 1;
			break;
		case OPT_VERSION:
			printf("smtptriage %s\n", SMTPTRIAGE_VERSION);
			exit(0);
		case 'h':
		case OPT_HELP:
			main_usage(stdout);
			exit(0);
		default:
			main_bad_option(argc, argv, c);
			return EXIT_USAGE;
		}
	}
	if (!a->list && (a->format_set || a->dns)) {
		fprintf(stderr, "smtptriage: --format and --dns go with the "
		    "list command\n");
		return EXIT_USAGE;
	}
	a->files = argv + optind;
	a->nfiles = (size_t)(argc - optind);
	return 0;
}

static void
main_replace(char **field, const char *value)
{
	if (value == NULL)
		return;
	free(*field);
	*field = xstrdup(value);
}

/*
 * Check the resolver list now, so a typo is reported even by commands
 * that make no DNS query.
 */
static int
main_check_resolver(const struct config *cfg)
{
	struct dns_config	 dc;
	struct dns		*dns;
	char			*cause;

	if (cfg->resolver == NULL)
		return 0;
	memset(&dc, 0, sizeof dc);
	dc.servers = cfg->resolver;
	if ((dns = dns_create(&dc, &cause)) == NULL) {
		fprintf(stderr, "smtptriage: DNS: %s\n", cause);
		free(cause);
		return EXIT_USAGE;
	}
	dns_free(dns);
	return 0;
}

/* Load the config file and apply the command-line options over it. */
static int
main_config(struct config *cfg, const struct main_args *a)
{
	char	*path, *cause;

	config_defaults(cfg);
	path = a->config != NULL ? xstrdup(a->config) : config_default_path();
	if (config_load(cfg, path, a->config != NULL, &cause) == -1) {
		fprintf(stderr, "smtptriage: %s\n", cause);
		free(cause);
		free(path);
		return EXIT_USAGE;
	}
	free(path);
	main_replace(&cfg->state_path, a->state);
	main_replace(&cfg->whitelist_path, a->whitelist);
	main_replace(&cfg->outbox, a->outbox);
	main_replace(&cfg->resolver, a->resolver);
	if (a->dns_timeout_ms != 0)
		cfg->dns_timeout_ms = a->dns_timeout_ms;
	return main_check_resolver(cfg);
}

static void
main_print_bad(const struct logread_stats *st)
{
	const struct logread_bad	*b;
	char				*shown;
	size_t				 i;

	for (i = 0; i < st->nbad; i++) {
		b = &st->badlist[i];
		shown = esc_display(b->path, strlen(b->path));
		fprintf(stderr, "smtptriage: %s:%llu: bad line skipped: %s\n",
		    shown, (unsigned long long)b->line, b->why);
		free(shown);
	}
	if (st->bad > st->nbad)
		fprintf(stderr, "smtptriage: %llu more bad lines skipped\n",
		    (unsigned long long)(st->bad - st->nbad));
}

/* Read every log file into agg.  Returns 0 or EXIT_INPUT. */
static int
main_load(const struct main_args *a, const struct config *cfg,
    struct agg *agg, struct logread_stats *st)
{
	struct exim_parser	 *parser;
	const char *const	 *files;
	const char		 *defaults[3];
	char			 *cause, *shown;
	size_t			  i, n;
	int			  rc = 0;

	if (a->nfiles > 0) {
		files = (const char *const *)a->files;
		n = a->nfiles;
	} else {
		files = defaults;
		for (i = n = 0; i < 3; i++) {
			if (access(main_default_logs[i], F_OK) == 0)
				defaults[n++] = main_default_logs[i];
		}
		if (n == 0) {
			fprintf(stderr, "smtptriage: no log file named, and "
			    "none of %s, %s, %s exists\n",
			    main_default_logs[0], main_default_logs[1],
			    main_default_logs[2]);
			return EXIT_INPUT;
		}
	}
	if ((parser = exim_parser_create(cfg->reasons, &cause)) == NULL) {
		fprintf(stderr, "smtptriage: %s\n", cause);
		free(cause);
		return EXIT_INPUT;
	}
	for (i = 0; i < n; i++) {
		if (logread_file(files[i], parser, agg, st, &cause) == -1) {
			shown = esc_display(cause, strlen(cause));
			fprintf(stderr, "smtptriage: %s\n", shown);
			free(shown);
			free(cause);
			rc = EXIT_INPUT;
		}
	}
	exim_parser_free(parser);
	agg_finish(agg);
	main_print_bad(st);
	return rc;
}

static int
main_addr_parse(const char *ip, struct event_addr *addr)
{
	memset(addr, 0, sizeof *addr);
	if (inet_pton(AF_INET, ip, addr->bytes) == 1)
		addr->family = AF_INET;
	else if (inet_pton(AF_INET6, ip, addr->bytes) == 1)
		addr->family = AF_INET6;
	else
		return -1;
	return 0;
}

static void
main_apply_mark(const char *ip, void *arg)
{
	struct event_addr	 addr;
	struct client		*c;

	if (main_addr_parse(ip, &addr) == 0 &&
	    (c = agg_find(arg, &addr)) != NULL)
		c->marked = 1;
}

static void
main_apply_report(const char *ip, int64_t time, void *arg)
{
	struct event_addr	 addr;
	struct client		*c;

	if (main_addr_parse(ip, &addr) == 0 &&
	    (c = agg_find(arg, &addr)) != NULL && time > c->reported_at)
		c->reported_at = time;
}

/* Set each suspect's marked, whitelisted and reported fields. */
static int
main_apply_state(struct agg *agg, struct store *store,
    const struct whitelist *wl)
{
	struct client	**suspects;
	char		 *cause;
	size_t		  i, n;

	if (store_each_mark(store, main_apply_mark, agg, &cause) == -1 ||
	    store_each_report(store, main_apply_report, agg, &cause) == -1) {
		fprintf(stderr, "smtptriage: %s\n", cause);
		free(cause);
		return -1;
	}
	suspects = agg_suspects(agg, &n);
	for (i = 0; i < n; i++)
		suspects[i]->whitelisted = wl_match(wl, &suspects[i]->addr,
		    suspects[i]->rdns) != NULL;
	return 0;
}

static int
main_list(const struct main_args *a, struct config *cfg, struct agg *agg)
{
	struct client		**suspects;
	struct dns		 *dns = NULL;
	struct dns_check	**checks = NULL;
	const struct dns_result	**results = NULL;
	struct dns_config	  dc;
	struct esc_buf		  out = { NULL, 0, 0 };
	const char		 *helos[DNS_HELOS_MAX];
	char			 *cause;
	size_t			  i, k, n;

	suspects = agg_suspects(agg, &n);
	if (a->dns) {
		memset(&dc, 0, sizeof dc);
		dc.servers = cfg->resolver;
		dc.timeout_ms = cfg->dns_timeout_ms;
		dc.tries = cfg->dns_tries;
		dc.max_inflight = cfg->dns_max_inflight;
		if ((dns = dns_create(&dc, &cause)) == NULL) {
			fprintf(stderr, "smtptriage: DNS: %s\n", cause);
			free(cause);
			return EXIT_USAGE;
		}
		checks = xcalloc(n + 1, sizeof *checks);
		results = xcalloc(n + 1, sizeof *results);
		for (i = 0; i < n; i++) {
			for (k = 0; k < suspects[i]->nhelos &&
			    k < DNS_HELOS_MAX; k++)
				helos[k] = suspects[i]->helos[k].name;
			checks[i] = dns_check_start(dns, &suspects[i]->addr,
			    helos, k, NULL, NULL);
		}
		dns_run(dns);
		for (i = 0; i < n; i++)
			results[i] = dns_check_result(checks[i]);
	}

	out_clients(&out, a->format, suspects, n, results);
	if (out.len > 0 && fwrite(out.data, 1, out.len, stdout) != out.len)
		fprintf(stderr, "smtptriage: write error: %s\n",
		    strerror(errno));
	esc_buf_free(&out);

	if (dns != NULL) {
		for (i = 0; i < n; i++)
			dns_check_free(checks[i]);
		dns_free(dns);
	}
	free(checks);
	free(results);
	return fflush(stdout) == 0 ? 0 : EXIT_INPUT;
}

static int
main_console(struct config *cfg, struct agg *agg, struct whitelist *wl,
    struct store *store, const struct logread_stats *st)
{
	struct ui_context	 ctx;
	struct dns_config	 dc;
	char			*cause, host[HOST_NAME_MAX + 1];
	int			 rc;

	memset(&dc, 0, sizeof dc);
	dc.servers = cfg->resolver;
	dc.timeout_ms = cfg->dns_timeout_ms;
	dc.tries = cfg->dns_tries;
	dc.max_inflight = cfg->dns_max_inflight;
	memset(&ctx, 0, sizeof ctx);
	if ((ctx.dns = dns_create(&dc, &cause)) == NULL) {
		fprintf(stderr, "smtptriage: DNS: %s\n", cause);
		free(cause);
		return EXIT_USAGE;
	}
	if (gethostname(host, sizeof host) == -1)
		strcpy(host, "localhost");
	host[sizeof host - 1] = '\0';
	ctx.cfg = cfg;
	ctx.agg = agg;
	ctx.wl = wl;
	ctx.store = store;
	ctx.stats = st;
	ctx.hostname = host;
	rc = ui_run(&ctx, &cause);
	dns_free(ctx.dns);
	if (rc == -1) {
		fprintf(stderr, "smtptriage: %s\n", cause);
		free(cause);
		return EXIT_USAGE;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct main_args	 a;
	struct config		 cfg;
	struct logread_stats	*st;
	struct agg		*agg;
	struct whitelist	*wl = NULL;
	struct store		*store = NULL;
	char			*cause;
	int			 rc, load_rc;

	signal(SIGPIPE, SIG_IGN);
	memset(&a, 0, sizeof a);
	if ((rc = main_parse_args(argc, argv, &a)) != 0)
		return rc;
	if ((rc = main_config(&cfg, &a)) != 0) {
		config_free(&cfg);
		return rc;
	}

	agg = agg_create();
	st = xcalloc(1, sizeof *st);
	load_rc = main_load(&a, &cfg, agg, st);
	if (load_rc != 0 && !a.list) {
		rc = load_rc;
		goto out;
	}

	if ((wl = wl_load(cfg.whitelist_path, &cause)) == NULL ||
	    (store = store_open(cfg.state_path, &cause)) == NULL) {
		fprintf(stderr, "smtptriage: %s\n", cause);
		free(cause);
		rc = EXIT_INPUT;
		goto out;
	}
	if (main_apply_state(agg, store, wl) == -1) {
		rc = EXIT_INPUT;
		goto out;
	}

	if (a.list) {
		rc = main_list(&a, &cfg, agg);
		if (rc == 0)
			rc = load_rc;
	} else
		rc = main_console(&cfg, agg, wl, store, st);

out:
	if (store != NULL)
		store_close(store);
	wl_free(wl);
	agg_free(agg);
	logread_stats_free(st);
	free(st);
	config_free(&cfg);
	return rc;
}
