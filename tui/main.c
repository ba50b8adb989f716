/*
 * smtptriage: the command line.  Without a command it opens the console;
 * "list" prints the suspects for scripts; "report" and "export" are in
 * cmd_report.c and cmd_export.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agg.h"
#include "cmd.h"
#include "config.h"
#include "dns.h"
#include "dns_batch.h"
#include "esc.h"
#include "exim.h"
#include "logread.h"
#include "output.h"
#include "parser.h"
#include "rules.h"
#include "store.h"
#include "timefilter.h"
#include "tmpfile.h"
#include "ui.h"
#include "whitelist.h"
#include "xmalloc.h"

#define SMTPTRIAGE_VERSION	"0.1.0"

/* Exit statuses that scripts rely on. */
#define EXIT_USAGE	1
#define EXIT_INPUT	2

enum main_option {
	OPT_STATE = 256,
	OPT_WHITELIST,
	OPT_CONFIG,
	OPT_OUTBOX,
	OPT_RESOLVER,
	OPT_DNS_TIMEOUT,
	OPT_DNS_TRIES,
	OPT_DNS_MAX_INFLIGHT,
	OPT_DNS_QPS,
	OPT_DNSBL,
	OPT_ABUSE_ZONE,
	OPT_HISTORY,
	OPT_FORMAT,
	OPT_DNS,
	OPT_LOG_FORMAT,
	OPT_RULES,
	OPT_FOLLOW,
	OPT_SINCE,
	OPT_UNTIL,
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
	{ "dns-tries", required_argument, NULL, OPT_DNS_TRIES },
	{ "dns-max-inflight", required_argument, NULL, OPT_DNS_MAX_INFLIGHT },
	{ "dns-qps", required_argument, NULL, OPT_DNS_QPS },
	{ "dnsbl", required_argument, NULL, OPT_DNSBL },
	{ "abuse-zone", required_argument, NULL, OPT_ABUSE_ZONE },
	{ "history", no_argument, NULL, OPT_HISTORY },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "dns", no_argument, NULL, OPT_DNS },
	{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
	{ "rules", required_argument, NULL, OPT_RULES },
	{ "follow", no_argument, NULL, OPT_FOLLOW },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "help", no_argument, NULL, OPT_HELP },
	CMD_LONG_OPTIONS,
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
	int		 dns_tries;
	int		 dns_max_inflight;
	int		 dns_qps;
	int		 dns_qps_set;
	const char	*dnsbl;		/* "": none */
	const char	*abuse_zone;	/* "": none */
	int		 history;
	enum out_format	 format;
	int		 format_set;
	int		 dns;
	int		 list;
	char		**files;
	size_t		 nfiles;
	const char	*log_format;	/* a format name or a rules file */
	const char	*rules;		/* rules tried before the format's */
	int		 follow;
	const char	*since;
	const char	*until;
	struct cmd_args	 cmd;		/* report and export (cmd.h) */
};

