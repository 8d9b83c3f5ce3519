/*
 * The ZooKeeper 3.8 C client (libzookeeper_mt, Debian's libzookeeper-mt-dev) against a
 * ZooKeeper-compatible server: the synchronous and asynchronous APIs, watches (one-shot,
 * per-watcher and global, removal), multi (committed and failed, sync and async), ACLs and
 * digest auth, a connection dropped and re-established on the same session (watches
 * re-armed with SetWatches), a session moved to a second handle and closed there, and a
 * session expiring while its client is cut off.
 *
 * The client is cut off with zoo_set_servers() pointing at a port where nothing listens,
 * and let back in with zoo_set_servers() on the real address.
 *
 * Usage: zkc_tests HOST:PORT OUTCOMES_FILE
 * OUTCOMES_FILE gets `PASS c-client:<test>` / `FAIL c-client:<test>` lines; details on
 * stdout. Exit status 0 when every test passed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <zookeeper/zookeeper.h>

static const char *hosts;
static char dead_hosts[64];
static FILE *outcomes;
static const char *cur_test;
static int problems;
static int failed_tests;

/* ---- harness ------------------------------------------------------------------------ */

static void problem(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    printf("   FAIL %s: ", cur_test);
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    va_end(ap);
    problems++;
}

#define CHECK(cond, ...) do { if (!(cond)) problem(__VA_ARGS__); } while (0)
#define CHECK_RC(want, got, what) do { int w_ = (want), g_ = (got); \
        if (w_ != g_) problem("%s: want rc %d (%s) got %d (%s)", what, w_, zerror(w_), g_, zerror(g_)); } while (0)

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- events ----------------------------------------------------------------------------- */

#define QCAP 256
typedef struct {
    int type, state;
    char path[256];
} event_t;

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    event_t ev[QCAP];
    int head, tail;
} evq_t;

static evq_t *evq_new(void) {
    evq_t *q = calloc(1, sizeof(*q));
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    return q;
}

