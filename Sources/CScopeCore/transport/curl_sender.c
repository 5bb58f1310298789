#ifndef _GNU_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#endif
#include "curl_sender.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "options/options_internal.h"
#include "clock.h"
#include "gzip.h"
#include "support/log.h"

struct csc__sender_s {
    CURLM *multi;
    CURL *easy;
    struct curl_slist *headers;
    char *url;
    long connect_timeout_ms, request_timeout_ms;
    csc__send_result_t *cur; /* result being filled by the header callback */
    csc__gzipper_t gz;       /* reused for every body */
};

static pthread_once_t g_curl_once = PTHREAD_ONCE_INIT;
static CURLcode g_curl_init_rc = CURLE_FAILED_INIT;
/* Once per process; never cleaned up (the host may use libcurl too). */
static void curl_init_once(void) { g_curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

static void copy_trimmed(char *dst, size_t cap, const char *v, size_t n) {
    while (n && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' ' || v[n - 1] == '\t')) n--;
    if (n >= cap) n = cap - 1;
    memcpy(dst, v, n);
    dst[n] = 0;
}

static size_t on_header(char *buf, size_t size, size_t n, void *ud) {
    csc__sender_t *s = ud;
    size_t len = size * n;
    static const char rl[] = "x-sentry-rate-limits:", ra[] = "retry-after:";
    if (s->cur) {
        if (len > sizeof rl - 1 && strncasecmp(buf, rl, sizeof rl - 1) == 0)
            copy_trimmed(s->cur->rate_limits, sizeof s->cur->rate_limits, buf + sizeof rl - 1, len - (sizeof rl - 1));
        else if (len > sizeof ra - 1 && strncasecmp(buf, ra, sizeof ra - 1) == 0)
            copy_trimmed(s->cur->retry_after, sizeof s->cur->retry_after, buf + sizeof ra - 1, len - (sizeof ra - 1));
        else if (len >= 5 && strncmp(buf, "HTTP/", 5) == 0) /* a new response (e.g. after 100): reset */
            s->cur->rate_limits[0] = s->cur->retry_after[0] = 0;
    }
    return len;
}

static size_t on_body(char *buf, size_t size, size_t n, void *ud) { return size * n; } /* discarded */

static char *auth_header(const csc__dsn_t *dsn, const char *name, const char *version) {
    char *h = NULL;
    int rc =
        dsn->secret_key[0]
            ? asprintf(&h,
                       "X-Sentry-Auth: Sentry sentry_version=7, sentry_client=%s/%s, sentry_key=%s, sentry_secret=%s",
                       name, version, dsn->public_key, dsn->secret_key)
            : asprintf(&h, "X-Sentry-Auth: Sentry sentry_version=7, sentry_client=%s/%s, sentry_key=%s", name, version,
                       dsn->public_key);
    return rc < 0 ? NULL : h;
}

csc__sender_t *csc__sender_new(const csc__dsn_t *dsn, const csc__sender_config_t *cfg) {
    pthread_once(&g_curl_once, curl_init_once);
    if (g_curl_init_rc != CURLE_OK) {
        csc__debug_log("transport: curl_global_init failed");
        return NULL;
    }
    csc__sender_t *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    const char *name = cfg->sdk_name ? cfg->sdk_name : "sentry.cscope";
    const char *version = cfg->sdk_version ? cfg->sdk_version : CSC_VERSION;
    s->connect_timeout_ms = cfg->connect_timeout_ms;
    s->request_timeout_ms = cfg->request_timeout_ms;
    s->url = strdup(dsn->envelope_url);
    s->multi = curl_multi_init();
    s->easy = curl_easy_init();
    char *auth = auth_header(dsn, name, version), *ua = NULL;
    if (asprintf(&ua, "User-Agent: %s/%s", name, version) < 0) ua = NULL;
    struct curl_slist *h = NULL;
    if (auth && ua) {
        h = curl_slist_append(h, auth);
        if (h) h = curl_slist_append(h, ua);
        if (h) h = curl_slist_append(h, "Content-Type: application/x-sentry-envelope");
        if (h) h = curl_slist_append(h, "Content-Encoding: gzip");
        if (h) h = curl_slist_append(h, "Expect:"); /* no 100-continue round trip */
    }
    if (auth) {
        memset(auth, 0, strlen(auth));
        free(auth);
    }
    free(ua);
    s->headers = h;
    if (!s->url || !s->multi || !s->easy || !h) {
        csc__sender_free(s);
        return NULL;
    }

    CURL *e = s->easy;
    curl_easy_setopt(e, CURLOPT_URL, s->url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->headers);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, s);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85 */
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    /* TLS is always verified (libcurl's defaults, stated explicitly). */
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (cfg->ca_certs && *cfg->ca_certs) curl_easy_setopt(e, CURLOPT_CAINFO, cfg->ca_certs);
    if (cfg->http_proxy && *cfg->http_proxy) curl_easy_setopt(e, CURLOPT_PROXY, cfg->http_proxy);
    return s;
}

