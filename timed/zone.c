/*
 * zone.c: time zones by IANA name, without races on TZ.
 *
 * glibc converts to local time only through the process-wide TZ.  So the
 * one place that changes TZ is zone_resolve(), under a lock, and workers
 * never call localtime(): they keep, per zone, the UTC offset and
 * abbreviation in force, valid until the next quarter hour (every modern
 * zone changes offset only on a quarter hour), and build local time with
 * gmtime_r() plus the offset.  The lock is taken once per zone per worker
 * per quarter hour, and the zoneinfo file is read only then.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "timed.h"
#include "time/timeproto.h"
#include "base/xmalloc.h"

#define ZONE_CACHE_SIZE	64
#define ZONE_QUANTUM	900		/* seconds: offsets change on a quarter hour */

struct zone_entry {
	char			name[TP_ZONE_MAX + 1];	/* "" is the local zone */
	int			known;
	struct zone_info	info;
	time_t			checked;		/* for unknown names */
};

struct zone_cache {
	struct zone_entry	entries[ZONE_CACHE_SIZE];
	unsigned int		next;			/* round-robin victim */
};

static pthread_mutex_t	 zone_lock = PTHREAD_MUTEX_INITIALIZER;
static char		 zone_dir[256] = "/usr/share/zoneinfo";
static char		*zone_local_tz;			/* TZ at start-up */

void
zone_init(const char *dir)
{
	const char	*tz = getenv("TZ");

	snprintf(zone_dir, sizeof zone_dir, "%s", dir);
	/*
	 * With TZ unset glibc stats /etc/localtime on every conversion;
	 * naming it once makes the local zone a fixed choice.
	 */
	free(zone_local_tz);
	zone_local_tz = xstrdup(tz != NULL && tz[0] != '\0' ? tz :
	    ":/etc/localtime");
	setenv("TZ", zone_local_tz, 1);
	tzset();
}

int
zone_name_ok(const char *name, size_t len)
{
	size_t	i;

	if (len == 0 || len > TP_ZONE_MAX || name[0] == '/' || name[0] == '.')
		return 0;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '/' || c == '_' ||
		    c == '-' || c == '+' || c == '.'))
			return 0;
		/* No "..", no "//", no component starting with '.'. */
		if (c == '/' && (i + 1 == len || name[i + 1] == '/' ||
		    name[i + 1] == '.'))
			return 0;
	}
	return 1;
}

/* Does the zoneinfo database hold a TZif file of this name? */
static int
zone_exists(const char *name)
{
	char		path[512], magic[4];
	struct stat	st;
	int		fd, ok = 0;

	snprintf(path, sizeof path, "%s/%s", zone_dir, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		/* Debian's zoneinfo has symlinks (e.g. posixrules). */
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			return 0;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    read(fd, magic, 4) == 4 && memcmp(magic, "TZif", 4) == 0)
		ok = 1;
	close(fd);
	return ok;
}

/* Resolve a zone's offset at t under the lock; 0, or -1 if unknown. */
static int
zone_resolve(const char *name, time_t t, struct zone_info *zi)
{
	char		tz[TP_ZONE_MAX + 2];
	struct tm	tm;
	int		rc = 0;

	if (name[0] != '\0' && !zone_exists(name))
		return -1;
	pthread_mutex_lock(&zone_lock);
	if (name[0] != '\0') {
		snprintf(tz, sizeof tz, ":%s", name);
		setenv("TZ", tz, 1);
		tzset();
	}
	if (localtime_r(&t, &tm) == NULL)
		rc = -1;
	if (name[0] != '\0') {
		setenv("TZ", zone_local_tz, 1);
		tzset();
	}
	pthread_mutex_unlock(&zone_lock);
	if (rc == -1)
		return -1;
	zi->gmtoff = tm.tm_gmtoff;
	zi->isdst = tm.tm_isdst;
	snprintf(zi->abbr, sizeof zi->abbr, "%s", tm.tm_zone ? tm.tm_zone : "");
	zi->valid_until = t - (t % ZONE_QUANTUM) + ZONE_QUANTUM;
	return 0;
}

struct zone_cache *
zone_cache_new(void)
{
	return xcalloc(1, sizeof(struct zone_cache));
}

void
zone_cache_free(struct zone_cache *zc)
{
	free(zc);
}

int
zone_lookup(struct zone_cache *zc, const char *name, size_t len, time_t t,
    struct zone_info *zi)
{
	struct zone_entry	*e = NULL;
	unsigned int		 i;

	if (name == NULL) {
		name = "";
		len = 0;
	}
	if (len > TP_ZONE_MAX)
		return -1;
	for (i = 0; i < ZONE_CACHE_SIZE; i++) {
		struct zone_entry *c = &zc->entries[i];

		if ((c->known || c->checked != 0) &&
		    strlen(c->name) == len && memcmp(c->name, name, len) == 0) {
			e = c;
			break;
		}
	}
	if (e != NULL && e->known && t < e->info.valid_until &&
	    t >= e->info.valid_until - ZONE_QUANTUM) {
		*zi = e->info;
		return 0;
	}
	/* An unknown name is re-checked at most once a quarter hour. */
	if (e != NULL && !e->known && t - e->checked < ZONE_QUANTUM &&
	    t >= e->checked)
		return -1;
	if (e == NULL) {
		e = &zc->entries[zc->next];
		zc->next = (zc->next + 1) % ZONE_CACHE_SIZE;
		memcpy(e->name, name, len);
		e->name[len] = '\0';
	}
	if (zone_resolve(e->name, t, &e->info) == -1) {
		e->known = 0;
		e->checked = t != 0 ? t : 1;
		return -1;
	}
	e->known = 1;
	*zi = e->info;
	return 0;
}

void
zone_localtime(const struct zone_info *z, time_t t, struct tm *tm)
{
	time_t	local = t + z->gmtoff;

	gmtime_r(&local, tm);
	tm->tm_isdst = z->isdst;
	tm->tm_gmtoff = z->gmtoff;
	tm->tm_zone = z->abbr;
}
