/*
 * The whitelist file.  Each line is kept as read, so comments, blank lines
 * and the order survive a rewrite.  The entry on a line is parsed into an
 * address block or a name glob for matching.
 *
 * Normal forms:
 * - an address as inet_ntop writes it;
 * - a block with its host bits cleared, and a /32 (IPv4) or /128 (IPv6)
 *   block as the plain address;
 * - an IPv4-mapped IPv6 address (::ffff:a.b.c.d) as IPv4, because a
 *   dual-stack MTA may log an IPv4 client in that form;
 * - a glob in lower case, without a final dot.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "esc.h"
#include "whitelist.h"
#include "xmalloc.h"

/* A whitelist of a few thousand entries is far below this. */
#define WL_FILE_MAX		(4 * 1024 * 1024)
/* Maximum line length, comment included. */
#define WL_LINE_MAX		1024
/*
 * Maximum number of lines.  Each line costs about 80 bytes in memory, so
 * WL_FILE_MAX bytes of empty lines alone would take over 300 MiB.
 */
#define WL_LINES_MAX		100000
/* Maximum entry length: a DNS name has at most 253 octets, a CIDR block 49. */
#define WL_ENTRY_MAX		253
/* Maximum length of a comment that wl_add writes after an entry. */
#define WL_COMMENT_MAX		200

enum wl_kind {
	WL_NONE,		/* a blank or comment-only line */
	WL_BLOCK,		/* an address or CIDR block */
	WL_GLOB,
};

struct wl_line {
	char		*text;		/* as read, without "\n" */
	enum wl_kind	 kind;
	char		*entry;		/* normal form, or NULL */
	int		 family;
	uint8_t		 bytes[16];	/* host bits cleared */
	unsigned int	 prefix;
};

struct whitelist {
	char		*path;
	struct wl_line	*lines;
	size_t		 nlines;
	size_t		*entries;	/* lines that have an entry */
	size_t		 nentries;
	struct stat	 read_sb;	/* the file when last read or written */
	int		 read_exists;
};

static int	 wl_parse_entry(const char *entry, struct wl_line *,
		    char **cause);
static int	 wl_parse_block(const char *entry, struct wl_line *,
		    char **cause);
static int	 wl_parse_glob(const char *entry, struct wl_line *,
		    char **cause);
static int	 wl_parse_line(const char *text, size_t len, struct wl_line *,
		    char **cause);
static int	 wl_read(struct whitelist *, char **cause);
static void	 wl_stamp(struct whitelist *);
static void	 wl_clear(struct whitelist *);
static void	 wl_index(struct whitelist *);
static int	 wl_lock(const char *path, int *fd, char **cause);
static void	 wl_unlock(int fd);
static int	 wl_write(struct whitelist *, char **cause);
static ssize_t	 wl_find(const struct whitelist *, const char *entry);
static int	 wl_glob_match(const char *pattern, const char *name);
static int	 wl_block_match(const struct wl_line *,
		    const struct event_addr *);

/* Turn an IPv4-mapped IPv6 address into IPv4 in place. */
static void
wl_unmap(int *family, uint8_t *bytes, unsigned int *prefix)
{
	static const uint8_t	mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				    0xff, 0xff };

	if (*family != AF_INET6 || memcmp(bytes, mapped, sizeof mapped) != 0)
		return;
	if (prefix != NULL) {
		if (*prefix < 96)
			return;
		*prefix -= 96;
	}
	memmove(bytes, bytes + 12, 4);
	memset(bytes + 4, 0, 12);
	*family = AF_INET;
}

/* Clear the bits of bytes after the first prefix bits. */
static void
wl_mask(uint8_t *bytes, size_t size, unsigned int prefix)
{
	size_t	i;

	for (i = 0; i < size; i++) {
		if (prefix >= 8) {
			prefix -= 8;
			continue;
		}
		bytes[i] &= (uint8_t)(0xff << (8 - prefix));
		prefix = 0;
	}
}

