/*
 * ports.c: the one list of source ports timed never answers (timed.h).
 * Uses only the configuration.
 */
#include "timed.h"

void
ports_set(struct timed_ports *p, const struct timed_conf *c)
{
	p->port[SVC_STRFTIME] = c->port;
	p->port[SVC_NTP] = c->ntp_port;
	p->port[SVC_DAYTIME] = c->daytime_port;
	p->port[SVC_TIME] = c->time_port;
}

int
ports_refused(const struct timed_ports *p, unsigned int port,
    int privileged_ok)
{
	int	i;

	if (port == 0 || (!privileged_ok && port < 1024))
		return 1;
	for (i = 0; i < SVC_COUNT; i++)
		if (p->port[i] != 0 && (unsigned int)p->port[i] == port)
			return 1;
	return 0;
}
