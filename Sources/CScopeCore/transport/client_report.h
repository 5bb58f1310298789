/* Internal: discarded-event counters by (reason, category) and the client_report payload.
 * Thread-safe (its own mutex): capture threads and the worker record into it. */
#ifndef CSC_TRANSPORT_CLIENT_REPORT_H
#define CSC_TRANSPORT_CLIENT_REPORT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CSC__CR_MAX 48

typedef struct {
    pthread_mutex_t mu;
    bool enabled;
    struct {
        char reason[32];
        char category[32];
        uint64_t quantity;
    } e[CSC__CR_MAX];
    int n;
} csc__reports_t;

void csc__reports_init(csc__reports_t *r, bool enabled);
void csc__reports_destroy(csc__reports_t *r);
void csc__reports_record(csc__reports_t *r, const char *reason, const char *category, uint64_t quantity);
bool csc__reports_pending(csc__reports_t *r);
/* Takes the counters (resetting them) as a client_report JSON payload
 * {"timestamp": ..., "discarded_events": [...]}; NULL when there is nothing to report. */
char *csc__reports_take_json(csc__reports_t *r, size_t *len);
/* Records again the counts of a client_report payload whose envelope was lost (not sent, evicted from the
 * cache): they are still to be reported. Malformed entries are skipped. */
void csc__reports_restore(csc__reports_t *r, const char *payload, size_t len);

#endif
