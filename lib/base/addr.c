/* addr.c: HOST[:PORT] parsing, resolution and printing. */
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <stdio.h>
#include <string.h>

#include "base/addr.h"
#include "base/conf.h"

/* Check that a port is a number from 0 to 65535 or a service name. */
static int
addr_check_port(const char *port, char *err, size_t errlen)
{
	long	v;

	if (port[0] >= '0' && port[0] <= '9') {
		if (conf_parse_int(port, 0, 65535, &v) == -1) {
			snprintf(err, errlen, "port \"%s\" is not a number "
			    "from 0 to 65535", port);
			return -1;
		}
		return 0;
	}
	/* A service name, as in /etc/services: a letter, then [a-z0-9-]. */
	if (!((port[0] >= 'a' && port[0] <= 'z') ||
	    (port[0] >= 'A' && port[0] <= 'Z'))) {
		snprintf(err, errlen, "port \"%s\" is not a number or a "
		    "service name", port);
		return -1;
	}
	for (const char *c = port; *c != '\0'; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '-')) {
			snprintf(err, errlen, "port \"%s\" is not a number "
			    "or a service name", port);
			return -1;
		}
	}
	return 0;
}

int
addr_split(const char *in, const char *defport, char *host, size_t hostlen,
    char *port, size_t portlen, char *err, size_t errlen)
{
	const char	*p, *colon, *h = in;
	size_t		 hlen;

	if (in[0] == '[') {
		if ((p = strchr(in, ']')) == NULL) {
			snprintf(err, errlen, "\"%s\": missing ']'", in);
			return -1;
		}
		h = in + 1;
		hlen = (size_t)(p - h);
		if (p[1] == ':')
			defport = p + 2;
		else if (p[1] != '\0') {
			snprintf(err, errlen, "\"%s\": junk after ']'", in);
			return -1;
		}
	} else if ((colon = strchr(in, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL) {
		hlen = (size_t)(colon - in);
		defport = colon + 1;
	} else
		hlen = strlen(in);	/* no colon, or a bare IPv6 literal */

	if (hlen >= hostlen) {
		snprintf(err, errlen, "\"%s\": host name too long", in);
		return -1;
	}
	if (strlen(defport) >= portlen) {
		snprintf(err, errlen, "\"%s\": port too long", in);
		return -1;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	strcpy(port, defport);
	return addr_check_port(port, err, errlen);
}

int
addr_resolve(const char *host, const char *port, int passive,
    struct addr *out, int max, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res, *ai;
	int		 e, n = 0;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_protocol = IPPROTO_UDP;
	if (passive && (host[0] == '\0' || strcmp(host, "*") == 0)) {
		host = NULL;
		hints.ai_flags = AI_PASSIVE;
	}
	if ((e = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "%s port %s: %s", host ? host : "*",
		    port, gai_strerror(e));
		return -1;
	}
	/* For the wildcard, IPv6 first: one dual-stack socket serves both. */
	for (int pass = 0; pass < 2; pass++) {
		for (ai = res; ai != NULL && n < max; ai = ai->ai_next) {
			if ((ai->ai_family == AF_INET6) != (pass == 0))
				continue;
			if (ai->ai_addrlen > sizeof out[n].ss)
				continue;
			memcpy(&out[n].ss, ai->ai_addr, ai->ai_addrlen);
			out[n].len = ai->ai_addrlen;
			n++;
		}
		if (host != NULL)
			break;	/* keep the resolver's order for names */
	}
	if (host != NULL && n == 0) {
		for (ai = res; ai != NULL && n < max; ai = ai->ai_next) {
			memcpy(&out[n].ss, ai->ai_addr, ai->ai_addrlen);
			out[n++].len = ai->ai_addrlen;
		}
	}
	freeaddrinfo(res);
	if (n == 0) {
		snprintf(err, errlen, "%s port %s: no usable address",
		    host ? host : "*", port);
		return -1;
	}
	return n;
}

int
addr_parse(const char *in, const char *defport, int passive,
    struct addr *out, int max, char *err, size_t errlen)
{
	char	host[ADDR_HOSTMAX], port[ADDR_PORTMAX];

	if (addr_split(in, defport, host, sizeof host, port, sizeof port,
	    err, errlen) == -1)
		return -1;
	return addr_resolve(host, port, passive, out, max, err, errlen);
}

int
addr_parse_list(const char *in, const char *defport, struct addr *out,
    int max, char *err, size_t errlen)
{
	char		 item[ADDR_HOSTMAX + ADDR_PORTMAX + 4];
	char		 host[ADDR_HOSTMAX], port[ADDR_PORTMAX], why[256];
	const char	*p, *end;
	size_t		 len;
	int		 items = 1, i, n = 0, got;

	for (p = in; *p != '\0'; p++)
		if (*p == ',')
			items++;
	if (items > max) {
		snprintf(err, errlen, "%d servers in the list, at most %d",
		    items, max);
		return -1;
	}
	for (i = 0, p = in; i < items; i++, p = end + 1) {
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		len = (size_t)(end - p);
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == 0) {
			snprintf(err, errlen, "server %d of the list is empty",
			    i + 1);
			return -1;
		}
		if (len >= sizeof item) {
			snprintf(err, errlen, "server %d of the list: \"%.32s"
			    "...\" is too long", i + 1, p);
			return -1;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		/* Room for this item's addresses, keeping one place for
		 * each item after it. */
		if (addr_split(item, defport, host, sizeof host, port,
		    sizeof port, why, sizeof why) == -1 ||
		    (got = addr_resolve(host, port, 0, out + n,
		    max - n - (items - i - 1), why, sizeof why)) == -1) {
			if (items == 1)
				snprintf(err, errlen, "%s", why);
			else
				snprintf(err, errlen, "server %d of the list: "
				    "%s", i + 1, why);
			return -1;
		}
		n += got;
	}
	return n;
}

const char *
addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char	ip[INET6_ADDRSTRLEN];

	switch (sa->sa_family) {
	case AF_INET: {
		const struct sockaddr_in *sin = (const void *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof ip);
		snprintf(buf, len, "%s:%u", ip, ntohs(sin->sin_port));
		break;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof ip);
		snprintf(buf, len, "[%s]:%u", ip, ntohs(sin6->sin6_port));
		break;
	}
	default:
		snprintf(buf, len, "(family %d)", sa->sa_family);
	}
	return buf;
}

unsigned
addr_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
	return 0;
}
