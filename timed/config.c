/* config.c: timed's configuration keys, defaults and validation. */
#include <arpa/inet.h>

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "base/conf.h"
#include "base/metrics.h"
#include "timed.h"

static const struct conf_key config_keys[] = {
	CONF_STR_KEY("timed", "listen", struct timed_conf, listen),
	CONF_INT_KEY("timed", "port", struct timed_conf, port, 0, 65535),
	CONF_INT_KEY("timed", "workers", struct timed_conf, workers, 1,
	    TIMED_MAX_WORKERS),
	CONF_INT_KEY("timed", "batch", struct timed_conf, batch, 1, 1024),
	CONF_BOOL_KEY("timed", "syslog", struct timed_conf, syslog),
	CONF_INT_KEY("timed", "verbose", struct timed_conf, verbose, 0, 2),
	CONF_STR_KEY("timed", "zoneinfo", struct timed_conf, zoneinfo),
	CONF_STR_KEY("timed", "metrics", struct timed_conf, metrics),
	CONF_INT_KEY("timed", "ntp_port", struct timed_conf, ntp_port, 0,
	    65535),
	CONF_INT_KEY("timed", "daytime_port", struct timed_conf,
	    daytime_port, 0, 65535),
	CONF_INT_KEY("timed", "time_port", struct timed_conf, time_port, 0,
	    65535),
	CONF_INT_KEY("ntp", "stratum", struct timed_conf, ntp_stratum, 1,
	    15),
	CONF_STR_KEY("ntp", "refid", struct timed_conf, ntp_refid),
	CONF_INT_KEY("ntp", "local_stratum", struct timed_conf,
	    local_stratum, 0, 15),
	CONF_INT_KEY("limits", "max_format", struct timed_conf, max_format,
	    1, 1024),
	CONF_INT_KEY("limits", "max_output", struct timed_conf, max_output,
	    1, 1200),
	CONF_INT_KEY("limits", "max_conversions", struct timed_conf,
	    max_conversions, 1, 256),
	CONF_BOOL_KEY("ratelimit", "enable", struct timed_conf, rl.enable),
	CONF_INT_KEY("ratelimit", "interval", struct timed_conf, rl.interval,
	    -10, 12),
	CONF_INT_KEY("ratelimit", "burst", struct timed_conf, rl.burst, 1,
	    256),
	CONF_INT_KEY("ratelimit", "leak", struct timed_conf, rl.leak, 0, 4),
	CONF_INT_KEY("ratelimit", "table_size", struct timed_conf,
	    rl.table_size, 16, 1 << 22),
	CONF_INT_KEY("ratelimit", "ipv6_prefix", struct timed_conf,
	    rl.ipv6_prefix, 32, 128),
	CONF_INT_KEY("ratelimit", "global_rate", struct timed_conf,
	    rl.global_rate, 0, 100000000),
	CONF_END
};

/* The embedded defaults; etc/timed.ini documents each of them. */
void
config_defaults(struct timed_conf *c)
{
	memset(c, 0, sizeof *c);
	strcpy(c->listen, "*");
	c->port = 9000;
	c->workers = 1;
	c->batch = 64;
	c->max_format = 256;
	c->max_output = 512;
	c->max_conversions = 32;
	strcpy(c->zoneinfo, "/usr/share/zoneinfo");
	c->rl.enable = 1;
	c->rl.interval = 0;
	c->rl.burst = 16;
	c->rl.leak = 2;
	c->rl.table_size = 8192;
	c->rl.ipv6_prefix = 64;
	c->rl.global_rate = 0;
	c->ntp_port = 9123;
	c->daytime_port = 9013;
	c->time_port = 9037;
	c->ntp_stratum = 2;
	c->local_stratum = 0;
}

/* Is s empty, a dotted IPv4 address or a 1-4 character ASCII code? */
static int
config_refid_ok(const char *s)
{
	struct in_addr	a;
	size_t		i, n = strlen(s);

	if (n == 0 || inet_pton(AF_INET, s, &a) == 1)
		return 0;
	if (n > 4)
		return -1;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]))
			return -1;
	return 0;
}

/* Load path over the current values; 0, or -1 with err set. */
int
config_load(const char *path, int missing_ok, struct timed_conf *c,
    char *err, size_t errlen)
{
	char	e[256];

	if (conf_load(path, missing_ok, config_keys, c, err, errlen) == -1)
		return -1;
	if (c->listen[0] == '\0') {
		snprintf(err, errlen, "%s:timed:listen: empty address", path);
		return -1;
	}
	if (config_refid_ok(c->ntp_refid) == -1) {
		snprintf(err, errlen, "%s:ntp:refid: \"%s\" is not an IPv4 "
		    "address nor 1 to 4 ASCII letters and digits", path,
		    c->ntp_refid);
		return -1;
	}
	if (c->metrics[0] != '\0' && metrics_addr_check(c->metrics, e,
	    sizeof e) == -1) {
		snprintf(err, errlen, "%s:timed:metrics: %s", path, e);
		return -1;
	}
	if (c->zoneinfo[0] != '/') {
		snprintf(err, errlen, "%s:timed:zoneinfo: not an absolute path",
		    path);
		return -1;
	}
	return 0;
}