static void
main_usage(FILE *f)
{
	fprintf(f,
"usage: smtptriage [options] [LOGFILE...]\n"
"       smtptriage list [--format table|json|csv] [--dns] [options]"
" [LOGFILE...]\n"
"%s"
"\n"
"Without a command, open the console on the logs named (\"-\" reads\n"
"standard input; default: the files of /var/log/exim4/mainlog*,\n"
"/var/log/exim/main.log*, /var/log/exim/mainlog*, /var/log/mail.log*\n"
"and /var/log/maillog* that exist, oldest rotation first). \"list\"\n"
"prints the suspects instead.\n"
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
"  --dns-tries N      tries per DNS query (default 2)\n"
"  --dns-max-inflight N\n"
"                     DNS queries out at once, at most (default 64)\n"
"  --dns-qps N        DNS queries sent per second, at most (default 0:\n"
"                     no limit)\n"
"  --dnsbl ZONE[,ZONE...]\n"
"                     DNSBL zones to ask about each suspect (default: the\n"
"                     config file's, none built in); '' asks none\n"
"  --abuse-zone ZONE  zone of the abuse contact TXT lookup (default\n"
"                     abuse-contacts.abusix.zone); '' skips the lookup\n"
"  --format FORMAT    list: table (default), json (one object per line)\n"
"                     or csv\n"
"  --dns              list: re-check each suspect's DNS and add the results\n"
"  --history          list --format json: add each suspect's earlier DNS\n"
"                     checks as \"dns_history\"\n"
"  --log-format exim|postfix|sendmail|opensmtpd|RULEFILE\n"
"                     read every log in this format, or with the patterns\n"
"                     of a rules file (default: detected per file)\n"
"  --rules RULEFILE   also try the patterns of a rules file on every line,\n"
"                     before the format's own (for a site's own texts)\n"
"  --follow           console: keep reading the logs as they grow, through\n"
"                     rotation\n"
"  --since TIME       count only events from TIME on\n"
"  --until TIME       count only events up to the end of TIME\n"
"                     TIME: YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][+hh:mm],\n"
"                     today, yesterday, now, or -N with m, h, d or w\n"
"                     (minutes, hours, days, weeks ago), as in -7d\n"
"%s"
"  --version          print the version and exit\n"
"  --help             print this help and exit\n"
"\n"
"Exit status: 0 on success, 1 on a usage error, 2 when an input cannot be\n"
"read, 3 when report could not send every report.\n", cmd_usage_synopsis,
	    cmd_usage_options);
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

/* Standard input can be read once: "-" may appear only one time. */
static int
main_check_files(const struct main_args *a)
{
	size_t	i, stdin_count = 0;

	for (i = 0; i < a->nfiles; i++)
		stdin_count += strcmp(a->files[i], "-") == 0;
	if (stdin_count > 1) {
		fprintf(stderr, "smtptriage: \"-\" (standard input) is named "
		    "%zu times; name it once\n", stdin_count);
		return EXIT_USAGE;
	}
	return 0;
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
	} else if (argc > 1 &&
	    (a->cmd.command = cmd_command(argv[1])) != CMD_NONE)
		optind = 2;
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
		case OPT_DNS_TRIES:
			if (main_parse_int(optarg, 1, 10, &a->dns_tries) ==
			    -1) {
				fprintf(stderr, "smtptriage: invalid "
				    "--dns-tries \"%s\": give a number from 1 "
				    "to 10\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_DNS_MAX_INFLIGHT:
			if (main_parse_int(optarg, 1, 4096,
			    &a->dns_max_inflight) == -1) {
				fprintf(stderr, "smtptriage: invalid "
				    "--dns-max-inflight \"%s\": give a number "
				    "from 1 to 4096\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_DNS_QPS:
			if (main_parse_int(optarg, 0, 1000000, &a->dns_qps) ==
			    -1) {
				fprintf(stderr, "smtptriage: invalid "
				    "--dns-qps \"%s\": give queries per second "
				    "from 0 (no limit) to 1000000\n", optarg);
				return EXIT_USAGE;
			}
			a->dns_qps_set = 1;
			break;
		case OPT_DNSBL:
			a->dnsbl = optarg;
			break;
		case OPT_ABUSE_ZONE:
			a->abuse_zone = optarg;
			break;
		case OPT_HISTORY:
			a->history = 1;
			break;
		case OPT_FORMAT:
			if (a->cmd.command == CMD_EXPORT) {
				a->cmd.export_format = optarg;
				break;
			}
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
		case OPT_RULES:
			a->rules = optarg;
			break;
		case OPT_LOG_FORMAT:
			a->log_format = optarg;
			break;
		case OPT_FOLLOW:
			a->follow = 1;
			break;
		case OPT_SINCE:
			a->since = optarg;
			break;
		case OPT_UNTIL:
			a->until = optarg;
			break;
		case OPT_VERSION:
			printf("smtptriage %s\n", SMTPTRIAGE_VERSION);
			exit(0);
		case 'h':
		case OPT_HELP:
			main_usage(stdout);
			exit(0);
		default:
			if (c >= CMD_OPT_FROM && c < CMD_OPT_END) {
				if ((c = cmd_parse_option(&a->cmd, c,
				    optarg)) != 0)
					return c;
				break;
			}
			main_bad_option(argc, argv, c);
			return EXIT_USAGE;
		}
	}
	if (!a->list && (a->format_set || a->dns)) {
		fprintf(stderr, "smtptriage: --format and --dns go with the "
		    "list command\n");
		return EXIT_USAGE;
	}
	if (a->list && a->follow) {
		fprintf(stderr, "smtptriage: --follow goes with the console, "
		    "not with list\n");
		return EXIT_USAGE;
	}
	if (a->history && (!a->list || a->format != OUT_JSON)) {
		fprintf(stderr, "smtptriage: --history goes with list "
		    "--format json\n");
		return EXIT_USAGE;
	}
	if (a->cmd.command != CMD_NONE && a->follow) {
		fprintf(stderr, "smtptriage: --follow goes with the console\n");
		return EXIT_USAGE;
	}
	if ((c = cmd_check_args(&a->cmd, a->list)) != 0)
		return c;
	a->files = argv + optind;
	a->nfiles = (size_t)(argc - optind);
	if (cmd_without_logs(&a->cmd) && a->nfiles > 0) {
		fprintf(stderr, "smtptriage: %s reads the state database, not "
		    "logs\n", a->cmd.command == CMD_EXPORT ? "export" :
		    "report --retry");
		return EXIT_USAGE;
	}
	return main_check_files(a);
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
	cmd_apply_config(&a->cmd, cfg);
	if (a->dns_timeout_ms != 0)
		cfg->dns_timeout_ms = a->dns_timeout_ms;
	if (a->dns_tries != 0)
		cfg->dns_tries = a->dns_tries;
	if (a->dns_max_inflight != 0)
		cfg->dns_max_inflight = a->dns_max_inflight;
	if (a->dns_qps_set)
		cfg->dns_qps = a->dns_qps;
	if (dns_config_override(cfg, a->dnsbl, a->abuse_zone, &cause) == -1) {
		fprintf(stderr, "smtptriage: %s\n", cause);
		free(cause);
		return EXIT_USAGE;
	}
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

static void
main_print_dropped(const struct agg *agg)
{
	if (agg_dropped(agg) > 0)
		fprintf(stderr, "smtptriage: %llu events skipped: the client "
		    "table is full at %zu clients (config key max_clients)\n",
		    (unsigned long long)agg_dropped(agg),
		    agg_max_clients(agg));
}

/*
 * Set up how logs are read: --log-format, --since and --until.  A
 * --log-format value that names no format is a rules file, loaded into
 * *rulesp for the caller to free.  Returns 0, or EXIT_USAGE after
 * printing why.
 */
static int
main_read_options(const struct main_args *a, const struct config *cfg,
    struct timefilter *window, struct logread_options *opt,
    struct rules **rulesp)
{
	char	*cause, *shown;

	memset(opt, 0, sizeof *opt);
	opt->format = LOG_FORMAT_AUTO;
	opt->reasons = cfg->reasons;
	opt->follow = a->follow;
	opt->threads = logread_threads_default();
	*rulesp = NULL;
	if (a->log_format != NULL &&
	    (log_format_parse(a->log_format, &opt->format) == -1 ||
	    opt->format == LOG_FORMAT_RULES)) {
		if (access(a->log_format, F_OK) == -1) {
			shown = esc_display(a->log_format,
			    strlen(a->log_format));
			fprintf(stderr, "smtptriage: --log-format: \"%s\" is "
			    "neither exim, postfix, sendmail nor opensmtpd, "
			    "and no rules file of that name exists\n", shown);
			free(shown);
			return EXIT_USAGE;
		}
		if ((*rulesp = rules_load(a->log_format, &cause)) == NULL) {
			shown = esc_display(cause, strlen(cause));
			fprintf(stderr, "smtptriage: --log-format: %s\n",
			    shown);
			free(shown);
			free(cause);
			return EXIT_USAGE;
		}
		opt->format = LOG_FORMAT_RULES;
		opt->rules = *rulesp;
	}
	if (a->rules != NULL) {
		if (*rulesp != NULL) {
			fprintf(stderr, "smtptriage: --rules goes with a "
			    "format name, not with a rules file in "
			    "--log-format\n");
			return EXIT_USAGE;
		}
		if ((*rulesp = rules_load(a->rules, &cause)) == NULL) {
			shown = esc_display(cause, strlen(cause));
			fprintf(stderr, "smtptriage: --rules: %s\n", shown);
			free(shown);
			free(cause);
			return EXIT_USAGE;
		}
		opt->rules = *rulesp;
	}
	if (timefilter_set(window, a->since, a->until, time(NULL),
	    &cause) == -1) {
		fprintf(stderr, "smtptriage: %s\n", cause);
		free(cause);
		return EXIT_USAGE;
	}
	opt->window = window;
	return 0;
}

/* Print the messages about the inputs; returns 1 if one is an error. */
static int
main_print_messages(struct logread *lr)
{
	struct logread_message	*m;
	char			*shown;
	size_t			 i, n;
	int			 error = 0;

	n = logread_take_messages(lr, &m);
	for (i = 0; i < n; i++) {
		shown = esc_display(m[i].text, strlen(m[i].text));
		fprintf(stderr, "smtptriage: %s\n", shown);
		free(shown);
		error |= m[i].error;
	}
	logread_messages_free(m, n);
	return error;
}

/*
 * Read every log into agg, merged in time order.  Returns 0 or
 * EXIT_INPUT, with the number of logs that could be opened in *opened.
 * *lrp is the reader, which the console keeps for --follow
 * and for reading evidence lines back.  The console shows the messages
 * of a run that could start in its status line; the commands print them,
 * and for list a damaged input means exit status 2.
 */
static int
main_load(const struct main_args *a, const struct logread_options *opt,
    struct agg *agg, struct logread_stats *st, struct logread **lrp,
    size_t *opened)
{
	struct logread	 *lr;
	char		**files, **defaults = NULL, *cause, *shown;
	size_t		  i, n;
	int		  rc = 0, console;

	*opened = 0;
	if (a->nfiles > 0) {
		files = a->files;
		n = a->nfiles;
	} else if ((n = logread_default_paths(&defaults)) > 0)
		files = defaults;
	else {
		fprintf(stderr, "smtptriage: no log file named, and no file "
		    "of");
		for (i = 0; logread_default_bases[i] != NULL; i++)
			fprintf(stderr, "%s %s*", i > 0 ? "," : "",
			    logread_default_bases[i]);
		fprintf(stderr, " exists\n");
		return EXIT_INPUT;
	}

	lr = logread_create(opt, agg, st);
	for (i = 0; i < n; i++) {
		if (logread_add(lr, files[i], &cause) == 0)
			(*opened)++;
		else {
			shown = esc_display(cause, strlen(cause));
			fprintf(stderr, "smtptriage: %s\n", shown);
			free(shown);
			free(cause);
			rc = EXIT_INPUT;
		}
	}
	/* The console reads the logs itself, in slices between keys. */
	console = !a->list && a->cmd.command == CMD_NONE;
	if (!console) {
		logread_run(lr, UINT64_MAX);
		agg_finish(agg);
	}
	if ((!console || rc != 0) && main_print_messages(lr) && a->list)
		rc = EXIT_INPUT;
	main_print_bad(st);
	main_print_dropped(agg);

	for (i = 0; defaults != NULL && i < n; i++)
		free(defaults[i]);
	free(defaults);
	*lrp = lr;
	return rc;
}

/*
 * The console reads keys from standard input.  When the log came through
 * it ("-" on a pipe), logread reads from a duplicate descriptor, so the
 * terminal can take the place of standard input.  Returns 0, or
 * EXIT_USAGE after printing why.
 */
static int
main_console_input(const struct main_args *a)
{
	size_t	i;
	int	fd;

	for (i = 0; i < a->nfiles; i++) {
		if (strcmp(a->files[i], "-") == 0)
			break;
	}
	if (i == a->nfiles || isatty(STDIN_FILENO))
		return 0;
	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC)) == -1 ||
	    dup2(fd, STDIN_FILENO) == -1) {
		fprintf(stderr, "smtptriage: the log came on standard input "
		    "and the console cannot open the terminal: %s; use "
		    "\"smtptriage list -\" instead\n", strerror(errno));
		if (fd != -1)
			close(fd);
		return EXIT_USAGE;
	}
	close(fd);
	return 0;
}

