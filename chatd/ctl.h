/*
 * ctl.h: the control socket (ctl.c), through which chatctl administers a
 * running chatd: STATEDIR/chatd.ctl, a UNIX stream socket of mode 0600,
 * served on the loop (docs/PROTOCOL.md, section 6; lib/chat/ctlproto.h).
 *
 * The control lives from ctl_new(), after server_new(), to ctl_free(),
 * after server_free(): a reply that waits for a commit, or a password
 * job, holds a reference to its connection (refs), and server_free()
 * releases every one of them, so none is left at ctl_free().
 */
#ifndef CTL_H
#define CTL_H

#include <stddef.h>
#include <stdint.h>

struct ctl;
struct ctl_conn;
struct ev_loop;
struct server;

/* Reload the configuration as SIGHUP does: 0, or -1 with why in err. */
typedef int	 ctl_reload_fn(char *err, size_t errlen);

/*
 * Listen on state_dir/chatd.ctl.  NULL if it cannot (logged): chatd then
 * runs without its control socket.
 */
struct ctl	*ctl_new(struct ev_loop *, struct server *,
		    const char *state_dir, ctl_reload_fn *);
/* Close every connection and the socket, and remove its file. */
void		 ctl_free(struct ctl *);
/* An OUT_CTL entry's commit is durable (ok) or failed: its reply, the
 * wire bytes, may go (outq.c). */
void		 ctl_released(struct ctl_conn *, const uint8_t *wire,
		    size_t len, int ok);

#endif
