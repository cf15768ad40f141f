/* history.c: conversations on disk; see history.h. */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "history.h"
#include "base/log.h"
#include "model.h"
#include "base/xmalloc.h"

/* Make dir and its parents. */
static int
history_mkdirs(const char *path)
{
	char	buf[PATH_MAX], *p;

	if (strlen(path) >= sizeof buf)
		return -1;
	strcpy(buf, path);
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0700) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

/* A nickname key as a file name: unusual bytes as %XX. */
static void
history_fname(const char *key, char *out, size_t len)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			o = 0;
	unsigned char		c;

	for (; *key != '\0' && o + 4 < len; key++) {
		c = (unsigned char)*key;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c >= 0x80 || c == '_' ||
		    c == '-' || (c == '.' && o > 0))
			out[o++] = (char)c;
		else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}

/* Choose and make the folder. */
int
history_open(struct history *h, const char *self, char *err, size_t errlen)
{
	char		 key[NICK_MAX_BYTES], name[NICK_MAX_BYTES * 3];
	const char	*base = getenv("XDG_DATA_HOME"), *home;
	int		 n;

	h->dir[0] = '\0';
	model_key(self, key, NULL);
	history_fname(key, name, sizeof name);
	if (base != NULL && base[0] == '/')
		n = snprintf(h->dir, sizeof h->dir, "%s/chat-tui/%s", base,
		    name);
	else if ((home = getenv("HOME")) != NULL && home[0] == '/')
		n = snprintf(h->dir, sizeof h->dir,
		    "%s/.local/share/chat-tui/%s", home, name);
	else {
		snprintf(err, errlen, "neither XDG_DATA_HOME nor HOME is set");
		return -1;
	}
	if (n < 0 || (size_t)n >= sizeof h->dir || history_mkdirs(h->dir)) {
		snprintf(err, errlen, "%s: %s", h->dir, strerror(errno));
		h->dir[0] = '\0';
		return -1;
	}
	return 0;
}

/* A state from its name. */
static int
history_state_of(const char *s, enum model_state *st)
{
	static const enum model_state all[] = { MODEL_SENDING,
	    MODEL_ACCEPTED, MODEL_DELIVERED, MODEL_READ, MODEL_FAILED,
	    MODEL_RECEIVED };
	size_t	i;

	for (i = 0; i < sizeof all / sizeof all[0]; i++)
		if (strcmp(s, model_statename(all[i])) == 0) {
			*st = all[i];
			return 0;
		}
	return -1;
}

/* Undo the escapes of a text, in place; returns its length. */
static size_t
history_unescape(char *s)
{
	char	*r = s, *w = s;

	while (*r != '\0') {
		if (*r == '\\' && r[1] != '\0') {
			r++;
			*w++ = *r == 'n' ? '\n' : *r == 't' ? '\t' : *r;
			r++;
		} else
			*w++ = *r++;
	}
	*w = '\0';
	return (size_t)(w - s);
}

/* Split a line at tabs into at most max fields; returns how many. */
static size_t
history_fields(char *line, char **f, size_t max)
{
	size_t	n = 0;
	char	*p = line;

	while (n < max) {
		f[n++] = p;
		if (n == max || (p = strchr(p, '\t')) == NULL)
			break;
		*p++ = '\0';
	}
	return n;
}

/* Read one file into the model. */
static int
history_load_file(struct model *m, const char *path)
{
	FILE			*f;
	char			*line = NULL, *fld[8], *end;
	size_t			 cap = 0, n, len;
	ssize_t			 got;
	struct model_conv	*c = NULL;
	struct model_msg	*msg;
	enum model_state	 st;
	uint64_t		 id, t;

	if ((f = fopen(path, "r")) == NULL) {
		log_warn("%s", path);
		return -1;
	}
	while ((got = getline(&line, &cap, f)) > 0) {
		if (line[got - 1] != '\n')
			break;		/* cut short: ignore */
		line[got - 1] = '\0';
		n = history_fields(line, fld, 8);
		if (n == 2 && strcmp(fld[0], "N") == 0 && c == NULL) {
			c = model_conv(m, fld[1], 1);
			continue;
		}
		if (c == NULL)
			continue;
		if ((n == 6 && strcmp(fld[0], "M") == 0) ||
		    (n == 8 && strcmp(fld[0], "G") == 0)) {
			id = strtoull(fld[1], &end, 16);
			if (*end != '\0')
				continue;
			t = strtoull(fld[2], &end, 10);
			if (*end != '\0' || history_state_of(fld[4], &st))
				continue;
			len = history_unescape(fld[n - 1]);
			msg = model_add(m, c, id, t, fld[3][0] == 'o', st,
			    fld[n - 1], len);
			if (n == 8) {
				history_unescape(fld[5]);
				msg->from = xstrdup(fld[5]);
				msg->event = atoi(fld[6]);
			}
			/* No receipts for old news, unless the server's
			 * history says it is unread (app.c). */
			msg->read_sent = 1;
			msg->read_assumed = !msg->out;
		} else if (n == 4 && strcmp(fld[0], "S") == 0) {
			id = strtoull(fld[1], &end, 16);
			if (*end != '\0' || history_state_of(fld[3], &st))
				continue;
			if (fld[2][0] == 'o')
				msg = model_find_sent(m, id, NULL);
			else
				msg = model_find_received(c, id);
			if (msg == NULL)
				continue;
			if (st == MODEL_FAILED)
				model_fail(msg, "refused by the server");
			else if (msg->out)
				model_advance(msg, st);
			else {
				msg->read_sent = 1;
				msg->read_assumed = 0;
			}
		} else if (n == 5 && strcmp(fld[0], "I") == 0 &&
		    fld[2][0] == 'o') {
			uint64_t	sid;

			id = strtoull(fld[1], &end, 16);
			if (*end != '\0')
				continue;
			sid = strtoull(fld[3], &end, 16);
			if (*end != '\0')
				continue;
			t = strtoull(fld[4], &end, 10);
			if (*end != '\0' ||
			    (msg = model_find_sent(m, id, NULL)) == NULL)
				continue;
			msg->sid = sid;
			if (t != msg->time_ms)
				model_retime(c, msg, t);
		}
	}
	free(line);
	fclose(f);
	if (c != NULL) {
		c->unread = 0;
		scroll_end(&c->scroll);
	}
	return 0;
}

