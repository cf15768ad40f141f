/*
 * ctlproto.c: what chatd and chatctl share of the control protocol
 * (ctlproto.h).
 */
#include <stdio.h>

#include "chat/ctlproto.h"

int
ctl_socket_path(const char *dir, char *buf, size_t len)
{
	int	n;

	n = snprintf(buf, len, "%s/%s", dir, CTL_SOCKET);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}
