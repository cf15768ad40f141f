/* udp.c: UDP sockets and recvmmsg/sendmmsg batches. */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/udp.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/udp.h"
#include "base/xmalloc.h"

#define UDP_CTRLSIZE	CMSG_SPACE(sizeof(struct timespec))
#define UDP_GSOCTRL	CMSG_SPACE(sizeof(uint16_t))
#define UDP_GSO_SEGS	32		/* datagrams in one GSO message */
#define UDP_GSO_BYTES	60000		/* and bytes (one IP packet's worth) */

struct udp_batch {
	unsigned int		 cap;
	unsigned int		 n;
	size_t			 bufsize;
	int			 flags;
	struct mmsghdr		*msgs;
	struct iovec		*iov;
	struct sockaddr_storage	*addrs;
	uint8_t			*bufs;
	uint8_t			*ctrl;
	struct timespec		 now;	/* fallback receive time */
	/* UDP_GSO: the messages handed to the kernel, each one or more
	 * datagrams (nseg) from datagram first on. */
	struct mmsghdr		*gmsgs;
	unsigned int		*first, *nseg;
	uint8_t			*gctrl;
	int			 nogso;	/* refused once: one by one */
};

/* Set one integer socket option, with a message on failure. */
static int
udp_setopt(int fd, int level, int name, int val, const char *what,
    char *err, size_t errlen)
{
	if (setsockopt(fd, level, name, &val, sizeof val) == -1) {
		snprintf(err, errlen, "setsockopt %s: %s", what,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
udp_bind(const struct sockaddr *sa, socklen_t len, int flags, char *err,
    size_t errlen)
{
	int	fd;

	fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_UDP);
	if (fd == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (sa->sa_family == AF_INET6 && udp_setopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, (flags & UDP_V6ONLY) != 0, "IPV6_V6ONLY", err,
	    errlen) == -1)
		goto fail;
	if ((flags & UDP_REUSEPORT) && udp_setopt(fd, SOL_SOCKET,
	    SO_REUSEPORT, 1, "SO_REUSEPORT", err, errlen) == -1)
		goto fail;
	if ((flags & UDP_TIMESTAMP) && udp_setopt(fd, SOL_SOCKET,
	    SO_TIMESTAMPNS, 1, "SO_TIMESTAMPNS", err, errlen) == -1)
		goto fail;
	if (bind(fd, sa, len) == -1) {
		snprintf(err, errlen, "bind: %s", strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

int
udp_client(const struct sockaddr *sa, char *err, size_t errlen)
{
	int	fd;

	fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_UDP);
	if (fd == -1)
		snprintf(err, errlen, "socket: %s", strerror(errno));
	return fd;
}

struct udp_batch *
udp_batch_new(unsigned int cap, size_t bufsize, int flags)
{
	struct udp_batch	*b;

	b = xcalloc(1, sizeof *b);
	b->cap = cap;
	b->bufsize = bufsize;
	b->flags = flags;
	b->msgs = xcalloc(cap, sizeof *b->msgs);
	b->iov = xcalloc(cap, sizeof *b->iov);
	b->addrs = xcalloc(cap, sizeof *b->addrs);
	b->bufs = xcalloc(cap, bufsize);
	if (flags & UDP_TIMESTAMP)
		b->ctrl = xcalloc(cap, UDP_CTRLSIZE);
#ifdef UDP_SEGMENT
	if (flags & UDP_GSO) {
		b->gmsgs = xcalloc(cap, sizeof *b->gmsgs);
		b->first = xcalloc(cap, sizeof *b->first);
		b->nseg = xcalloc(cap, sizeof *b->nseg);
		b->gctrl = xcalloc(cap, UDP_GSOCTRL);
	}
#else
	b->nogso = 1;
#endif
	return b;
}

void
udp_batch_free(struct udp_batch *b)
{
	if (b == NULL)
		return;
	free(b->msgs);
	free(b->iov);
	free(b->addrs);
	free(b->bufs);
	free(b->ctrl);
	free(b->gmsgs);
	free(b->first);
	free(b->nseg);
	free(b->gctrl);
	free(b);
}

/* Point message i's header at its buffer, address and control space. */
static void
udp_prepare(struct udp_batch *b, unsigned int i, size_t len)
{
	struct msghdr	*h = &b->msgs[i].msg_hdr;

	b->iov[i].iov_base = b->bufs + (size_t)i * b->bufsize;
	b->iov[i].iov_len = len;
	h->msg_name = &b->addrs[i];
	h->msg_namelen = sizeof b->addrs[i];
	h->msg_iov = &b->iov[i];
	h->msg_iovlen = 1;
	h->msg_control = b->ctrl ? b->ctrl + (size_t)i * UDP_CTRLSIZE : NULL;
	h->msg_controllen = b->ctrl ? UDP_CTRLSIZE : 0;
	h->msg_flags = 0;
	b->msgs[i].msg_len = 0;
}

int
udp_recv(int fd, struct udp_batch *b)
{
	unsigned int	i;
	int		n;

	for (i = 0; i < b->cap; i++)
		udp_prepare(b, i, b->bufsize);
	b->n = 0;
	do {
		n = recvmmsg(fd, b->msgs, b->cap, MSG_DONTWAIT, NULL);
	} while (n == -1 && errno == EINTR);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ECONNREFUSED)
			return 0;
		return -1;
	}
	b->n = (unsigned int)n;
	if (!(b->flags & UDP_TIMESTAMP))
		clock_gettime(CLOCK_REALTIME, &b->now);
	return n;
}

unsigned int
udp_count(const struct udp_batch *b)
{
	return b->n;
}

uint8_t *
udp_data(struct udp_batch *b, unsigned int i)
{
	return b->bufs + (size_t)i * b->bufsize;
}

size_t
udp_len(const struct udp_batch *b, unsigned int i)
{
	size_t	len = b->msgs[i].msg_len;

	return len > b->bufsize ? b->bufsize : len;
}

int
udp_truncated(const struct udp_batch *b, unsigned int i)
{
	return (b->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0 ||
	    b->msgs[i].msg_len > b->bufsize;
}

const struct sockaddr *
udp_addr(const struct udp_batch *b, unsigned int i)
{
	return (const struct sockaddr *)&b->addrs[i];
}

socklen_t
udp_addrlen(const struct udp_batch *b, unsigned int i)
{
	return b->msgs[i].msg_hdr.msg_namelen;
}

void
udp_rxtime(const struct udp_batch *b, unsigned int i, struct timespec *ts)
{
	const struct msghdr	*h = &b->msgs[i].msg_hdr;
	struct cmsghdr		*c;

	if (b->ctrl != NULL) {
		for (c = CMSG_FIRSTHDR(h); c != NULL;
		    c = CMSG_NXTHDR((struct msghdr *)h, c)) {
			if (c->cmsg_level == SOL_SOCKET &&
			    c->cmsg_type == SCM_TIMESTAMPNS &&
			    c->cmsg_len >= CMSG_LEN(sizeof *ts)) {
				memcpy(ts, CMSG_DATA(c), sizeof *ts);
				return;
			}
		}
		clock_gettime(CLOCK_REALTIME, ts);
		return;
	}
	*ts = b->now;
}

void
udp_reset(struct udp_batch *b)
{
	b->n = 0;
}

uint8_t *
udp_slot(struct udp_batch *b)
{
	if (b->n == b->cap)
		return NULL;
	return b->bufs + (size_t)b->n * b->bufsize;
}

void
udp_commit(struct udp_batch *b, size_t len, const struct sockaddr *sa,
    socklen_t salen)
{
	unsigned int	 i = b->n;
	struct msghdr	*h;

	if (i == b->cap || len > b->bufsize || salen > sizeof b->addrs[i])
		return;
	udp_prepare(b, i, len);
	memcpy(&b->addrs[i], sa, salen);
	h = &b->msgs[i].msg_hdr;
	h->msg_namelen = salen;
	h->msg_control = NULL;
	h->msg_controllen = 0;
	b->n++;
}

#ifdef UDP_SEGMENT
/* Do queued datagrams i and j go to the same address? */
static int
udp_same_dest(const struct udp_batch *b, unsigned int i, unsigned int j)
{
	socklen_t	len = b->msgs[i].msg_hdr.msg_namelen;

	return len == b->msgs[j].msg_hdr.msg_namelen &&
	    memcmp(&b->addrs[i], &b->addrs[j], len) == 0;
}

/* Group the queued datagrams into GSO messages; how many. */
static unsigned int
udp_group(struct udp_batch *b)
{
	struct msghdr	*h;
	struct cmsghdr	*c;
	unsigned int	 i, j, k = 0;
	size_t		 seg, total;
	uint16_t	 sz;

	for (i = 0; i < b->n; i = j, k++) {
		seg = b->iov[i].iov_len;
		total = seg;
		/* All as long as the first but the last, one address. */
		for (j = i + 1; j < b->n && j - i < UDP_GSO_SEGS &&
		    b->iov[j - 1].iov_len == seg && b->iov[j].iov_len <= seg &&
		    total + b->iov[j].iov_len <= UDP_GSO_BYTES &&
		    udp_same_dest(b, i, j); j++)
			total += b->iov[j].iov_len;
		h = &b->gmsgs[k].msg_hdr;
		*h = b->msgs[i].msg_hdr;
		h->msg_iov = &b->iov[i];
		h->msg_iovlen = j - i;
		b->first[k] = i;
		b->nseg[k] = j - i;
		if (j - i == 1)
			continue;
		h->msg_control = b->gctrl + (size_t)k * UDP_GSOCTRL;
		h->msg_controllen = UDP_GSOCTRL;
		c = CMSG_FIRSTHDR(h);
		c->cmsg_level = SOL_UDP;
		c->cmsg_type = UDP_SEGMENT;
		c->cmsg_len = CMSG_LEN(sizeof sz);
		sz = (uint16_t)seg;
		memcpy(CMSG_DATA(c), &sz, sizeof sz);
	}
	return k;
}

/* Send the batch as GSO messages; see udp_send(). */
static unsigned int
udp_send_gso(int fd, struct udp_batch *b, unsigned int *failed)
{
	unsigned int	off = 0, sent = 0, k, i, ng;
	int		n, err, toolong;

	ng = udp_group(b);
	while (off < ng) {
		n = sendmmsg(fd, b->gmsgs + off, ng - off, MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			err = errno;
			if (b->nseg[off] > 1 && (err == EMSGSIZE ||
			    err == EINVAL || err == EIO ||
			    err == EOPNOTSUPP)) {
				/*
				 * One by one: segmentation refused, or a
				 * segment longer than the link takes
				 * (EMSGSIZE, or EINVAL from older kernels);
				 * the datagrams that fit still go.
				 */
				toolong = 0;
				for (i = 0; i < b->nseg[off]; i++) {
					if (sendmsg(fd, &b->msgs[b->first[off] +
					    i].msg_hdr, MSG_DONTWAIT) != -1)
						sent++;
					else {
						(*failed)++;
						toolong |= errno == EMSGSIZE;
					}
				}
				/* Only segmentation itself refused turns it
				 * off for good. */
				if (!toolong && (err == EIO || err == EINVAL ||
				    err == EOPNOTSUPP))
					b->nogso = 1;
			} else
				*failed += b->nseg[off];
			off++;
			continue;
		}
		for (k = 0; k < (unsigned int)n; k++)
			sent += b->nseg[off + k];
		off += (unsigned int)n;
	}
	b->n = 0;
	return sent;
}
#endif

unsigned int
udp_send(int fd, struct udp_batch *b, unsigned int *failed)
{
	unsigned int	off = 0, sent = 0;
	int		n;

#ifdef UDP_SEGMENT
	if ((b->flags & UDP_GSO) && !b->nogso)
		return udp_send_gso(fd, b, failed);
#endif
	while (off < b->n) {
		n = sendmmsg(fd, b->msgs + off, b->n - off, MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			/* Skip the datagram the kernel refused, keep going. */
			(*failed)++;
			off++;
			continue;
		}
		sent += (unsigned int)n;
		off += (unsigned int)n;
	}
	b->n = 0;
	return sent;
}