/* Parse an address or an "address/prefix" block into l. */
static int
wl_parse_block(const char *entry, struct wl_line *l, char **cause)
{
	const char	*slash;
	char		*addr, text[INET6_ADDRSTRLEN];
	unsigned int	 max, prefix;
	size_t		 i, size;

	slash = strchr(entry, '/');
	addr = slash == NULL ? xstrdup(entry) :
	    xstrndup(entry, (size_t)(slash - entry));
	memset(l->bytes, 0, sizeof l->bytes);
	if (inet_pton(AF_INET, addr, l->bytes) == 1) {
		l->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, l->bytes) == 1) {
		l->family = AF_INET6;
		max = 128;
	} else {
		xasprintf(cause, "\"%s\" is not a valid IPv4 or IPv6 address",
		    addr);
		free(addr);
		return -1;
	}
	free(addr);

	prefix = max;
	if (slash != NULL) {
		slash++;
		if (*slash == '\0' || strlen(slash) > 3 ||
		    strspn(slash, "0123456789") != strlen(slash)) {
			xasprintf(cause, "invalid prefix length \"/%s\" in "
			    "\"%s\": expected a number from 0 to %u", slash,
			    entry, max);
			return -1;
		}
		prefix = 0;
		for (i = 0; slash[i] != '\0'; i++)
			prefix = prefix * 10 + (unsigned int)(slash[i] - '0');
		if (prefix > max) {
			xasprintf(cause, "invalid prefix length \"/%s\" in "
			    "\"%s\": expected a number from 0 to %u", slash,
			    entry, max);
			return -1;
		}
	}

	wl_unmap(&l->family, l->bytes, &prefix);
	max = l->family == AF_INET ? 32 : 128;
	size = l->family == AF_INET ? 4 : 16;
	wl_mask(l->bytes, size, prefix);
	l->prefix = prefix;
	inet_ntop(l->family, l->bytes, text, sizeof text);
	if (prefix == max)
		l->entry = xstrdup(text);
	else
		xasprintf(&l->entry, "%s/%u", text, prefix);
	l->kind = WL_BLOCK;
	return 0;
}

/*
 * Parse a name or name glob: letters, digits, '-', '_' and '.', with '*'
 * for any run of characters (dots included) and '?' for one character.
 * It needs a letter, so that a pattern such as "192.0.2.*" is not taken
 * for an address block.
 */
static int
wl_parse_glob(const char *entry, struct wl_line *l, char **cause)
{
	char	*glob;
	size_t	 i, len;
	int	 letter = 0;

	len = strlen(entry);
	if (len > 1 && entry[len - 1] == '.')
		len--;
	glob = xstrndup(entry, len);
	for (i = 0; i < len; i++) {
		if (glob[i] >= 'A' && glob[i] <= 'Z')
			glob[i] = (char)(glob[i] - 'A' + 'a');
		if (glob[i] >= 'a' && glob[i] <= 'z') {
			letter = 1;
			continue;
		}
		if ((glob[i] >= '0' && glob[i] <= '9') || glob[i] == '-' ||
		    glob[i] == '_' || glob[i] == '.' || glob[i] == '*' ||
		    glob[i] == '?')
			continue;
		xasprintf(cause, "invalid character 0x%02x in \"%s\": a name "
		    "glob may hold letters, digits, '-', '_', '.', '*' and '?'",
		    (unsigned char)entry[i], entry);
		free(glob);
		return -1;
	}
	if (!letter) {
		xasprintf(cause, "\"%s\" is neither an IP address nor a name; "
		    "write an address range as a CIDR block such as "
		    "192.0.2.0/24", entry);
		free(glob);
		return -1;
	}
	if (glob[0] == '.' || glob[len - 1] == '.' ||
	    strstr(glob, "..") != NULL) {
		xasprintf(cause, "\"%s\" has an empty label", entry);
		free(glob);
		return -1;
	}
	l->kind = WL_GLOB;
	l->entry = glob;
	return 0;
}

