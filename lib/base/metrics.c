/*
 * metrics.c: the Prometheus text format, and libmicrohttpd on a libev
 * loop to serve it (metrics.h).
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>
#include <microhttpd.h>

#include "base/addr.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/xmalloc.h"

/*
 * What a scraper may hold: connections in all and from one address, the
 * memory of each (its request must fit), and the seconds an idle one
 * stays open.  A scraper needs one connection every few seconds.
 */
#define METRICS_CONNS		16
#define METRICS_CONNS_PER_ADDR	4
#define METRICS_CONN_MEM	(16 * 1024)
#define METRICS_IDLE_S		5
#define METRICS_BACKLOG		16
#define METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

const double	metrics_bounds[METRICS_NBOUNDS] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
	0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
};

struct metrics_out {
	char	*buf;
	size_t	 len, cap;
};

struct metrics_server {
	struct ev_loop		*loop;
	struct MHD_Daemon	*d;
	ev_io			 io;		/* MHD's epoll descriptor */
	ev_timer		 timer;		/* MHD's next timeout */
	metrics_fill_fn		*fill;
	void			*arg;
	char			 where[ADDR_STRLEN];
};

void
metrics_observe(struct metrics_hist *h, double s)
{
	size_t	i;

	if (!(s > 0))
		s = 0;
	for (i = 0; i < METRICS_NBOUNDS && s > metrics_bounds[i]; i++)
		;
	h->bucket[i]++;
	h->count++;
	h->sum += s;
}

struct metrics_out *
metrics_out_new(void)
{
	struct metrics_out	*o = xcalloc(1, sizeof *o);

	o->cap = 16384;
	o->buf = xmalloc(o->cap);
	o->buf[0] = '\0';
	return o;
}

const char *
metrics_out_text(const struct metrics_out *o, size_t *len)
{
	if (len != NULL)
		*len = o->len;
	return o->buf;
}

void
metrics_out_free(struct metrics_out *o)
{
	if (o == NULL)
		return;
	free(o->buf);
	free(o);
}

/* Append formatted text, growing the buffer. */
static void __attribute__((format(printf, 2, 3)))
metrics_printf(struct metrics_out *o, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			fatalx("metrics: cannot format a line");
		if ((size_t)n < o->cap - o->len)
			break;
		o->cap *= 2;
		o->buf = xreallocarray(o->buf, o->cap, 1);
	}
	o->len += (size_t)n;
}

/* A float as Prometheus reads it: the shortest text that reads back. */
static void
metrics_float(char *buf, size_t len, double v)
{
	snprintf(buf, len, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, len, "%.17g", v);
}

/* The HELP and TYPE lines; HELP escapes backslash and newline. */
static void
metrics_head(struct metrics_out *o, const char *name, const char *type,
    const char *help)
{
	const char	*p;

	metrics_printf(o, "# HELP %s ", name);
	for (p = help; *p != '\0'; p++) {
		if (*p == '\\')
			metrics_printf(o, "\\\\");
		else if (*p == '\n')
			metrics_printf(o, "\\n");
		else
			metrics_printf(o, "%c", *p);
	}
	metrics_printf(o, "\n# TYPE %s %s\n", name, type);
}

void
metrics_counter(struct metrics_out *o, const char *name, const char *help,
    uint64_t v)
{
	metrics_head(o, name, "counter", help);
	metrics_printf(o, "%s %" PRIu64 "\n", name, v);
}

void
metrics_gauge(struct metrics_out *o, const char *name, const char *help,
    double v)
{
	char	num[32];

	metrics_float(num, sizeof num, v);
	metrics_head(o, name, "gauge", help);
	metrics_printf(o, "%s %s\n", name, num);
}

void
metrics_histogram(struct metrics_out *o, const char *name, const char *help,
    const struct metrics_hist *h)
{
	char		num[32];
	uint64_t	cum = 0;
	size_t		i;

	metrics_head(o, name, "histogram", help);
	for (i = 0; i < METRICS_NBOUNDS; i++) {
		cum += h->bucket[i];
		metrics_float(num, sizeof num, metrics_bounds[i]);
		metrics_printf(o, "%s_bucket{le=\"%s\"} %" PRIu64 "\n", name,
		    num, cum);
	}
	metrics_printf(o, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name,
	    h->count);
	metrics_float(num, sizeof num, h->sum);
	metrics_printf(o, "%s_sum %s\n%s_count %" PRIu64 "\n", name, num,
	    name, h->count);
}

