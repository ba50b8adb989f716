/*
 * Decompressing a gzip input on a thread of its own, so that inflating
 * and parsing run at the same time.  The thread fills a ring of
 * LOGREAD_INFLATE_SLOTS buffers with logread_gzip, and the reader takes
 * them in order.  A slot with 0 (the end) or -1 (an error, already
 * recorded in in->failure) ends the stream.  Only inputs that are read
 * to their end at once use it: with follow, a pipe may have no data now,
 * which the ring does not pass on.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "logread_internal.h"
#include "xmalloc.h"

#define LOGREAD_INFLATE_SLOTS		4
#define LOGREAD_INFLATE_SLOT_SIZE	(1024 * 1024)

struct logread_inflater {
	struct logread_input	*in;
	pthread_t		 tid;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	char			*data[LOGREAD_INFLATE_SLOTS];
	ssize_t			 len[LOGREAD_INFLATE_SLOTS];
	size_t			 head;		/* oldest filled slot */
	size_t			 count;		/* filled slots */
	size_t			 pos;		/* bytes of head already taken */
	int			 stop;
};

static void *
logread_inflate_run(void *arg)
{
	struct logread_inflater	*inf = arg;
	size_t			 slot;
	ssize_t			 n;

	for (;;) {
		pthread_mutex_lock(&inf->lock);
		while (inf->count == LOGREAD_INFLATE_SLOTS && !inf->stop)
			pthread_cond_wait(&inf->cond, &inf->lock);
		if (inf->stop) {
			pthread_mutex_unlock(&inf->lock);
			break;
		}
		slot = (inf->head + inf->count) % LOGREAD_INFLATE_SLOTS;
		pthread_mutex_unlock(&inf->lock);

		n = logread_gzip(inf->in, inf->data[slot],
		    LOGREAD_INFLATE_SLOT_SIZE);
		if (n < 0)
			n = -1;

		pthread_mutex_lock(&inf->lock);
		inf->len[slot] = n;
		inf->count++;
		pthread_cond_broadcast(&inf->cond);
		pthread_mutex_unlock(&inf->lock);
		if (n <= 0)
			break;
	}
	return NULL;
}

struct logread_inflater *
logread_inflater_start(struct logread_input *in)
{
	struct logread_inflater	*inf;
	size_t			 i;

	inf = xcalloc(1, sizeof *inf);
	inf->in = in;
	for (i = 0; i < LOGREAD_INFLATE_SLOTS; i++)
		inf->data[i] = xmalloc(LOGREAD_INFLATE_SLOT_SIZE);
	pthread_mutex_init(&inf->lock, NULL);
	pthread_cond_init(&inf->cond, NULL);
	if (pthread_create(&inf->tid, NULL, logread_inflate_run, inf) != 0) {
		pthread_cond_destroy(&inf->cond);
		pthread_mutex_destroy(&inf->lock);
		for (i = 0; i < LOGREAD_INFLATE_SLOTS; i++)
			free(inf->data[i]);
		free(inf);
		return NULL;
	}
	return inf;
}

ssize_t
logread_inflater_read(struct logread_inflater *inf, char *dst, size_t cap)
{
	ssize_t	n;
	size_t	k;

	pthread_mutex_lock(&inf->lock);
	while (inf->count == 0)
		pthread_cond_wait(&inf->cond, &inf->lock);
	n = inf->len[inf->head];
	pthread_mutex_unlock(&inf->lock);
	if (n <= 0)
		return n;	/* the last slot stays, for later calls */

	k = (size_t)n - inf->pos;
	if (k > cap)
		k = cap;
	memcpy(dst, inf->data[inf->head] + inf->pos, k);
	inf->pos += k;
	if (inf->pos == (size_t)n) {
		pthread_mutex_lock(&inf->lock);
		inf->head = (inf->head + 1) % LOGREAD_INFLATE_SLOTS;
		inf->count--;
		inf->pos = 0;
		pthread_cond_broadcast(&inf->cond);
		pthread_mutex_unlock(&inf->lock);
	}
	return (ssize_t)k;
}

void
logread_inflater_free(struct logread_inflater *inf)
{
	size_t	i;

	if (inf == NULL)
		return;
	pthread_mutex_lock(&inf->lock);
	inf->stop = 1;
	pthread_cond_broadcast(&inf->cond);
	pthread_mutex_unlock(&inf->lock);
	pthread_join(inf->tid, NULL);
	pthread_cond_destroy(&inf->cond);
	pthread_mutex_destroy(&inf->lock);
	for (i = 0; i < LOGREAD_INFLATE_SLOTS; i++)
		free(inf->data[i]);
	free(inf);
}
