/*
 * Settings: the built-in defaults, the config file parser, and the file
 * helpers that the whitelist, the store and the report outbox share.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "config.h"
#include "dnsbl.h"
#include "esc.h"
#include "mail.h"
#include "provider.h"
#include "tmpfile.h"
#include "xmalloc.h"

/* A config file has a few dozen lines; anything larger is a mistake. */
#define CONFIG_FILE_MAX		(1024 * 1024)
/* Maximum line length; enough for a sendmail command with many options. */
#define CONFIG_LINE_MAX		4096
/* Maximum number of words in the sendmail command line. */
#define CONFIG_ARGV_MAX		64
/* Maximum length of a From or report_to value, far below RFC 5322's 998. */
#define CONFIG_ADDRESS_MAX	512
/* Maximum length of a text echoed back in an error message. */
#define CONFIG_ECHO_MAX		80

/* Defaults of the DNS settings; the same as the DNS engine's own. */
#define CONFIG_DNS_TIMEOUT_MS	2000
#define CONFIG_DNS_TRIES	2
#define CONFIG_DNS_MAX_INFLIGHT	64

/*
 * Days before the same IP may be reported to the same recipient again,
 * and reports (messages) sent to one recipient in 24 hours at most.
 */
#define CONFIG_REPORT_WINDOW_DAYS	7
#define CONFIG_REPORT_DAILY_CAP		10

enum config_type {
	CONFIG_PATH,		/* absolute, or ~/ for the home folder */
	CONFIG_RESOLVER,	/* empty: /etc/resolv.conf */
	CONFIG_COMMAND,		/* empty: outbox only */
	CONFIG_ADDRESS,		/* a mail address, never empty */
	CONFIG_ADDRESS_OPT,	/* a mail address, empty: none */
	CONFIG_INT,
	CONFIG_DNSBL,		/* DNSBL zone list, empty: none */
	CONFIG_ZONE,		/* a DNS zone, empty: none */
	CONFIG_BOOL,		/* yes or no */
	CONFIG_PATH_OPT,	/* a path, empty: none */
};

static const struct config_key {
	const char		*name;
	enum config_type	 type;
	size_t			 offset;
	int			 min;
	int			 max;
} config_keys[] = {
	{ "state", CONFIG_PATH, offsetof(struct config, state_path), 0, 0 },
	{ "whitelist", CONFIG_PATH, offsetof(struct config, whitelist_path),
	    0, 0 },
	{ "outbox", CONFIG_PATH, offsetof(struct config, outbox), 0, 0 },
	{ "resolver", CONFIG_RESOLVER, offsetof(struct config, resolver),
	    0, 0 },
	{ "sendmail", CONFIG_COMMAND, offsetof(struct config, sendmail), 0, 0 },
	{ "from", CONFIG_ADDRESS, offsetof(struct config, from), 0, 0 },
	{ "report_to", CONFIG_ADDRESS_OPT, offsetof(struct config, report_to),
	    0, 0 },
	{ "dns_timeout", CONFIG_INT, offsetof(struct config, dns_timeout_ms),
	    10, 60000 },
	{ "dns_tries", CONFIG_INT, offsetof(struct config, dns_tries), 1, 10 },
	{ "dns_max_inflight", CONFIG_INT,
	    offsetof(struct config, dns_max_inflight), 1, 4096 },
	{ "dns_qps", CONFIG_INT, offsetof(struct config, dns_qps), 0, 1000000 },
	{ "dnsbl", CONFIG_DNSBL, offsetof(struct config, dnsbl), 0, 0 },
	{ "abuse_zone", CONFIG_ZONE, offsetof(struct config, abuse_zone),
	    0, 0 },
	{ "reply_to", CONFIG_ADDRESS_OPT, offsetof(struct config, reply_to),
	    0, 0 },
	{ "report_template", CONFIG_PATH_OPT,
	    offsetof(struct config, report_template), 0, 0 },
	{ "dry_run", CONFIG_BOOL, offsetof(struct config, dry_run), 0, 1 },
	{ "report_xarf", CONFIG_BOOL, offsetof(struct config, report_xarf),
	    0, 1 },
	{ "report_window", CONFIG_INT,
	    offsetof(struct config, report_window_days), 0, 3650 },
	{ "report_daily_cap", CONFIG_INT,
	    offsetof(struct config, report_daily_cap), 0, 100000 },
	{ "confirm", CONFIG_BOOL, offsetof(struct config, confirm), 0, 1 },
	{ "max_clients", CONFIG_INT, offsetof(struct config, max_clients),
	    1, AGG_CLIENTS_MAX },
};