/* Parse one entry (no blanks, no comment) into l. */
static int
wl_parse_entry(const char *entry, struct wl_line *l, char **cause)
{
	size_t	len;

	len = strlen(entry);
	if (len == 0) {
		xasprintf(cause, "empty entry");
		return -1;
	}
	if (len > WL_ENTRY_MAX) {
		xasprintf(cause, "entry is longer than %d characters",
		    WL_ENTRY_MAX);
		return -1;
	}
	if (strchr(entry, '/') != NULL || strchr(entry, ':') != NULL ||
	    strspn(entry, "0123456789.") == len)
		return wl_parse_block(entry, l, cause);
	return wl_parse_glob(entry, l, cause);
}

char *
wl_normalize(const char *entry, char **cause)
{
	struct wl_line	 l;
	char		*escaped;

	memset(&l, 0, sizeof l);
	if (strpbrk(entry, " \t\r\n#") != NULL) {
		escaped = esc_display(entry, strlen(entry));
		xasprintf(cause, "invalid entry \"%s\": an entry holds no "
		    "blanks and no '#'", escaped);
		free(escaped);
		return NULL;
	}
	if (wl_parse_entry(entry, &l, cause) == -1)
		return NULL;
	return l.entry;
}

/*
 * Parse a line of the file: an entry, a comment from '#' to the end, or
 * both.  Fills l (text included).  On error, l has nothing to free.
 */
static int
wl_parse_line(const char *text, size_t len, struct wl_line *l, char **cause)
{
	const char	*p, *end, *hash;
	char		*entry;
	size_t		 i;
	int		 rc;

	memset(l, 0, sizeof *l);
	if (len > WL_LINE_MAX) {
		xasprintf(cause, "line is longer than %d bytes", WL_LINE_MAX);
		return -1;
	}
	if (memchr(text, '\0', len) != NULL) {
		xasprintf(cause, "line contains a NUL byte");
		return -1;
	}

	hash = memchr(text, '#', len);
	end = hash != NULL ? hash : text + len;
	p = text;
	while (p < end && strchr(" \t\r\v\f", *p) != NULL)
		p++;
	while (end > p && strchr(" \t\r\v\f", end[-1]) != NULL)
		end--;
	for (i = 0; p + i < end; i++) {
		if ((unsigned char)p[i] <= ' ' || p[i] == 0x7f) {
			if (strchr(" \t", p[i]) != NULL)
				xasprintf(cause, "more than one entry on the "
				    "line; put each entry on its own line");
			else
				xasprintf(cause, "entry contains the control "
				    "character 0x%02x", (unsigned char)p[i]);
			return -1;
		}
	}

	if (p < end) {
		entry = xstrndup(p, (size_t)(end - p));
		rc = wl_parse_entry(entry, l, cause);
		free(entry);
		if (rc == -1)
			return -1;
	}
	l->text = xstrndup(text, len);
	return 0;
}

static void
wl_clear(struct whitelist *wl)
{
	size_t	i;

	for (i = 0; i < wl->nlines; i++) {
		free(wl->lines[i].text);
		free(wl->lines[i].entry);
	}
	free(wl->lines);
	free(wl->entries);
	wl->lines = NULL;
	wl->entries = NULL;
	wl->nlines = wl->nentries = 0;
}

static void
wl_index(struct whitelist *wl)
{
	size_t	i;

	free(wl->entries);
	wl->entries = xcalloc(wl->nlines, sizeof *wl->entries);
	wl->nentries = 0;
	for (i = 0; i < wl->nlines; i++) {
		if (wl->lines[i].kind != WL_NONE)
			wl->entries[wl->nentries++] = i;
	}
}