static void watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx) {
    (void)zh;
    evq_t *q = ctx;
    if (!q) return;
    pthread_mutex_lock(&q->mu);
    if (q->tail - q->head < QCAP) {
        event_t *e = &q->ev[q->tail % QCAP];
        e->type = type;
        e->state = state;
        snprintf(e->path, sizeof e->path, "%s", path ? path : "");
        q->tail++;
    }
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

/* Next event within `ms`; 0 when none came. */
static int next_event(evq_t *q, int ms, event_t *out) {
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += ms / 1000;
    dl.tv_nsec += (ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) { dl.tv_sec++; dl.tv_nsec -= 1000000000L; }
    pthread_mutex_lock(&q->mu);
    while (q->head == q->tail) {
        if (pthread_cond_timedwait(&q->cv, &q->mu, &dl) == ETIMEDOUT) break;
    }
    int got = 0;
    if (q->head != q->tail) {
        *out = q->ev[q->head % QCAP];
        q->head++;
        got = 1;
    }
    pthread_mutex_unlock(&q->mu);
    return got;
}

static const char *type_name(int t) {
    if (t == ZOO_CREATED_EVENT) return "CREATED";
    if (t == ZOO_DELETED_EVENT) return "DELETED";
    if (t == ZOO_CHANGED_EVENT) return "CHANGED";
    if (t == ZOO_CHILD_EVENT) return "CHILD";
    if (t == ZOO_SESSION_EVENT) return "SESSION";
    if (t == ZOO_NOTWATCHING_EVENT) return "NOTWATCHING";
    return "?";
}

static const char *state_name(int s) {
    if (s == ZOO_CONNECTED_STATE) return "CONNECTED";
    if (s == ZOO_CONNECTING_STATE) return "CONNECTING";
    if (s == ZOO_ASSOCIATING_STATE) return "ASSOCIATING";
    if (s == ZOO_EXPIRED_SESSION_STATE) return "EXPIRED";
    if (s == ZOO_AUTH_FAILED_STATE) return "AUTH_FAILED";
    if (s == 0) return "CLOSED";
    return "?";
}

/* The next node event must be (type, path) within `ms` (session events are skipped). */
static void expect_event(evq_t *q, int type, const char *path, int ms, const char *what) {
    long long dl = now_ms() + ms;
    event_t e;
    while (now_ms() < dl) {
        if (!next_event(q, (int)(dl - now_ms()), &e)) break;
        if (e.type == ZOO_SESSION_EVENT) continue;
        CHECK(e.type == type && strcmp(e.path, path) == 0 && e.state == ZOO_CONNECTED_STATE,
              "%s: want %s %s (CONNECTED) got %s %s (%s)", what, type_name(type), path, type_name(e.type),
              e.path, state_name(e.state));
        return;
    }
    problem("%s: no %s event for %s within %d ms", what, type_name(type), path, ms);
}

static void expect_no_event(evq_t *q, int ms, const char *what) {
    long long dl = now_ms() + ms;
    event_t e;
    while (now_ms() < dl) {
        if (!next_event(q, (int)(dl - now_ms()), &e)) return;
        if (e.type == ZOO_SESSION_EVENT) continue;
        problem("%s: unexpected event %s %s", what, type_name(e.type), e.path);
    }
}

/* Wait for a session event with `state`; returns 1 if it came. */
static int wait_state(evq_t *q, int state, int ms) {
    long long dl = now_ms() + ms;
    event_t e;
    while (now_ms() < dl) {
        if (!next_event(q, (int)(dl - now_ms()), &e)) return 0;
        if (e.type == ZOO_SESSION_EVENT && e.state == state) return 1;
    }
    return 0;
}

static zhandle_t *connect_to(const char *h, int timeout, evq_t *q, const clientid_t *cid) {
    zhandle_t *zh = zookeeper_init(h, watcher, timeout, cid, q, 0);
    if (!zh) { problem("zookeeper_init failed: %s", strerror(errno)); return NULL; }
    if (!wait_state(q, ZOO_CONNECTED_STATE, 30000)) problem("not connected within 30 s");
    return zh;
}

/* ---- tests ---------------------------------------------------------------------------- */

typedef void (*test_fn)(void);

static void run_test(const char *name, test_fn fn) {
    const char *only = getenv("ZKC_ONLY");
    if (only && *only && !strstr(only, name)) return;
    cur_test = name;
    problems = 0;
    printf("-- %s\n", name);
    fflush(stdout);
    long long t0 = now_ms();
    fn();
    fprintf(outcomes, "%s c-client:%s\n", problems ? "FAIL" : "PASS", name);
    fflush(outcomes);
    if (problems) failed_tests++;
    printf("   (%lld ms)\n", now_ms() - t0);
}

static void t_connect(void) {
    evq_t *q = evq_new();
    zhandle_t *zh = connect_to(hosts, 10000, q, NULL);
    if (!zh) return;
    CHECK(zoo_state(zh) == ZOO_CONNECTED_STATE, "state CONNECTED");
    CHECK(zoo_recv_timeout(zh) == 10000, "negotiated timeout %d", zoo_recv_timeout(zh));
    const clientid_t *id = zoo_client_id(zh);
    CHECK(id->client_id != 0, "session id is 0");
    zookeeper_close(zh);
    /* Timeouts are clamped to [2, 20] ticks (tickTime 2000). */
    q = evq_new();
    zh = connect_to(hosts, 1000, q, NULL);
    if (zh) { CHECK(zoo_recv_timeout(zh) == 4000, "timeout 1000 negotiated to %d (want 4000)", zoo_recv_timeout(zh)); zookeeper_close(zh); }
    q = evq_new();
    zh = connect_to(hosts, 100000, q, NULL);
    if (zh) { CHECK(zoo_recv_timeout(zh) == 40000, "timeout 100000 negotiated to %d (want 40000)", zoo_recv_timeout(zh)); zookeeper_close(zh); }
}

static int cmpstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void expect_children(struct String_vector *v, int n, const char **want, const char *what) {
    CHECK(v->count == n, "%s: %d children, want %d", what, v->count, n);
    if (v->count != n) return;
    qsort(v->data, v->count, sizeof(char *), cmpstr);
    for (int i = 0; i < n; i++) CHECK(strcmp(v->data[i], want[i]) == 0, "%s: child %d is %s want %s", what, i, v->data[i], want[i]);
}

static void t_sync_api(void) {
    evq_t *q = evq_new();
    zhandle_t *zh = connect_to(hosts, 10000, q, NULL);
    if (!zh) return;
    char buf[512];
    int len;
    struct Stat st;
    CHECK_RC(ZOK, zoo_create(zh, "/c", "hello", 5, &ZOO_OPEN_ACL_UNSAFE, 0, buf, sizeof buf), "create /c");
    CHECK(strcmp(buf, "/c") == 0, "created path %s", buf);
    CHECK_RC(ZNONODE, zoo_create(zh, "/missing/child", "x", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), "create under a missing parent");
    CHECK_RC(ZNODEEXISTS, zoo_create(zh, "/c", "x", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), "create existing");
    CHECK_RC(ZOK, zoo_create(zh, "/c/s-", "1", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_SEQUENCE, buf, sizeof buf), "create sequential");
    CHECK(strcmp(buf, "/c/s-0000000000") == 0, "sequential name %s", buf);
    CHECK_RC(ZOK, zoo_create(zh, "/c/s-", "2", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_SEQUENCE, buf, sizeof buf), "create sequential 2");
    CHECK(strcmp(buf, "/c/s-0000000001") == 0, "second sequential name %s", buf);
    memset(&st, 0, sizeof st);
    CHECK_RC(ZOK, zoo_create2(zh, "/c/two", "22", 2, &ZOO_OPEN_ACL_UNSAFE, 0, buf, sizeof buf, &st), "create2");
    CHECK(st.version == 0 && st.dataLength == 2 && st.czxid == st.mzxid && st.czxid == st.pzxid && st.numChildren == 0 &&
          st.ephemeralOwner == 0 && st.ctime == st.mtime && st.ctime > 0,
          "create2 stat: version %d dataLength %d czxid %llx mzxid %llx pzxid %llx", st.version, st.dataLength,
          (long long)st.czxid, (long long)st.mzxid, (long long)st.pzxid);
    /* null data stays null (length -1), empty stays empty */
    CHECK_RC(ZOK, zoo_create(zh, "/c/null", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), "create null data");
    CHECK_RC(ZOK, zoo_create(zh, "/c/empty", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), "create empty data");
    len = sizeof buf;
    CHECK_RC(ZOK, zoo_get(zh, "/c/null", 0, buf, &len, &st), "get null");
    CHECK(len == -1, "null data comes back with length %d (want -1)", len);
    len = sizeof buf;
    CHECK_RC(ZOK, zoo_get(zh, "/c/empty", 0, buf, &len, &st), "get empty");
    CHECK(len == 0, "empty data comes back with length %d (want 0)", len);
    len = sizeof buf;
    CHECK_RC(ZOK, zoo_get(zh, "/c", 0, buf, &len, &st), "get /c");
    CHECK(len == 5 && memcmp(buf, "hello", 5) == 0 && st.version == 0 && st.dataLength == 5, "get /c data/stat");
    CHECK_RC(ZOK, zoo_set(zh, "/c", "world", 5, 0), "set v0");
    CHECK_RC(ZBADVERSION, zoo_set(zh, "/c", "again", 5, 0), "set stale version");
    CHECK_RC(ZOK, zoo_set2(zh, "/c", "again", 5, 1, &st), "set2 v1");
    CHECK(st.version == 2 && st.dataLength == 5 && st.mzxid > st.czxid, "set2 stat version %d", st.version);
    CHECK_RC(ZOK, zoo_set(zh, "/c", "again", 5, -1), "set same data, any version");
    CHECK_RC(ZNONODE, zoo_set(zh, "/nope", "x", 1, -1), "set missing");
    /* exists / children */
    CHECK_RC(ZOK, zoo_exists(zh, "/c", 0, &st), "exists /c");
    CHECK(st.numChildren == 5 && st.cversion == 5 && st.version == 3, "exists stat: numChildren %d cversion %d version %d",
          st.numChildren, st.cversion, st.version);
    CHECK_RC(ZNONODE, zoo_exists(zh, "/nope", 0, &st), "exists missing");
    struct String_vector kids;
    CHECK_RC(ZOK, zoo_get_children(zh, "/c", 0, &kids), "get_children");
    const char *want[] = {"empty", "null", "s-0000000000", "s-0000000001", "two"};
    expect_children(&kids, 5, want, "children of /c");
    deallocate_String_vector(&kids);
    CHECK_RC(ZOK, zoo_get_children2(zh, "/c", 0, &kids, &st), "get_children2");
    CHECK(kids.count == 5 && st.numChildren == 5, "get_children2 stat numChildren %d", st.numChildren);
    deallocate_String_vector(&kids);
    CHECK_RC(ZNONODE, zoo_get_children(zh, "/nope", 0, &kids), "children of missing");
    /* ephemeral */
    CHECK_RC(ZOK, zoo_create(zh, "/c/eph", "e", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL, NULL, 0), "create ephemeral");
    CHECK_RC(ZOK, zoo_exists(zh, "/c/eph", 0, &st), "exists ephemeral");
    CHECK(st.ephemeralOwner == zoo_client_id(zh)->client_id, "ephemeralOwner %llx want session %llx",
          (long long)st.ephemeralOwner, (long long)zoo_client_id(zh)->client_id);
    CHECK_RC(ZNOCHILDRENFOREPHEMERALS, zoo_create(zh, "/c/eph/x", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0),
             "child of an ephemeral");
    /* delete */
    CHECK_RC(ZNOTEMPTY, zoo_delete(zh, "/c", -1), "delete non-empty");
    CHECK_RC(ZBADVERSION, zoo_delete(zh, "/c/two", 5), "delete wrong version");
    CHECK_RC(ZOK, zoo_delete(zh, "/c/two", 0), "delete right version");
    CHECK_RC(ZNONODE, zoo_delete(zh, "/c/two", -1), "delete missing");
    /* containers and TTL nodes (extendedTypesEnabled=true) */
    CHECK_RC(ZOK, zoo_create(zh, "/cont", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, ZOO_CONTAINER, buf, sizeof buf), "create container");
    CHECK_RC(ZOK, zoo_create_ttl(zh, "/ttl", "t", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT_WITH_TTL, 60000, NULL, 0),
             "create TTL node");
    CHECK_RC(ZOK, zoo_create_ttl(zh, "/ttl-seq-", "t", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT_SEQUENTIAL_WITH_TTL, 60000,
                                 buf, sizeof buf), "create sequential TTL node");
    CHECK(strncmp(buf, "/ttl-seq-", 9) == 0 && strlen(buf) == 19, "sequential TTL name %s", buf);
    CHECK_RC(ZOK, zoo_exists(zh, "/ttl", 0, &st), "exists TTL node");
    CHECK(st.ephemeralOwner == 0, "TTL node ephemeralOwner seen by clients: %llx", (long long)st.ephemeralOwner);
    /* sync */
    CHECK_RC(ZOK, zoo_exists(zh, "/", 0, &st), "exists /");
    zookeeper_close(zh);
}

static void t_acl_auth(void) {
    evq_t *q = evq_new(), *q2 = evq_new(), *q3 = evq_new();
    zhandle_t *zh = connect_to(hosts, 10000, q, NULL);
    zhandle_t *other = connect_to(hosts, 10000, q2, NULL);
    if (!zh || !other) return;
    struct ACL_vector acl;
    struct Stat st;
    CHECK_RC(ZOK, zoo_create(zh, "/acl", "a", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), "create /acl");
    CHECK_RC(ZOK, zoo_get_acl(zh, "/acl", &acl, &st), "get_acl");
    CHECK(acl.count == 1 && acl.data[0].perms == ZOO_PERM_ALL && strcmp(acl.data[0].id.scheme, "world") == 0 &&
          strcmp(acl.data[0].id.id, "anyone") == 0 && st.aversion == 0, "open ACL");
    deallocate_ACL_vector(&acl);
    CHECK_RC(ZBADVERSION, zoo_set_acl(zh, "/acl", 3, &ZOO_READ_ACL_UNSAFE), "set_acl wrong aversion");
    CHECK_RC(ZOK, zoo_set_acl(zh, "/acl", 0, &ZOO_READ_ACL_UNSAFE), "set_acl");
    CHECK_RC(ZOK, zoo_get_acl(zh, "/acl", &acl, &st), "get_acl after set");
    CHECK(acl.count == 1 && acl.data[0].perms == ZOO_PERM_READ && st.aversion == 1, "read-only ACL, aversion %d", st.aversion);
    deallocate_ACL_vector(&acl);
    CHECK_RC(ZNOAUTH, zoo_set(zh, "/acl", "b", 1, -1), "set on a read-only node");
    CHECK_RC(ZNOAUTH, zoo_create(zh, "/acl/child", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), "create under a read-only node");
    CHECK_RC(ZNOAUTH, zoo_set_acl(zh, "/acl", -1, &ZOO_OPEN_ACL_UNSAFE), "set_acl without ADMIN");
    /* digest auth */
    CHECK_RC(ZOK, zoo_add_auth(zh, "digest", "alice:secret", 12, NULL, NULL), "add_auth digest");
    CHECK_RC(ZOK, zoo_create(zh, "/authed", "s", 1, &ZOO_CREATOR_ALL_ACL, 0, NULL, 0), "create with CREATOR_ALL_ACL");
    CHECK_RC(ZOK, zoo_get_acl(zh, "/authed", &acl, &st), "get_acl /authed");
    CHECK(acl.count == 1 && acl.data[0].perms == ZOO_PERM_ALL && strcmp(acl.data[0].id.scheme, "digest") == 0 &&
          strcmp(acl.data[0].id.id, "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=") == 0,
          "auth ACL expanded to the digest id: %s:%s", acl.count ? acl.data[0].id.scheme : "-", acl.count ? acl.data[0].id.id : "-");
    deallocate_ACL_vector(&acl);
    char buf[16];
    int len = sizeof buf;
    CHECK_RC(ZOK, zoo_get(zh, "/authed", 0, buf, &len, &st), "owner reads");
    len = sizeof buf;
    CHECK_RC(ZNOAUTH, zoo_get(other, "/authed", 0, buf, &len, &st), "another session without auth reads");
    CHECK_RC(ZINVALIDACL, zoo_create(other, "/noauth", "", 0, &ZOO_CREATOR_ALL_ACL, 0, NULL, 0),
             "CREATOR_ALL_ACL without an authenticated id");
    CHECK_RC(ZOK, zoo_add_auth(other, "digest", "alice:secret", 12, NULL, NULL), "add_auth on the other session");
    len = sizeof buf;
    CHECK_RC(ZOK, zoo_get(other, "/authed", 0, buf, &len, &st), "same identity reads");
    /* an unknown scheme fails authentication: AUTH_FAILED, the session is unusable */
    zhandle_t *bad = connect_to(hosts, 10000, q3, NULL);
    if (bad) {
        zoo_add_auth(bad, "nosuchscheme", "x", 1, NULL, NULL);
        CHECK(wait_state(q3, ZOO_AUTH_FAILED_STATE, 15000), "AUTH_FAILED for an unknown auth scheme");
        zookeeper_close(bad);
    }
    zookeeper_close(other);
    zookeeper_close(zh);
}

/* async pipeline: completions in request order */
#define NASYNC 64
typedef struct {
    int seq, rc, order;
    char data[64];
    int count;
} acall_t;
static acall_t calls[NASYNC];
static int ncalls, ndone;
static pthread_mutex_t amu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t acv = PTHREAD_COND_INITIALIZER;

static void done(acall_t *c, int rc) {
    pthread_mutex_lock(&amu);
    c->rc = rc;
    c->order = ndone++;
    pthread_cond_broadcast(&acv);
    pthread_mutex_unlock(&amu);
}
static void c_string(int rc, const char *name, const void *d) {
    acall_t *c = (acall_t *)d;
    if (rc == 0 && name) snprintf(c->data, sizeof c->data, "%s", name);
    done(c, rc);
}
static void c_stat(int rc, const struct Stat *st, const void *d) {
    acall_t *c = (acall_t *)d;
    if (rc == 0 && st) snprintf(c->data, sizeof c->data, "v%d", st->version);
    done(c, rc);
}
static void c_data(int rc, const char *v, int vl, const struct Stat *st, const void *d) {
    (void)st;
    acall_t *c = (acall_t *)d;
    if (rc == 0 && v && vl >= 0) snprintf(c->data, sizeof c->data, "%.*s", vl, v);
    done(c, rc);
}
static void c_void(int rc, const void *d) { done((acall_t *)d, rc); }
static void c_strings_stat(int rc, const struct String_vector *s, const struct Stat *st, const void *d) {
    acall_t *c = (acall_t *)d;
    if (rc == 0) c->count = s->count * 1000 + st->numChildren;
    done(c, rc);
}
static acall_t *next_call(void) { acall_t *c = &calls[ncalls]; memset(c, 0, sizeof *c); c->seq = ncalls++; c->order = -1; return c; }

static void t_async_api(void) {
    evq_t *q = evq_new();
    zhandle_t *zh = connect_to(hosts, 10000, q, NULL);
    if (!zh) return;
    ncalls = ndone = 0;
    int expect_rc[NASYNC];
    const char *expect_data[NASYNC];
    char names[10][32], vals[10][8];
    zoo_acreate(zh, "/a", NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, c_string, next_call());
    expect_rc[0] = ZOK; expect_data[0] = "/a";
    for (int i = 0; i < 10; i++) {
        snprintf(names[i], sizeof names[i], "/a/n%d", i);
        snprintf(vals[i], sizeof vals[i], "v%d", i);
        acall_t *c = next_call();
        expect_rc[c->seq] = ZOK; expect_data[c->seq] = names[i];
        zoo_acreate(zh, names[i], vals[i], (int)strlen(vals[i]), &ZOO_OPEN_ACL_UNSAFE, 0, c_string, c);
        c = next_call();
        expect_rc[c->seq] = ZOK; expect_data[c->seq] = "v1";
        zoo_aset(zh, names[i], "x", 1, 0, c_stat, c);
        c = next_call();
        expect_rc[c->seq] = ZOK; expect_data[c->seq] = "x";
        zoo_aget(zh, names[i], 0, c_data, c);
        c = next_call();
        expect_rc[c->seq] = ZBADVERSION; expect_data[c->seq] = "";
        zoo_aset(zh, names[i], "y", 1, 0, c_stat, c);
    }
    acall_t *c = next_call();
    expect_rc[c->seq] = ZNONODE; expect_data[c->seq] = "";
    zoo_aexists(zh, "/a/missing", 0, c_stat, c);
    c = next_call();
    expect_rc[c->seq] = ZOK; expect_data[c->seq] = "";
    zoo_adelete(zh, "/a/n0", 1, c_void, c);
    c = next_call();
    expect_rc[c->seq] = ZOK; expect_data[c->seq] = "";
    zoo_aget_children2(zh, "/a", 0, c_strings_stat, c);
    int children_call = c->seq;
    c = next_call();
    expect_rc[c->seq] = ZOK; expect_data[c->seq] = "/a";
    zoo_async(zh, "/a", c_string, c);
    c = next_call();
    expect_rc[c->seq] = ZNOTEMPTY; expect_data[c->seq] = "";
    zoo_adelete(zh, "/a", -1, c_void, c);
    pthread_mutex_lock(&amu);
    long long dl = now_ms() + 30000;
    while (ndone < ncalls && now_ms() < dl) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100000000L;
        if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
        pthread_cond_timedwait(&acv, &amu, &ts);
    }
    pthread_mutex_unlock(&amu);
    CHECK(ndone == ncalls, "%d of %d completions", ndone, ncalls);
    for (int i = 0; i < ncalls; i++) {
        CHECK(calls[i].order == i, "request %d completed as #%d (replies out of order)", i, calls[i].order);
        CHECK(calls[i].rc == expect_rc[i], "request %d rc %d want %d", i, calls[i].rc, expect_rc[i]);
        if (i != children_call)
            CHECK(strcmp(calls[i].data, expect_data[i]) == 0, "request %d result '%s' want '%s'", i, calls[i].data, expect_data[i]);
    }
    CHECK(calls[children_call].count == 9 * 1000 + 9, "children2 count/numChildren %d", calls[children_call].count);
    zookeeper_close(zh);
}