static char	*config_home(void);
static char	*config_xdg(const char *var, const char *fallback,
		    const char *file);
static char	*config_echo(const char *s, size_t len);
static int	 config_line(struct config *, const char *file, size_t lineno,
		    char *line, char **cause);
static int	 config_warning(struct config *, const char *where, char *p,
		    char **cause);
static int	 config_set(struct config *, const struct config_key *,
		    const char *where, const char *value, char **cause);
static int	 config_keybind(struct config *, const char *where, char *p,
		    char **cause);

/* The home folder: $HOME when it is absolute, else the password entry. */
static char *
config_home(void)
{
	struct passwd	*pw;
	const char	*home;

	home = getenv("HOME");
	if (home != NULL && home[0] == '/')
		return xstrdup(home);
	pw = getpwuid(getuid());
	if (pw != NULL && pw->pw_dir != NULL && pw->pw_dir[0] == '/')
		return xstrdup(pw->pw_dir);
	return xstrdup("/");
}

/*
 * Path of file under the XDG base folder named by var.  The XDG Base
 * Directory Specification treats a relative path as invalid, so such a
 * value falls back to fallback under the home folder.
 */
static char *
config_xdg(const char *var, const char *fallback, const char *file)
{
	const char	*base;
	char		*home, *path;

	base = getenv(var);
	if (base != NULL && base[0] == '/') {
		xasprintf(&path, "%s/smtptriage/%s", base, file);
		return path;
	}
	home = config_home();
	xasprintf(&path, "%s%s%s/smtptriage/%s", home,
	    home[strlen(home) - 1] == '/' ? "" : "/", fallback, file);
	free(home);
	return path;
}

/* Return the start of s escaped for an error message, cut if long. */
static char *
config_echo(const char *s, size_t len)
{
	char	*echo, *out;

	if (len <= CONFIG_ECHO_MAX)
		return esc_display(s, len);
	echo = esc_display(s, CONFIG_ECHO_MAX);
	xasprintf(&out, "%s...", echo);
	free(echo);
	return out;
}

void
config_defaults(struct config *cfg)
{
	struct passwd	*pw;
	const char	*user = NULL;
	char		 host[256];
	size_t		 i;

	memset(cfg, 0, sizeof *cfg);
	cfg->state_path = config_xdg("XDG_STATE_HOME", ".local/state",
	    "state.db");
	cfg->whitelist_path = config_xdg("XDG_CONFIG_HOME", ".config",
	    "whitelist");
	cfg->outbox = config_xdg("XDG_STATE_HOME", ".local/state", "outbox");
	cfg->dns_timeout_ms = CONFIG_DNS_TIMEOUT_MS;
	cfg->dns_tries = CONFIG_DNS_TRIES;
	cfg->dns_max_inflight = CONFIG_DNS_MAX_INFLIGHT;
	cfg->reasons = reason_table_create();
	cfg->dnsbl = dnsbl_list_create();
	cfg->abuse_zone = xstrdup(DNSBL_ABUSE_ZONE_DEFAULT);
	cfg->report_window_days = CONFIG_REPORT_WINDOW_DAYS;
	cfg->report_daily_cap = CONFIG_REPORT_DAILY_CAP;
	cfg->providers = provider_table_create();
	cfg->confirm = 1;
	cfg->max_clients = AGG_CLIENTS_MAX;

	pw = getpwuid(getuid());
	if (pw != NULL && pw->pw_name != NULL && pw->pw_name[0] != '\0')
		user = pw->pw_name;
	else if ((user = getenv("LOGNAME")) == NULL || *user == '\0')
		user = "root";
	for (i = 0; user[i] != '\0'; i++) {
		if (user[i] <= ' ' || user[i] >= 0x7f || user[i] == '@' ||
		    user[i] == '<' || user[i] == '>' || user[i] == ',') {
			user = "root";
			break;
		}
	}

	if (gethostname(host, sizeof host) != 0)
		host[0] = '\0';
	host[sizeof host - 1] = '\0';
	for (i = 0; host[i] != '\0'; i++) {
		if (!((host[i] >= 'a' && host[i] <= 'z') ||
		    (host[i] >= 'A' && host[i] <= 'Z') ||
		    (host[i] >= '0' && host[i] <= '9') ||
		    host[i] == '-' || host[i] == '.')) {
			host[0] = '\0';
			break;
		}
	}
	if (host[0] == '\0')
		strcpy(host, "localhost");
	xasprintf(&cfg->from, "%s@%s", user, host);
}