void
metrics_family(struct metrics_out *o, const char *name, const char *type,
    const char *help)
{
	metrics_head(o, name, type, help);
}

void
metrics_sample(struct metrics_out *o, const char *name, const char *labels,
    uint64_t v)
{
	metrics_printf(o, "%s{%s} %" PRIu64 "\n", name, labels, v);
}

/* Split where into host and port; the port must be given. */
static int
metrics_split(const char *where, char *host, size_t hostlen, char *port,
    size_t portlen, char *err, size_t errlen)
{
	char	e[256];

	/* addr_split() copies the port last: still "-", it failed before. */
	snprintf(port, portlen, "-");
	if (addr_split(where, "", host, hostlen, port, portlen, e,
	    sizeof e) == -1) {
		if (port[0] == '\0')
			snprintf(err, errlen, "\"%s\": no port; write "
			    "ADDRESS:PORT, as in 127.0.0.1:9100", where);
		else
			snprintf(err, errlen, "%s", e);
		return -1;
	}
	if (host[0] == '\0') {
		snprintf(err, errlen, "\"%s\": no address; write ADDRESS:PORT "
		    "(\"*\" is every address)", where);
		return -1;
	}
	return 0;
}

int
metrics_addr_check(const char *where, char *err, size_t errlen)
{
	char		host[ADDR_HOSTMAX], port[ADDR_PORTMAX];
	struct addr	a;

	if (metrics_split(where, host, sizeof host, port, sizeof port, err,
	    errlen) == -1)
		return -1;
	return addr_resolve(host, port, 1, &a, 1, err, errlen) == -1 ? -1 : 0;
}

/* A listening TCP socket on where; its address in where_out. */
static int
metrics_listen(const char *where, char *where_out, size_t outlen, char *err,
    size_t errlen)
{
	char		host[ADDR_HOSTMAX], port[ADDR_PORTMAX];
	struct addr	a[8];
	int		n, i, fd = -1, one = 1, zero = 0;

	if (metrics_split(where, host, sizeof host, port, sizeof port, err,
	    errlen) == -1)
		return -1;
	if ((n = addr_resolve(host, port, 1, a, 8, err, errlen)) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		fd = socket(a[i].ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (fd == -1)
			continue;
		/* A restarted daemon binds again at once; the wildcard's
		 * IPv6 socket serves IPv4 too. */
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof one) == -1 || (a[i].ss.ss_family == AF_INET6 &&
		    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
		    sizeof zero) == -1) ||
		    bind(fd, (struct sockaddr *)&a[i].ss, a[i].len) == -1 ||
		    listen(fd, METRICS_BACKLOG) == -1) {
			snprintf(err, errlen, "%s: %s", where, strerror(errno));
			close(fd);
			fd = -1;
			continue;
		}
		break;
	}
	if (fd == -1) {
		if (n == 0)
			snprintf(err, errlen, "%s: no address", where);
		return -1;
	}
	a[i].len = sizeof a[i].ss;
	if (getsockname(fd, (struct sockaddr *)&a[i].ss, &a[i].len) == -1) {
		snprintf(err, errlen, "%s: getsockname: %s", where,
		    strerror(errno));
		close(fd);
		return -1;
	}
	addr_str((struct sockaddr *)&a[i].ss, where_out, outlen);
	return fd;
}

/* libmicrohttpd's complaints (refused connections, timeouts): debug. */
static void __attribute__((format(printf, 2, 0)))
metrics_mhd_log(void *arg, const char *fmt, va_list ap)
{
	char	buf[256];
	size_t	n;

	vsnprintf(buf, sizeof buf, fmt, ap);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	log_debug("metrics: %s", buf);
}

