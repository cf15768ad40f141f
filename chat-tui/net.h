/*
 * net.h: chat-tui's link to chatd, the one module that knows the chat
 * client library (chatclient.h).  It turns the app's requests into
 * chatclient calls and chatclient's callbacks into app_on_*() events
 * (app.h), in the model's terms, so that everything else runs the same
 * without a network.
 */
#ifndef NET_H
#define NET_H

#include <stddef.h>
#include <stdint.h>

struct app;
struct ev_loop;
struct net;

enum net_contacts_op {
	NET_LIST,
	NET_ADD,
	NET_DEL,
};

/* A link to server (HOST[:PORT]); NULL with err if it does not resolve. */
struct net	*net_new(struct ev_loop *, struct app *, const char *server,
		    char *err, size_t errlen);
void		 net_free(struct net *);
/*
 * Log in (or register, if reg) as nick; password NULL logs in with the
 * device token kept for nick if there is one.  want_token asks the
 * server for a token to keep for the next time.  0, or -1 with err.
 */
int		 net_login(struct net *, const char *nick, const char *password,
		    int reg, int want_token, char *err, size_t errlen);
/* Is there a device token for nick (no password needed)? */
int		 net_has_token(struct net *, const char *nick);
/* Before exiting: wait up to seconds for the server to acknowledge what was sent. */
void		 net_flush(struct net *, struct ev_loop *, double seconds);
/* Queue a message with our id; 0, or -1 with err. */
int		 net_send(struct net *, uint64_t id, const char *nick,
		    const char *text, size_t len, char *err, size_t errlen);
void		 net_mark_read(struct net *, uint64_t sid);
void		 net_typing(struct net *, const char *nick);
void		 net_away(struct net *, int away);
/* Requests answered by app_on_roster() or app_on_result(); 0 or -1 (not connected). */
int		 net_contacts(struct net *, enum net_contacts_op, const char *nick);
int		 net_who(struct net *);
int		 net_passwd(struct net *, const char *old, const char *new_password);

#endif