char *
config_default_path(void)
{
	return config_xdg("XDG_CONFIG_HOME", ".config", "config");
}

void
config_free(struct config *cfg)
{
	size_t	i;

	free(cfg->state_path);
	free(cfg->whitelist_path);
	free(cfg->outbox);
	free(cfg->resolver);
	free(cfg->sendmail);
	free(cfg->from);
	free(cfg->report_to);
	reason_table_free(cfg->reasons);
	dnsbl_list_free(cfg->dnsbl);
	free(cfg->abuse_zone);
	free(cfg->reply_to);
	free(cfg->report_template);
	provider_table_free(cfg->providers);
	for (i = 0; i < cfg->nkeybinds; i++) {
		free(cfg->keybinds[i].action);
		free(cfg->keybinds[i].key);
		free(cfg->keybinds[i].where);
	}
	free(cfg->keybinds);
	memset(cfg, 0, sizeof *cfg);
}

int
config_load(struct config *cfg, const char *path, int must_exist,
    char **cause)
{
	char	*data, *line, *next, *end, *nul;
	size_t	 len, lineno;
	int	 rc = 0;

	/* "--config /dev/null" is the usual way to ask for no settings. */
	if (strcmp(path, "/dev/null") == 0)
		return 0;
	if (config_read_file(path, CONFIG_FILE_MAX, 1, &data, &len,
	    cause) == -1)
		return -1;
	if (data == NULL) {
		if (!must_exist)
			return 0;
		xasprintf(cause, "config file %s does not exist", path);
		return -1;
	}

	end = data + len;
	if ((nul = memchr(data, '\0', len)) != NULL) {
		lineno = 1;
		for (line = data; line < nul; line++)
			lineno += *line == '\n';
		xasprintf(cause, "%s:%zu: line contains a NUL byte", path,
		    lineno);
		free(data);
		return -1;
	}

	lineno = 0;
	for (line = data; line < end && rc == 0; line = next) {
		lineno++;
		next = memchr(line, '\n', (size_t)(end - line));
		if (next == NULL)
			next = end;
		else
			*next++ = '\0';
		rc = config_line(cfg, path, lineno, line, cause);
	}
	free(data);
	return rc;
}