void csc__sender_free(csc__sender_t *s) {
    if (!s) return;
    if (s->easy) curl_easy_cleanup(s->easy);
    if (s->multi) curl_multi_cleanup(s->multi);
    curl_slist_free_all(s->headers);
    csc__gzipper_free(&s->gz);
    free(s->url);
    free(s);
}

void csc__sender_wakeup(csc__sender_t *s) {
#if LIBCURL_VERSION_NUM >= 0x074400 /* 7.68 */
    if (s && s->multi) curl_multi_wakeup(s->multi);
#endif
}

void csc__sender_post(csc__sender_t *s, const char *body, size_t len, int64_t deadline_ms, _Atomic int64_t *abort_at_ms,
                      csc__send_result_t *out) {
    memset(out, 0, sizeof *out);
    out->outcome = CSC__SEND_FAILED;
    size_t zlen = 0;
    const char *z = csc__gzipper_run(&s->gz, body, len, &zlen);
    if (!z) {
        snprintf(out->error, sizeof out->error, "gzip failed");
        return;
    }

    int64_t now = csc__mono_ms();
    int64_t total = deadline_ms - now;
    if (total > s->request_timeout_ms) total = s->request_timeout_ms;
    if (total < 1) total = 1;
    long connect = s->connect_timeout_ms < total ? s->connect_timeout_ms : (long)total;
    int64_t stop_at = now + total;

    CURL *e = s->easy;
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, z);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)zlen);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)total);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect);
    s->cur = out;
    curl_multi_add_handle(s->multi, e);

    bool aborted = false;
    int running = 1;
    CURLcode rc = CURLE_OK;
    while (running) {
        if (curl_multi_perform(s->multi, &running) != CURLM_OK) {
            rc = CURLE_FAILED_INIT;
            break;
        }
        if (!running) break;
        int64_t t = csc__mono_ms();
        int64_t abort_at = abort_at_ms ? atomic_load(abort_at_ms) : 0;
        if (abort_at && t >= abort_at) {
            aborted = true;
            break;
        }
        if (t >= stop_at) {
            rc = CURLE_OPERATION_TIMEDOUT;
            break;
        }
#if LIBCURL_VERSION_NUM >= 0x074400
        curl_multi_poll(s->multi, NULL, 0, 50, NULL);
#else
        curl_multi_wait(s->multi, NULL, 0, 50, NULL);
#endif
    }
    if (running == 0 && !aborted) {
        int left;
        CURLMsg *m;
        while ((m = curl_multi_info_read(s->multi, &left)))
            if (m->msg == CURLMSG_DONE && m->easy_handle == e) rc = m->data.result;
    }
    curl_multi_remove_handle(s->multi, e);
    s->cur = NULL;
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, NULL);

    if (aborted) {
        out->outcome = CSC__SEND_ABORTED;
        return;
    }
    if (rc != CURLE_OK) {
        out->outcome = CSC__SEND_NETWORK;
        snprintf(out->error, sizeof out->error, "%s", curl_easy_strerror(rc));
        return;
    }
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &out->status);
    out->outcome = CSC__SEND_HTTP;
}
