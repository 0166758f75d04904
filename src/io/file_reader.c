/* file_reader.c — see file_reader.h.
 *
 * One reader thread fills a ring of buffers with read(2) while the calling
 * thread hands the filled ones to the sink. Reading a cached file is a
 * kernel copy of about a third of the time the hashing takes; done in turn
 * with hashing (read 8 MiB, hash it, read the next) it adds its whole time,
 * done on a thread of its own it mostly hides behind the hashing.
 *
 * Not mmap: on the machines measured, mapping a cached file was slower than
 * copying it (a page fault per 4 KiB page costs more than the copy), and a
 * file truncated while mapped raises SIGBUS, which a library cannot turn
 * into an error without taking over the process's signal handling. With
 * read(2), a file that shrinks under us simply ends early: REGION_CHANGED.
 *
 * read(2) rather than pread(2) for the stream: the file position is our own
 * (each stream has its own descriptor). The random access at the end of this
 * file (pqcha__file_range, for the hashing threads) uses pread(2): several
 * threads read one descriptor at once. The fault-injection tests interpose
 * both. */
#include "io/file_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/internal.h"

typedef struct ring {
    int fd;
    uint64_t offset; /* of the range in the file, for the readahead hints */
    uint64_t size;
    pqcha_err io_error;
    uint8_t *buffers[PQCHA__READ_AHEAD_SLOTS];
    size_t lens[PQCHA__READ_AHEAD_SLOTS];
    pthread_mutex_t lock; /* guards what follows */
    pthread_cond_t changed;
    uint64_t filled;   /* pieces read so far; piece i lives in slot i % SLOTS */
    uint64_t consumed; /* pieces the sink has taken */
    int reader_done;   /* no piece beyond `filled` will come */
    pqcha_err read_err;
    int stop; /* the sink failed: the reader must not read on */
} ring;

static size_t piece_len(uint64_t size, uint64_t done) {
    uint64_t left = size - done;
    return left < PQCHA__READ_AHEAD_CHUNK ? (size_t)left : PQCHA__READ_AHEAD_CHUNK;
}

/* Exactly len bytes, or REGION_CHANGED when the file ends first. */
static pqcha_err read_full(int fd, uint8_t *buf, size_t len, pqcha_err io_error) {
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return io_error;
        if (n == 0) return PQCHA_ERR_REGION_CHANGED; /* truncated while we were reading */
        got += (size_t)n;
    }
    return PQCHA_OK;
}

/* Asks the kernel to start reading the piece one ring ahead of `done`, so
 * that several reads are in flight on a cold cache rather than one at a
 * time. A hint: its failure changes nothing. */
static void hint_piece_ahead(int fd, uint64_t offset, uint64_t size, uint64_t done) {
    uint64_t ahead = (uint64_t)PQCHA__READ_AHEAD_SLOTS * PQCHA__READ_AHEAD_CHUNK;
    if (size - done <= ahead) return;
    (void)posix_fadvise(fd, (off_t)(offset + done + ahead), (off_t)piece_len(size, done + ahead),
                        POSIX_FADV_WILLNEED);
}

/* Hints for a whole range: a larger readahead window, and the first ring's
 * worth started at once, so a cold file has several reads in flight from
 * the start. */
static void hint_start(int fd, uint64_t offset, uint64_t size) {
    uint64_t ring_bytes = (uint64_t)PQCHA__READ_AHEAD_SLOTS * PQCHA__READ_AHEAD_CHUNK;
    (void)posix_fadvise(fd, (off_t)offset, (off_t)size, POSIX_FADV_SEQUENTIAL);
    (void)posix_fadvise(fd, (off_t)offset, (off_t)(size < ring_bytes ? size : ring_bytes),
                        POSIX_FADV_WILLNEED);
}

static void hint_ahead(const ring *r, uint64_t done) {
    hint_piece_ahead(r->fd, r->offset, r->size, done);
}

/* Waits for a free slot; 0 when the sink gave up. */
static int wait_for_slot(ring *r) {
    pthread_mutex_lock(&r->lock);
    while (!r->stop && r->filled - r->consumed == PQCHA__READ_AHEAD_SLOTS)
        pthread_cond_wait(&r->changed, &r->lock);
    int go = !r->stop;
    pthread_mutex_unlock(&r->lock);
    return go;
}

static void *reader_main(void *arg) {
    ring *r = arg;
    uint64_t done = 0;
    pqcha_err err = PQCHA_OK;
    for (uint64_t piece = 0; done < r->size && wait_for_slot(r); piece++) {
        size_t slot = (size_t)(piece % PQCHA__READ_AHEAD_SLOTS);
        size_t len = piece_len(r->size, done);
        hint_ahead(r, done);
        err = read_full(r->fd, r->buffers[slot], len, r->io_error);
        if (err != PQCHA_OK) break;
        done += len;
        pthread_mutex_lock(&r->lock);
        r->lens[slot] = len;
        r->filled++;
        pthread_cond_broadcast(&r->changed);
        pthread_mutex_unlock(&r->lock);
    }
    pthread_mutex_lock(&r->lock);
    r->read_err = err;
    r->reader_done = 1;
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

/* The next filled slot, or -1 once the reader has finished (r->read_err
 * then says whether it finished well). */
static long next_piece(ring *r) {
    pthread_mutex_lock(&r->lock);
    while (r->consumed == r->filled && !r->reader_done)
        pthread_cond_wait(&r->changed, &r->lock);
    long slot = r->consumed < r->filled ? (long)(r->consumed % PQCHA__READ_AHEAD_SLOTS) : -1;
    pthread_mutex_unlock(&r->lock);
    return slot;
}

static void piece_taken(ring *r, pqcha_err sink_err) {
    pthread_mutex_lock(&r->lock);
    r->consumed++;
    if (sink_err != PQCHA_OK) r->stop = 1;
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->lock);
}