/* Queue a short text answer with status code. */
static enum MHD_Result
metrics_text(struct MHD_Connection *conn, unsigned int code, const char *text)
{
	struct MHD_Response	*r;
	enum MHD_Result		 ret;

	r = MHD_create_response_from_buffer(strlen(text), (void *)text,
	    MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/plain; charset=utf-8");
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return ret;
}

/* One request: GET or HEAD /metrics is answered with a fresh scrape. */
static enum MHD_Result
metrics_request(void *arg, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_len, void **req)
{
	struct metrics_server	*m = arg;
	struct metrics_out	*o;
	struct MHD_Response	*r;
	enum MHD_Result		 ret;

	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return metrics_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "only GET and HEAD\n");
	if (strcmp(url, "/metrics") != 0)
		return metrics_text(conn, MHD_HTTP_NOT_FOUND,
		    "not found; the metrics are at /metrics\n");
	o = metrics_out_new();
	m->fill(o, m->arg);
	/* The response takes the buffer and frees it with free(3). */
	r = MHD_create_response_from_buffer(o->len, o->buf,
	    MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		metrics_out_free(o);
		return MHD_NO;
	}
	free(o);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    METRICS_CONTENT_TYPE);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* Run libmicrohttpd again when it asks to be, or stop the timer. */
static void
metrics_arm(struct metrics_server *m)
{
	MHD_UNSIGNED_LONG_LONG	ms;

	ev_timer_stop(m->loop, &m->timer);
	if (MHD_get_timeout(m->d, &ms) != MHD_YES)
		return;
	ev_timer_set(&m->timer, (double)ms / 1000., 0.);
	ev_timer_start(m->loop, &m->timer);
}

/* Sockets ready, or a timeout due: let libmicrohttpd work, without
 * blocking (its epoll_wait is given no time). */
static void
metrics_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct metrics_server	*m = w->data;

	MHD_run(m->d);
	metrics_arm(m);
}

static void
metrics_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct metrics_server	*m = w->data;

	MHD_run(m->d);
	metrics_arm(m);
}

struct metrics_server *
metrics_server_new(struct ev_loop *loop, const char *where,
    metrics_fill_fn *fill, void *arg, char *err, size_t errlen)
{
	struct metrics_server	*m = xcalloc(1, sizeof *m);
	const union MHD_DaemonInfo *info;
	int			 fd;

	m->loop = loop;
	m->fill = fill;
	m->arg = arg;
	if ((fd = metrics_listen(where, m->where, sizeof m->where, err,
	    errlen)) == -1) {
		free(m);
		return NULL;
	}
	/* No thread of its own: MHD_run() on this loop does the work. */
	m->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL,
	    NULL, metrics_request, m,
	    MHD_OPTION_EXTERNAL_LOGGER, metrics_mhd_log, m,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)METRICS_CONNS,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned int)METRICS_CONNS_PER_ADDR,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)METRICS_CONN_MEM,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)METRICS_IDLE_S,
	    MHD_OPTION_END);
	if (m->d == NULL) {
		snprintf(err, errlen, "%s: libmicrohttpd would not start",
		    where);
		close(fd);
		free(m);
		return NULL;
	}
	if ((info = MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_EPOLL_FD)) ==
	    NULL) {
		snprintf(err, errlen, "%s: libmicrohttpd has no epoll "
		    "descriptor", where);
		MHD_stop_daemon(m->d);
		free(m);
		return NULL;
	}
	ev_io_init(&m->io, metrics_io_cb, info->epoll_fd, EV_READ);
	m->io.data = m;
	ev_io_start(loop, &m->io);
	ev_init(&m->timer, metrics_timer_cb);
	m->timer.data = m;
	metrics_arm(m);
	return m;
}

const char *
metrics_server_addr(const struct metrics_server *m)
{
	return m->where;
}

void
metrics_server_free(struct metrics_server *m)
{
	if (m == NULL)
		return;
	ev_io_stop(m->loop, &m->io);
	ev_timer_stop(m->loop, &m->timer);
	MHD_stop_daemon(m->d);		/* closes the listening socket too */
	free(m);
}