/* Set each suspect's marked, whitelisted and reported fields. */
static int
main_apply_state(struct agg *agg, struct store *store,
    const struct whitelist *wl)
{
	struct client	**suspects;
	char		 *cause;
	size_t		  i, n;

	if (store_each_mark(store, ui_state_apply_mark, agg, &cause) == -1 ||
	    store_each_report(store, ui_state_apply_report, agg,
	    &cause) == -1) {
		fprintf(stderr, "smtptriage: %s\n", cause);
		free(cause);
		return -1;
	}
	suspects = agg_suspects(agg, &n);
	for (i = 0; i < n; i++) {
		suspects[i]->whitelisted = wl_match(wl, &suspects[i]->addr,
		    suspects[i]->rdns) != NULL;
		suspects[i]->state_loaded = 1;
	}
	return 0;
}

/*
 * Suspects that list formats at a time in JSON and CSV, so that the
 * output of a million clients never sits in memory whole.
 */
#define MAIN_LIST_SLICE	4096

/*
 * Write a slice of list's output to standard output.  arg points to the
 * output format.  Returns 0, or -1 after printing a write error.
 */
static int
main_list_write(void *arg, size_t first, const char *text, size_t len)
{
	const enum out_format	*format = arg;
	const char		*nl;
	size_t			 skip = 0;

	/* CSV has its header line once, before the first slice. */
	if (first > 0 && len > 0 && *format == OUT_CSV &&
	    (nl = memchr(text, '\n', len)) != NULL)
		skip = (size_t)(nl - text) + 1;
	if (len > skip && fwrite(text + skip, 1, len - skip, stdout) !=
	    len - skip) {
		fprintf(stderr, "smtptriage: write error: %s\n",
		    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Warn when no PTR query of list --dns got a usable response, most often
 * because --resolver is wrong or rejects recursion.  The output alone
 * shows only indeterminate FCrDNS verdicts, not the cause.
 */
static void
main_list_dns_warn(const struct dns_batch *b)
{
	size_t	timeouts, refused, errors;

	dns_batch_unanswered(b, &timeouts, &refused, &errors);
	if (b->n == 0 || timeouts + refused + errors < b->n)
		return;
	fprintf(stderr, "smtptriage: warning: the resolver gave no usable "
	    "answer to the PTR lookup of %s%zu suspect%s (timed out: %zu, "
	    "REFUSED: %zu, other errors such as a closed port: %zu); every "
	    "FCrDNS verdict is indeterminate; check --resolver or the config "
	    "key resolver\n", b->n == 1 ? "" : "any of the ", b->n,
	    b->n == 1 ? "" : "s", timeouts, refused, errors);
}

static int
main_list(const struct main_args *a, struct config *cfg, struct agg *agg,
    struct store *store)
{
	struct client		**suspects;
	struct dns_batch	  batch;
	enum out_format		  format = a->format;
	char			 *cause;
	size_t			  n, step;
	int			  rc = 0;

	suspects = agg_suspects(agg, &n);
	if (dns_batch_run(&batch, cfg, store, suspects, n, a->dns, a->history,
	    &cause) == -1) {
		fprintf(stderr, "smtptriage: DNS: %s\n", cause);
		free(cause);
		dns_batch_free(&batch);
		return EXIT_USAGE;
	}
	if (batch.history_error != NULL) {
		fprintf(stderr, "smtptriage: %s\n", batch.history_error);
		rc = EXIT_INPUT;
	}
	main_list_dns_warn(&batch);

	/* The table aligns its columns over all rows, so it comes whole. */
	step = a->format == OUT_TABLE && n > 0 ? n : MAIN_LIST_SLICE;
	out_clients_slices(a->format, suspects, n, batch.results,
	    batch.history, step, logread_threads_default(), main_list_write,
	    &format);
	dns_batch_free(&batch);
	return fflush(stdout) == 0 ? rc : EXIT_INPUT;
}

static int
main_console(struct config *cfg, struct agg *agg, struct whitelist *wl,
    struct store *store, const struct logread_stats *st, struct logread *lr,
    int follow)
{
	struct ui_context	 ctx;
	struct dns_config	 dc;
	char			*cause, host[HOST_NAME_MAX + 1];
	int			 rc;

	dns_config_from(&dc, cfg);
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
	ctx.logread = lr;
	ctx.follow = follow;
	ctx.loading = 1;
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
	struct logread_options	 ropt;
	struct timefilter	 window;
	struct rules		*rules = NULL;
	struct logread_stats	*st;
	struct logread		*lr = NULL;
	struct agg		*agg;
	struct whitelist	*wl = NULL;
	struct store		*store = NULL;
	char			*cause;
	size_t			 opened;
	int			 rc, load_rc;

	signal(SIGPIPE, SIG_IGN);
	memset(&a, 0, sizeof a);
	if ((rc = main_parse_args(argc, argv, &a)) != 0)
		return rc;
	if ((rc = main_config(&cfg, &a)) != 0 ||
	    (rc = main_read_options(&a, &cfg, &window, &ropt,
	    &rules)) != 0) {
		config_free(&cfg);
		return rc;
	}
	/* Remove the temporary files of writes that a kill interrupted. */
	tmpfile_clean_for(cfg.whitelist_path);
	tmpfile_clean(cfg.outbox, NULL, ".eml");
	if (cmd_without_logs(&a.cmd)) {
		rc = cmd_run_without_logs(&a.cmd, &cfg);
		config_free(&cfg);
		return rc;
	}

	agg = agg_create();
	agg_set_max_clients(agg, (size_t)cfg.max_clients);
	st = xcalloc(1, sizeof *st);
	load_rc = main_load(&a, &ropt, agg, st, &lr, &opened);
	/* list shows what the readable logs hold, but no empty table. */
	if (load_rc != 0 && (!a.list || opened == 0)) {
		rc = load_rc;
		goto out;
	}
	if (!a.list && a.cmd.command == CMD_NONE &&
	    (rc = main_console_input(&a)) != 0)
		goto out;

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
		rc = main_list(&a, &cfg, agg, store);
		if (rc == 0)
			rc = load_rc;
	} else if (a.cmd.command == CMD_REPORT)
		rc = cmd_report(&a.cmd, &cfg, agg, store);
	else
		rc = main_console(&cfg, agg, wl, store, st, lr, a.follow);

out:
	if (store != NULL)
		store_close(store);
	wl_free(wl);
	agg_free(agg);
	logread_free(lr);
	rules_free(rules);
	logread_stats_free(st);
	free(st);
	config_free(&cfg);
	return rc;
}
