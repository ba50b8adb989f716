/*
 * Formatting suspects in slices on two threads.  The JSON of the 71,304
 * suspects of a 20 MB bench_loggen log took 128 M instructions under
 * callgrind, twice the merge of a parallel read.  It comes after
 * everything else, when the other CPU is idle.  So the calling thread
 * formats the even slices while a helper thread formats the odd ones.
 * The slices reach the write function in order, and each slice's text is
 * the one that out_clients_history gives for it alone.
 */
#include <pthread.h>
#include <string.h>

#include "dnshist.h"
#include "output.h"

struct out_slicer {
	pthread_mutex_t			  lock;
	pthread_cond_t			  cond;
	enum out_format			  format;
	struct client *const		 *clients;
	size_t				  n;
	const struct dns_result *const	 *dns;
	const struct dnshist_list	 *history;
	size_t				  step;
	size_t				  nslices;

	/* The helper's slice: formatted into buf when ready is set. */
	struct esc_buf			  buf;
	size_t				  slice;
	int				  ready;
	int				  stop;
};

/* Format slice i of the slicer's clients into b, which is emptied first. */
static void
out_slice_format(const struct out_slicer *s, size_t i, struct esc_buf *b)
{
	size_t	first = i * s->step, k;

	k = s->n - first < s->step ? s->n - first : s->step;
	b->len = 0;
	out_clients_history(b, s->format, s->clients + first, k,
	    s->dns != NULL ? s->dns + first : NULL,
	    s->history != NULL ? s->history + first : NULL);
}

/* The helper thread: format slices 1, 3, 5, ... one at a time. */
static void *
out_slice_helper(void *arg)
{
	struct out_slicer	*s = arg;
	size_t			 i;

	for (i = 1; i < s->nslices; i += 2) {
		pthread_mutex_lock(&s->lock);
		/* Wait until the last slice was written and buf is free. */
		while (s->ready && !s->stop)
			pthread_cond_wait(&s->cond, &s->lock);
		if (s->stop) {
			pthread_mutex_unlock(&s->lock);
			break;
		}
		pthread_mutex_unlock(&s->lock);

		out_slice_format(s, i, &s->buf);

		pthread_mutex_lock(&s->lock);
		s->slice = i;
		s->ready = 1;
		pthread_cond_broadcast(&s->cond);
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

/* Pass the helper's slice i to write_fn once it is ready. */
static int
out_slice_take(struct out_slicer *s, size_t i,
    int (*write_fn)(void *, size_t, const char *, size_t), void *arg)
{
	int	rc;

	pthread_mutex_lock(&s->lock);
	while (!s->ready || s->slice != i)
		pthread_cond_wait(&s->cond, &s->lock);
	pthread_mutex_unlock(&s->lock);

	rc = write_fn(arg, i * s->step, s->buf.data, s->buf.len);

	pthread_mutex_lock(&s->lock);
	s->ready = 0;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int
out_clients_slices(enum out_format format, struct client *const *clients,
    size_t n, const struct dns_result *const *dns,
    const struct dnshist_list *history, size_t step, int threads,
    int (*write_fn)(void *, size_t, const char *, size_t), void *arg)
{
	struct out_slicer	 s;
	struct esc_buf		 own = { NULL, 0, 0 };
	pthread_t		 tid;
	size_t			 i;
	int			 rc = 0, helper = 0;

	memset(&s, 0, sizeof s);
	s.format = format;
	s.clients = clients;
	s.n = n;
	s.dns = dns;
	s.history = history;
	s.step = step > 0 ? step : 1;
	/* No clients still make one slice: a CSV header, for example. */
	s.nslices = n == 0 ? 1 : (n - 1) / s.step + 1;

	if (threads > 1 && s.nslices > 1) {
		pthread_mutex_init(&s.lock, NULL);
		pthread_cond_init(&s.cond, NULL);
		if (pthread_create(&tid, NULL, out_slice_helper, &s) == 0)
			helper = 1;
		else {
			pthread_cond_destroy(&s.cond);
			pthread_mutex_destroy(&s.lock);
		}
	}

	for (i = 0; rc == 0 && i < s.nslices; i++) {
		if (helper && i % 2 == 1) {
			rc = out_slice_take(&s, i, write_fn, arg);
			continue;
		}
		out_slice_format(&s, i, &own);
		rc = write_fn(arg, i * s.step, own.data, own.len);
	}

	if (helper) {
		pthread_mutex_lock(&s.lock);
		s.stop = 1;
		pthread_cond_broadcast(&s.cond);
		pthread_mutex_unlock(&s.lock);
		pthread_join(tid, NULL);
		pthread_cond_destroy(&s.cond);
		pthread_mutex_destroy(&s.lock);
	}
	esc_buf_free(&own);
	esc_buf_free(&s.buf);
	return rc;
}
