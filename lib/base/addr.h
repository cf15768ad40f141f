/*
 * addr.h: socket addresses: "HOST[:PORT]" parsing (including "[::1]:9000"
 * and bare IPv6 literals), resolution, and printing.
 */
#ifndef ADDR_H
#define ADDR_H

#include <sys/socket.h>

#include <netinet/in.h>

#include <stddef.h>

#define ADDR_HOSTMAX	256
#define ADDR_PORTMAX	8
#define ADDR_STRLEN	(INET6_ADDRSTRLEN + 16)

struct addr {
	struct sockaddr_storage	ss;
	socklen_t		len;
};

/*
 * Split "HOST[:PORT]" into host and port.  "[v6]" and "[v6]:port" take the
 * brackets off; a bare string with two or more colons is an IPv6 literal
 * with no port.  A missing port becomes defport.  An empty host (":9000")
 * is returned as "".  Returns 0, or -1 with a message in err.
 */
int		 addr_split(const char *in, const char *defport, char *host,
		    size_t hostlen, char *port, size_t portlen, char *err,
		    size_t errlen);

/*
 * Resolve host and port into at most max addresses.  passive (for bind)
 * turns "" and "*" into the wildcard addresses, IPv6 first.  Returns the
 * number found, or -1 with a message in err.
 */
int		 addr_resolve(const char *host, const char *port, int passive,
		    struct addr *out, int max, char *err, size_t errlen);

/* Split and resolve in one step. */
int		 addr_parse(const char *in, const char *defport, int passive,
		    struct addr *out, int max, char *err, size_t errlen);

/*
 * A comma-separated list of HOST[:PORT] (as addr_split; blanks around an
 * item are ignored) resolved for a client into at most max addresses in
 * all, in the order given, with every address a name resolves to in the
 * resolver's order.  Each item keeps at least one place: a name's further
 * addresses are dropped when the items after it would not fit.  Returns
 * the number found, or -1 with a message in err naming the item: an empty
 * item, one that does not parse or resolve, or more than max items.
 */
int		 addr_parse_list(const char *in, const char *defport,
		    struct addr *out, int max, char *err, size_t errlen);

/* Print "1.2.3.4:9000" or "[::1]:9000" into buf, which is ADDR_STRLEN long. */
const char	*addr_str(const struct sockaddr *, char *buf, size_t len);

/* The port of an AF_INET or AF_INET6 address, host order. */
unsigned	 addr_port(const struct sockaddr *);

#endif