/* Parse one line of the config file; line is NUL-terminated. */
static int
config_line(struct config *cfg, const char *file, size_t lineno, char *line,
    char **cause)
{
	const struct config_key	*k;
	char			*where, *p, *eq, *key_end, *value, *end;
	char			*echo;
	size_t			 len, i;
	int			 rc;

	len = strlen(line);
	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	xasprintf(&where, "%s:%zu", file, lineno);
	if (len > CONFIG_LINE_MAX) {
		xasprintf(cause, "%s: line is longer than %d bytes", where,
		    CONFIG_LINE_MAX);
		free(where);
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (((unsigned char)line[i] < 0x20 && line[i] != '\t') ||
		    line[i] == 0x7f) {
			xasprintf(cause, "%s: line contains the control "
			    "character 0x%02x", where, (unsigned char)line[i]);
			free(where);
			return -1;
		}
	}

	p = line + strspn(line, " \t");
	if (*p == '\0' || *p == '#') {
		free(where);
		return 0;
	}
	if (strncmp(p, "warning", 7) == 0 && (p[7] == ' ' || p[7] == '\t' ||
	    p[7] == '"')) {
		rc = config_warning(cfg, where, p + 7, cause);
		free(where);
		return rc;
	}
	if (strncmp(p, "dnsbl_code", 10) == 0 && (p[10] == ' ' ||
	    p[10] == '\t')) {
		if ((rc = dnsbl_add_rule(cfg->dnsbl, p + 10, &echo)) == -1) {
			xasprintf(cause, "%s: %s", where, echo);
			free(echo);
		}
		free(where);
		return rc;
	}
	if (strncmp(p, "key", 3) == 0 && (p[3] == ' ' || p[3] == '\t')) {
		rc = config_keybind(cfg, where, p + 3, cause);
		free(where);
		return rc;
	}
	if ((strncmp(p, "provider", 8) == 0 && (p[8] == ' ' || p[8] == '\t'))
	    || (strncmp(p, "recipient", 9) == 0 && (p[9] == ' ' ||
	    p[9] == '\t'))) {
		rc = provider_config_line(cfg->providers, p, where, cause);
		free(where);
		return rc;
	}

	if ((eq = strchr(p, '=')) == NULL) {
		echo = config_echo(p, strlen(p));
		xasprintf(cause, "%s: expected \"key = value\", found \"%s\"",
		    where, echo);
		free(echo);
		free(where);
		return -1;
	}
	key_end = eq;
	while (key_end > p && (key_end[-1] == ' ' || key_end[-1] == '\t'))
		key_end--;
	*key_end = '\0';
	value = eq + 1 + strspn(eq + 1, " \t");
	end = value + strlen(value);
	while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';

	for (i = 0; i < sizeof config_keys / sizeof config_keys[0]; i++) {
		k = &config_keys[i];
		if (strcmp(k->name, p) == 0) {
			rc = config_set(cfg, k, where, value, cause);
			free(where);
			return rc;
		}
	}
	echo = config_echo(p, strlen(p));
	xasprintf(cause, "%s: unknown key \"%s\"", where, echo);
	free(echo);
	free(where);
	return -1;
}

/*
 * Parse the rest of a line "key ACTION = KEY" after the keyword.  Only the
 * shape is checked here: one word on each side of "=".
 */
static int
config_keybind(struct config *cfg, const char *where, char *p, char **cause)
{
	struct config_keybind	*b;
	char			*eq, *action, *key, *echo;
	size_t			 alen, klen;

	if ((eq = strchr(p, '=')) == NULL) {
		xasprintf(cause, "%s: expected \"key ACTION = KEY\"", where);
		return -1;
	}
	action = p + strspn(p, " \t");
	alen = strcspn(action, " \t=");
	key = eq + 1 + strspn(eq + 1, " \t");
	klen = strcspn(key, " \t");
	if (alen == 0 || action + alen + strspn(action + alen, " \t") != eq) {
		echo = config_echo(p, strlen(p));
		xasprintf(cause, "%s: expected one action name before \"=\" "
		    "in \"key%s\"", where, echo);
		free(echo);
		return -1;
	}
	if (klen == 0 || key[klen + strspn(key + klen, " \t")] != '\0') {
		echo = config_echo(key, strlen(key));
		xasprintf(cause, "%s: expected one key after \"=\", such as "
		    "o, F5 or Esc, found \"%s\"", where, echo);
		free(echo);
		return -1;
	}
	if (cfg->nkeybinds >= CONFIG_KEYBINDS_MAX) {
		xasprintf(cause, "%s: more than %d \"key\" lines", where,
		    CONFIG_KEYBINDS_MAX);
		return -1;
	}
	cfg->keybinds = xreallocarray(cfg->keybinds, cfg->nkeybinds + 1,
	    sizeof *cfg->keybinds);
	b = &cfg->keybinds[cfg->nkeybinds++];
	b->action = xstrndup(action, alen);
	b->key = xstrndup(key, klen);
	b->where = xstrdup(where);
	return 0;
}