static void t_watches(void) {
    evq_t *gq = evq_new(), *oq = evq_new();
    zhandle_t *zh = connect_to(hosts, 10000, gq, NULL);
    zhandle_t *o = connect_to(hosts, 10000, oq, NULL);
    if (!zh || !o) return;
    evq_t *qa = evq_new(), *qb = evq_new(), *qc = evq_new(), *qd = evq_new(), *qe = evq_new(), *qf = evq_new(),
          *qg = evq_new();
    struct Stat st;
    char buf[64];
    int len;
    /* exists-watch on a missing node -> CREATED */
    CHECK_RC(ZNONODE, zoo_wexists(zh, "/w", watcher, qa, &st), "wexists missing");
    /* get-watch on a missing node registers nothing */
    len = sizeof buf;
    CHECK_RC(ZNONODE, zoo_wget(zh, "/w", watcher, qg, buf, &len, &st), "wget missing");
    CHECK_RC(ZOK, zoo_create(o, "/w", "0", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), "create /w");
    expect_event(qa, ZOO_CREATED_EVENT, "/w", 10000, "exists-watch on a missing node");
    expect_no_event(qg, 300, "get-watch on a missing node");
    /* data watches: per-watcher and the global watcher */
    len = sizeof buf;
    CHECK_RC(ZOK, zoo_wget(zh, "/w", watcher, qb, buf, &len, &st), "wget");
    len = sizeof buf;
    CHECK_RC(ZOK, zoo_get(zh, "/w", 1, buf, &len, &st), "get with the global watcher");
    CHECK_RC(ZOK, zoo_set(o, "/w", "1", 1, -1), "set /w");
    expect_event(qb, ZOO_CHANGED_EVENT, "/w", 10000, "wget watcher");
    expect_event(gq, ZOO_CHANGED_EVENT, "/w", 10000, "global watcher");
    /* one-shot */
    CHECK_RC(ZOK, zoo_set(o, "/w", "2", 1, -1), "set /w again");
    expect_no_event(qb, 300, "fired watch is gone");
    expect_no_event(gq, 100, "fired global watch is gone");
    /* child watch */
    struct String_vector kids;
    CHECK_RC(ZOK, zoo_wget_children2(zh, "/w", watcher, qc, &kids, &st), "wget_children2");
    deallocate_String_vector(&kids);
    CHECK_RC(ZOK, zoo_create(o, "/w/k", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), "create /w/k");
    expect_event(qc, ZOO_CHILD_EVENT, "/w", 10000, "child watch on create");
    /* delete: data watch gets DELETED, the parent's child watch CHILD */
    CHECK_RC(ZOK, zoo_wexists(zh, "/w/k", watcher, qd, &st), "wexists existing");
    CHECK_RC(ZOK, zoo_wget_children(zh, "/w", watcher, qe, &kids), "wget_children");
    deallocate_String_vector(&kids);
    CHECK_RC(ZOK, zoo_delete(o, "/w/k", -1), "delete /w/k");
    expect_event(qd, ZOO_DELETED_EVENT, "/w/k", 10000, "data watch on delete");
    expect_event(qe, ZOO_CHILD_EVENT, "/w", 10000, "child watch on a child's delete");
    /* the same watcher through exists and get: one event */
    CHECK_RC(ZOK, zoo_wexists(zh, "/w", watcher, qf, &st), "wexists");
    len = sizeof buf;
    CHECK_RC(ZOK, zoo_wget(zh, "/w", watcher, qf, buf, &len, &st), "wget same watcher");
    CHECK_RC(ZOK, zoo_set(o, "/w", "3", 1, -1), "set /w");
    expect_event(qf, ZOO_CHANGED_EVENT, "/w", 10000, "watcher registered twice");
    expect_no_event(qf, 300, "watcher registered twice fires once");
    /* the session making the change gets its own watch events */
    len = sizeof buf;
    CHECK_RC(ZOK, zoo_wget(zh, "/w", watcher, qb, buf, &len, &st), "wget own");
    CHECK_RC(ZOK, zoo_set(zh, "/w", "4", 1, -1), "own set");
    expect_event(qb, ZOO_CHANGED_EVENT, "/w", 10000, "own change");
    /* removing watches (checkWatches/removeWatches) */
    len = sizeof buf;
    CHECK_RC(ZOK, zoo_wget(zh, "/w", watcher, qg, buf, &len, &st), "wget to remove");
    /* one watcher: the C client sends checkWatches (17), then drops it locally */
    CHECK_RC(ZOK, zoo_remove_watches(zh, "/w", ZWATCHTYPE_DATA, watcher, qg, 0), "remove_watches data");
    CHECK_RC(ZOK, zoo_set(o, "/w", "5", 1, -1), "set after removal");
    expect_no_event(qg, 300, "removed watch does not fire");
    CHECK_RC(ZNOWATCHER, zoo_remove_watches(zh, "/w", ZWATCHTYPE_DATA, watcher, qg, 0), "remove a watch twice");
    CHECK_RC(ZOK, zoo_wget_children(zh, "/w", watcher, qg, &kids), "child watch to remove");
    deallocate_String_vector(&kids);
    /* all watchers of a path: removeWatches (18) */
    CHECK_RC(ZOK, zoo_remove_all_watches(zh, "/w", ZWATCHTYPE_ANY, 0), "remove_all_watches");
    CHECK_RC(ZOK, zoo_create(o, "/w/z", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), "create after remove_all");
    expect_no_event(qg, 300, "all watches removed");
    CHECK_RC(ZNOWATCHER, zoo_remove_all_watches(zh, "/w", ZWATCHTYPE_ANY, 0), "remove_all_watches again");
    zookeeper_close(o);
    zookeeper_close(zh);
}