/* Read the file at wl->path into wl, replacing what wl held. */
static int
wl_read(struct whitelist *wl, char **cause)
{
	struct wl_line	*lines;
	char		*data, *line, *next, *end, *error;
	size_t		 len, n = 0, i;

	if (config_read_file(wl->path, WL_FILE_MAX, 1, &data, &len,
	    cause) == -1)
		return -1;
	if (data != NULL) {
		end = data + len;
		for (line = data; line < end; line = next + 1) {
			if ((next = memchr(line, '\n', (size_t)(end - line))) ==
			    NULL)
				next = end;
			n++;
		}
	}
	if (n > WL_LINES_MAX) {
		xasprintf(cause, "%s has %zu lines, more than %d", wl->path, n,
		    WL_LINES_MAX);
		free(data);
		return -1;
	}
	/* Never NULL, even for a missing or empty file. */
	lines = xcalloc(n, sizeof *lines);
	n = 0;
	if (data != NULL) {
		end = data + len;
		for (line = data; line < end; line = next + 1) {
			if ((next = memchr(line, '\n', (size_t)(end - line))) ==
			    NULL)
				next = end;
			if (wl_parse_line(line, (size_t)(next - line),
			    &lines[n], &error) == -1) {
				xasprintf(cause, "%s:%zu: %s", wl->path, n + 1,
				    error);
				free(error);
				for (i = 0; i < n; i++) {
					free(lines[i].text);
					free(lines[i].entry);
				}
				free(lines);
				free(data);
				return -1;
			}
			n++;
		}
		free(data);
	}
	wl_clear(wl);
	wl->lines = lines;
	wl->nlines = n;
	wl_index(wl);
	wl_stamp(wl);
	return 0;
}

struct whitelist *
wl_load(const char *path, char **cause)
{
	struct whitelist	*wl;

	wl = xcalloc(1, sizeof *wl);
	wl->path = xstrdup(path);
	if (wl_read(wl, cause) == -1) {
		wl_free(wl);
		return NULL;
	}
	return wl;
}

void
wl_free(struct whitelist *wl)
{
	if (wl == NULL)
		return;
	wl_clear(wl);
	free(wl->path);
	free(wl);
}

/*
 * Take an exclusive lock on the folder holding path, so that two programs
 * changing the whitelist at once do not lose each other's change.  The
 * folder is locked, not the file, because every rewrite replaces the file.
 */
static int
wl_lock(const char *path, int *fd, char **cause)
{
	const char	*slash;
	char		*dir;

	if (config_make_parent(path, cause) == -1)
		return -1;
	if ((slash = strrchr(path, '/')) == NULL)
		dir = xstrdup(".");
	else if (slash == path)
		dir = xstrdup("/");
	else
		dir = xstrndup(path, (size_t)(slash - path));
	*fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd == -1) {
		xasprintf(cause, "cannot open folder %s: %s", dir,
		    strerror(errno));
		free(dir);
		return -1;
	}
	while (flock(*fd, LOCK_EX) == -1) {
		if (errno == EINTR)
			continue;
		xasprintf(cause, "cannot lock folder %s: %s", dir,
		    strerror(errno));
		close(*fd);
		free(dir);
		return -1;
	}
	free(dir);
	return 0;
}

static void
wl_unlock(int fd)
{
	close(fd);
}

/* Rewrite the file from wl's lines. */
static int
wl_write(struct whitelist *wl, char **cause)
{
	struct esc_buf	b = { NULL, 0, 0 };
	size_t		i;
	int		rc;

	esc_buf_add(&b, "", 0);
	for (i = 0; i < wl->nlines; i++) {
		esc_buf_add(&b, wl->lines[i].text, strlen(wl->lines[i].text));
		esc_buf_add(&b, "\n", 1);
	}
	rc = config_write_atomic(wl->path, b.data, b.len, 0600, 1, cause);
	esc_buf_free(&b);
	if (rc == 0)
		wl_stamp(wl);
	return rc;
}