/*
 * Parse the rest of a line 'warning "TEXT" = reason' after the keyword.
 * Inside the quotes, \" stands for a quote and \\ for a backslash.
 */
static int
config_warning(struct config *cfg, const char *where, char *p, char **cause)
{
	char	*text, *out, *name, *end, *reason_cause;

	p += strspn(p, " \t");
	if (*p != '"') {
		xasprintf(cause, "%s: expected a quoted text after \"warning\"",
		    where);
		return -1;
	}
	text = out = ++p;
	for (;;) {
		if (*p == '\0') {
			xasprintf(cause, "%s: missing closing quote in the "
			    "warning text", where);
			return -1;
		}
		if (*p == '"')
			break;
		if (*p == '\\') {
			if (p[1] != '"' && p[1] != '\\') {
				xasprintf(cause, "%s: invalid escape in the "
				    "warning text: only \\\" and \\\\ are "
				    "allowed", where);
				return -1;
			}
			p++;
		}
		*out++ = *p++;
	}
	*out = '\0';
	p++;

	p += strspn(p, " \t");
	if (*p != '=') {
		xasprintf(cause, "%s: expected \"=\" and a reason name after "
		    "the warning text", where);
		return -1;
	}
	name = p + 1 + strspn(p + 1, " \t");
	end = name + strlen(name);
	while (end > name && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	if (*name == '\0') {
		xasprintf(cause, "%s: missing reason name after \"=\"", where);
		return -1;
	}
	if (reason_table_add(cfg->reasons, text, name, &reason_cause) == -1) {
		xasprintf(cause, "%s: %s", where, reason_cause);
		free(reason_cause);
		return -1;
	}
	return 0;
}

/*
 * Check value as a mailbox for From, Reply-To or To: an address, or a
 * display name (which may be UTF-8) and the address in angle brackets.
 */
static int
config_valid_address(const char *value, char **why)
{
	char	*display, *address;

	*why = NULL;
	if (strlen(value) > CONFIG_ADDRESS_MAX) {
		xasprintf(why, "longer than %d characters", CONFIG_ADDRESS_MAX);
		return 0;
	}
	if (mail_mailbox_parse(value, &display, &address, why) == -1)
		return 0;
	free(display);
	free(address);
	return 1;
}

/* Store value in the field of cfg that k names. */
static int
config_set(struct config *cfg, const struct config_key *k, const char *where,
    const char *value, char **cause)
{
	char		**field = (char **)((char *)cfg + k->offset);
	char		**argv, *home, *echo, *end, *why;
	const char	 *invalid;
	long		  n;

	if (k->type == CONFIG_INT) {
		errno = 0;
		n = strtol(value, &end, 10);
		if (*value == '\0' || *end != '\0' || errno != 0 ||
		    n < k->min || n > k->max) {
			echo = config_echo(value, strlen(value));
			xasprintf(cause, "%s: invalid %s \"%s\": expected a "
			    "whole number from %d to %d", where, k->name,
			    echo, k->min, k->max);
			free(echo);
			return -1;
		}
		*(int *)((char *)cfg + k->offset) = (int)n;
		return 0;
	}
	if (k->type == CONFIG_BOOL) {
		if (strcmp(value, "yes") == 0)
			*(int *)((char *)cfg + k->offset) = 1;
		else if (strcmp(value, "no") == 0)
			*(int *)((char *)cfg + k->offset) = 0;
		else {
			echo = config_echo(value, strlen(value));
			xasprintf(cause, "%s: invalid %s \"%s\": expected yes "
			    "or no", where, k->name, echo);
			free(echo);
			return -1;
		}
		return 0;
	}

	if (k->type == CONFIG_DNSBL) {
		if (dnsbl_set_zones(cfg->dnsbl, value, &echo) == -1) {
			xasprintf(cause, "%s: %s", where, echo);
			free(echo);
			return -1;
		}
		return 0;
	}
	if (k->type == CONFIG_ZONE && *value != '\0' &&
	    (invalid = dnsbl_zone_invalid(value)) != NULL) {
		echo = config_echo(value, strlen(value));
		xasprintf(cause, "%s: invalid %s \"%s\": %s", where, k->name,
		    echo, invalid);
		free(echo);
		return -1;
	}
	if (k->type == CONFIG_ZONE) {
		free(*field);
		*field = *value != '\0' ? xstrdup(value) : NULL;
		return 0;
	}

	if (*value == '\0' && (k->type == CONFIG_RESOLVER ||
	    k->type == CONFIG_COMMAND || k->type == CONFIG_ADDRESS_OPT ||
	    k->type == CONFIG_PATH_OPT)) {
		free(*field);
		*field = NULL;
		return 0;
	}

	switch (k->type) {
	case CONFIG_PATH:
	case CONFIG_PATH_OPT:
		if (value[0] == '~' && value[1] == '/') {
			home = config_home();
			free(*field);
			xasprintf(field, "%s%s", home, value + 1);
			free(home);
			return 0;
		}
		if (value[0] != '/') {
			echo = config_echo(value, strlen(value));
			xasprintf(cause, "%s: %s must be an absolute path or "
			    "start with ~/, not \"%s\"", where, k->name, echo);
			free(echo);
			return -1;
		}
		break;
	case CONFIG_RESOLVER:
		if (strspn(value, "0123456789abcdefABCDEF.:[],") !=
		    strlen(value)) {
			echo = config_echo(value, strlen(value));
			xasprintf(cause, "%s: invalid resolver \"%s\": "
			    "expected HOST[:PORT][,HOST[:PORT]...] with IP "
			    "addresses", where, echo);
			free(echo);
			return -1;
		}
		break;
	case CONFIG_COMMAND:
		if ((argv = config_split_argv(value, &why)) == NULL) {
			xasprintf(cause, "%s: invalid sendmail command: %s",
			    where, why);
			free(why);
			return -1;
		}
		if (argv[0][0] != '/') {
			echo = config_echo(argv[0], strlen(argv[0]));
			xasprintf(cause, "%s: sendmail command \"%s\" must "
			    "start with an absolute path such as "
			    "/usr/sbin/sendmail, because it runs without a "
			    "shell or PATH search", where, echo);
			free(echo);
			config_free_argv(argv);
			return -1;
		}
		config_free_argv(argv);
		break;
	case CONFIG_ADDRESS:
	case CONFIG_ADDRESS_OPT:
		/* The address itself must be ASCII; a display name may not. */
		if (!config_valid_address(value, &why)) {
			echo = config_echo(value, strlen(value));
			if (why != NULL && strncmp(why, "display name", 12) == 0)
				xasprintf(cause, "%s: invalid %s \"%s\": %s",
				    where, k->name, echo, why);
			else
				xasprintf(cause, "%s: invalid %s address \"%s\": "
				    "expected printable ASCII with an @, at most "
				    "%d characters", where, k->name, echo,
				    CONFIG_ADDRESS_MAX);
			free(echo);
			free(why);
			return -1;
		}
		break;
	case CONFIG_INT:
	case CONFIG_DNSBL:
	case CONFIG_ZONE:
	case CONFIG_BOOL:
		break;
	}
	free(*field);
	*field = xstrdup(value);
	return 0;
}

char **
config_split_argv(const char *cmd, char **cause)
{
	char		**argv;
	const char	 *p, *word;
	size_t		  n = 0;

	argv = xcalloc(CONFIG_ARGV_MAX + 1, sizeof *argv);
	p = cmd;
	for (;;) {
		p += strspn(p, " \t");
		if (*p == '\0')
			break;
		if (n == CONFIG_ARGV_MAX) {
			xasprintf(cause, "command has more than %d words",
			    CONFIG_ARGV_MAX);
			config_free_argv(argv);
			return NULL;
		}
		word = p;
		p += strcspn(p, " \t");
		argv[n++] = xstrndup(word, (size_t)(p - word));
	}
	if (n == 0) {
		xasprintf(cause, "empty command");
		config_free_argv(argv);
		return NULL;
	}
	return argv;
}

void
config_free_argv(char **argv)
{
	size_t	i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

int
config_make_dir(const char *dir, char **cause)
{
	struct stat	 sb;
	char		*copy, *p;

	if (*dir == '\0')
		return 0;
	copy = xstrdup(dir);
	for (p = copy + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		if (p[-1] != '/') {
			*p = '\0';
			if (mkdir(copy, 0700) == -1 && errno != EEXIST) {
				xasprintf(cause, "cannot create folder %s: %s",
				    copy, strerror(errno));
				free(copy);
				return -1;
			}
			*p = dir[p - copy];
		}
		if (*p == '\0')
			break;
	}
	free(copy);
	if (stat(dir, &sb) == -1) {
		xasprintf(cause, "cannot create folder %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		xasprintf(cause, "%s exists but is not a folder", dir);
		return -1;
	}
	return 0;
}

int
config_make_parent(const char *path, char **cause)
{
	const char	*slash;
	char		*dir;
	int		 rc;

	if ((slash = strrchr(path, '/')) == NULL || slash == path)
		return 0;
	dir = xstrndup(path, (size_t)(slash - path));
	rc = config_make_dir(dir, cause);
	free(dir);
	return rc;
}

int
config_check_owner(const char *path, const struct stat *sb, char **cause)
{
	uid_t	uid = geteuid();

	if (sb->st_uid != uid && sb->st_uid != 0) {
		xasprintf(cause, "%s is owned by uid %lu, not by you (uid %lu) "
		    "or root, so another user could change it", path,
		    (unsigned long)sb->st_uid, (unsigned long)uid);
		return -1;
	}
	if (sb->st_mode & (S_IWGRP | S_IWOTH)) {
		xasprintf(cause, "%s can be written by other users (mode "
		    "%04o); fix it with: chmod go-w %s", path,
		    (unsigned int)(sb->st_mode & 07777), path);
		return -1;
	}
	return 0;
}

int
config_read_file(const char *path, size_t max, int check_owner, char **data,
    size_t *len, char **cause)
{
	struct stat	 sb;
	char		*buf;
	size_t		 size, used = 0;
	ssize_t		 n;
	int		 fd;

	*data = NULL;
	*len = 0;
	/* O_NONBLOCK so that opening a FIFO by mistake cannot hang. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1) {
		if (errno == ENOENT)
			return 0;
		xasprintf(cause, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1) {
		xasprintf(cause, "cannot read %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		xasprintf(cause, "%s is not a regular file", path);
		close(fd);
		return -1;
	}
	if (check_owner && config_check_owner(path, &sb, cause) == -1) {
		close(fd);
		return -1;
	}

	size = 4096;
	buf = xmalloc(size);
	for (;;) {
		if (used > max) {
			xasprintf(cause, "%s is larger than %zu bytes", path,
			    max);
			goto fail;
		}
		if (used + 1 >= size) {
			size *= 2;
			buf = xreallocarray(buf, 1, size);
		}
		n = read(fd, buf + used, size - used - 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			xasprintf(cause, "cannot read %s: %s", path,
			    strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	buf[used] = '\0';
	*data = buf;
	*len = used;
	return 0;

fail:
	free(buf);
	close(fd);
	return -1;
}

/* Write all of data to fd. */
static int
config_write_all(int fd, const char *data, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(fd, data, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Flush the folder holding a renamed file so the new name is on disk. */
static int
config_sync_dir(const char *dir)
{
	int	fd, saved;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	/* Some file systems cannot fsync a folder and fail with EINVAL. */
	if (fsync(fd) == -1 && errno != EINVAL) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	close(fd);
	return 0;
}

/* Give tmp the name path unless path exists. */
static int
config_rename_new(const char *tmp, const char *path)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* The file system lacks RENAME_NOREPLACE; link fails on EEXIST. */
	if (link(tmp, path) == -1)
		return -1;
	unlink(tmp);
	return 0;
}

/*
 * Write a new file at path as an unnamed file linked when whole, so that
 * a kill leaves no temporary file.  Returns 0, -1 with *cause set, or 1
 * when the system cannot do it and a named temporary file must do.
 */
static int
config_write_unnamed(const char *dir, const char *path, const char *data,
    size_t len, mode_t mode, char **cause)
{
	int	fd;

	if ((fd = tmpfile_open_unnamed(dir)) == -1) {
		if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)
			return 1;
		xasprintf(cause, "cannot create a temporary file in %s: %s",
		    dir, strerror(errno));
		return -1;
	}
	if (fchmod(fd, mode) == -1 || config_write_all(fd, data, len) == -1 ||
	    fsync(fd) == -1) {
		xasprintf(cause, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (tmpfile_link(fd, path) == -1) {
		if (errno == ENOTSUP) {
			close(fd);
			return 1;
		}
		xasprintf(cause, "cannot create %s: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	if (close(fd) == -1) {
		xasprintf(cause, "cannot write %s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

int
config_write_atomic(const char *path, const char *data, size_t len,
    mode_t mode, int replace, char **cause)
{
	struct stat	 sb;
	const char	*slash;
	char		*target = NULL, *dir, *tmp;
	int		 fd;

	/* Replace the file a symbolic link points to, not the link. */
	if (replace && lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode) &&
	    (target = realpath(path, NULL)) != NULL)
		path = target;
	if (replace && stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
		mode = sb.st_mode & 07777;

	if ((slash = strrchr(path, '/')) == NULL) {
		dir = xstrdup(".");
		xasprintf(&tmp, ".%s.XXXXXX", path);
	} else {
		dir = slash == path ? xstrdup("/") :
		    xstrndup(path, (size_t)(slash - path));
		xasprintf(&tmp, "%.*s/.%s.XXXXXX", (int)(slash - path), path,
		    slash + 1);
	}

	if (!replace) {
		switch (config_write_unnamed(dir, path, data, len, mode,
		    cause)) {
		case 0:
			goto named;
		case -1:
			goto fail_nofile;
		}
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		xasprintf(cause, "cannot create a temporary file in %s: %s",
		    dir, strerror(errno));
		goto fail_nofile;
	}
	/* tmpfile_clean leaves a locked file alone. */
	(void)flock(fd, LOCK_EX);
	if (fchmod(fd, mode) == -1 || config_write_all(fd, data, len) == -1 ||
	    fsync(fd) == -1) {
		xasprintf(cause, "cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		goto fail;
	}
	if (close(fd) == -1) {
		xasprintf(cause, "cannot write %s: %s", tmp, strerror(errno));
		goto fail;
	}
	if ((replace ? rename(tmp, path) : config_rename_new(tmp, path)) ==
	    -1) {
		xasprintf(cause, "cannot rename %s to %s: %s", tmp, path,
		    strerror(errno));
		goto fail;
	}
named:
	if (config_sync_dir(dir) == -1) {
		xasprintf(cause, "cannot sync folder %s: %s", dir,
		    strerror(errno));
		goto fail_nofile;
	}
	free(tmp);
	free(dir);
	free(target);
	return 0;

fail:
	unlink(tmp);
fail_nofile:
	free(tmp);
	free(dir);
	free(target);
	return -1;
}
