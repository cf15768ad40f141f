/*
 * timec.h: timec's modules.  main.c speaks the strftime protocol and
 * parses the command line; query.c asks servers of the standard time
 * protocols (NTP, Daytime, Time) over an already connected socket.
 */
#ifndef TIMEC_H
#define TIMEC_H

enum query_proto {
	QUERY_NTP,		/* RFC 5905 / SNTP RFC 4330 */
	QUERY_DAYTIME,		/* RFC 867 over UDP */
	QUERY_TIME,		/* RFC 868 over UDP */
};

/*
 * Ask the server at the other end of the connected UDP socket fd, retrying
 * with backoff until timeout seconds pass; print the result on stdout and
 * return timec's exit status (see its --help).  server names it in
 * messages.
 */
int	query_run(enum query_proto, int fd, double timeout, int verbose,
	    const char *server);

#endif
