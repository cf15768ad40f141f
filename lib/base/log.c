/* log.c: daemon-style logging to stderr or syslog. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"

static const char	*log_name = "?";
static enum log_dest	 log_dest = LOG_TO_STDERR;
static int		 log_verbose;

/* Choose where messages go and how much is said; verbose > 0 shows debug. */
void
log_init(const char *progname, enum log_dest dest, int verbose)
{
	const char	*slash;

	if ((slash = strrchr(progname, '/')) != NULL)
		progname = slash + 1;
	log_name = progname;
	log_dest = dest;
	log_verbose = verbose;
	if (dest == LOG_TO_SYSLOG)
		openlog(log_name, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/* Change the verbosity, for -v and for configuration reloads. */
void
log_setverbose(int verbose)
{
	log_verbose = verbose;
}

/* Return the current verbosity. */
int
log_getverbose(void)
{
	return log_verbose;
}

static void	log_vwrite(int, const char *, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

/* Write one message at a syslog priority, with an optional error text. */
static void
log_vwrite(int pri, const char *err, const char *fmt, va_list ap)
{
	char		 msg[1024], stamp[40];
	struct timespec	 ts;
	struct tm	 tm;

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (log_dest == LOG_TO_SYSLOG) {
		if (err != NULL)
			syslog(pri, "%s: %s", msg, err);
		else
			syslog(pri, "%s", msg);
		return;
	}
	/* UTC: log lines never depend on TZ, which timed switches. */
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	if (err != NULL)
		fprintf(stderr, "%s.%03ldZ %s[%ld]: %s: %s\n", stamp,
		    ts.tv_nsec / 1000000, log_name, (long)getpid(), msg, err);
	else
		fprintf(stderr, "%s.%03ldZ %s[%ld]: %s\n", stamp,
		    ts.tv_nsec / 1000000, log_name, (long)getpid(), msg);
}

/* Warn, appending strerror(errno). */
void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}

/* Warn without an error text. */
void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, NULL, fmt, ap);
	va_end(ap);
	errno = saved;
}

/* Informational message. */
void
log_info(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_INFO, NULL, fmt, ap);
	va_end(ap);
	errno = saved;
}

/* Debug message, shown only with -v. */
void
log_debug(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	if (log_verbose < 1)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, NULL, fmt, ap);
	va_end(ap);
	errno = saved;
}

/* Log with strerror(errno) and exit 1. */
void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, saved != 0 ? strerror(saved) : NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

/* Log and exit 1. */
void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