/* Read every conversation. */
size_t
history_load(struct history *h, struct model *m)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[PATH_MAX];
	size_t		 n = 0, len;

	if (h->dir[0] == '\0' || (d = opendir(h->dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".log") != 0)
			continue;
		if (snprintf(path, sizeof path, "%s/%s", h->dir, de->d_name) >=
		    (int)sizeof path)
			continue;
		if (history_load_file(m, path) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/* Open a conversation's file for appending, naming the peer if new. */
static FILE *
history_append(struct history *h, const struct model_conv *c)
{
	char	 name[NICK_MAX_BYTES * 3], path[PATH_MAX];
	FILE	*f;

	if (h->dir[0] == '\0')
		return NULL;
	history_fname(c->key, name, sizeof name);
	if (snprintf(path, sizeof path, "%s/%s.log", h->dir, name) >=
	    (int)sizeof path)
		return NULL;
	if ((f = fopen(path, "a")) == NULL) {
		log_warn("%s", path);
		return NULL;
	}
	if (ftell(f) == 0)
		fprintf(f, "N\t%s\n", c->nick);
	return f;
}

/* Write text with \\, \t and \n escaped. */
static void
history_escape(FILE *f, const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\\')
			fputs("\\\\", f);
		else if (s[i] == '\n')
			fputs("\\n", f);
		else if (s[i] == '\t')
			fputs("\\t", f);
		else
			fputc(s[i], f);
	}
}

/* Record a message. */
void
history_msg(struct history *h, const struct model_conv *c,
    const struct model_msg *msg)
{
	FILE	*f;

	if ((f = history_append(h, c)) == NULL)
		return;
	fprintf(f, "%s\t%" PRIx64 "\t%" PRIu64 "\t%s\t%s\t",
	    msg->from != NULL ? "G" : "M", msg->id, msg->time_ms,
	    msg->out ? "o" : "i", model_statename(msg->state));
	if (msg->from != NULL) {
		history_escape(f, msg->from, strlen(msg->from));
		fprintf(f, "\t%d\t", msg->event);
	}
	history_escape(f, msg->text, msg->len);
	fputc('\n', f);
	if (fclose(f) == EOF)
		log_warn("history");
}

/* Record the server's id of a sent message. */
void
history_sid(struct history *h, const struct model_conv *c,
    const struct model_msg *msg)
{
	FILE	*f;

	if (!msg->out || msg->sid == 0 || (f = history_append(h, c)) == NULL)
		return;
	fprintf(f, "I\t%" PRIx64 "\to\t%" PRIx64 "\t%" PRIu64 "\n", msg->id,
	    msg->sid, msg->time_ms);
	if (fclose(f) == EOF)
		log_warn("history");
}

/* Record a state change. */
void
history_state(struct history *h, const struct model_conv *c,
    const struct model_msg *msg)
{
	FILE	*f;

	if ((f = history_append(h, c)) == NULL)
		return;
	fprintf(f, "S\t%" PRIx64 "\t%s\t%s\n", msg->id, msg->out ? "o" : "i",
	    msg->out ? model_statename(msg->state) : "read");
	if (fclose(f) == EOF)
		log_warn("history");
}

/* Remove a conversation's file. */
void
history_forget(struct history *h, const struct model_conv *c)
{
	char	name[NICK_MAX_BYTES * 3], path[PATH_MAX];

	if (h->dir[0] == '\0')
		return;
	history_fname(c->key, name, sizeof name);
	if (snprintf(path, sizeof path, "%s/%s.log", h->dir, name) >=
	    (int)sizeof path)
		return;
	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("%s", path);
}