static void multi_ops_fail(zoo_op_t *ops, char *pbuf, int plen) {
    zoo_create_op_init(&ops[0], "/m/n", "n", 1, &ZOO_OPEN_ACL_UNSAFE, 0, pbuf, plen);
    zoo_check_op_init(&ops[1], "/m", 7);
    zoo_set_op_init(&ops[2], "/m", "z", 1, -1, NULL);
}

static int amulti_rc = 99;
static void c_multi(int rc, const void *d) {
    (void)d;
    pthread_mutex_lock(&amu);
    amulti_rc = rc;
    pthread_cond_broadcast(&acv);
    pthread_mutex_unlock(&amu);
}

static void t_multi(void) {
    evq_t *q = evq_new();
    zhandle_t *zh = connect_to(hosts, 10000, q, NULL);
    if (!zh) return;
    zoo_op_t ops[5];
    zoo_op_result_t res[5];
    char p0[64], p1[64];
    struct Stat st;
    zoo_create_op_init(&ops[0], "/m", "x", 1, &ZOO_OPEN_ACL_UNSAFE, 0, p0, sizeof p0);
    zoo_create_op_init(&ops[1], "/m/seq-", "s", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_SEQUENCE, p1, sizeof p1);
    zoo_set_op_init(&ops[2], "/m", "y", 1, 0, &st);
    zoo_check_op_init(&ops[3], "/m", 1);
    zoo_delete_op_init(&ops[4], "/m/seq-0000000000", 0);
    CHECK_RC(ZOK, zoo_multi(zh, 5, ops, res), "committed multi");
    for (int i = 0; i < 5; i++) CHECK(res[i].err == ZOK, "op %d err %d", i, res[i].err);
    CHECK(strcmp(p0, "/m") == 0 && strcmp(p1, "/m/seq-0000000000") == 0, "created paths %s %s", p0, p1);
    CHECK(st.version == 1 && st.czxid == st.mzxid, "setData stat in a multi: version %d", st.version);
    CHECK_RC(ZNONODE, zoo_exists(zh, "/m/seq-0000000000", 0, &st), "deleted in the same multi");
    /* failing op in the middle: nothing applied, per-op results */
    multi_ops_fail(ops, p0, sizeof p0);
    memset(res, 0, sizeof res);
    CHECK_RC(ZBADVERSION, zoo_multi(zh, 3, ops, res), "failed multi");
    CHECK(res[0].err == ZOK && res[1].err == ZBADVERSION && res[2].err == ZRUNTIMEINCONSISTENCY,
          "per-op results %d %d %d (want 0 -103 -2)", res[0].err, res[1].err, res[2].err);
    CHECK_RC(ZNONODE, zoo_exists(zh, "/m/n", 0, &st), "create of the failed multi rolled back");
    CHECK_RC(ZOK, zoo_exists(zh, "/m", 0, &st), "exists /m");
    CHECK(st.version == 1 && st.cversion == 2 && st.numChildren == 0, "/m unchanged by the failed multi: version %d cversion %d",
          st.version, st.cversion);
    /* the same, asynchronously */
    multi_ops_fail(ops, p0, sizeof p0);
    memset(res, 0, sizeof res);
    amulti_rc = 99;
    CHECK_RC(ZOK, zoo_amulti(zh, 3, ops, res, c_multi, NULL), "amulti submitted");
    pthread_mutex_lock(&amu);
    long long dl = now_ms() + 10000;
    while (amulti_rc == 99 && now_ms() < dl) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100000000L;
        if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
        pthread_cond_timedwait(&acv, &amu, &ts);
    }
    pthread_mutex_unlock(&amu);
    CHECK(amulti_rc == ZBADVERSION, "amulti rc %d", amulti_rc);
    CHECK(res[0].err == ZOK && res[1].err == ZBADVERSION && res[2].err == ZRUNTIMEINCONSISTENCY,
          "amulti per-op results %d %d %d", res[0].err, res[1].err, res[2].err);
    /* failing first op */
    zoo_delete_op_init(&ops[0], "/m/absent", -1);
    zoo_create_op_init(&ops[1], "/m/b", "b", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    CHECK_RC(ZNONODE, zoo_multi(zh, 2, ops, res), "multi failing at op 0");
    CHECK(res[0].err == ZNONODE && res[1].err == ZRUNTIMEINCONSISTENCY, "results %d %d", res[0].err, res[1].err);
    /* a create and a create of the same path */
    zoo_create_op_init(&ops[0], "/m/d", "1", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    zoo_create_op_init(&ops[1], "/m/d", "2", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
    CHECK_RC(ZNODEEXISTS, zoo_multi(zh, 2, ops, res), "duplicate create in one multi");
    CHECK(res[0].err == ZOK && res[1].err == ZNODEEXISTS, "results %d %d", res[0].err, res[1].err);
    /* an empty multi */
    CHECK_RC(ZOK, zoo_multi(zh, 0, ops, res), "empty multi");
    zookeeper_close(zh);
}

/*
 * An address where nothing listens: a port bound on 127.0.0.2 (never listening, so
 * connections are refused). Another IP than the server's, because the C client compares
 * server addresses without their ports when zoo_set_servers() decides to reconnect.
 */
static int dead_fd = -1;
static void make_dead_port(void) {
    struct sockaddr_in a;
    socklen_t l = sizeof a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(0x7f000002);
    dead_fd = socket(AF_INET, SOCK_STREAM, 0);
    bind(dead_fd, (struct sockaddr *)&a, sizeof a);
    getsockname(dead_fd, (struct sockaddr *)&a, &l);
    snprintf(dead_hosts, sizeof dead_hosts, "127.0.0.2:%d", ntohs(a.sin_port));
}

static void t_reconnect_setwatches(void) {
    evq_t *q = evq_new(), *oq = evq_new(), *qx = evq_new(), *qd = evq_new(), *qc = evq_new(), *qk = evq_new(),
          *qg = evq_new();
    zhandle_t *zh = connect_to(hosts, 10000, q, NULL);
    zhandle_t *o = connect_to(hosts, 10000, oq, NULL);
    if (!zh || !o) return;
    struct Stat st;
    struct String_vector kids;
    char buf[16];
    int len = sizeof buf;
    CHECK_RC(ZOK, zoo_create(o, "/rw", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), "create /rw");
    CHECK_RC(ZOK, zoo_create(o, "/rw/d", "0", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), "create /rw/d");
    CHECK_RC(ZOK, zoo_create(o, "/rw/gone", "0", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), "create /rw/gone");
    CHECK_RC(ZOK, zoo_create(o, "/rw/keep", "0", 1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), "create /rw/keep");
    long long id = zoo_client_id(zh)->client_id;
    CHECK_RC(ZNONODE, zoo_wexists(zh, "/rw/x", watcher, qx, &st), "exist watch");
    CHECK_RC(ZOK, zoo_wget(zh, "/rw/d", watcher, qd, buf, &len, &st), "data watch");
    CHECK_RC(ZOK, zoo_wget_children(zh, "/rw", watcher, qc, &kids), "child watch");
    deallocate_String_vector(&kids);
    CHECK_RC(ZOK, zoo_wexists(zh, "/rw/gone", watcher, qg, &st), "data watch on a node to delete");
    CHECK_RC(ZOK, zoo_wexists(zh, "/rw/keep", watcher, qk, &st), "data watch on an unchanged node");
    /* cut the client off; change things meanwhile */
    CHECK_RC(ZOK, zoo_set_servers(zh, dead_hosts), "zoo_set_servers(dead port)");
    CHECK_RC(ZOK, zoo_create(o, "/rw/x", "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0), "create /rw/x meanwhile");
    CHECK_RC(ZOK, zoo_set(o, "/rw/d", "1", 1, -1), "set /rw/d meanwhile");
    CHECK_RC(ZOK, zoo_delete(o, "/rw/gone", -1), "delete /rw/gone meanwhile");
    CHECK_RC(ZOK, zoo_set_servers(zh, hosts), "zoo_set_servers(server)");
    CHECK(wait_state(q, ZOO_CONNECTED_STATE, 30000), "reconnected");
    CHECK(zoo_client_id(zh)->client_id == id, "same session after the reconnect");
    /* SetWatches with the last zxid seen: what changed fires at once */
    expect_event(qx, ZOO_CREATED_EVENT, "/rw/x", 10000, "exist watch, node created while away");
    expect_event(qd, ZOO_CHANGED_EVENT, "/rw/d", 10000, "data watch, node changed while away");
    expect_event(qg, ZOO_DELETED_EVENT, "/rw/gone", 10000, "data watch, node deleted while away");
    expect_event(qc, ZOO_CHILD_EVENT, "/rw", 10000, "child watch, children changed while away");
    expect_no_event(qk, 300, "unchanged node: no event yet");
    CHECK_RC(ZOK, zoo_set(o, "/rw/keep", "1", 1, -1), "set /rw/keep after the reconnect");
    expect_event(qk, ZOO_CHANGED_EVENT, "/rw/keep", 10000, "re-armed watch fires later");
    zookeeper_close(o);
    zookeeper_close(zh);
}

static void t_session_moved_and_closed(void) {
    evq_t *q = evq_new(), *q2 = evq_new(), *oq = evq_new(), *qe = evq_new();
    zhandle_t *zh = connect_to(hosts, 10000, q, NULL);
    zhandle_t *o = connect_to(hosts, 10000, oq, NULL);
    if (!zh || !o) return;
    struct Stat st;
    clientid_t cid = *zoo_client_id(zh);
    CHECK_RC(ZOK, zoo_create(zh, "/sm", "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL, NULL, 0), "create ephemeral /sm");
    CHECK_RC(ZOK, zoo_wexists(o, "/sm", watcher, qe, &st), "observer watch");
    CHECK_RC(ZOK, zoo_set_servers(zh, dead_hosts), "cut the first handle off");
    /* a second handle with the same session id and password */
    zhandle_t *h2 = connect_to(hosts, 10000, q2, &cid);
    if (!h2) return;
    CHECK(zoo_client_id(h2)->client_id == cid.client_id, "second handle has the same session id");
    CHECK(memcmp(zoo_client_id(h2)->passwd, cid.passwd, 16) == 0, "and the same password");
    CHECK_RC(ZOK, zoo_exists(h2, "/sm", 0, &st), "the moved session sees its ephemeral");
    CHECK(st.ephemeralOwner == cid.client_id, "ephemeral owner after the move");
    CHECK_RC(ZOK, zoo_create(h2, "/sm2", "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL, NULL, 0), "create through the moved session");
    long long t0 = now_ms();
    zookeeper_close(h2); /* closeSession */
    expect_event(qe, ZOO_DELETED_EVENT, "/sm", 5000, "ephemeral deleted when the session is closed");
    CHECK(now_ms() - t0 < 5000, "deletion on close is immediate");
    CHECK_RC(ZNONODE, zoo_exists(o, "/sm2", 0, &st), "all the session's ephemerals are gone");
    CHECK_RC(ZOK, zoo_set_servers(zh, hosts), "let the first handle back in");
    CHECK(wait_state(q, ZOO_EXPIRED_SESSION_STATE, 30000), "first handle told its session expired");
    CHECK(zoo_state(zh) == ZOO_EXPIRED_SESSION_STATE, "state EXPIRED");
    CHECK_RC(ZINVALIDSTATE, zoo_exists(zh, "/", 0, &st), "requests on an expired handle");
    zookeeper_close(zh);
    /* reconnecting with the closed session's id: expired at once */
    evq_t *q3 = evq_new();
    zhandle_t *h3 = zookeeper_init(hosts, watcher, 10000, &cid, q3, 0);
    CHECK(h3 && wait_state(q3, ZOO_EXPIRED_SESSION_STATE, 30000), "connect with a closed session id: EXPIRED");
    if (h3) zookeeper_close(h3);
    zookeeper_close(o);
}

static void t_session_expiry(void) {
    evq_t *q = evq_new(), *oq = evq_new(), *qe = evq_new();
    zhandle_t *zh = connect_to(hosts, 4000, q, NULL);
    zhandle_t *o = connect_to(hosts, 10000, oq, NULL);
    if (!zh || !o) return;
    struct Stat st;
    CHECK(zoo_recv_timeout(zh) == 4000, "timeout %d", zoo_recv_timeout(zh));
    CHECK_RC(ZOK, zoo_create(zh, "/se", "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL, NULL, 0), "create ephemeral /se");
    CHECK_RC(ZOK, zoo_wexists(o, "/se", watcher, qe, &st), "observer watch");
    long long t0 = now_ms();
    CHECK_RC(ZOK, zoo_set_servers(zh, dead_hosts), "cut the client off");
    expect_event(qe, ZOO_DELETED_EVENT, "/se", 30000, "ephemeral deleted when the session expires");
    long long took = now_ms() - t0;
    CHECK(took >= 1500 && took <= 20000, "a 4000 ms session expired after %lld ms", took);
    CHECK_RC(ZNONODE, zoo_exists(o, "/se", 0, &st), "ephemeral gone");
    CHECK_RC(ZOK, zoo_set_servers(zh, hosts), "let the client back in");
    CHECK(wait_state(q, ZOO_EXPIRED_SESSION_STATE, 30000), "client told its session expired");
    zookeeper_close(zh);
    zookeeper_close(o);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: zkc_tests HOST:PORT OUTCOMES\n");
        return 2;
    }
    hosts = argv[1];
    outcomes = fopen(argv[2], "w");
    if (!outcomes) { perror(argv[2]); return 2; }
    setvbuf(stdout, NULL, _IOLBF, 0);
    zoo_set_debug_level(getenv("ZKC_DEBUG") ? ZOO_LOG_LEVEL_DEBUG : ZOO_LOG_LEVEL_WARN);
    make_dead_port();
    long long t0 = now_ms();
    run_test("connect", t_connect);
    run_test("sync-api", t_sync_api);
    run_test("acl-and-digest-auth", t_acl_auth);
    run_test("async-api-pipelined", t_async_api);
    run_test("watches", t_watches);
    run_test("multi", t_multi);
    run_test("reconnect-same-session-setwatches", t_reconnect_setwatches);
    run_test("session-moved-then-closed", t_session_moved_and_closed);
    run_test("session-expiry", t_session_expiry);
    fclose(outcomes);
    printf("c-client tests finished in %lld ms, %d failed\n", now_ms() - t0, failed_tests);
    return failed_tests ? 1 : 0;
}