/* Index of the line holding entry (in normal form), or -1. */
static ssize_t
wl_find(const struct whitelist *wl, const char *entry)
{
	size_t	i;

	for (i = 0; i < wl->nentries; i++) {
		if (strcmp(wl->lines[wl->entries[i]].entry, entry) == 0)
			return (ssize_t)wl->entries[i];
	}
	return -1;
}

int
wl_add(struct whitelist *wl, const char *entry, const char *comment,
    char **cause)
{
	struct wl_line	*l;
	char		*norm, *escaped = NULL;
	int		 fd, rc;

	if ((norm = wl_normalize(entry, cause)) == NULL)
		return -1;
	if (comment != NULL) {
		/* The comment may quote a log, so escape it. */
		escaped = esc_display(comment, strlen(comment));
		if (strlen(escaped) > WL_COMMENT_MAX) {
			xasprintf(cause, "comment is longer than %d bytes",
			    WL_COMMENT_MAX);
			free(escaped);
			free(norm);
			return -1;
		}
	}
	if (wl_lock(wl->path, &fd, cause) == -1) {
		free(escaped);
		free(norm);
		return -1;
	}

	/* Read the file again, because another program may have changed it. */
	rc = wl_read(wl, cause);
	if (rc == 0 && wl_find(wl, norm) == -1 && wl->nlines >= WL_LINES_MAX) {
		xasprintf(cause, "%s has %d lines already; remove some before "
		    "adding more", wl->path, WL_LINES_MAX);
		rc = -1;
	} else if (rc == 0 && wl_find(wl, norm) == -1) {
		wl->lines = xreallocarray(wl->lines, wl->nlines + 1,
		    sizeof *wl->lines);
		l = &wl->lines[wl->nlines];
		memset(l, 0, sizeof *l);
		(void)wl_parse_entry(norm, l, cause);
		if (escaped == NULL || *escaped == '\0')
			l->text = xstrdup(norm);
		else
			xasprintf(&l->text, "%s # %s", norm, escaped);
		wl->nlines++;
		wl_index(wl);
		if ((rc = wl_write(wl, cause)) == -1) {
			/* Keep memory in step with the file. */
			free(l->text);
			free(l->entry);
			wl->nlines--;
			wl_index(wl);
		}
	}
	wl_unlock(fd);
	free(escaped);
	free(norm);
	return rc;
}

int
wl_remove(struct whitelist *wl, const char *entry, char **cause)
{
	struct wl_line	 removed;
	char		*norm;
	ssize_t		 at;
	int		 fd, rc;

	if ((norm = wl_normalize(entry, cause)) == NULL)
		return -1;
	if (wl_lock(wl->path, &fd, cause) == -1) {
		free(norm);
		return -1;
	}

	rc = wl_read(wl, cause);
	if (rc == 0 && (at = wl_find(wl, norm)) != -1) {
		removed = wl->lines[at];
		memmove(&wl->lines[at], &wl->lines[at + 1],
		    (wl->nlines - (size_t)at - 1) * sizeof *wl->lines);
		wl->nlines--;
		wl_index(wl);
		if ((rc = wl_write(wl, cause)) == -1) {
			/* Put the line back so memory matches the file. */
			memmove(&wl->lines[at + 1], &wl->lines[at],
			    (wl->nlines - (size_t)at) * sizeof *wl->lines);
			wl->lines[at] = removed;
			wl->nlines++;
			wl_index(wl);
		} else {
			free(removed.text);
			free(removed.entry);
		}
	}
	wl_unlock(fd);
	free(norm);
	return rc;
}

/*
 * Match name against a glob case-insensitively.  On a mismatch the last
 * '*' takes one more character, so the cost is at most the product of
 * the two lengths.
 */
