/* Formatting suspects for the headless commands: table, JSON lines, CSV. */
#ifndef SMTPTRIAGE_OUTPUT_H
#define SMTPTRIAGE_OUTPUT_H

#include <stddef.h>

#include "agg.h"
#include "dns.h"
#include "esc.h"

enum out_format {
	OUT_TABLE,
	OUT_JSON,
	OUT_CSV,
};

/* Parse "table", "json" or "csv".  Returns 0, or -1 if unknown. */
int	out_format_parse(const char *name, enum out_format *format);

/*
 * Format clients[0..n-1] into b.  dns is NULL, or an array of n results
 * (an entry may be NULL) that adds the "dns" object or columns.
 */
void	out_clients(struct esc_buf *b, enum out_format format,
	    struct client *const *clients, size_t n,
	    const struct dns_result *const *dns);

struct dnshist_list;

/*
 * out_clients with the DNS history of each client: history is NULL or an
 * array of n, and with OUT_JSON each object gets "dns_history".
 */
void	out_clients_history(struct esc_buf *b, enum out_format format,
	    struct client *const *clients, size_t n,
	    const struct dns_result *const *dns,
	    const struct dnshist_list *history);

/*
 * Format clients in slices of step clients, each as out_clients_history
 * formats it alone, and pass each slice's text to write_fn in order, with
 * the index of its first client.  With threads above 1, a second thread
 * formats every other slice.  Returns 0, or the first nonzero return of
 * write_fn, after which no more slices are passed.
 */
int	out_clients_slices(enum out_format format,
	    struct client *const *clients, size_t n,
	    const struct dns_result *const *dns,
	    const struct dnshist_list *history, size_t step, int threads,
	    int (*write_fn)(void *arg, size_t first, const char *text,
	    size_t len), void *arg);

/* One JSON object (no newline) for a client, as "list --format json". */
void	out_client_json(struct esc_buf *b, const struct client *c,
	    const struct dns_result *dns);

#endif
