/* model.c: conversations, messages and presence; see model.h. */
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "base/xmalloc.h"

/* An empty model keeping at most max_msgs messages per conversation. */
void
model_init(struct model *m, size_t max_msgs)
{
	memset(m, 0, sizeof *m);
	m->max_msgs = max_msgs > 0 ? max_msgs : 1;
	m->conn = MODEL_CONN_OFFLINE;
}

/* Free one message's strings. */
static void
model_msg_free(struct model_msg *msg)
{
	free(msg->text);
	free(msg->error);
	free(msg->from);
}

/* Free a conversation. */
static void
model_conv_free(struct model_conv *c)
{
	size_t	j;

	for (j = 0; j < c->nmsgs; j++)
		model_msg_free(&c->msgs[j]);
	free(c->msgs);
	free(c->topic);
	free(c->members);
	free(c);
}

/* Free everything. */
void
model_free(struct model *m)
{
	size_t	i;

	for (i = 0; i < m->nconvs; i++)
		model_conv_free(m->convs[i]);
	free(m->convs);
	memset(m, 0, sizeof *m);
}

/* The comparison key and display form of a nickname. */
int
model_key(const char *nick, char *key, char *display)
{
	char	k[NICK_MAX_BYTES], d[NICK_MAX_BYTES];

	/* A group is "#" and a name under the nickname rules. */
	if (nick[0] == '#' && nick_lookup(nick + 1, strlen(nick + 1), d,
	    k) == NICK_OK && strlen(k) + 2 <= NICK_MAX_BYTES &&
	    strlen(d) + 2 <= NICK_MAX_BYTES) {
		key[0] = '#';
		strcpy(key + 1, k);
		if (display != NULL) {
			display[0] = '#';
			strcpy(display + 1, d);
		}
		return 0;
	}
	if (nick[0] != '#' &&
	    nick_lookup(nick, strlen(nick), display, key) == NICK_OK)
		return 0;
	/* Keep an invalid name as it is, so it can be shown and refused. */
	strncpy(key, nick, NICK_MAX_BYTES - 1);
	key[NICK_MAX_BYTES - 1] = '\0';
	if (display != NULL) {
		strncpy(display, nick, NICK_MAX_BYTES - 1);
		display[NICK_MAX_BYTES - 1] = '\0';
	}
	return -1;
}

/* Find or make the conversation with nick. */
struct model_conv *
model_conv(struct model *m, const char *nick, int create)
{
	struct model_conv	*c;
	char			 key[NICK_MAX_BYTES], disp[NICK_MAX_BYTES];
	size_t			 lo = 0, hi = m->nconvs, mid;
	int			 cmp;

	model_key(nick, key, disp);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		cmp = strcmp(key, m->convs[mid]->key);
		if (cmp == 0)
			return m->convs[mid];
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (!create)
		return NULL;
	c = xcalloc(1, sizeof *c);
	strcpy(c->key, key);
	strcpy(c->nick, disp);
	c->presence = MODEL_UNKNOWN;
	c->group = key[0] == '#';
	scroll_init(&c->scroll);
	m->convs = xreallocarray(m->convs, m->nconvs + 1, sizeof *m->convs);
	memmove(m->convs + lo + 1, m->convs + lo,
	    (m->nconvs - lo) * sizeof *m->convs);
	m->convs[lo] = c;
	m->nconvs++;
	return c;
}

/* Add a message in time order, dropping the oldest beyond the limit. */
struct model_msg *
model_add(struct model *m, struct model_conv *c, uint64_t id,
    uint64_t time_ms, int out, enum model_state state, const char *text,
    size_t len)
{
	struct model_msg	*msg;
	size_t			 at;

	if (c->nmsgs == m->max_msgs) {
		model_msg_free(&c->msgs[0]);
		memmove(c->msgs, c->msgs + 1, (c->nmsgs - 1) * sizeof *c->msgs);
		c->nmsgs--;
		scroll_dropped(&c->scroll, 1);
	}
	if (c->nmsgs == c->capmsgs) {
		c->capmsgs = c->capmsgs ? c->capmsgs * 2 : 16;
		c->msgs = xreallocarray(c->msgs, c->capmsgs, sizeof *c->msgs);
	}
	/* Usually the end; a late arrival goes where its time puts it. */
	at = c->nmsgs;
	while (at > 0 && c->msgs[at - 1].time_ms > time_ms)
		at--;
	memmove(c->msgs + at + 1, c->msgs + at,
	    (c->nmsgs - at) * sizeof *c->msgs);
	msg = &c->msgs[at];
	memset(msg, 0, sizeof *msg);
	msg->id = id;
	msg->sid = out ? 0 : id;
	msg->time_ms = time_ms;
	msg->out = out;
	msg->state = state;
	msg->text = xstrndup(text, len);
	msg->len = strlen(msg->text);
	c->nmsgs++;
	/* Older history fetched from the server goes above what is read. */
	if (at + 1 == c->nmsgs)
		scroll_appended(&c->scroll, 1);
	else
		scroll_inserted(&c->scroll, at);
	if (!out && c != m->open)
		c->unread++;
	return msg;
}

/* Move a message to where a new time puts it (the server's, for a sent one). */
struct model_msg *
model_retime(struct model_conv *c, struct model_msg *msg, uint64_t time_ms)
{
	struct model_msg	keep = *msg;
	size_t			j = (size_t)(msg - c->msgs), at;

	memmove(c->msgs + j, c->msgs + j + 1,
	    (c->nmsgs - j - 1) * sizeof *c->msgs);
	c->nmsgs--;
	keep.time_ms = time_ms;
	at = c->nmsgs;
	while (at > 0 && c->msgs[at - 1].time_ms > time_ms)
		at--;
	memmove(c->msgs + at + 1, c->msgs + at,
	    (c->nmsgs - at) * sizeof *c->msgs);
	c->msgs[at] = keep;
	c->nmsgs++;
	return &c->msgs[at];
}