static pqcha_err drain(ring *r, pqcha_chunk_sink sink, void *sink_ctx) {
    for (;;) {
        long slot = next_piece(r);
        if (slot < 0) return r->read_err; /* reader_done: read under the lock, now stable */
        pqcha_err err = sink(sink_ctx, r->buffers[slot], r->lens[slot]);
        piece_taken(r, err);
        if (err != PQCHA_OK) return err;
    }
}

static pqcha_err ring_alloc(ring *r) {
    for (size_t i = 0; i < PQCHA__READ_AHEAD_SLOTS; i++)
        if ((r->buffers[i] = malloc(PQCHA__READ_AHEAD_CHUNK)) == NULL) return PQCHA_ERR_NO_MEMORY;
    return PQCHA_OK;
}

static void ring_free(ring *r) {
    for (size_t i = 0; i < PQCHA__READ_AHEAD_SLOTS; i++)
        free(r->buffers[i]);
}

/* Piece after piece on this thread, through one buffer: reading and
 * hashing in turn, for a range of one piece (nothing to overlap with) or
 * when no thread could be started. */
static pqcha_err stream_in_turn(int fd, uint8_t *buffer, uint64_t size, pqcha_err io_error,
                                pqcha_chunk_sink sink, void *sink_ctx) {
    for (uint64_t done = 0; done < size;) {
        size_t len = piece_len(size, done);
        PQCHA_TRY(read_full(fd, buffer, len, io_error));
        PQCHA_TRY(sink(sink_ctx, buffer, len));
        done += len;
    }
    return PQCHA_OK;
}

/* A range of more than one piece: read ahead on a thread. Without a thread
 * (the process is out of them) the same ring runs in turn on this one. */
static pqcha_err stream_ahead(ring *r, pqcha_chunk_sink sink, void *sink_ctx) {
    if (pthread_mutex_init(&r->lock, NULL) != 0) return PQCHA_ERR_NO_MEMORY;
    if (pthread_cond_init(&r->changed, NULL) != 0) {
        pthread_mutex_destroy(&r->lock);
        return PQCHA_ERR_NO_MEMORY;
    }
    pthread_t thread;
    pqcha_err err;
    if (pthread_create(&thread, NULL, reader_main, r) == 0) {
        err = drain(r, sink, sink_ctx);
        pthread_join(thread, NULL);
    } else {
        err = stream_in_turn(r->fd, r->buffers[0], r->size, r->io_error, sink, sink_ctx);
    }
    pthread_cond_destroy(&r->changed);
    pthread_mutex_destroy(&r->lock);
    return err;
}

/* One piece: a buffer sized for it, so that a 64-byte region does not cost
 * the ring's 16 MiB, and concurrent reads of small regions share nothing. */
static pqcha_err stream_small(int fd, uint64_t size, pqcha_err io_error, pqcha_chunk_sink sink,
                              void *sink_ctx) {
    uint8_t *buffer = malloc((size_t)size);
    if (buffer == NULL) return PQCHA_ERR_NO_MEMORY;
    pqcha_err err = stream_in_turn(fd, buffer, size, io_error, sink, sink_ctx);
    free(buffer);
    return err;
}

pqcha_err pqcha__file_stream(int fd, uint64_t offset, uint64_t size, pqcha_err io_error,
                             pqcha_chunk_sink sink, void *sink_ctx) {
    if (sink == NULL) return PQCHA_ERR_INVALID_ARGUMENT;
    if (size == 0) return PQCHA_OK;
    if (offset > (uint64_t)INT64_MAX || lseek(fd, (off_t)offset, SEEK_SET) < 0) return io_error;
    hint_start(fd, offset, size);
    if (size <= PQCHA__READ_AHEAD_CHUNK) return stream_small(fd, size, io_error, sink, sink_ctx);
    ring r = {.fd = fd, .offset = offset, .size = size, .io_error = io_error};
    pqcha_err err = ring_alloc(&r);
    if (err == PQCHA_OK) err = stream_ahead(&r, sink, sink_ctx);
    ring_free(&r);
    return err;
}

/* ---- random access for the hashing threads ---- */

void pqcha__file_range_init(pqcha__file_range *r, int fd, uint64_t offset, uint64_t size,
                            pqcha_err io_error) {
    r->fd = fd;
    r->offset = offset;
    r->size = size;
    r->io_error = io_error;
    hint_start(fd, offset, size);
}

/* At every piece boundary, the piece a ring ahead is requested (a hint). */
static void range_hint_ahead(const pqcha__file_range *r, uint64_t at, size_t len) {
    uint64_t boundary =
        (at + PQCHA__READ_AHEAD_CHUNK - 1) / PQCHA__READ_AHEAD_CHUNK * PQCHA__READ_AHEAD_CHUNK;
    if (boundary < at + len) hint_piece_ahead(r->fd, r->offset, r->size, boundary);
}

pqcha_err pqcha__file_range_read(void *range, uint64_t at, uint8_t *buf, size_t len) {
    const pqcha__file_range *r = range;
    if (at > r->size || len > r->size - at) return PQCHA_ERR_INTERNAL;
    range_hint_ahead(r, at, len);
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(r->fd, buf + got, len - got, (off_t)(r->offset + at + got));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return r->io_error;
        if (n == 0) return PQCHA_ERR_REGION_CHANGED; /* truncated while we were reading */
        got += (size_t)n;
    }
    return PQCHA_OK;
}