static int
wl_glob_match(const char *pattern, const char *name)
{
	const char	*p = pattern, *s = name, *star = NULL, *resume = NULL;
	char		 c;

	while (*s != '\0') {
		c = *s;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (*p == '*') {
			star = p++;
			resume = s;
			continue;
		}
		if (*p != '\0' && (*p == '?' || *p == c)) {
			p++;
			s++;
			continue;
		}
		if (star == NULL)
			return 0;
		p = star + 1;
		s = ++resume;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

static int
wl_block_match(const struct wl_line *l, const struct event_addr *addr)
{
	uint8_t		bytes[16];
	unsigned int	size;
	int		family;

	family = addr->family;
	memcpy(bytes, addr->bytes, sizeof bytes);
	wl_unmap(&family, bytes, NULL);
	if (family != l->family)
		return 0;
	size = family == AF_INET ? 4 : 16;
	wl_mask(bytes, size, l->prefix);
	return memcmp(bytes, l->bytes, size) == 0;
}

const char *
wl_match(const struct whitelist *wl, const struct event_addr *addr,
    const char *rdns)
{
	const struct wl_line	*l;
	char			 name[WL_ENTRY_MAX + 1];
	size_t			 i, len = 0;

	/* A name longer than any DNS name cannot match; drop a final dot. */
	if (rdns != NULL) {
		len = strlen(rdns);
		if (len > 1 && rdns[len - 1] == '.')
			len--;
		if (len == 0 || len > WL_ENTRY_MAX)
			rdns = NULL;
		else {
			memcpy(name, rdns, len);
			name[len] = '\0';
		}
	}
	for (i = 0; i < wl->nentries; i++) {
		l = &wl->lines[wl->entries[i]];
		if (l->kind == WL_BLOCK && addr != NULL &&
		    wl_block_match(l, addr))
			return l->entry;
		if (l->kind == WL_GLOB && rdns != NULL &&
		    wl_glob_match(l->entry, name))
			return l->entry;
	}
	return NULL;
}

size_t
wl_count(const struct whitelist *wl)
{
	return wl->nentries;
}

const char *
wl_entry(const struct whitelist *wl, size_t i)
{
	if (i >= wl->nentries)
		return NULL;
	return wl->lines[wl->entries[i]].entry;
}

const char *
wl_comment(const struct whitelist *wl, size_t i)
{
	const char	*hash;

	if (i >= wl->nentries)
		return "";
	hash = strchr(wl->lines[wl->entries[i]].text, '#');
	if (hash == NULL)
		return "";
	return hash + 1 + strspn(hash + 1, " \t");
}

int
wl_entry_match(const char *entry, const struct event_addr *addr,
    const char *rdns)
{
	struct whitelist	one;
	struct wl_line		l;
	char			*cause;
	size_t			 index = 0;
	int			 matched;

	memset(&l, 0, sizeof l);
	if (wl_parse_entry(entry, &l, &cause) == -1) {
		free(cause);
		return 0;
	}
	memset(&one, 0, sizeof one);
	one.lines = &l;
	one.nlines = 1;
	one.entries = &index;
	one.nentries = 1;
	matched = wl_match(&one, addr, rdns) != NULL;
	free(l.entry);
	return matched;
}

/* Record the inode, size and modification time of the file as it is now. */
static void
wl_stamp(struct whitelist *wl)
{
	wl->read_exists = stat(wl->path, &wl->read_sb) == 0;
}

int
wl_reload(struct whitelist *wl, int *changed, char **cause)
{
	struct stat	sb;
	int		exists;

	*changed = 0;
	exists = stat(wl->path, &sb) == 0;
	if (exists == wl->read_exists && (!exists ||
	    (sb.st_dev == wl->read_sb.st_dev &&
	    sb.st_ino == wl->read_sb.st_ino &&
	    sb.st_size == wl->read_sb.st_size &&
	    sb.st_mtim.tv_sec == wl->read_sb.st_mtim.tv_sec &&
	    sb.st_mtim.tv_nsec == wl->read_sb.st_mtim.tv_nsec)))
		return 0;
	if (wl_read(wl, cause) == -1)
		return -1;
	*changed = 1;
	return 0;
}