/* Set the topic. */
void
model_set_topic(struct model_conv *c, const char *topic)
{
	free(c->topic);
	c->topic = topic != NULL && topic[0] != '\0' ? xstrdup(topic) : NULL;
}

/* Set the members. */
void
model_set_members(struct model_conv *c, const struct model_member *v,
    size_t n)
{
	free(c->members);
	c->members = n > 0 ? xreallocarray(NULL, n, sizeof *v) : NULL;
	if (n > 0)
		memcpy(c->members, v, n * sizeof *v);
	c->nmembers = n;
}

/* Take a conversation out of the model and free it. */
void
model_remove(struct model *m, struct model_conv *c)
{
	size_t	i;

	for (i = 0; i < m->nconvs; i++)
		if (m->convs[i] == c)
			break;
	if (i == m->nconvs)
		return;
	memmove(m->convs + i, m->convs + i + 1,
	    (m->nconvs - i - 1) * sizeof *m->convs);
	m->nconvs--;
	if (m->open == c)
		m->open = NULL;
	model_conv_free(c);
}

/* Find one of our messages by id. */
struct model_msg *
model_find_sent(struct model *m, uint64_t id, struct model_conv **cp)
{
	size_t	i, j;

	for (i = 0; i < m->nconvs; i++)
		for (j = m->convs[i]->nmsgs; j > 0; j--)
			if (m->convs[i]->msgs[j - 1].out &&
			    m->convs[i]->msgs[j - 1].id == id) {
				if (cp != NULL)
					*cp = m->convs[i];
				return &m->convs[i]->msgs[j - 1];
			}
	return NULL;
}

/* Find a received message by the server's id. */
struct model_msg *
model_find_received(struct model_conv *c, uint64_t sid)
{
	size_t	j;

	for (j = c->nmsgs; j > 0; j--)
		if (!c->msgs[j - 1].out && c->msgs[j - 1].id == sid)
			return &c->msgs[j - 1];
	return NULL;
}

/* The oldest server id known in a conversation. */
uint64_t
model_oldest_sid(const struct model_conv *c)
{
	uint64_t	sid = 0;
	size_t		j;

	for (j = 0; j < c->nmsgs; j++)
		if (c->msgs[j].sid != 0 && (sid == 0 || c->msgs[j].sid < sid))
			sid = c->msgs[j].sid;
	return sid;
}

/* Advance a sent message's state. */
int
model_advance(struct model_msg *msg, enum model_state state)
{
	if (!msg->out || state == MODEL_RECEIVED || state == MODEL_FAILED)
		return 0;
	if (msg->state != MODEL_FAILED && state <= msg->state)
		return 0;
	msg->state = state;
	free(msg->error);
	msg->error = NULL;
	return 1;
}

/* Mark a sent message refused. */
void
model_fail(struct model_msg *msg, const char *why)
{
	msg->state = MODEL_FAILED;
	free(msg->error);
	msg->error = xstrdup(why);
}

/* Open a conversation. */
void
model_open(struct model *m, struct model_conv *c)
{
	m->open = c;
	if (c != NULL) {
		c->unread = 0;
		scroll_end(&c->scroll);
	}
}

/* Does key contain the key form of filter? */
static int
model_match(const char *key, const char *fkey)
{
	return fkey[0] == '\0' || strstr(key, fkey) != NULL;
}

/* List the conversations matching a filter. */
size_t
model_filter(const struct model *m, const char *filter,
    struct model_conv **out, size_t max)
{
	char	fkey[NICK_MAX_BYTES];
	size_t	i, n = 0;

	if (filter == NULL || filter[0] == '\0')
		fkey[0] = '\0';
	else if (nick_lookup(filter, strlen(filter), NULL, fkey) !=
	    NICK_OK) {
		strncpy(fkey, filter, sizeof fkey - 1);
		fkey[sizeof fkey - 1] = '\0';
	}
	for (i = 0; i < m->nconvs; i++) {
		if (!model_match(m->convs[i]->key, fkey))
			continue;
		if (n < max)
			out[n] = m->convs[i];
		n++;
	}
	return n;
}

/* The next conversation with unread messages, wrapping around. */
struct model_conv *
model_next_unread(const struct model *m, const struct model_conv *cur)
{
	size_t	i, start = 0, k;

	for (i = 0; i < m->nconvs; i++)
		if (m->convs[i] == cur)
			start = i + 1;
	for (k = 0; k < m->nconvs; k++) {
		i = (start + k) % m->nconvs;
		if (m->convs[i]->unread > 0 && m->convs[i] != cur)
			return m->convs[i];
	}
	return NULL;
}

/* Count the messages waiting to be accepted. */
size_t
model_outbox(const struct model *m)
{
	size_t	i, j, n = 0;

	for (i = 0; i < m->nconvs; i++)
		for (j = 0; j < m->convs[i]->nmsgs; j++)
			if (m->convs[i]->msgs[j].out &&
			    m->convs[i]->msgs[j].state == MODEL_SENDING)
				n++;
	return n;
}

/* A word for a state. */
const char *
model_statename(enum model_state s)
{
	switch (s) {
	case MODEL_SENDING:	return "sending";
	case MODEL_ACCEPTED:	return "accepted";
	case MODEL_DELIVERED:	return "delivered";
	case MODEL_READ:	return "read";
	case MODEL_FAILED:	return "failed";
	case MODEL_RECEIVED:	return "received";
	}
	return "?";
}
