/*
 * udp.h: non-blocking UDP sockets and recvmmsg/sendmmsg batches.
 *
 * A batch owns cap buffers of bufsize bytes, their source/destination
 * addresses and, when asked, a kernel receive timestamp per datagram.  A
 * datagram longer than bufsize is flagged truncated (MSG_TRUNC) and must be
 * dropped by the caller: udp_recv() counts such datagrams for it.
 */
#ifndef UDP_H
#define UDP_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define UDP_REUSEPORT	0x01	/* SO_REUSEPORT: several workers, one port */
#define UDP_TIMESTAMP	0x02	/* SO_TIMESTAMPNS: kernel receive times */
#define UDP_V6ONLY	0x04	/* IPV6_V6ONLY on an IPv6 socket */
#define UDP_GSO		0x08	/* a send batch: UDP segmentation offload */

struct udp_batch;

/* Open, configure and bind a non-blocking socket; the fd, or -1 and err. */
int		 udp_bind(const struct sockaddr *, socklen_t, int flags,
		    char *err, size_t errlen);
/* Open a non-blocking client socket for the address family of sa. */
int		 udp_client(const struct sockaddr *sa, char *err,
		    size_t errlen);

struct udp_batch *udp_batch_new(unsigned int cap, size_t bufsize, int flags);
void		 udp_batch_free(struct udp_batch *);

/*
 * Receive up to cap datagrams.  Returns how many arrived (0 when none was
 * waiting), or -1 on a real error.  Truncated ones stay in the batch, flagged.
 */
int		 udp_recv(int fd, struct udp_batch *);
unsigned int	 udp_count(const struct udp_batch *);
uint8_t		*udp_data(struct udp_batch *, unsigned int i);
size_t		 udp_len(const struct udp_batch *, unsigned int i);
int		 udp_truncated(const struct udp_batch *, unsigned int i);
const struct sockaddr *udp_addr(const struct udp_batch *, unsigned int i);
socklen_t	 udp_addrlen(const struct udp_batch *, unsigned int i);
/* The kernel's receive time, or the current time if there was none. */
void		 udp_rxtime(const struct udp_batch *, unsigned int i,
		    struct timespec *);

/* Empty a batch for building replies. */
void		 udp_reset(struct udp_batch *);
/* The next free buffer (bufsize bytes), or NULL when the batch is full. */
uint8_t		*udp_slot(struct udp_batch *);
/* Queue the datagram written into udp_slot(), len bytes, to sa. */
void		 udp_commit(struct udp_batch *, size_t len,
		    const struct sockaddr *sa, socklen_t salen);
/*
 * Send every queued datagram.  Returns the number sent; those the kernel
 * refused (ENOBUFS, EAGAIN, unreachable) are counted in *failed, not logged.
 *
 * A batch made with UDP_GSO hands the kernel consecutive datagrams to one
 * address, all as long as the first but the last (which may be shorter),
 * as one message with UDP_SEGMENT (Linux 4.18): the kernel takes them
 * through its send path once and cuts them apart at the device, so the
 * peer receives the same datagrams.  Where the kernel refuses (no
 * checksum offload on the route, an old kernel) they are sent one by
 * one, and the batch sends that way from then on.
 */
unsigned int	 udp_send(int fd, struct udp_batch *, unsigned int *failed);

#endif
