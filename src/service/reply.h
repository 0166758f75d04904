/* reply.h — what a request of the verifier service answers: an HTTP status,
 * a body and how it may be cached. Built by service.c and log.c, sent by
 * http.c. */
#ifndef PQCHA_SERVICE_REPLY_H
#define PQCHA_SERVICE_REPLY_H

#include <jansson.h>
#include <stddef.h>

#include "pqcha/error.h"

typedef struct service_reply {
    unsigned status;           /* HTTP status */
    const char *content_type;  /* static */
    const char *cache_control; /* static; NULL: "no-store" */
    char *body;                /* malloc'd */
    size_t body_len;
} service_reply;
void service_reply_clear(service_reply *r);

/* Each fills *out and returns OK, or NO_MEMORY with *out empty. */
/* body (malloc'd, taken over; NULL: NO_MEMORY) as it is, of len bytes. */
pqcha_err service_reply_bytes(service_reply *out, unsigned status, const char *type, char *body,
                              size_t len);
/* body: a NUL-terminated text (taken over; NULL: NO_MEMORY). */
pqcha_err service_reply_text(service_reply *out, unsigned status, const char *type, char *body);
/* A JSON value (reference taken over; NULL: NO_MEMORY), compact. */
pqcha_err service_reply_json(service_reply *out, unsigned status, json_t *value);
/* An error reply of the service's shape: {"error": NAME, "message": TEXT}. */
pqcha_err service_error_reply(service_reply *out, unsigned status, const char *name,
                              const char *message);

#endif
