/*
 * store.c: the SQLite backend of store.h.  One connection, WAL journal,
 * prepared statements kept for the life of the store, and one open
 * transaction that store_commit() ends (group commit).
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "base/log.h"
#include "store.h"
#include "base/xmalloc.h"

enum {
	Q_BEGIN, Q_BEGIN_NOW, Q_COMMIT, Q_ROLLBACK,
	Q_USER_ADD, Q_USER_GET, Q_USER_BY_ID, Q_USER_HASH, Q_USER_SEEN,
	Q_USER_SKELETON,
	Q_TOKEN_ADD, Q_TOKEN_CHECK, Q_TOKEN_REVOKE,
	Q_TOKEN_TRIM, Q_TOKEN_USED, Q_TOKEN_REVOKE_ONE, Q_TOKEN_LIST,
	Q_TOKEN_EXPIRE, Q_REG_COUNT, Q_REG_ADD, Q_REG_EXPIRE,
	Q_CONTACT_ADD, Q_CONTACT_DEL, Q_CONTACT_COUNT, Q_CONTACTS, Q_WATCHERS,
	Q_MSG_ADD, Q_MSG_FIND, Q_MSG_QUEUED, Q_MSG_PENDING, Q_MSG_GET,
	Q_MSG_RANGE, Q_MSG_RANGE_FROM, Q_CONV_GET, Q_CONV_PUT, Q_OWED,
	Q_USER_DELIVERED, Q_SID_RESERVE, Q_MSG_QUEUE,
	Q_QUEUE_FROM, Q_REQUEUE, Q_MSG_WAITING, Q_CONTACT_HAS,
	Q_CONTACT_SET, Q_REL, Q_REQUESTS, Q_BLOCK_ADD, Q_BLOCK_DEL, Q_BLOCKS,
	Q_USER_SETTINGS, Q_ROW, Q_HIST_SCAN, Q_HELD, Q_HOLD, Q_HELD_EXPIRE,
	Q_HEAD_GET, Q_HEAD_PUT, Q_HEADS_UPTO, Q_HEADS_SCAN, Q_CUTOFF,
	Q_PRUNE_SCAN, Q_LINK, Q_DEL_ID, Q_SET_PREV, Q_TOMB, Q_HIST_PAIRS,
	Q_GROUP_ADD, Q_GROUP_KEY, Q_GROUP_DEL, Q_GROUP_HWM, Q_GROUP_TOPIC, Q_GROUPS, Q_MEMBERS,
	Q_MEMBER_SET, Q_MEMBER_DEL, Q_MEMBER_CUR, Q_MEMBER_MUTE,
	Q_GMSG_ADD, Q_GMSG_FIND, Q_GMSG_RANGE, Q_GHISTORY, Q_GCREATED,
	Q_GINVITED, Q_GACT, Q_GACT_EXPIRE, Q_GUNREAD, Q_GMSG_EXPIRE, Q_GMEMBERS_DEL, Q_GMSGS_DEL,
	Q_COUNT
};

static const char *const sql[Q_COUNT] = {
	[Q_BEGIN] = "BEGIN",
	[Q_BEGIN_NOW] = "BEGIN IMMEDIATE",
	[Q_COMMIT] = "COMMIT",
	[Q_ROLLBACK] = "ROLLBACK",
	/* Ids are never used twice, a deleted account's included (meta's
	 * user_id: the highest id ever deleted), so nothing kept by id
	 * (events, receipts, backoff) passes to a new account. */
	[Q_USER_ADD] = "INSERT OR IGNORE INTO users(id, key, nick, hash,"
	    " created, skeleton) VALUES (max(ifnull((SELECT max(id) FROM"
	    " users), 0), ifnull((SELECT value FROM meta WHERE key ="
	    " 'user_id'), 0)) + 1, ?, ?, ?, ?, ?)",
	[Q_USER_GET] = "SELECT id, nick, hash, last_seen, delivered, settings,"
	    " locked FROM users WHERE key = ?",
	[Q_USER_BY_ID] = "SELECT id, nick, hash, last_seen, delivered, settings,"
	    " locked FROM users"
	    " WHERE id = ?",
	[Q_USER_HASH] = "UPDATE users SET hash = ? WHERE id = ?",
	[Q_USER_SEEN] = "UPDATE users SET last_seen = ? WHERE id = ?",
	[Q_USER_SKELETON] = "SELECT 1 FROM users WHERE skeleton = ?",
	[Q_TOKEN_ADD] = "INSERT OR REPLACE INTO tokens(hash, user, created,"
	    " last_used, name, addr) VALUES (?1, ?2, ?3, ?3, ?4, ?5)",
	[Q_TOKEN_CHECK] = "SELECT id, last_used FROM tokens"
	    " WHERE hash = ? AND user = ?",
	[Q_TOKEN_REVOKE] = "DELETE FROM tokens WHERE user = ?",
	/* An account keeps its most recently used tokens only. */
	[Q_TOKEN_TRIM] = "DELETE FROM tokens WHERE user = ?1 AND id NOT IN"
	    " (SELECT id FROM tokens WHERE user = ?1"
	    " ORDER BY last_used DESC, id DESC LIMIT ?2)",
	[Q_TOKEN_USED] = "UPDATE tokens SET last_used = max(last_used, ?2),"
	    " addr = ifnull(?3, addr) WHERE id = ?1",
	[Q_TOKEN_REVOKE_ONE] = "DELETE FROM tokens WHERE id = ? AND user = ?",
	[Q_TOKEN_LIST] = "SELECT id, last_used, name, addr FROM tokens"
	    " WHERE user = ? ORDER BY last_used DESC, id DESC",
	[Q_TOKEN_EXPIRE] = "DELETE FROM tokens WHERE last_used < ?",
	[Q_REG_COUNT] = "SELECT count(*) FROM registrations"
	    " WHERE addr = ? AND t >= ?",
	[Q_REG_ADD] = "INSERT INTO registrations(addr, t) VALUES (?, ?)",
	[Q_REG_EXPIRE] = "DELETE FROM registrations WHERE t < ?",
	[Q_CONTACT_ADD] = "INSERT OR IGNORE INTO contacts(user, contact)"
	    " VALUES (?, ?)",
	[Q_CONTACT_DEL] = "DELETE FROM contacts WHERE user = ? AND contact = ?",
	[Q_CONTACT_COUNT] = "SELECT count(*) FROM contacts WHERE user = ?",
	/* Each row with its state and whether the other side accepted. */
	[Q_CONTACTS] = "SELECT u.id, u.nick, u.last_seen, c.state,"
	    " ifnull((SELECT r.state = 2 FROM contacts r"
	    " WHERE r.user = c.contact AND r.contact = c.user), 0)"
	    " FROM contacts c"
	    " JOIN users u ON u.id = c.contact WHERE c.user = ?"
	    " ORDER BY u.key",
	/* Presence flows only between users who accepted each other. */
	[Q_WATCHERS] = "SELECT c.user FROM contacts c JOIN contacts r"
	    " ON r.user = c.contact AND r.contact = c.user"
	    " WHERE c.contact = ? AND c.state = 2 AND r.state = 2",
	[Q_MSG_ADD] = "INSERT OR IGNORE INTO messages(sender, msgid, rcpt, t,"
	    " text, id, q, prev) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	/* A stored message and how far it has got: read up to the
	 * conversation's read cursor, delivered up to the recipient's. */
	[Q_MSG_FIND] = "SELECT m.id, m.t, m.rcpt,"
	    " CASE WHEN m.id <= ifnull(c.read, 0) THEN 2"
	    " WHEN m.id <= ifnull(u.delivered, 0) THEN 1 ELSE 0 END"
	    " FROM messages m"
	    " LEFT JOIN convs c ON c.rcpt = m.rcpt AND c.sender = m.sender"
	    " LEFT JOIN users u ON u.id = m.rcpt"
	    " WHERE m.sender = ? AND m.msgid = ?",
	[Q_MSG_QUEUED] = "SELECT count(*) FROM messages WHERE rcpt = ?1 AND q"
	    " AND id > ifnull((SELECT delivered FROM users WHERE id = ?1), 0)",
	[Q_MSG_PENDING] = "SELECT id, sender, msgid, t, text FROM messages"
	    " WHERE rcpt = ?1 AND q AND id > max(?2,"
	    " ifnull((SELECT delivered FROM users WHERE id = ?1), 0))"
	    " AND id < ?4 ORDER BY id LIMIT ?3",
	[Q_MSG_GET] = "SELECT sender, msgid FROM messages"
	    " WHERE id = ? AND rcpt = ? AND length(text) > 0",
	[Q_MSG_RANGE] = "SELECT id, sender, msgid FROM messages"
	    " WHERE rcpt = ?1 AND q AND id > ?2 AND id <= ?3"
	    " ORDER BY id LIMIT ?4",
	[Q_MSG_RANGE_FROM] = "SELECT id, sender, msgid FROM messages"
	    " WHERE rcpt = ?1 AND q AND id > ?2 AND id <= ?3 AND sender = ?5"
	    " ORDER BY id LIMIT ?4",
	[Q_CONV_GET] = "SELECT delivered, read, told_delivered, told_read"
	    " FROM convs WHERE rcpt = ? AND sender = ?",
	/* Cursors only ever move forward. */
	[Q_CONV_PUT] = "INSERT INTO convs(rcpt, sender, delivered, read,"
	    " told_delivered, told_read) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
	    " ON CONFLICT (rcpt, sender) DO UPDATE SET"
	    " delivered = max(delivered, ?3), read = max(read, ?4),"
	    " told_delivered = max(told_delivered, ?5),"
	    " told_read = max(told_read, ?6)",
	[Q_OWED] = "SELECT rcpt, delivered, read, told_delivered, told_read"
	    " FROM convs WHERE sender = ?"
	    " AND (delivered > told_delivered OR read > told_read)",
	[Q_USER_DELIVERED] = "UPDATE users SET delivered = ?2"
	    " WHERE id = ?1 AND delivered < ?2",
	[Q_SID_RESERVE] = "INSERT OR REPLACE INTO meta(key, value)"
	    " VALUES ('sid_reserved', ?)",
	[Q_MSG_QUEUE] = "UPDATE messages SET q = 1 WHERE id = ? AND NOT q",
	[Q_QUEUE_FROM] = "INSERT OR REPLACE INTO meta(key, value)"
	    " VALUES ('queue_from', ?)",
	/* After a crash or a failed commit: the tail is lost. */
	[Q_REQUEUE] = "UPDATE messages SET q = 1 WHERE NOT q AND id >="
	    " ifnull((SELECT value FROM meta WHERE key = 'queue_from'), 0)"
	    " AND length(text) > 0",
	/* Through the queue index, recipient by recipient. */
	[Q_MSG_WAITING] = "SELECT m.sender, m.rcpt, count(*) FROM users u"
	    " JOIN messages m ON m.rcpt = u.id AND m.q AND m.id > u.delivered"
	    " GROUP BY m.rcpt, m.sender",
	[Q_CONTACT_HAS] = "SELECT 1 FROM contacts c JOIN contacts r"
	    " ON r.user = c.contact AND r.contact = c.user"
	    " WHERE c.user = ? AND c.contact = ? AND c.state = 2"
	    " AND r.state = 2",
	[Q_CONTACT_SET] = "INSERT INTO contacts(user, contact, state)"
	    " VALUES (?1, ?2, ?3) ON CONFLICT (user, contact)"
	    " DO UPDATE SET state = ?3",
	[Q_REL] = "SELECT ifnull((SELECT state FROM contacts"
	    " WHERE user = ?1 AND contact = ?2), 0),"
	    " ifnull((SELECT state FROM contacts"
	    " WHERE user = ?2 AND contact = ?1), 0),"
	    " EXISTS (SELECT 1 FROM blocks WHERE user = ?1 AND blocked = ?2),"
	    " EXISTS (SELECT 1 FROM blocks WHERE user = ?2 AND blocked = ?1)",
	/* Requests to a user from anyone it has not blocked. */
	[Q_REQUESTS] = "SELECT u.id, u.nick FROM contacts c"
	    " JOIN users u ON u.id = c.user WHERE c.contact = ?1"
	    " AND c.state = 1 AND NOT EXISTS (SELECT 1 FROM blocks b"
	    " WHERE b.user = ?1 AND b.blocked = c.user) ORDER BY u.key",
	[Q_BLOCK_ADD] = "INSERT OR IGNORE INTO blocks(user, blocked)"
	    " VALUES (?, ?)",
	[Q_BLOCK_DEL] = "DELETE FROM blocks WHERE user = ? AND blocked = ?",
	[Q_BLOCKS] = "SELECT u.id, u.nick FROM blocks b"
	    " JOIN users u ON u.id = b.blocked WHERE b.user = ? ORDER BY u.key",
	[Q_USER_SETTINGS] = "UPDATE users SET settings = ?2 WHERE id = ?1",
	/* A link of a conversation's chain (schema 9). */
	[Q_ROW] = "SELECT sender, rcpt, msgid, t, text, prev FROM messages"
	    " WHERE id = ?",
	/* The pair's newest message in a bounded range of ids below ?1. */
	[Q_HIST_SCAN] = "SELECT id FROM messages WHERE id < ?1 AND id >= ?2"
	    " AND min(sender, rcpt) = ?3 AND max(sender, rcpt) = ?4"
	    " ORDER BY id DESC LIMIT 1",
	[Q_HELD] = "SELECT key = ?1 FROM held WHERE (key = ?1 OR skeleton = ?2)"
	    " AND until > ?3 ORDER BY key = ?1 DESC LIMIT 1",
	[Q_HOLD] = "INSERT OR REPLACE INTO held(key, skeleton, until)"
	    " VALUES (?, ?, ?)",
	[Q_HELD_EXPIRE] = "DELETE FROM held WHERE until <= ?",
	[Q_HEAD_GET] = "SELECT last FROM heads WHERE lo = ? AND hi = ?",
	[Q_HEAD_PUT] = "INSERT OR REPLACE INTO heads(lo, hi, last)"
	    " VALUES (?, ?, ?)",
	[Q_HEADS_UPTO] = "INSERT OR REPLACE INTO meta(key, value)"
	    " VALUES ('heads_upto', ?)",
	/* The messages whose chains' heads may not be in heads. */
	[Q_HEADS_SCAN] = "SELECT id, min(sender, rcpt), max(sender, rcpt)"
	    " FROM messages WHERE id > ifnull((SELECT value FROM meta"
	    " WHERE key = 'heads_upto'), 0) ORDER BY id",
	/* Server ids grow with time: what precedes the first message
	 * accepted at or after ?1, found without an index on t by a scan
	 * that stops there (a clock stepped back only makes some messages
	 * stay longer). */
	[Q_CUTOFF] = "SELECT ifnull((SELECT id FROM messages WHERE t >= ?1"
	    " ORDER BY id LIMIT 1), (SELECT ifnull(max(id), 0) + 1"
	    " FROM messages))",
	/* Rows below a cutoff in order, with what decides their fate:
	 * their pair, link, whether a tombstone, the recipient's cursor. */
	[Q_PRUNE_SCAN] = "SELECT m.id, min(m.sender, m.rcpt),"
	    " max(m.sender, m.rcpt), m.prev, length(m.text) = 0, u.delivered"
	    " FROM messages m LEFT JOIN users u ON u.id = m.rcpt"
	    " WHERE m.id > ?1 AND m.id < ?2 ORDER BY m.id LIMIT ?3",
	[Q_LINK] = "SELECT m.prev, length(m.text) = 0, u.delivered"
	    " FROM messages m LEFT JOIN users u ON u.id = m.rcpt"
	    " WHERE m.id = ?",
	[Q_DEL_ID] = "DELETE FROM messages WHERE id = ?",
	[Q_SET_PREV] = "UPDATE messages SET prev = ?2 WHERE id = ?1",
	/* A message gone that still links its chain's older part. */
	[Q_TOMB] = "UPDATE messages SET text = x'', q = 0, prev = ?2"
	    " WHERE id = ?1",
	/* The conversations that had messages after ?1 (a walk of the
	 * table's tail), with their newest. */
	[Q_HIST_PAIRS] = "SELECT min(sender, rcpt), max(sender, rcpt),"
	    " max(id) FROM messages WHERE id > ?1 GROUP BY 1, 2",
	[Q_GROUP_ADD] = "INSERT OR IGNORE INTO groups(id, key, name,"
	    " skeleton, creator, created) VALUES (max(ifnull((SELECT max(id)"
	    " FROM groups), 0), ifnull((SELECT value FROM meta WHERE key ="
	    " 'group_id'), 0)) + 1, ?, ?, ?, ?, ?)",
	[Q_GROUP_KEY] = "SELECT 1 FROM groups WHERE key = ?",
	[Q_GROUP_DEL] = "DELETE FROM groups WHERE id = ?1;",
	[Q_GROUP_HWM] = "INSERT INTO meta(key, value) VALUES ('group_id', ?1)"
	    " ON CONFLICT (key) DO UPDATE SET value = max(value, ?1)",
	[Q_GMEMBERS_DEL] = "DELETE FROM members WHERE grp = ?",
	[Q_GMSGS_DEL] = "DELETE FROM gmessages WHERE grp = ?",
	[Q_GROUP_TOPIC] = "UPDATE groups SET topic = ?1 WHERE id = ?2",
	[Q_GROUPS] = "SELECT g.id, g.key, g.name, g.topic, ifnull((SELECT"
	    " max(id) FROM gmessages m WHERE m.grp = g.id), 0) FROM groups g",
	[Q_MEMBERS] = "SELECT grp, user, role, state, since, delivered, read,"
	    " muted, t FROM members ORDER BY grp, t",
	[Q_MEMBER_SET] = "INSERT INTO members(grp, user, role, state, since,"
	    " delivered, read, inviter, t) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?5,"
	    " ?6, ?7) ON CONFLICT (grp, user) DO UPDATE SET role = ?3,"
	    " state = ?4, since = max(since, ?5), delivered = max(delivered,"
	    " ?5), read = max(read, ?5)",
	[Q_MEMBER_DEL] = "DELETE FROM members WHERE grp = ? AND user = ?",
	[Q_MEMBER_CUR] = "UPDATE members SET delivered = max(delivered, ?3),"
	    " read = max(read, ?4) WHERE grp = ?1 AND user = ?2",
	[Q_MEMBER_MUTE] = "UPDATE members SET muted = ?3 WHERE grp = ?1"
	    " AND user = ?2",
	[Q_GMSG_ADD] = "INSERT OR IGNORE INTO gmessages(id, grp, sender, msgid,"
	    " t, kind, text) VALUES (?, ?, ?, ?, ?, ?, ?)",
	[Q_GMSG_FIND] = "SELECT id, t, grp FROM gmessages WHERE msgid = ?"
	    " AND sender = ?",
	[Q_GMSG_RANGE] = "SELECT id, sender, msgid, t, kind, text FROM"
	    " gmessages WHERE grp = ?1 AND id > ?2 AND id <= ?3 ORDER BY id"
	    " LIMIT ?4",
	[Q_GHISTORY] = "SELECT id, sender, msgid, t, kind, text FROM"
	    " gmessages WHERE grp = ?1 AND id > ?2 AND id < ?3"
	    " ORDER BY id DESC LIMIT ?4",
	/* Creations and invitations are counted from a log of their own,
	 * which deleting a group or removing a member does not shorten. */
	[Q_GCREATED] = "SELECT count(*) FROM gacts WHERE user = ? AND kind = 1"
	    " AND t >= ?",
	[Q_GINVITED] = "SELECT count(*) FROM gacts WHERE user = ? AND kind = 2"
	    " AND t >= ?",
	[Q_GACT] = "INSERT INTO gacts(user, kind, t) VALUES (?, ?, ?)",
	[Q_GACT_EXPIRE] = "DELETE FROM gacts WHERE t < ?",
	/* Of the first ?4 after the cursor, whatever they are: a walk of
	 * at most ?4 index entries and rows. */
	[Q_GUNREAD] = "SELECT count(*) FROM (SELECT kind, sender FROM"
	    " gmessages WHERE grp = ?1 AND id > ?2 ORDER BY id LIMIT ?4)"
	    " WHERE kind = 0 AND sender != ?3",
	[Q_GMSG_EXPIRE] = "DELETE FROM gmessages WHERE id < ifnull((SELECT id"
	    " FROM gmessages WHERE t >= ?1 ORDER BY id LIMIT 1),"
	    " (SELECT ifnull(max(id), 0) + 1 FROM gmessages))",
};

/*
 * Schema version 3 (PRAGMA user_version).  How far messages have got is
 * kept as cursors, the recipient's delivered cursor in users and each
 * conversation's read cursor in convs, with what the sender has been
 * told (docs/PROTOCOL.md, 5.3).
 *
 * The queue index (messages_queue, on recipient and id) holds only the
 * rows with q set: the messages a recipient may still have to be given,
 * or read back.  A message to an online recipient is written with q
 * clear and remembered in memory (the tail); most are delivered and
 * read within milliseconds and never enter the index.  A tail entry
 * joins the index when its recipient's messages are looked up, or when
 * it leaves the tail still needed (store_age()).  meta's queue_from is
 * the oldest tail entry: after a crash, every q-clear row from there on
 * joins the index.  Server ids come from reservations (store_sid_start()),
 * so no AUTOINCREMENT; the duplicate check's index leads with the
 * client's message id, which grows with time, so that its inserts land
 * together.
 *
 * Version 4: an account's key is its nick's NFKC_Casefold (nick.h), and
 * users.skeleton its UTS #39 skeleton under a unique index, so that no
 * two accounts look alike; meta's nick_data names the Unicode data both
 * were made with (store_nicks()).
 *
 * Version 5: device tokens have an id, a device name, a last use and a
 * last address (TOKENS_COLUMNS), and registrations are kept a day by
 * address for the daily cap.
 *
 * Version 6: consent.  A contacts row (user, contact) has a state: 1
 * user asked contact (a request), 2 user accepted contact, 3 contact
 * declined user's request (user still sees it as asked).  Two users are
 * contacts when both rows are 2.  blocks holds who blocked whom, and
 * users.settings the account's privacy bits (STORE_SET_*).  The upgrade
 * makes a pair that had each other accepted, and a one-sided row a
 * request from the user who added.
 *
 * Version 7: history.  The message table is the archive: a delivered
 * message stays for history_days, found by conversation through
 * messages_conv (on the pair, lower user id first, then id), and
 * undelivered ones for retention_days as before.  held keeps the key and
 * skeleton of a deleted account until a time, so that nobody takes its
 * name at once; users.locked is an administrator's lock.
 *
 * Version 8: groups.  A group message is stored once (gmessages, which
 * shares the server ids of messages), with the group's events (kind not
 * 0: sender the actor, text the subject); each member has a row with
 * its role, state (1 invited, 2 joined), since (it gets what follows
 * that id) and its delivered and read cursors.
 *
 * Version 9: each conversation is a chain, not an index.  A message
 * row's prev is the server id of the message before it between the
 * same two users (either way; 0: none), so history walks from the
 * newest back, one lookup by id a message, and an insert writes nothing
 * but its row.  messages_conv, which it replaces, cost every insert an
 * entry at the conversation's place in the index: with 16 busy
 * conversations each group commit wrote about 16 of its leaf pages to
 * the log, where the table and the other indexes only append.  Chained,
 * chatd's CPU per relayed message is that of the store before the
 * archive again (README, "The archive's cost").  The other design
 * considered, an index led by a window of ids ((id >> 8, pair, id)),
 * also appends, but a page of a quiet conversation would walk many
 * windows, so HISTORY_PAGE would need a "resume at" field (a protocol
 * change), and its entries still cost inserts about a fifth more
 * than no index (README).
 *
 * Each conversation's newest id (its head) is kept in memory (struct
 * head, a bounded cache; a head given up is written first) and in heads
 * (lo, hi: the users, lower id first), which is written every
 * HEADS_FLUSH messages in the transaction of the messages, with meta's
 * heads_upto: the newest message whose head it holds.  At open (after a
 * crash, say) the messages after heads_upto are read again to bring the
 * heads up to date; after a rolled back commit, likewise.
 *
 * Messages leave a chain as they age (store_prune()): one that stays is
 * linked past those that go, and a conversation's newest that goes
 * while older ones stay is kept as a tombstone (no text, q clear) that
 * links to them, until a later pass finds it unneeded.  A link to a row
 * no longer there ends a chain: everything older is gone too.  The
 * upgrade from 8 fills prev in one pass (a sort by pair), writes heads
 * and drops messages_conv, in the upgrade's transaction.
 */
#define STORE_VERSION	9

/* The message table of version 3, for the schema and the upgrades. */
#define MESSAGES_COLUMNS						\
	"  id INTEGER PRIMARY KEY,"					\
	"  sender INTEGER NOT NULL,"					\
	"  msgid INTEGER NOT NULL,"					\
	"  rcpt INTEGER NOT NULL,"					\
	"  t INTEGER NOT NULL,"						\
	"  text BLOB NOT NULL,"						\
	"  q INTEGER NOT NULL DEFAULT 1"

/*
 * The token table of version 5: a device token's id (what DEVICES
 * names), its hash, when it was last used and from where, and the name
 * of the device it was issued to.  registrations: when each account was
 * registered, from which address (grouped as the rate limits group
 * them), for the daily cap per address; rows older than a day go.
 */
#define TOKENS_COLUMNS							\
	"  id INTEGER PRIMARY KEY,"					\
	"  hash BLOB NOT NULL UNIQUE,"					\
	"  user INTEGER NOT NULL,"					\
	"  created INTEGER NOT NULL,"					\
	"  last_used INTEGER NOT NULL,"					\
	"  name TEXT NOT NULL DEFAULT '',"				\
	"  addr TEXT NOT NULL DEFAULT ''"

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS users ("
	"  id INTEGER PRIMARY KEY,"
	"  key TEXT NOT NULL UNIQUE,"
	"  nick TEXT NOT NULL,"
	"  hash TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL DEFAULT 0,"
	"  delivered INTEGER NOT NULL DEFAULT 0,"
	"  skeleton TEXT,"
	"  settings INTEGER NOT NULL DEFAULT 6,"
	"  locked INTEGER NOT NULL DEFAULT 0);"
	"CREATE UNIQUE INDEX IF NOT EXISTS users_skeleton ON users(skeleton);"
	"CREATE TABLE IF NOT EXISTS tokens (" TOKENS_COLUMNS ");"
	"CREATE INDEX IF NOT EXISTS tokens_user ON tokens(user);"
	"CREATE TABLE IF NOT EXISTS registrations ("
	"  addr TEXT NOT NULL,"
	"  t INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS registrations_addr"
	"  ON registrations(addr, t);"
	"CREATE TABLE IF NOT EXISTS contacts ("
	"  user INTEGER NOT NULL,"
	"  contact INTEGER NOT NULL,"
	"  state INTEGER NOT NULL DEFAULT 2,"
	"  PRIMARY KEY (user, contact)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS contacts_rev ON contacts(contact);"
	"CREATE TABLE IF NOT EXISTS blocks ("
	"  user INTEGER NOT NULL,"
	"  blocked INTEGER NOT NULL,"
	"  PRIMARY KEY (user, blocked)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS messages (" MESSAGES_COLUMNS ","
	"  prev INTEGER NOT NULL DEFAULT 0);"
	"CREATE UNIQUE INDEX IF NOT EXISTS messages_dedupe"
	"  ON messages(msgid, sender);"
	"CREATE INDEX IF NOT EXISTS messages_queue ON messages(rcpt, id)"
	"  WHERE q;"
	"CREATE TABLE IF NOT EXISTS heads ("
	"  lo INTEGER NOT NULL,"
	"  hi INTEGER NOT NULL,"
	"  last INTEGER NOT NULL,"
	"  PRIMARY KEY (lo, hi)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS held ("
	"  key TEXT PRIMARY KEY,"
	"  skeleton TEXT,"
	"  until INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS held_skeleton ON held(skeleton);"
	"CREATE TABLE IF NOT EXISTS groups ("
	"  id INTEGER PRIMARY KEY,"
	"  key TEXT NOT NULL UNIQUE,"
	"  name TEXT NOT NULL,"
	"  skeleton TEXT UNIQUE,"
	"  topic TEXT NOT NULL DEFAULT '',"
	"  creator INTEGER NOT NULL,"
	"  created INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS groups_creator ON groups(creator, created);"
	"CREATE TABLE IF NOT EXISTS members ("
	"  grp INTEGER NOT NULL,"
	"  user INTEGER NOT NULL,"
	"  role INTEGER NOT NULL DEFAULT 0,"
	"  state INTEGER NOT NULL,"
	"  since INTEGER NOT NULL DEFAULT 0,"
	"  delivered INTEGER NOT NULL DEFAULT 0,"
	"  read INTEGER NOT NULL DEFAULT 0,"
	"  muted INTEGER NOT NULL DEFAULT 0,"
	"  inviter INTEGER NOT NULL DEFAULT 0,"
	"  t INTEGER NOT NULL,"
	"  PRIMARY KEY (grp, user)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS members_user ON members(user);"
	"CREATE INDEX IF NOT EXISTS members_inviter ON members(inviter, t);"
	"CREATE TABLE IF NOT EXISTS gmessages ("
	"  id INTEGER PRIMARY KEY,"
	"  grp INTEGER NOT NULL,"
	"  sender INTEGER NOT NULL,"
	"  msgid INTEGER NOT NULL,"
	"  t INTEGER NOT NULL,"
	"  kind INTEGER NOT NULL DEFAULT 0,"
	"  text BLOB NOT NULL);"
	"CREATE UNIQUE INDEX IF NOT EXISTS gmessages_dedupe"
	"  ON gmessages(msgid, sender);"
	"CREATE INDEX IF NOT EXISTS gmessages_grp ON gmessages(grp, id);"
	"CREATE TABLE IF NOT EXISTS gacts ("
	"  user INTEGER NOT NULL,"
	"  kind INTEGER NOT NULL,"
	"  t INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS gacts_user ON gacts(user, kind, t);"
	"CREATE TABLE IF NOT EXISTS convs ("
	"  rcpt INTEGER NOT NULL,"
	"  sender INTEGER NOT NULL,"
	"  delivered INTEGER NOT NULL DEFAULT 0,"
	"  read INTEGER NOT NULL DEFAULT 0,"
	"  told_delivered INTEGER NOT NULL DEFAULT 0,"
	"  told_read INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (rcpt, sender)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS convs_sender ON convs(sender);"
	"CREATE TABLE IF NOT EXISTS meta ("
	"  key TEXT PRIMARY KEY,"
	"  value INTEGER NOT NULL) WITHOUT ROWID;"
	"PRAGMA user_version = 9;";

/*
 * Version 9 links each message to the one before it in its
 * conversation, and drops messages_conv: prev is filled in one pass (a
 * sort by pair), every pair's newest goes to heads, and heads_upto says
 * they are complete up to the newest message.  Run after the schema, in
 * the upgrade's transaction.
 */
#define HEADS_REBUILD							\
	"INSERT OR REPLACE INTO heads(lo, hi, last) SELECT min(sender, rcpt),"	\
	"  max(sender, rcpt), max(id) FROM messages GROUP BY 1, 2;"	\
	"INSERT OR REPLACE INTO meta(key, value) SELECT 'heads_upto',"	\
	"  ifnull(max(id), 0) FROM messages;"
static const char migrate8[] =
	"UPDATE messages SET prev = l.p FROM (SELECT id, lag(id, 1, 0)"
	"  OVER (PARTITION BY min(sender, rcpt), max(sender, rcpt)"
	"  ORDER BY id) p FROM messages) l WHERE messages.id = l.id;"
	HEADS_REBUILD
	"DROP INDEX IF EXISTS messages_conv;";
static const char migrate8_prev[] =
	"ALTER TABLE messages ADD COLUMN prev INTEGER NOT NULL DEFAULT 0;";

/* Version 7 adds the lock; the schema makes the rest. */
static const char migrate6[] =
	"ALTER TABLE users ADD COLUMN locked INTEGER NOT NULL DEFAULT 0;";

/*
 * Before version 6 a contact was a row and nothing more: a row whose
 * reverse is there too becomes accepted on both sides, one alone a
 * request from the user who added.  Settings take their defaults.
 */
static const char migrate5[] =
	"ALTER TABLE users ADD COLUMN settings INTEGER NOT NULL DEFAULT 6;";
static const char migrate5_contacts[] =
	"ALTER TABLE contacts ADD COLUMN state INTEGER NOT NULL DEFAULT 2;"
	"UPDATE contacts SET state = 1 WHERE NOT EXISTS (SELECT 1 FROM"
	"  contacts r WHERE r.user = contacts.contact"
	"  AND r.contact = contacts.user);";

/* Version 3 had no skeletons (store_nicks() fills them in). */
static const char migrate3[] =
	"ALTER TABLE users ADD COLUMN skeleton TEXT;";

/*
 * Before version 5 a token was its hash, user and creation time: the
 * table is rebuilt with ids, and an old token counts as used at the
 * upgrade (its real last use is unknown; it should not expire at once).
 */
static const char migrate_tokens[] =
	"CREATE TABLE tokens5 (" TOKENS_COLUMNS ");"
	"INSERT INTO tokens5(hash, user, created, last_used)"
	"  SELECT hash, user, created,"
	"  CAST(strftime('%s', 'now') AS INTEGER) * 1000 FROM tokens;"
	"DROP TABLE tokens;"
	"ALTER TABLE tokens5 RENAME TO tokens;";

/* Version 2's message table had AUTOINCREMENT and no q: rebuilt. */
static const char migrate2[] =
	"CREATE TABLE messages3 (" MESSAGES_COLUMNS ");"
	"INSERT INTO messages3(id, sender, msgid, rcpt, t, text)"
	"  SELECT id, sender, msgid, rcpt, t, text FROM messages;"
	"DROP TABLE messages;"
	"ALTER TABLE messages3 RENAME TO messages;";

/*
 * Version 1 kept a state per message row; its cursors are the highest
 * message in each state (delivery and marks went in order).
 */
static const char migrate1[] =
	"ALTER TABLE users ADD COLUMN delivered INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE convs ("
	"  rcpt INTEGER NOT NULL,"
	"  sender INTEGER NOT NULL,"
	"  delivered INTEGER NOT NULL DEFAULT 0,"
	"  read INTEGER NOT NULL DEFAULT 0,"
	"  told_delivered INTEGER NOT NULL DEFAULT 0,"
	"  told_read INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (rcpt, sender)) WITHOUT ROWID;"
	"INSERT INTO convs SELECT rcpt, sender,"
	"  ifnull(max(CASE WHEN state >= 1 THEN id END), 0),"
	"  ifnull(max(CASE WHEN state >= 2 THEN id END), 0),"
	"  ifnull(max(CASE WHEN notified >= 1 THEN id END), 0),"
	"  ifnull(max(CASE WHEN notified >= 2 THEN id END), 0)"
	"  FROM messages GROUP BY rcpt, sender;"
	"UPDATE users SET delivered = ifnull((SELECT max(id) FROM messages"
	"  WHERE rcpt = users.id AND state >= 1), 0);"
	"DROP INDEX IF EXISTS messages_queue;"
	"DROP INDEX IF EXISTS messages_notify;";

/* A message written with q clear, in the tail. */
struct tail_ent {
	uint64_t	sid;
	uint64_t	rcpt;		/* 0: queued since (and unlinked) */
	uint64_t	time;
	uint32_t	next;		/* the next live entry of its chain */
};

/*
 * The live entries whose recipients hash alike, oldest first, linked by
 * ring position: a lookup of one recipient walks only its chain, and
 * the ring's oldest entry, if live, is the first of its chain.
 */
struct tail_chain {
	uint32_t	first, last;	/* TAIL_NIL: none */
};

#define STORE_WAL_MAX	16384		/* log pages (of 4 KiB) before the
					 * commit that rewinds it */
#define STORE_PAGE	4096		/* SQLite's default page size */
#define STORE_CACHE_PAGES 500		/* 2000 KiB, SQLite's default */
#define TAIL_MIN	256
#define TAIL_MAX	65536		/* entries; power of two */
#define TAIL_HASH	4096		/* chains of live entries by rcpt */
#define TAIL_NIL	UINT32_MAX
#define HEADS_SETS	4096		/* of the head cache; power of two */
#define HEADS_WAYS	4
#define HEADS_FLUSH	16384		/* messages between writes of heads */
#define HIST_SEEK	1024		/* rows walked to find a before */
#define HIST_SCAN	4096		/* ids scanned below it if not found */
#define HIST_SKIP	64		/* tombstones a page may walk past */
#define PRUNE_BATCH	4096		/* rows judged at a time */

/* A conversation's newest message, cached (schema 9). */
struct head {
	uint64_t	lo, hi;		/* its users, lower id first; 0: free */
	uint64_t	last;
	int		dirty;		/* newer than its heads row */
};

struct store {
	sqlite3		*db;
	char		*path;
	uint64_t	 sid_start;	/* no server id below it is free */
	sqlite3_stmt	*q[Q_COUNT];
	int		 in_tx;
	int		 wrote;		/* the open transaction has writes */
	int		 ahead;		/* begin the next one at commit */
	int		 critical;	/* the transaction has writes someone
					 * is told about (store_critical()) */
	int		 failed;	/* a write failed: roll back */
	int		 requeue;	/* a commit failed: the tail's work
					 * since queue_from is undone */
	int		 wal_frames;	/* in the log after the last commit */
	struct tail_ent	*tail;		/* a ring, oldest at head */
	size_t		 head, len, cap;
	uint64_t	 tail_next;	/* above every sid in the tail */
	struct tail_chain tail_chain[TAIL_HASH];
	char		**fallback;	/* fallback keys (store.h), in
					 * strcmp() order */
	size_t		 nfallback;
	int		(*precommit)(void *);	/* store_set_precommit() */
	void		*precommit_arg;
	struct head	*heads;		/* HEADS_SETS x HEADS_WAYS */
	uint64_t	 heads_top;	/* the newest message added */
	unsigned int	 heads_since;	/* messages since heads were written */
	int		 heads_stale;	/* a rollback: reload the cache */
};

/* The chain of rcpt's live tail entries. */
static struct tail_chain *
tail_chain(struct store *st, uint64_t rcpt)
{
	return &st->tail_chain[(rcpt * 0x9e3779b97f4a7c15ULL) >> 52];
}

/* Log a failure of q and remember to roll back. */
static int
store_fail(struct store *st, const char *what)
{
	log_warnx("store: %s: %s", what, sqlite3_errmsg(st->db));
	st->failed = 1;
	return -1;
}

/* Reset a statement for use. */
static sqlite3_stmt *
store_q(struct store *st, int i)
{
	sqlite3_stmt	*s = st->q[i];

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

/* Run a write statement with its bindings made: 0 or -1. */
static int
store_exec(struct store *st, sqlite3_stmt *s, const char *what)
{
	if (sqlite3_step(s) != SQLITE_DONE)
		return store_fail(st, what);
	return 0;
}

/* Join the open transaction, beginning one if none is open. */
static int
store_tx(struct store *st)
{
	sqlite3_stmt	*s;

	if (st->in_tx) {
		st->wrote = 1;
		return 0;
	}
	s = store_q(st, Q_BEGIN);
	if (sqlite3_step(s) != SQLITE_DONE)
		return store_fail(st, "begin");
	st->in_tx = 1;
	st->wrote = 1;
	if (st->requeue) {
		st->requeue = 0;
		if (store_exec(st, store_q(st, Q_REQUEUE), "requeue") == -1)
			return -1;
	}
	return 0;
}

/* Join the transaction with a write a client is told about. */
static int
store_txc(struct store *st)
{
	if (store_tx(st) == -1)
		return -1;
	st->critical = 1;
	return 0;
}

/*
 * Run write q with its n (1 or 2) integer parameters a, b in the
 * transaction; critical as store_txc().
 */
static int
store_write(struct store *st, int critical, int q, int n, uint64_t a,
    uint64_t b, const char *what)
{
	sqlite3_stmt	*s;

	if ((critical ? store_txc(st) : store_tx(st)) == -1)
		return -1;
	s = store_q(st, q);
	sqlite3_bind_int64(s, 1, (sqlite3_int64)a);
	if (n > 1)
		sqlite3_bind_int64(s, 2, (sqlite3_int64)b);
	return store_exec(st, s, what);
}

/* The same with a third integer, bound as ?3. */
static int
store_write3(struct store *st, int critical, int q, uint64_t a, uint64_t b,
    int64_t c, const char *what)
{
	sqlite3_stmt	*s;

	if ((critical ? store_txc(st) : store_tx(st)) == -1)
		return -1;
	s = store_q(st, q);
	sqlite3_bind_int64(s, 1, (sqlite3_int64)a);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)b);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)c);
	return store_exec(st, s, what);
}

/* Run write q, which binds a text and an integer, in the transaction. */
static int
store_write_text(struct store *st, int q, const char *text, uint64_t a,
    const char *what)
{
	sqlite3_stmt	*s;

	if (store_txc(st) == -1)
		return -1;
	s = store_q(st, q);
	sqlite3_bind_text(s, 1, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)a);
	return store_exec(st, s, what);
}

long long
store_int(struct store *st, const char *q)
{
	sqlite3_stmt	*s;
	long long	 v = -1;

	if (sqlite3_prepare_v2(st->db, q, -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static void	store_col_text(sqlite3_stmt *, int, char *, size_t);

/* An account as it was before its key and skeleton are made again. */
struct store_nick {
	sqlite3_int64	 id;
	char		*nick;
	char		*key;
};

/*
 * Set column text of account id with s, an UPDATE of it: SQLITE_DONE,
 * SQLITE_CONSTRAINT if another account has that value, or an error.
 */
static int
store_nick_set(sqlite3_stmt *s, const char *text, sqlite3_int64 id)
{
	int	rc;

	sqlite3_reset(s);
	sqlite3_bind_text(s, 1, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, id);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc;
}

/* The nick of the account whose key (or skeleton) is v, into nick. */
static void
store_nick_holder(struct store *st, int skeleton, const char *v, char *nick,
    size_t len)
{
	sqlite3_stmt	*s;

	snprintf(nick, len, "?");
	if (sqlite3_prepare_v2(st->db, skeleton ?
	    "SELECT nick FROM users WHERE skeleton = ?" :
	    "SELECT nick FROM users WHERE key = ?", -1, &s, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(s, 1, v, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		store_col_text(s, 0, nick, len);
	sqlite3_finalize(s);
}

/*
 * Give account n a fallback key, which its name does not reach under
 * today's rules: "\1" and the key of its name under the rules before
 * NFKC (nick_oldkey()), which store_user_key() tries first, or failing
 * that "\1" and the key it had.  SQLITE_DONE, or an error.
 */
static int
store_nick_fallback(sqlite3_stmt *setkey, const struct store_nick *n)
{
	char		 key[NICK_MAX_BYTES + 1];
	const char	*old = n->key[0] == '\1' ? n->key + 1 : n->key;
	int		 rc = SQLITE_CONSTRAINT;

	key[0] = '\1';
	if (nick_oldkey(n->nick, strlen(n->nick), key + 1) == NICK_OK)
		rc = store_nick_set(setkey, key, n->id);
	if (rc == SQLITE_CONSTRAINT) {
		snprintf(key + 1, sizeof key - 1, "%s", old);
		rc = store_nick_set(setkey, key, n->id);
	}
	if (rc == SQLITE_CONSTRAINT) {
		log_warnx("store: %s (id %lld): its old key is taken too; it "
		    "cannot log in by name", n->nick, (long long)n->id);
		rc = SQLITE_DONE;	/* keeps the key store_nicks() gave */
	}
	return rc;
}

/*
 * Were the keys and skeletons made with Unicode data other than this
 * build's (or never)?  1, 0, or -1.
 */
static int
store_nicks_stale(struct store *st)
{
	sqlite3_stmt		*s;
	const unsigned char	*v;
	int			 rc;

	if (sqlite3_prepare_v2(st->db, "SELECT value FROM meta"
	    " WHERE key = 'nick_data'", -1, &s, NULL) != SQLITE_OK)
		return -1;
	switch (sqlite3_step(s)) {
	case SQLITE_ROW:
		v = sqlite3_column_text(s, 0);
		rc = v == NULL || strcmp((const char *)v,
		    nick_data_version()) != 0;
		break;
	case SQLITE_DONE:
		rc = 1;
		break;
	default:
		rc = -1;
	}
	sqlite3_finalize(s);
	return rc;
}

/*
 * Make every account's key and skeleton again from its nick with this
 * build's Unicode data, in the open transaction, oldest account first:
 * where two now meet, the older keeps the key or the skeleton.  The
 * younger keeps working: store_nick_fallback() gives it a key it logs in
 * with by its exact old name, and its skeleton stays NULL.  Each is
 * logged.  0, or -1 with msg set.
 */
static int
store_nicks(struct store *st, char **msg)
{
	sqlite3_stmt		*s = NULL, *setkey = NULL, *setskel = NULL;
	struct store_nick	*v = NULL, *n;
	size_t			 nv = 0, cap = 0, i, len;
	char			 key[NICK_MAX_BYTES], skel[NICK_SKELETON_MAX];
	char			 other[NICK_MAX_BYTES];
	enum nick_err		 e;
	int			 rc, ret = -1;

	if (sqlite3_prepare_v2(st->db, "SELECT id, nick, key FROM users"
	    " ORDER BY id", -1, &s, NULL) != SQLITE_OK)
		goto done;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (nv == cap) {
			cap = cap ? cap * 2 : 64;
			v = xreallocarray(v, cap, sizeof *v);
		}
		store_col_text(s, 1, key, sizeof key);
		v[nv].nick = xstrdup(key);
		store_col_text(s, 2, key, sizeof key);
		v[nv].key = xstrdup(key);
		v[nv++].id = sqlite3_column_int64(s, 0);
	}
	if (rc != SQLITE_DONE)
		goto done;
	if (nv > 0)
		log_info("store: making nickname keys and skeletons with %s",
		    nick_data_version());
	/* Keys out of the way while they are made again: unique, and no
	 * name's key. */
	if (sqlite3_exec(st->db, "UPDATE users SET skeleton = NULL,"
	    " key = char(2) || id", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "UPDATE users SET key = ? WHERE id = ?",
	    -1, &setkey, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "UPDATE users SET skeleton = ?"
	    " WHERE id = ?", -1, &setskel, NULL) != SQLITE_OK)
		goto done;
	for (i = 0; i < nv; i++) {
		n = &v[i];
		len = strlen(n->nick);
		if ((e = nick_lookup(n->nick, len, NULL, key)) == NICK_OK)
			rc = store_nick_set(setkey, key, n->id);
		if (e != NICK_OK || rc == SQLITE_CONSTRAINT) {
			if (e == NICK_OK) {
				store_nick_holder(st, 0, key, other,
				    sizeof other);
				log_info("store: %s (id %lld) has the key of %s;"
				    " it logs in by its exact old name",
				    n->nick, (long long)n->id, other);
			} else
				log_info("store: %s (id %lld) has no key (%s);"
				    " it logs in by its exact old name",
				    n->nick, (long long)n->id,
				    nick_strerror(e));
			rc = store_nick_fallback(setkey, n);
		}
		if (rc != SQLITE_DONE)
			goto done;
		if (nick_skeleton(n->nick, len, skel, sizeof skel) < 0)
			continue;
		rc = store_nick_set(setskel, skel, n->id);
		if (rc == SQLITE_CONSTRAINT) {
			store_nick_holder(st, 1, skel, other, sizeof other);
			log_info("store: %s and %s look alike; both kept", other,
			    n->nick);
		} else if (rc != SQLITE_DONE)
			goto done;
	}
	sqlite3_finalize(s);
	if (sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO meta(key, value)"
	    " VALUES ('nick_data', ?)", -1, &s, NULL) != SQLITE_OK)
		goto done;
	sqlite3_bind_text(s, 1, nick_data_version(), -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_DONE)
		ret = 0;
done:
	if (ret == -1)
		*msg = sqlite3_mprintf("nickname keys: %s",
		    sqlite3_errmsg(st->db));
	sqlite3_finalize(s);
	sqlite3_finalize(setkey);
	sqlite3_finalize(setskel);
	for (i = 0; i < nv; i++) {
		free(v[i].nick);
		free(v[i].key);
	}
	free(v);
	return ret;
}

/* Keep the keys of accounts that kept an older key, and log how many. */
static int
store_fallbacks_load(struct store *st)
{
	sqlite3_stmt	*s;
	size_t		 cap = 0;
	int		 rc;

	if (sqlite3_prepare_v2(st->db, "SELECT key FROM users"
	    " WHERE key >= char(1) AND key < char(2) ORDER BY key", -1, &s,
	    NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (st->nfallback == cap) {
			cap = cap ? cap * 2 : 16;
			st->fallback = xreallocarray(st->fallback, cap,
			    sizeof *st->fallback);
		}
		st->fallback[st->nfallback++] =
		    xstrdup((const char *)sqlite3_column_text(s, 0));
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return -1;
	if (st->nfallback > 0)
		log_info("store: %zu accounts look like older ones and log in "
		    "by their exact names only", st->nfallback);
	return 0;
}

/* Create the schema, or bring an older one up to date: 0 or -1. */
static int
store_schema(struct store *st, char **msg)
{
	long long	 v, old;
	int		 stale;

	if ((v = store_int(st, "PRAGMA user_version")) == -1)
		return -1;
	if (v > STORE_VERSION) {
		*msg = sqlite3_mprintf("schema version %lld is newer than "
		    "this chatd's (%d)", v, STORE_VERSION);
		return -1;
	}
	/* Version 1 did not set user_version. */
	old = store_int(st, "SELECT count(*) FROM sqlite_master"
	    " WHERE type = 'table' AND name = 'messages'");
	if (old > 0 && v == 0)
		v = 1;
	if (old == 0 || v == STORE_VERSION) {
		if (sqlite3_exec(st->db, schema, NULL, NULL, msg) != SQLITE_OK)
			return -1;
		/* Keys and skeletons change with the Unicode data. */
		if ((stale = store_nicks_stale(st)) == 0)
			return 0;
		if (stale == -1 || sqlite3_exec(st->db, "BEGIN", NULL, NULL,
		    msg) != SQLITE_OK)
			return -1;
	} else {
		log_info("store: upgrading the schema from version %lld to %d",
		    v, STORE_VERSION);
		if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, msg) != SQLITE_OK)
			return -1;
		if ((v < 2 && sqlite3_exec(st->db, migrate1, NULL, NULL, msg) !=
		    SQLITE_OK) ||
		    (v < 3 && sqlite3_exec(st->db, migrate2, NULL, NULL, msg) !=
		    SQLITE_OK) ||
		    (v < 4 && sqlite3_exec(st->db, migrate3, NULL, NULL, msg) !=
		    SQLITE_OK) ||
		    (v < 5 && store_int(st, "SELECT count(*) FROM"
		    " sqlite_master WHERE type = 'table' AND name = 'tokens'")
		    > 0 && sqlite3_exec(st->db, migrate_tokens, NULL, NULL,
		    msg) != SQLITE_OK) ||
		    (v < 6 && sqlite3_exec(st->db, migrate5, NULL, NULL, msg) !=
		    SQLITE_OK) ||
		    (v < 6 && store_int(st, "SELECT count(*) FROM"
		    " sqlite_master WHERE type = 'table' AND name = 'contacts'")
		    > 0 && sqlite3_exec(st->db, migrate5_contacts, NULL, NULL,
		    msg) != SQLITE_OK) ||
		    (v < 7 && sqlite3_exec(st->db, migrate6, NULL, NULL, msg) !=
		    SQLITE_OK) ||
		    (v < 9 && sqlite3_exec(st->db, migrate8_prev, NULL, NULL,
		    msg) != SQLITE_OK) ||
		    /* Version 8's tables are new: the schema makes them. */
		    sqlite3_exec(st->db, schema, NULL, NULL, msg) != SQLITE_OK ||
		    (v < 9 && sqlite3_exec(st->db, migrate8, NULL, NULL, msg) !=
		    SQLITE_OK))
			goto fail;
	}
	if (store_nicks(st, msg) == -1 ||
	    sqlite3_exec(st->db, "COMMIT", NULL, NULL, msg) != SQLITE_OK)
		goto fail;
	return 0;
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* Put message sid in the queue index. */
static int
store_queue(struct store *st, uint64_t sid)
{
	return store_write(st, 0, Q_MSG_QUEUE, 1, sid, 0, "queue message");
}

/* Record the oldest message that may be missing from the queue index. */
static int
store_queue_from(struct store *st)
{
	return store_write(st, 0, Q_QUEUE_FROM, 1, st->len > 0 ?
	    st->tail[st->head].sid : st->tail_next, 0, "queue start");
}

/* The ring's oldest entry leaves the tail (first of its chain if live). */
static void
store_tail_drop(struct store *st)
{
	struct tail_ent		*e = &st->tail[st->head];
	struct tail_chain	*ch;

	if (e->rcpt != 0) {
		ch = tail_chain(st, e->rcpt);
		if ((ch->first = e->next) == TAIL_NIL)
			ch->last = TAIL_NIL;
	}
	st->head = (st->head + 1) & (st->cap - 1);
	st->len--;
}

/* Double the ring, unrolled so that the oldest entry is at 0. */
static void
store_tail_grow(struct store *st)
{
	struct tail_ent	*n;
	size_t		 i, cap = st->cap ? st->cap * 2 : TAIL_MIN;
	uint32_t	 mask = (uint32_t)st->cap - 1, head = (uint32_t)st->head;

	n = xreallocarray(NULL, cap, sizeof *n);
	for (i = 0; i < st->len; i++) {
		n[i] = st->tail[(st->head + i) & (st->cap - 1)];
		if (n[i].next != TAIL_NIL)
			n[i].next = (n[i].next - head) & mask;
	}
	for (i = 0; i < TAIL_HASH && st->cap > 0; i++) {
		if (st->tail_chain[i].first == TAIL_NIL)
			continue;
		st->tail_chain[i].first = (st->tail_chain[i].first - head) &
		    mask;
		st->tail_chain[i].last = (st->tail_chain[i].last - head) &
		    mask;
	}
	free(st->tail);
	st->tail = n;
	st->head = 0;
	st->cap = cap;
}

/* Remember a message written with q clear; a full tail queues its oldest. */
static int
store_tail_add(struct store *st, const struct store_msg *m)
{
	struct tail_ent		*e;
	struct tail_chain	*ch;
	uint32_t		 pos;

	if (st->len == TAIL_MAX) {
		e = &st->tail[st->head];
		if (e->rcpt != 0 && store_queue(st, e->sid) == -1)
			return -1;
		store_tail_drop(st);
	}
	if (st->len == st->cap)
		store_tail_grow(st);
	pos = (uint32_t)((st->head + st->len) & (st->cap - 1));
	e = &st->tail[pos];
	e->sid = m->sid;
	e->rcpt = m->rcpt;
	e->time = m->time;
	e->next = TAIL_NIL;
	ch = tail_chain(st, m->rcpt);
	if (ch->last != TAIL_NIL)
		st->tail[ch->last].next = pos;
	else
		ch->first = pos;
	ch->last = pos;
	st->len++;
	st->tail_next = m->sid + 1;
	return 0;
}

/*
 * Before rcpt's messages are looked up: its tail entries join the index,
 * found on their chain (with the other recipients that hash alike), and
 * leave the chain.
 */
static int
store_tail_queue(struct store *st, uint64_t rcpt)
{
	struct tail_chain	*ch = tail_chain(st, rcpt);
	struct tail_ent		*e;
	uint32_t		 pos, prev = TAIL_NIL;

	for (pos = ch->first; pos != TAIL_NIL; pos = e->next) {
		e = &st->tail[pos];
		if (e->rcpt != rcpt) {
			prev = pos;
			continue;
		}
		if (store_queue(st, e->sid) == -1)
			return -1;
		e->rcpt = 0;
		if (prev != TAIL_NIL)
			st->tail[prev].next = e->next;
		else
			ch->first = e->next;
		if (ch->last == pos)
			ch->last = prev;
	}
	return 0;
}

int
store_age(struct store *st, uint64_t now, uint64_t keep, store_need_fn *fn,
    void *arg)
{
	struct tail_ent	*e;
	int		 n = 0, gone = 0;

	while (st->len > 0) {
		e = &st->tail[st->head];
		if (e->time + keep > now)
			break;
		if (e->rcpt != 0 && fn(arg, e->rcpt, e->sid)) {
			if (store_queue(st, e->sid) == -1)
				return -1;
			n++;
		}
		store_tail_drop(st);
		gone++;
	}
	/* In the same transaction as the cursors fn judged by. */
	if (gone > 0 && store_queue_from(st) == -1)
		return -1;
	return n;
}

/*
 * Conversation chains (schema 9).  The newest message of each pair is
 * cached in a set-associative table; a full set gives up the head
 * written longest ago.  A cached head newer than its heads row is
 * dirty: written when given up, and all of them every HEADS_FLUSH
 * messages with heads_upto, in the transaction of the messages.
 */

/* The set of cache slots where pair lo, hi may be. */
static struct head *
heads_set(struct store *st, uint64_t lo, uint64_t hi)
{
	uint64_t	h = lo * 0x9e3779b97f4a7c15ULL ^ hi * 0xc2b2ae3d27d4eb4fULL;

	return &st->heads[((h >> 40) & (HEADS_SETS - 1)) * HEADS_WAYS];
}

/* Write a cached head to its heads row. */
static int
heads_put(struct store *st, struct head *h)
{
	if (store_write3(st, 0, Q_HEAD_PUT, h->lo, h->hi, (int64_t)h->last,
	    "write a head") == -1)
		return -1;
	h->dirty = 0;
	return 0;
}

static int	heads_load(struct store *);

/*
 * The cache slot of pair lo, hi, read from heads if it was not cached
 * (last 0: no message yet).  NULL on a failure.
 */
static struct head *
heads_get(struct store *st, uint64_t lo, uint64_t hi)
{
	struct head	*set, *h = NULL;
	sqlite3_stmt	*s;
	uint64_t	 last = 0;
	int		 i, rc;

	if (st->heads_stale) {
		st->heads_stale = 0;
		if (heads_load(st) == -1)
			return NULL;
	}
	set = heads_set(st, lo, hi);
	for (i = 0; i < HEADS_WAYS; i++) {
		if (set[i].lo == lo && set[i].hi == hi && set[i].hi != 0)
			return &set[i];
		if (h == NULL || (h->hi != 0 && (set[i].hi == 0 ||
		    set[i].last < h->last)))
			h = &set[i];
	}
	if (h->dirty && heads_put(st, h) == -1)
		return NULL;
	s = store_q(st, Q_HEAD_GET);
	sqlite3_bind_int64(s, 1, (sqlite3_int64)lo);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)hi);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		last = (uint64_t)sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(st, "read a head");
		return NULL;
	}
	h->lo = lo;
	h->hi = hi;
	h->last = last;
	h->dirty = 0;
	return h;
}

/* Write the dirty heads, and that heads holds every message's chain
 * up to the newest. */
static int
heads_flush(struct store *st)
{
	size_t	i;

	for (i = 0; i < HEADS_SETS * HEADS_WAYS; i++)
		if (st->heads[i].dirty && heads_put(st, &st->heads[i]) == -1)
			return -1;
	st->heads_since = 0;
	return store_write(st, 0, Q_HEADS_UPTO, 1, st->heads_top, 0,
	    "heads written");
}

/*
 * Empty the cache and bring it up to date with the messages after
 * heads_upto (after a crash or a rollback, heads may lag behind them).
 */
static int
heads_load(struct store *st)
{
	sqlite3_stmt	*s;
	struct head	*h;
	long long	 upto;
	uint64_t	 id;
	int		 rc;

	memset(st->heads, 0, HEADS_SETS * HEADS_WAYS * sizeof *st->heads);
	st->heads_since = 0;
	/* No heads_upto: heads was not kept with the messages (a store
	 * caught up from PostgreSQL's log, pglog.c), made again whole. */
	if (store_int(st, "SELECT count(*) FROM meta WHERE key ="
	    " 'heads_upto'") == 0 && (store_tx(st) == -1 ||
	    sqlite3_exec(st->db, HEADS_REBUILD, NULL, NULL, NULL) !=
	    SQLITE_OK))
		return store_fail(st, "make the heads");
	if ((upto = store_int(st, "SELECT ifnull((SELECT value FROM meta"
	    " WHERE key = 'heads_upto'), 0)")) < 0)
		return store_fail(st, "read heads_upto");
	st->heads_top = (uint64_t)upto;
	s = store_q(st, Q_HEADS_SCAN);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		id = (uint64_t)sqlite3_column_int64(s, 0);
		if ((h = heads_get(st, (uint64_t)sqlite3_column_int64(s, 1),
		    (uint64_t)sqlite3_column_int64(s, 2))) == NULL) {
			sqlite3_reset(s);
			return -1;
		}
		if (id > h->last) {
			h->last = id;
			h->dirty = 1;
		}
		if (id > st->heads_top)
			st->heads_top = id;
		st->heads_since++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, "recover heads");
	return 0;
}

/*
 * Message sid, just added not above its pair's newest h (a caller chose
 * an older id, or the table was emptied and SQLite began again): linked
 * in at its place, found from the newest down (a link to a row no
 * longer there ends a chain).
 */
static int
heads_insert(struct store *st, struct head *h, uint64_t sid)
{
	sqlite3_stmt	*s;
	uint64_t	 id = h->last, above = 0;
	int		 rc;

	while (id >= sid && id != 0) {
		s = store_q(st, Q_LINK);
		sqlite3_bind_int64(s, 1, (sqlite3_int64)id);
		rc = sqlite3_step(s);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return store_fail(st, "link a message");
		if (rc == SQLITE_DONE || id == sid) {
			sqlite3_reset(s);
			id = 0;
			break;
		}
		above = id;
		id = (uint64_t)sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
	}
	if (store_write(st, 0, Q_SET_PREV, 2, sid, id, "link") == -1)
		return -1;
	if (above == 0) {
		h->last = sid;
		h->dirty = 1;
		return 0;
	}
	return store_write(st, 0, Q_SET_PREV, 2, above, sid, "link");
}

/*
 * The page cache in one block, touched once at start: a page cache that
 * grows takes a page fault on some INSERT, which costs tens of
 * microseconds on some virtual machines.  SQLite's own default size
 * (2000 KiB); past it, SQLite allocates as usual.  Once per process,
 * before SQLite's first use.
 */
static void
store_pagecache(void)
{
	static int	 done;
	int		 hdr = 0;
	size_t		 sz, i;
	volatile char	*mem;

	if (done++ || sqlite3_config(SQLITE_CONFIG_PCACHE_HDRSZ, &hdr) !=
	    SQLITE_OK)
		return;
	sz = ((size_t)STORE_PAGE + (size_t)hdr + 7) & ~(size_t)7;
	mem = xreallocarray(NULL, STORE_CACHE_PAGES, sz);
	for (i = 0; i < STORE_CACHE_PAGES * sz; i += 4096)
		mem[i] = 0;
	if (sqlite3_config(SQLITE_CONFIG_PAGECACHE, (void *)mem, (int)sz,
	    STORE_CACHE_PAGES) != SQLITE_OK)
		free((void *)mem);
}

/* sqlite3_wal_hook(): the log's size after each commit. */
static int
store_wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct store	*st = arg;

	st->wal_frames = frames;
	return SQLITE_OK;
}

struct store *
store_open(const char *dir, enum store_sync sync, char *err, size_t errlen)
{
	struct store	*st;
	char		*path, *msg = NULL;
	int		 i;

	/*
	 * Each connection is used by one thread only (the loop's, and the
	 * syncer's checkpointer), so SQLite need not lock one; nor count
	 * its allocations.  This only works before SQLite's first use;
	 * later calls fail harmlessly.
	 */
	sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	store_pagecache();
	st = xcalloc(1, sizeof *st);
	/* Pages of it are touched only as pairs use them. */
	st->heads = xcalloc(HEADS_SETS * HEADS_WAYS, sizeof *st->heads);
	for (i = 0; i < TAIL_HASH; i++)
		st->tail_chain[i].first = st->tail_chain[i].last = TAIL_NIL;
	xasprintf(&path, "%s/%s", dir, STORE_FILE);
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, st->db ?
		    sqlite3_errmsg(st->db) : "cannot open");
		goto fail;
	}
	chmod(path, 0600);
	sqlite3_busy_timeout(st->db, 2000);
	if (sqlite3_exec(st->db, "PRAGMA journal_mode=WAL", NULL, NULL,
	    &msg) != SQLITE_OK ||
	    sqlite3_exec(st->db, sync == STORE_SYNC_FULL ?
	    "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", NULL,
	    NULL, &msg) != SQLITE_OK ||
	    store_schema(st, &msg) == -1) {
		snprintf(err, errlen, "%s: %s", path, msg ? msg : "schema");
		sqlite3_free(msg);
		goto fail;
	}
	for (i = 0; i < Q_COUNT; i++)
		if (sqlite3_prepare_v3(st->db, sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &st->q[i], NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s: %s: %s", path, sql[i],
			    sqlite3_errmsg(st->db));
			goto fail;
		}
	if (store_fallbacks_load(st) == -1) {
		snprintf(err, errlen, "%s: cannot read the keys: %s", path,
		    sqlite3_errmsg(st->db));
		goto fail;
	}
	/* Server ids handed out (perhaps before their commit) stay below
	 * the reservation; none is ever used twice. */
	{
		long long	a, b;

		a = store_int(st, "SELECT max(ifnull((SELECT max(id)"
		    " FROM messages), 0), ifnull((SELECT max(id) FROM"
		    " gmessages), 0)) + 1");
		b = store_int(st, "SELECT ifnull(max(value), 1) FROM meta"
		    " WHERE key = 'sid_reserved'");
		if (a < 1 || b < 1) {
			snprintf(err, errlen, "%s: cannot read the message "
			    "ids: %s", path, sqlite3_errmsg(st->db));
			goto fail;
		}
		st->sid_start = (uint64_t)(a > b ? a : b);
	}
	/* The tail of the chatd before this one is lost: its messages
	 * join the queue index (they may not all be needed). */
	st->tail_next = st->sid_start;
	if (store_tx(st) == -1 ||
	    store_exec(st, store_q(st, Q_REQUEUE), "requeue") == -1 ||
	    store_queue_from(st) == -1 || store_commit(st) == -1) {
		snprintf(err, errlen, "%s: cannot requeue messages: %s", path,
		    sqlite3_errmsg(st->db));
		goto fail;
	}
	/* The chains' newest, those of a crash's last messages included,
	 * written at once so that the next start scans no more. */
	if (store_tx(st) == -1 || heads_load(st) == -1 ||
	    (st->heads_since > 0 && heads_flush(st) == -1) ||
	    store_commit(st) == -1) {
		snprintf(err, errlen, "%s: cannot read the conversations' "
		    "heads: %s", path, sqlite3_errmsg(st->db));
		goto fail;
	}
	/* The log stays (not removed at close), so that a descriptor the
	 * syncer opened on it names it as long as the store is open. */
	{
		int	persist = 1;

		sqlite3_file_control(st->db, "main", SQLITE_FCNTL_PERSIST_WAL,
		    &persist);
	}
	/*
	 * In LOG mode the syncer checkpoints, off the loop, instead of
	 * SQLite's automatic checkpoint in a commit (whose hook this one
	 * replaces).
	 */
	if (sync == STORE_SYNC_LOG) {
		sqlite3_wal_hook(st->db, store_wal_hook, st);
		st->ahead = 1;
	}
	st->path = path;
	path = NULL;
	return st;
fail:
	free(path);
	store_close(st);
	return NULL;
}

void
store_close(struct store *st)
{
	size_t	j;
	int	i;

	if (st == NULL)
		return;
	st->ahead = 0;
	if (st->db != NULL && st->heads_since > 0 && !st->heads_stale &&
	    store_tx(st) == 0)
		heads_flush(st);
	if (st->db != NULL)
		store_commit(st);
	for (i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(st->q[i]);
	sqlite3_close(st->db);
	for (j = 0; j < st->nfallback; j++)
		free(st->fallback[j]);
	free(st->fallback);
	free(st->tail);
	free(st->heads);
	free(st->path);
	free(st);
}

int
store_commit(struct store *st)
{
	sqlite3_stmt	*s;
	int		 failed = st->failed, log, done;

	if (!st->in_tx || (!st->wrote && st->ahead))
		return 0;
	st->in_tx = 0;
	st->wrote = 0;
	st->critical = 0;
	st->failed = 0;
	if (!failed && st->precommit != NULL &&
	    st->precommit(st->precommit_arg) == -1)
		failed = 1;
	if (!failed) {
		s = store_q(st, Q_COMMIT);
		if (sqlite3_step(s) == SQLITE_DONE) {
			/*
			 * Between transactions, a log grown too long is
			 * copied to its end (most of it is already, by the
			 * checkpointer) so that the next write rewinds it.
			 */
			if (st->wal_frames >= STORE_WAL_MAX &&
			    sqlite3_wal_checkpoint_v2(st->db, NULL,
			    SQLITE_CHECKPOINT_RESTART, &log, &done) ==
			    SQLITE_OK)
				st->wal_frames = 0;
			/* Take the locks now, not on the next message. */
			if (st->ahead) {
				s = store_q(st, Q_BEGIN_NOW);
				if (sqlite3_step(s) == SQLITE_DONE)
					st->in_tx = 1;
			}
			return 0;
		}
		log_warnx("store: commit: %s", sqlite3_errmsg(st->db));
	}
	s = store_q(st, Q_ROLLBACK);
	sqlite3_step(s);
	st->requeue = 1;
	/* The cache may name messages that are gone. */
	st->heads_stale = 1;
	return -1;
}

void
store_set_precommit(struct store *st, int (*fn)(void *), void *arg)
{
	st->precommit = fn;
	st->precommit_arg = arg;
}

sqlite3 *
store_db(struct store *st)
{
	return st->db;
}

void
store_backfilled(struct store *st, int pages)
{
	sqlite3_stmt	*s;

	if (!st->ahead || !st->in_tx || st->wrote || pages <= 0 ||
	    pages != st->wal_frames)
		return;
	st->wal_frames = 0;
	s = store_q(st, Q_COMMIT);
	if (sqlite3_step(s) != SQLITE_DONE) {
		st->failed = st->wrote = 1;	/* roll back at the commit */
		return;
	}
	st->in_tx = 0;
	s = store_q(st, Q_BEGIN_NOW);
	if (sqlite3_step(s) == SQLITE_DONE)
		st->in_tx = 1;
}

int
store_dirty(const struct store *st)
{
	return st->in_tx && st->wrote;
}

int
store_critical(const struct store *st)
{
	return st->in_tx && st->wrote && st->critical;
}

/* Copy a text column into buf of len bytes. */
static void
store_col_text(sqlite3_stmt *s, int col, char *buf, size_t len)
{
	const unsigned char	*t = sqlite3_column_text(s, col);

	snprintf(buf, len, "%s", t != NULL ? (const char *)t : "");
}

int
store_user_add(struct store *st, const char *key, const char *nick,
    const char *skeleton, const char *hash, uint64_t now, uint64_t *id)
{
	struct store_user	 u;
	sqlite3_stmt		*s;
	int			 rc;

	if ((rc = store_held(st, key, skeleton, now)) != 0)
		return rc;
	if (store_txc(st) == -1)
		return -1;
	s = store_q(st, Q_USER_ADD);
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, nick, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)now);
	if (skeleton != NULL)
		sqlite3_bind_text(s, 5, skeleton, -1, SQLITE_STATIC);
	if (store_exec(st, s, "add user") == -1)
		return -1;
	if (sqlite3_changes(st->db) == 0) {
		/* Ignored: the key is taken, or else the skeleton. */
		if ((rc = store_user_get(st, key, &u)) == -1)
			return -1;
		return rc == 1 ? 1 : 2;
	}
	*id = (uint64_t)sqlite3_last_insert_rowid(st->db);
	return 0;
}

int
store_held(struct store *st, const char *key, const char *skeleton,
    uint64_t now)
{
	sqlite3_stmt	*s = store_q(st, Q_HELD);
	int		 rc;

	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	if (skeleton != NULL)
		sqlite3_bind_text(s, 2, skeleton, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)now);
	switch (sqlite3_step(s)) {
	case SQLITE_ROW:
		rc = sqlite3_column_int(s, 0) ? 1 : 2;
		sqlite3_reset(s);
		return rc;
	case SQLITE_DONE:
		return 0;
	default:
		return store_fail(st, "find held name");
	}
}

int
store_user_skeleton(struct store *st, const char *skeleton)
{
	sqlite3_stmt	*s = store_q(st, Q_USER_SKELETON);

	sqlite3_bind_text(s, 1, skeleton, -1, SQLITE_STATIC);
	switch (sqlite3_step(s)) {
	case SQLITE_ROW:
		sqlite3_reset(s);
		return 1;
	case SQLITE_DONE:
		return 0;
	default:
		return store_fail(st, "find skeleton");
	}
}

/* strcmp() for bsearch() of an array of strings. */
static int
store_strcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

enum nick_err
store_user_key(const struct store *st, const char *name, size_t len,
    char *key)
{
	char		 fb[NICK_MAX_BYTES + 1];
	const char	*p = fb;

	if (st->nfallback > 0) {
		fb[0] = '\1';
		if (nick_oldkey(name, len, fb + 1) == NICK_OK &&
		    strlen(fb) < NICK_MAX_BYTES && bsearch(&p, st->fallback,
		    st->nfallback, sizeof *st->fallback, store_strcmp) != NULL) {
			strcpy(key, fb);
			return NICK_OK;
		}
	}
	return nick_lookup(name, len, NULL, key);
}

/* Read a user row from a statement with one row waiting. */
static int
store_user_row(struct store *st, sqlite3_stmt *s, struct store_user *u,
    const char *what)
{
	switch (sqlite3_step(s)) {
	case SQLITE_ROW:
		u->id = (uint64_t)sqlite3_column_int64(s, 0);
		store_col_text(s, 1, u->nick, sizeof u->nick);
		store_col_text(s, 2, u->hash, sizeof u->hash);
		u->last_seen = (uint64_t)sqlite3_column_int64(s, 3);
		u->delivered = (uint64_t)sqlite3_column_int64(s, 4);
		u->settings = sqlite3_column_int(s, 5);
		u->locked = sqlite3_column_int(s, 6);
		sqlite3_reset(s);
		return 1;
	case SQLITE_DONE:
		return 0;
	default:
		return store_fail(st, what);
	}
}

int
store_user_get(struct store *st, const char *key, struct store_user *u)
{
	sqlite3_stmt	*s = store_q(st, Q_USER_GET);

	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	return store_user_row(st, s, u, "find user");
}

int
store_user_by_id(struct store *st, uint64_t id, struct store_user *u)
{
	sqlite3_stmt	*s = store_q(st, Q_USER_BY_ID);

	sqlite3_bind_int64(s, 1, (sqlite3_int64)id);
	return store_user_row(st, s, u, "find user by id");
}

int
store_user_set_hash(struct store *st, uint64_t id, const char *hash)
{
	return store_write_text(st, Q_USER_HASH, hash, id, "set password");
}

int
store_user_seen(struct store *st, uint64_t id, uint64_t t)
{
	return store_write(st, 0, Q_USER_SEEN, 2, t, id, "last seen");
}

/* Administration (store.h): statements prepared for each request. */

/* Prepare q for a rare request: the statement, or NULL (logged). */
static sqlite3_stmt *
store_prepare(struct store *st, const char *q, const char *what)
{
	sqlite3_stmt	*s;

	if (sqlite3_prepare_v2(st->db, q, -1, &s, NULL) != SQLITE_OK) {
		log_warnx("store: %s: %s", what, sqlite3_errmsg(st->db));
		return NULL;
	}
	return s;
}

int
store_accounts(struct store *st, const char *pattern, int limit,
    store_account_fn *fn, void *arg)
{
	struct store_account	 a;
	sqlite3_stmt		*s;
	int			 rc, n = 0;

	if ((s = store_prepare(st, "SELECT id, nick, created, last_seen,"
	    " locked FROM users WHERE nick GLOB ?1"
	    " OR lower(nick) GLOB lower(?1) ORDER BY key LIMIT ?2",
	    "list accounts")) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, pattern, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&a, 0, sizeof a);
		a.id = (uint64_t)sqlite3_column_int64(s, 0);
		store_col_text(s, 1, a.nick, sizeof a.nick);
		a.created = (uint64_t)sqlite3_column_int64(s, 2);
		a.last_seen = (uint64_t)sqlite3_column_int64(s, 3);
		a.locked = sqlite3_column_int(s, 4);
		fn(arg, &a);
		n++;
	}
	if (rc != SQLITE_DONE)
		n = store_fail(st, "list accounts");
	sqlite3_finalize(s);
	return n;
}

int
store_user_created(struct store *st, uint64_t id, uint64_t *created)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = store_prepare(st, "SELECT created FROM users WHERE id = ?",
	    "account created")) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)id);
	switch (sqlite3_step(s)) {
	case SQLITE_ROW:
		*created = (uint64_t)sqlite3_column_int64(s, 0);
		rc = 1;
		break;
	case SQLITE_DONE:
		rc = 0;
		break;
	default:
		rc = store_fail(st, "account created");
	}
	sqlite3_finalize(s);
	return rc;
}

long long
store_user_count(struct store *st)
{
	return store_int(st, "SELECT count(*) FROM users");
}

int
store_user_lock(struct store *st, uint64_t id, int locked)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (store_txc(st) == -1 || (s = store_prepare(st,
	    "UPDATE users SET locked = ?2 WHERE id = ?1", "lock")) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)id);
	sqlite3_bind_int(s, 2, locked != 0);
	rc = store_exec(st, s, "lock");
	sqlite3_finalize(s);
	if (rc == -1)
		return -1;
	return sqlite3_changes(st->db) > 0;
}

int
store_token_add(struct store *st, uint64_t user,
    const uint8_t hash[STORE_TOKEN_HASHLEN], uint64_t now, const char *name,
    const char *addr, uint64_t *id)
{
	sqlite3_stmt	*s;

	if (store_txc(st) == -1)
		return -1;
	s = store_q(st, Q_TOKEN_ADD);
	sqlite3_bind_blob(s, 1, hash, STORE_TOKEN_HASHLEN, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)user);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)now);
	sqlite3_bind_text(s, 4, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, addr, -1, SQLITE_STATIC);
	if (store_exec(st, s, "add token") == -1)
		return -1;
	*id = (uint64_t)sqlite3_last_insert_rowid(st->db);
	return store_write(st, 1, Q_TOKEN_TRIM, 2, user, STORE_TOKENS_MAX,
	    "trim tokens");
}

int
store_token_check(struct store *st, uint64_t user,
    const uint8_t hash[STORE_TOKEN_HASHLEN], uint64_t idle_since,
    uint64_t *id)
{
	sqlite3_stmt	*s = store_q(st, Q_TOKEN_CHECK);
	uint64_t	 used;

	sqlite3_bind_blob(s, 1, hash, STORE_TOKEN_HASHLEN, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)user);
	switch (sqlite3_step(s)) {
	case SQLITE_ROW:
		*id = (uint64_t)sqlite3_column_int64(s, 0);
		used = (uint64_t)sqlite3_column_int64(s, 1);
		sqlite3_reset(s);
		if (used >= idle_since)
			return 1;
		/* Idle too long: it goes now, not at the next sweep. */
		if (store_write(st, 1, Q_TOKEN_REVOKE_ONE, 2, *id, user,
		    "expire token") == -1)
			return -1;
		return 2;
	case SQLITE_DONE:
		return 0;
	default:
		return store_fail(st, "check token");
	}
}

int
store_token_used(struct store *st, uint64_t id, uint64_t now,
    const char *addr)
{
	sqlite3_stmt	*s;

	if (store_tx(st) == -1)
		return -1;
	s = store_q(st, Q_TOKEN_USED);
	sqlite3_bind_int64(s, 1, (sqlite3_int64)id);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)now);
	if (addr != NULL)
		sqlite3_bind_text(s, 3, addr, -1, SQLITE_STATIC);
	return store_exec(st, s, "token used");
}

int
store_token_revoke_one(struct store *st, uint64_t user, uint64_t id)
{
	if (store_write(st, 1, Q_TOKEN_REVOKE_ONE, 2, id, user,
	    "revoke token") == -1)
		return -1;
	return sqlite3_changes(st->db) > 0;
}

int
store_tokens(struct store *st, uint64_t user, store_token_fn *fn, void *arg)
{
	sqlite3_stmt		*s = store_q(st, Q_TOKEN_LIST);
	struct store_token	 t;
	int			 rc, n = 0;

	sqlite3_bind_int64(s, 1, (sqlite3_int64)user);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		t.id = (uint64_t)sqlite3_column_int64(s, 0);
		t.last_used = (uint64_t)sqlite3_column_int64(s, 1);
		store_col_text(s, 2, t.name, sizeof t.name);
		store_col_text(s, 3, t.addr, sizeof t.addr);
		fn(arg, &t);
		n++;
	}
	if (rc != SQLITE_DONE)
		return store_fail(st, "list tokens");
	return n;
}

int
store_token_expire(struct store *st, uint64_t idle_since)
{
	if (store_write(st, 1, Q_TOKEN_EXPIRE, 1, idle_since, 0,
	    "expire tokens") == -1)
		return -1;
	return sqlite3_changes(st->db);
}

int
store_reg_count(struct store *st, const char *addr, uint64_t since)
{
	sqlite3_stmt	*s = store_q(st, Q_REG_COUNT);
	int		 n;

	sqlite3_bind_text(s, 1, addr, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)since);
	if (sqlite3_step(s) != SQLITE_ROW)
		return store_fail(st, "count registrations");
	n = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	return n;
}

int
store_reg_add(struct store *st, const char *addr, uint64_t now)
{
	return store_write_text(st, Q_REG_ADD, addr, now,
	    "record registration");
}

int
store_reg_expire(struct store *st, uint64_t before)
{
	return store_write(st, 0, Q_REG_EXPIRE, 1, before, 0,
	    "expire registrations");
}

int
store_token_revoke(struct store *st, uint64_t user)
{
	return store_write(st, 1, Q_TOKEN_REVOKE, 1, user, 0,
	    "revoke tokens");
}

int
store_contact_add(struct store *st, uint64_t user, uint64_t contact)
{
	return store_write(st, 1, Q_CONTACT_ADD, 2, user, contact,
	    "add contact");
}

int
store_contact_del(struct store *st, uint64_t user, uint64_t contact)
{
	return store_write(st, 1, Q_CONTACT_DEL, 2, user, contact,
	    "remove contact");
}

/* A single count(*) for one id. */
static int
store_count(struct store *st, int q, uint64_t id, const char *what)
{
	sqlite3_stmt	*s = store_q(st, q);
	int		 n;

	sqlite3_bind_int64(s, 1, (sqlite3_int64)id);
	if (sqlite3_step(s) != SQLITE_ROW)
		return store_fail(st, what);
	n = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	return n;
}

int
store_contact_has(struct store *st, uint64_t user, uint64_t contact)
{
	sqlite3_stmt	*s = store_q(st, Q_CONTACT_HAS);

	sqlite3_bind_int64(s, 1, (sqlite3_int64)user);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)contact);
	switch (sqlite3_step(s)) {
	case SQLITE_ROW:
		sqlite3_reset(s);
		return 1;
	case SQLITE_DONE:
		return 0;
	default:
		return store_fail(st, "look up contact");
	}
}

int
store_contact_count(struct store *st, uint64_t user)
{
	return store_count(st, Q_CONTACT_COUNT, user, "count contacts");
}

int
store_contacts(struct store *st, uint64_t user, store_user_fn *fn, void *arg)
{
	sqlite3_stmt		*s = store_q(st, Q_CONTACTS);
	struct store_user	 u;
	int			 rc, n = 0;

	sqlite3_bind_int64(s, 1, (sqlite3_int64)user);
	memset(&u, 0, sizeof u);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		u.id = (uint64_t)sqlite3_column_int64(s, 0);
		store_col_text(s, 1, u.nick, sizeof u.nick);
		u.last_seen = (uint64_t)sqlite3_column_int64(s, 2);
		u.state = sqlite3_column_int(s, 3);
		u.mutual = u.state == STORE_ACCEPTED &&
		    sqlite3_column_int(s, 4);
		fn(arg, &u);
		n++;
	}
	if (rc != SQLITE_DONE)
		return store_fail(st, "list contacts");
	return n;
}

int
store_contact_set(struct store *st, uint64_t user, uint64_t contact,
    int state)
{
	return store_write3(st, 1, Q_CONTACT_SET, user, contact, state,
	    "set contact");
}

int
store_rel(struct store *st, uint64_t user, uint64_t other,
    struct store_rel *r)
{
	sqlite3_stmt	*s = store_q(st, Q_REL);

	sqlite3_bind_int64(s, 1, (sqlite3_int64)user);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)other);
	if (sqlite3_step(s) != SQLITE_ROW)
		return store_fail(st, "look up contact");
	r->mine = sqlite3_column_int(s, 0);
	r->theirs = sqlite3_column_int(s, 1);
	r->blocked = sqlite3_column_int(s, 2);
	r->blocked_by = sqlite3_column_int(s, 3);
	sqlite3_reset(s);
	return 0;
}

/* Users (id and nick) that query q lists for user; their number or -1. */
static int
store_user_list(struct store *st, int q, uint64_t user, store_user_fn *fn,
    void *arg, const char *what)
{
	sqlite3_stmt		*s = store_q(st, q);
	struct store_user	 u;
	int			 rc, n = 0;

	sqlite3_bind_int64(s, 1, (sqlite3_int64)user);
	memset(&u, 0, sizeof u);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		u.id = (uint64_t)sqlite3_column_int64(s, 0);
		store_col_text(s, 1, u.nick, sizeof u.nick);
		fn(arg, &u);
		n++;
	}
	if (rc != SQLITE_DONE)
		return store_fail(st, what);
	return n;
}

int
store_requests(struct store *st, uint64_t user, store_user_fn *fn, void *arg)
{
	return store_user_list(st, Q_REQUESTS, user, fn, arg,
	    "list requests");
}

int
store_block_add(struct store *st, uint64_t user, uint64_t blocked)
{
	return store_write(st, 1, Q_BLOCK_ADD, 2, user, blocked, "block");
}

int
store_block_del(struct store *st, uint64_t user, uint64_t blocked)
{
	return store_write(st, 1, Q_BLOCK_DEL, 2, user, blocked, "unblock");
}

int
store_blocks(struct store *st, uint64_t user, store_user_fn *fn, void *arg)
{
	return store_user_list(st, Q_BLOCKS, user, fn, arg, "list blocked");
}

int
store_user_settings(struct store *st, uint64_t id, int settings)
{
	return store_write(st, 1, Q_USER_SETTINGS, 2, id, (uint64_t)settings,
	    "set settings");
}

int
store_watchers(struct store *st, uint64_t user, store_user_fn *fn, void *arg)
{
	sqlite3_stmt		*s = store_q(st, Q_WATCHERS);
	struct store_user	 u;
	int			 rc, n = 0;

	sqlite3_bind_int64(s, 1, (sqlite3_int64)user);
	memset(&u, 0, sizeof u);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		u.id = (uint64_t)sqlite3_column_int64(s, 0);
		fn(arg, &u);
		n++;
	}
	if (rc != SQLITE_DONE)
		return store_fail(st, "list watchers");
	return n;
}

int
store_msg_add(struct store *st, struct store_msg *m)
{
	sqlite3_stmt	*s;
	struct head	*h;

	if (store_txc(st) == -1)
		return -1;
	/* Linked to its conversation's newest. */
	if ((h = heads_get(st, m->sender < m->rcpt ? m->sender : m->rcpt,
	    m->sender < m->rcpt ? m->rcpt : m->sender)) == NULL)
		return -1;
	/* Every parameter is bound: no need to clear them. */
	s = st->q[Q_MSG_ADD];
	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, (sqlite3_int64)m->sender);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)m->msgid);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)m->rcpt);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)m->time);
	sqlite3_bind_blob(s, 5, m->text, (int)m->len, SQLITE_STATIC);
	if (m->sid != 0)
		sqlite3_bind_int64(s, 6, (sqlite3_int64)m->sid);
	else
		sqlite3_bind_null(s, 6);
	sqlite3_bind_int(s, 7, !m->online);
	sqlite3_bind_int64(s, 8, (sqlite3_int64)h->last);
	if (store_exec(st, s, "add message") == -1)
		return -1;
	if (sqlite3_changes(st->db) == 1) {
		m->sid = (uint64_t)sqlite3_last_insert_rowid(st->db);
		m->state = 0;
		if (m->sid > h->last) {
			h->last = m->sid;
			h->dirty = 1;
		} else if (heads_insert(st, h, m->sid) == -1)
			return -1;
		if (m->sid > st->heads_top)
			st->heads_top = m->sid;
		if (++st->heads_since >= HEADS_FLUSH && heads_flush(st) == -1)
			return -1;
		if (m->online && store_tail_add(st, m) == -1)
			return -1;
		return 0;
	}
	if (store_msg_find(st, m) != 1)
		return store_fail(st, "find duplicate");
	return 1;
}

int
store_msg_find(struct store *st, struct store_msg *m)
{
	sqlite3_stmt	*s = store_q(st, Q_MSG_FIND);

	sqlite3_bind_int64(s, 1, (sqlite3_int64)m->sender);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)m->msgid);
	switch (sqlite3_step(s)) {
	case SQLITE_ROW:
		break;
	case SQLITE_DONE:
		return 0;
	default:
		return store_fail(st, "find message");
	}
	m->sid = (uint64_t)sqlite3_column_int64(s, 0);
	m->time = (uint64_t)sqlite3_column_int64(s, 1);
	m->rcpt = (uint64_t)sqlite3_column_int64(s, 2);
	m->state = sqlite3_column_int(s, 3);
	sqlite3_reset(s);
	return 1;
}

int
store_msg_queued(struct store *st, uint64_t rcpt)
{
	if (store_tail_queue(st, rcpt) == -1)
		return -1;
	return store_count(st, Q_MSG_QUEUED, rcpt, "count queue");
}

int
store_msg_waiting(struct store *st, store_waiting_fn *fn, void *arg)
{
	sqlite3_stmt	*s;
	int		 rc;

	s = store_q(st, Q_MSG_WAITING);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(arg, (uint64_t)sqlite3_column_int64(s, 0),
		    (uint64_t)sqlite3_column_int64(s, 1),
		    (uint32_t)sqlite3_column_int64(s, 2));
	if (rc != SQLITE_DONE)
		return store_fail(st, "count waiting messages");
	sqlite3_reset(s);
	return 0;
}

int
store_msg_pending(struct store *st, uint64_t rcpt, uint64_t after,
    uint64_t before, int limit, store_msg_fn *fn, void *arg)
{
	sqlite3_stmt		*s;
	struct store_msg	 m;
	int			 rc, n = 0;

	if (store_tail_queue(st, rcpt) == -1)
		return -1;
	s = store_q(st, Q_MSG_PENDING);
	sqlite3_bind_int64(s, 1, (sqlite3_int64)rcpt);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)after);
	sqlite3_bind_int(s, 3, limit);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)(before > INT64_MAX ?
	    INT64_MAX : before));
	memset(&m, 0, sizeof m);
	m.rcpt = rcpt;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		m.sid = (uint64_t)sqlite3_column_int64(s, 0);
		m.sender = (uint64_t)sqlite3_column_int64(s, 1);
		m.msgid = (uint64_t)sqlite3_column_int64(s, 2);
		m.time = (uint64_t)sqlite3_column_int64(s, 3);
		m.text = sqlite3_column_blob(s, 4);
		m.len = (size_t)sqlite3_column_bytes(s, 4);
		fn(arg, &m);
		n++;
	}
	if (rc != SQLITE_DONE)
		return store_fail(st, "pending messages");
	return n;
}

int
store_msg_get(struct store *st, uint64_t sid, uint64_t rcpt,
    struct store_msg *m)
{
	sqlite3_stmt	*s = store_q(st, Q_MSG_GET);

	sqlite3_bind_int64(s, 1, (sqlite3_int64)sid);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)rcpt);
	switch (sqlite3_step(s)) {
	case SQLITE_ROW:
		break;
	case SQLITE_DONE:
		return 0;
	default:
		return store_fail(st, "find message");
	}
	memset(m, 0, sizeof *m);
	m->sid = sid;
	m->rcpt = rcpt;
	m->sender = (uint64_t)sqlite3_column_int64(s, 0);
	m->msgid = (uint64_t)sqlite3_column_int64(s, 1);
	sqlite3_reset(s);
	return 1;
}

int
store_msg_range(struct store *st, uint64_t rcpt, uint64_t sender,
    uint64_t after, uint64_t upto, int limit, store_msg_fn *fn, void *arg)
{
	sqlite3_stmt		*s;
	struct store_msg	 m;
	int			 rc, n = 0;

	if (store_tail_queue(st, rcpt) == -1)
		return -1;
	s = store_q(st, sender != 0 ? Q_MSG_RANGE_FROM : Q_MSG_RANGE);
	sqlite3_bind_int64(s, 1, (sqlite3_int64)rcpt);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)after);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)upto);
	sqlite3_bind_int(s, 4, limit);
	if (sender != 0)
		sqlite3_bind_int64(s, 5, (sqlite3_int64)sender);
	memset(&m, 0, sizeof m);
	m.rcpt = rcpt;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		m.sid = (uint64_t)sqlite3_column_int64(s, 0);
		m.sender = (uint64_t)sqlite3_column_int64(s, 1);
		m.msgid = (uint64_t)sqlite3_column_int64(s, 2);
		fn(arg, &m);
		n++;
	}
	if (rc != SQLITE_DONE)
		return store_fail(st, "message range");
	return n;
}

int
store_conv_get(struct store *st, uint64_t rcpt, uint64_t sender,
    struct store_conv *cv)
{
	sqlite3_stmt	*s = store_q(st, Q_CONV_GET);

	memset(cv, 0, sizeof *cv);
	cv->rcpt = rcpt;
	cv->sender = sender;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)rcpt);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)sender);
	switch (sqlite3_step(s)) {
	case SQLITE_ROW:
		break;
	case SQLITE_DONE:
		return 0;
	default:
		return store_fail(st, "find conversation");
	}
	cv->delivered = (uint64_t)sqlite3_column_int64(s, 0);
	cv->read = (uint64_t)sqlite3_column_int64(s, 1);
	cv->told_delivered = (uint64_t)sqlite3_column_int64(s, 2);
	cv->told_read = (uint64_t)sqlite3_column_int64(s, 3);
	sqlite3_reset(s);
	return 1;
}

int
store_conv_put(struct store *st, const struct store_conv *cv)
{
	sqlite3_stmt	*s;

	if (store_tx(st) == -1)
		return -1;
	s = store_q(st, Q_CONV_PUT);
	sqlite3_bind_int64(s, 1, (sqlite3_int64)cv->rcpt);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)cv->sender);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)cv->delivered);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)cv->read);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)cv->told_delivered);
	sqlite3_bind_int64(s, 6, (sqlite3_int64)cv->told_read);
	return store_exec(st, s, "update conversation");
}

int
store_owed(struct store *st, uint64_t sender, store_conv_fn *fn, void *arg)
{
	sqlite3_stmt		*s = store_q(st, Q_OWED);
	struct store_conv	 cv;
	int			 rc, n = 0;

	sqlite3_bind_int64(s, 1, (sqlite3_int64)sender);
	memset(&cv, 0, sizeof cv);
	cv.sender = sender;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		cv.rcpt = (uint64_t)sqlite3_column_int64(s, 0);
		cv.delivered = (uint64_t)sqlite3_column_int64(s, 1);
		cv.read = (uint64_t)sqlite3_column_int64(s, 2);
		cv.told_delivered = (uint64_t)sqlite3_column_int64(s, 3);
		cv.told_read = (uint64_t)sqlite3_column_int64(s, 4);
		fn(arg, &cv);
		n++;
	}
	if (rc != SQLITE_DONE)
		return store_fail(st, "owed receipts");
	return n;
}

int
store_user_delivered(struct store *st, uint64_t id, uint64_t sid)
{
	return store_write(st, 0, Q_USER_DELIVERED, 2, id, sid,
	    "delivered cursor");
}

const char *
store_path(const struct store *st)
{
	return st->path;
}

uint64_t
store_sid_start(const struct store *st)
{
	return st->sid_start;
}

int
store_sid_reserve(struct store *st, uint64_t upto)
{
	return store_write(st, 1, Q_SID_RESERVE, 1, upto, 0, "reserve ids");
}

/* A pair's state in a pass of store_prune(). */
struct prune_pair {
	uint64_t	lo, hi;		/* hi 0: a free slot */
	uint64_t	seen;		/* its last row so far */
	uint64_t	kept;		/* its last row kept so far */
	uint64_t	pending;	/* its last row to go, still there */
	uint64_t	pending_prev;
	int		pending_tomb;
};

struct prune {
	struct prune_pair	*p;
	size_t			 cap, n;
};

/* A row below the cutoff and whether it goes. */
struct prune_row {
	uint64_t	id, lo, hi, prev;
	int		tomb, go;
};

enum { PRUNE_UNDELIVERED, PRUNE_DELIVERED };

/* The state of pair lo, hi in a pass, made if new. */
static struct prune_pair *
prune_pair(struct prune *pr, uint64_t lo, uint64_t hi)
{
	struct prune_pair	*old;
	size_t			 i, ocap;
	uint64_t		 h;

	if (2 * (pr->n + 1) > pr->cap) {
		old = pr->p;
		ocap = pr->cap;
		pr->cap = ocap ? 2 * ocap : 1024;
		pr->p = xcalloc(pr->cap, sizeof *pr->p);
		pr->n = 0;
		for (i = 0; i < ocap; i++)
			if (old[i].hi != 0)
				*prune_pair(pr, old[i].lo, old[i].hi) = old[i];
		free(old);
	}
	h = lo * 0x9e3779b97f4a7c15ULL ^ hi * 0xc2b2ae3d27d4eb4fULL;
	for (i = (h >> 32) & (pr->cap - 1);; i = (i + 1) & (pr->cap - 1)) {
		if (pr->p[i].hi == 0) {
			pr->p[i].lo = lo;
			pr->p[i].hi = hi;
			pr->n++;
			return &pr->p[i];
		}
		if (pr->p[i].lo == lo && pr->p[i].hi == hi)
			return &pr->p[i];
	}
}

/* Judge row r of pair pp: it goes (the pair's newest such waits, in
 * case it must stay as a tombstone), or stays, linked past what went. */
static int
prune_row(struct store *st, struct prune_pair *pp, const struct prune_row *r)
{
	if (pp->pending != 0 && store_write(st, 0, Q_DEL_ID, 1, pp->pending,
	    0, "remove a message") == -1)
		return -1;
	pp->pending = 0;
	if (r->go) {
		pp->pending = r->id;
		pp->pending_prev = r->prev;
		pp->pending_tomb = r->tomb;
	} else {
		/* Its link went in this pass (else nothing older is left,
		 * or it still holds). */
		if (r->prev == pp->seen && pp->seen != pp->kept &&
		    store_write(st, 0, Q_SET_PREV, 2, r->id, pp->kept,
		    "link a message") == -1)
			return -1;
		pp->kept = r->id;
	}
	pp->seen = r->id;
	return 0;
}

/*
 * Remove the undelivered (which) or delivered messages accepted before
 * t, keeping every chain whole: a row that stays is linked past those
 * that went, and a pair's newest row that goes while older ones stay
 * (whose newer neighbour is past the cutoff, out of reach without an
 * index) stays as a tombstone, no text and out of the queue, linking
 * them; a later pass removes it once it is not needed.  Rows are read
 * in batches, in order of id, from the oldest: a walk of the table up
 * to the cutoff, as the DELETE it replaces made.  The number of
 * messages removed (tombstones not counted), or -1.
 */
static int
store_prune(struct store *st, uint64_t t, int which)
{
	struct prune		 pr;
	struct prune_row	*rows, *r;
	struct prune_pair	*pp;
	sqlite3_stmt		*s;
	uint64_t		 cut, after = 0, d;
	size_t			 nr, i;
	int			 rc, n = 0, has;

	if (store_tx(st) == -1)
		return -1;
	s = store_q(st, Q_CUTOFF);
	sqlite3_bind_int64(s, 1, (sqlite3_int64)t);
	if (sqlite3_step(s) != SQLITE_ROW)
		return store_fail(st, "find the cutoff");
	cut = (uint64_t)sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	memset(&pr, 0, sizeof pr);
	rows = xreallocarray(NULL, PRUNE_BATCH, sizeof *rows);
	do {
		s = store_q(st, Q_PRUNE_SCAN);
		sqlite3_bind_int64(s, 1, (sqlite3_int64)after);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)cut);
		sqlite3_bind_int(s, 3, PRUNE_BATCH);
		for (nr = 0; (rc = sqlite3_step(s)) == SQLITE_ROW; nr++) {
			r = &rows[nr];
			r->id = (uint64_t)sqlite3_column_int64(s, 0);
			r->lo = (uint64_t)sqlite3_column_int64(s, 1);
			r->hi = (uint64_t)sqlite3_column_int64(s, 2);
			r->prev = (uint64_t)sqlite3_column_int64(s, 3);
			r->tomb = sqlite3_column_int(s, 4);
			has = sqlite3_column_type(s, 5) != SQLITE_NULL;
			d = (uint64_t)sqlite3_column_int64(s, 5);
			if (which == PRUNE_UNDELIVERED)
				r->go = r->tomb || r->id > (has ? d : 0);
			else
				r->go = r->tomb || (has && r->id <= d);
			if (r->go && !r->tomb)
				n++;
		}
		sqlite3_reset(s);
		if (rc != SQLITE_DONE) {
			n = store_fail(st, "read old messages");
			goto done;
		}
		for (i = 0; i < nr; i++) {
			pp = prune_pair(&pr, rows[i].lo, rows[i].hi);
			if (prune_row(st, pp, &rows[i]) == -1) {
				n = -1;
				goto done;
			}
		}
		if (nr > 0)
			after = rows[nr - 1].id;
	} while (nr == PRUNE_BATCH);
	for (i = 0; i < pr.cap; i++) {
		pp = &pr.p[i];
		if (pp->hi == 0 || pp->pending == 0)
			continue;
		if (pp->kept == 0)
			rc = store_write(st, 0, Q_DEL_ID, 1, pp->pending, 0,
			    "remove a message");
		else if (!pp->pending_tomb || pp->pending_prev != pp->kept)
			rc = store_write(st, 0, Q_TOMB, 2, pp->pending,
			    pp->kept, "keep a tombstone");
		else
			rc = 0;
		if (rc == -1) {
			n = -1;
			break;
		}
	}
done:
	free(rows);
	free(pr.p);
	return n;
}

int
store_expire(struct store *st, uint64_t t)
{
	return store_prune(st, t, PRUNE_UNDELIVERED);
}

/* The link of row id in column col of s; 0 (the end) if it does not
 * lead to an older row, which only a damaged store could hold. */
static uint64_t
store_prev(sqlite3_stmt *s, int col, uint64_t id)
{
	uint64_t	prev = (uint64_t)sqlite3_column_int64(s, col);

	return prev < id ? prev : 0;
}

/* Link id of a chain (Q_ROW stepped onto it): 1, 0 if it is not a
 * message of pair lo, hi (or not there), or -1. */
static int
store_link(struct store *st, sqlite3_stmt *s, uint64_t id, uint64_t lo,
    uint64_t hi)
{
	uint64_t	a, b;

	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, (sqlite3_int64)id);
	switch (sqlite3_step(s)) {
	case SQLITE_ROW:
		break;
	case SQLITE_DONE:
		return 0;
	default:
		return store_fail(st, "history");
	}
	a = (uint64_t)sqlite3_column_int64(s, 0);
	b = (uint64_t)sqlite3_column_int64(s, 1);
	return (a < b ? a : b) == lo && (a < b ? b : a) == hi;
}

int
store_history(struct store *st, uint64_t user, uint64_t peer,
    uint64_t before, int limit, store_msg_fn *fn, void *arg)
{
	sqlite3_stmt		*s = st->q[Q_ROW];
	struct head		*h;
	struct store_msg	 m;
	uint64_t		 lo = user < peer ? user : peer;
	uint64_t		 hi = user < peer ? peer : user, id;
	int			 rc, n = 0, walked = 0;

	if ((h = heads_get(st, lo, hi)) == NULL)
		return -1;
	id = h->last;
	/* Most often before is the oldest of the page before it. */
	if (before != 0 && before <= id) {
		if ((rc = store_link(st, s, before, lo, hi)) == -1)
			return -1;
		if (rc == 1)
			id = store_prev(s, 5, before);
	}
	/* Else the first below it: walked to from the newest, or among
	 * the ids just below it; not found, the page is empty. */
	while (id != 0 && id >= before && before != 0) {
		if (walked++ == HIST_SEEK) {
			s = store_q(st, Q_HIST_SCAN);
			sqlite3_bind_int64(s, 1, (sqlite3_int64)before);
			sqlite3_bind_int64(s, 2, (sqlite3_int64)(before >
			    HIST_SCAN ? before - HIST_SCAN : 0));
			sqlite3_bind_int64(s, 3, (sqlite3_int64)lo);
			sqlite3_bind_int64(s, 4, (sqlite3_int64)hi);
			rc = sqlite3_step(s);
			id = rc == SQLITE_ROW ?
			    (uint64_t)sqlite3_column_int64(s, 0) : 0;
			sqlite3_reset(s);
			if (rc != SQLITE_ROW && rc != SQLITE_DONE)
				return store_fail(st, "history");
			s = st->q[Q_ROW];
			break;
		}
		if ((rc = store_link(st, s, id, lo, hi)) == -1)
			return -1;
		id = rc == 1 ? store_prev(s, 5, id) : 0;
	}
	/* The chain from there, past a few tombstones at most. */
	memset(&m, 0, sizeof m);
	for (walked = 0; id != 0 && n < limit && walked < limit + HIST_SKIP;
	    walked++) {
		if ((rc = store_link(st, s, id, lo, hi)) == -1)
			return -1;
		if (rc == 0)
			break;
		m.text = sqlite3_column_blob(s, 4);
		m.len = (size_t)sqlite3_column_bytes(s, 4);
		if (m.len > 0) {
			m.sid = id;
			m.sender = (uint64_t)sqlite3_column_int64(s, 0);
			m.rcpt = m.sender == user ? peer : user;
			m.msgid = (uint64_t)sqlite3_column_int64(s, 2);
			m.time = (uint64_t)sqlite3_column_int64(s, 3);
			fn(arg, &m);
			n++;
		}
		id = store_prev(s, 5, id);
	}
	sqlite3_reset(s);
	return n;
}

int
store_user_delete(struct store *st, uint64_t id, uint64_t hold_until)
{
	sqlite3_stmt	*s;
	char		*key = NULL, *skel = NULL, *q;
	size_t		 i;
	int		 rc;

	if (store_txc(st) == -1)
		return -1;
	q = sqlite3_mprintf("SELECT key, skeleton FROM users WHERE id = %lld",
	    (long long)id);
	rc = sqlite3_prepare_v2(st->db, q, -1, &s, NULL);
	sqlite3_free(q);
	if (rc != SQLITE_OK)
		return store_fail(st, "find account to delete");
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		key = xstrdup((const char *)sqlite3_column_text(s, 0));
		if (sqlite3_column_type(s, 1) != SQLITE_NULL)
			skel = xstrdup((const char *)sqlite3_column_text(s, 1));
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW) {
		if (rc != SQLITE_DONE)
			return store_fail(st, "find account to delete");
		return 0;
	}
	/* Everything of the account's, its messages both ways included:
	 * one scan of the message table (deletions are rare). */
	q = sqlite3_mprintf(
	    "DELETE FROM tokens WHERE user = %lld;"
	    "DELETE FROM contacts WHERE user = %lld OR contact = %lld;"
	    "DELETE FROM blocks WHERE user = %lld OR blocked = %lld;"
	    "DELETE FROM convs WHERE rcpt = %lld OR sender = %lld;"
	    "DELETE FROM messages WHERE sender = %lld OR rcpt = %lld;"
	    "DELETE FROM heads WHERE lo = %lld OR hi = %lld;"
	    "DELETE FROM members WHERE user = %lld;"
	    "DELETE FROM gmessages WHERE sender = %lld AND kind = 0;"
	    "DELETE FROM users WHERE id = %lld;"
	    "INSERT INTO meta(key, value) VALUES ('user_id', %lld)"
	    " ON CONFLICT (key) DO UPDATE SET value = max(value,"
	    " excluded.value);", (long long)id, (long long)id,
	    (long long)id, (long long)id, (long long)id, (long long)id,
	    (long long)id, (long long)id, (long long)id, (long long)id,
	    (long long)id, (long long)id, (long long)id, (long long)id,
	    (long long)id);
	rc = sqlite3_exec(st->db, q, NULL, NULL, NULL);
	/* Its conversations' chains went whole. */
	for (i = 0; i < HEADS_SETS * HEADS_WAYS; i++)
		if (st->heads[i].lo == id || st->heads[i].hi == id)
			memset(&st->heads[i], 0, sizeof st->heads[i]);
	sqlite3_free(q);
	if (rc != SQLITE_OK) {
		free(key);
		free(skel);
		return store_fail(st, "delete account");
	}
	s = store_q(st, Q_HOLD);
	sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
	if (skel != NULL)
		sqlite3_bind_text(s, 2, skel, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)hold_until);
	free(key);
	free(skel);
	if (store_exec(st, s, "hold name") == -1)
		return -1;
	return 1;
}

int
store_history_expire(struct store *st, uint64_t t, uint64_t now)
{
	if (store_write(st, 0, Q_HELD_EXPIRE, 1, now, 0,
	    "expire held names") == -1)
		return -1;
	return store_prune(st, t, PRUNE_DELIVERED);
}

/*
 * Keep the newest max messages of the chain from top, and any older
 * ones not delivered yet (linked past those that go): the number
 * removed, or -1.  A walk of the chain to its end.
 */
static int
store_trim_chain(struct store *st, uint64_t top, int max)
{
	sqlite3_stmt	*s;
	uint64_t	 id = top, prev, kid = 0, kprev = 0, d;
	int		 count = 0, n = 0, rc, tomb, go;

	while (id != 0) {
		s = store_q(st, Q_LINK);
		sqlite3_bind_int64(s, 1, (sqlite3_int64)id);
		if ((rc = sqlite3_step(s)) == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW)
			return store_fail(st, "trim history");
		prev = store_prev(s, 0, id);
		tomb = sqlite3_column_int(s, 1);
		d = (uint64_t)sqlite3_column_int64(s, 2);
		go = tomb || (sqlite3_column_type(s, 2) != SQLITE_NULL &&
		    id <= d);
		sqlite3_reset(s);
		if (count < max) {
			if (!tomb)
				count++;
			kid = id;
			kprev = prev;
		} else if (go) {
			if (store_write(st, 0, Q_DEL_ID, 1, id, 0,
			    "trim history") == -1)
				return -1;
			if (!tomb)
				n++;
		} else {
			if (kprev != id && store_write(st, 0, Q_SET_PREV, 2,
			    kid, id, "link a message") == -1)
				return -1;
			kid = id;
			kprev = prev;
		}
		id = prev;
	}
	return n;
}

int
store_history_trim(struct store *st, int max, uint64_t *after)
{
	sqlite3_stmt	*s;
	uint64_t	*pairs = NULL, top;
	size_t		 np = 0, cap = 0, i;
	int		 rc, n = 0, k;

	if (store_tx(st) == -1)
		return -1;
	/* The pairs with messages since, then each one's chain from its
	 * newest. */
	s = store_q(st, Q_HIST_PAIRS);
	sqlite3_bind_int64(s, 1, (sqlite3_int64)*after);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		top = (uint64_t)sqlite3_column_int64(s, 2);
		if (top > *after)
			*after = top;
		if (np == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			pairs = xreallocarray(pairs, cap, sizeof *pairs);
		}
		pairs[np++] = top;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		free(pairs);
		return store_fail(st, "conversations to trim");
	}
	for (i = 0; i < np; i++) {
		if ((k = store_trim_chain(st, pairs[i], max)) == -1) {
			free(pairs);
			return -1;
		}
		n += k;
	}
	free(pairs);
	return n;
}

/* Groups (schema 8). */

int
store_group_add(struct store *st, const char *key, const char *name,
    const char *skeleton, uint64_t creator, uint64_t now, uint64_t *id)
{
	sqlite3_stmt	*s;

	if (store_txc(st) == -1)
		return -1;
	s = store_q(st, Q_GROUP_ADD);
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	if (skeleton != NULL)
		sqlite3_bind_text(s, 3, skeleton, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)creator);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)now);
	if (store_exec(st, s, "add group") == -1)
		return -1;
	if (sqlite3_changes(st->db) == 0) {
		/* Ignored: the key is taken, or else the skeleton. */
		s = store_q(st, Q_GROUP_KEY);
		sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
		switch (sqlite3_step(s)) {
		case SQLITE_ROW:
			sqlite3_reset(s);
			return 1;
		case SQLITE_DONE:
			return 2;
		default:
			return store_fail(st, "find group");
		}
	}
	*id = (uint64_t)sqlite3_last_insert_rowid(st->db);
	return 0;
}

int
store_group_del(struct store *st, uint64_t id)
{
	return store_write(st, 1, Q_GMEMBERS_DEL, 1, id, 0, "delete members")
	    == -1 || store_write(st, 1, Q_GMSGS_DEL, 1, id, 0,
	    "delete group messages") == -1 || store_write(st, 1, Q_GROUP_DEL,
	    1, id, 0, "delete group") == -1 || store_write(st, 1, Q_GROUP_HWM,
	    1, id, 0, "keep group id") == -1 ? -1 : 0;
}

int
store_group_topic(struct store *st, uint64_t id, const char *topic)
{
	return store_write_text(st, Q_GROUP_TOPIC, topic, id, "set topic");
}

int
store_groups(struct store *st, store_group_fn *gfn, store_member_fn *mfn,
    void *arg)
{
	sqlite3_stmt		*s;
	struct store_group	 g;
	struct store_member	 m;
	int			 rc;

	s = store_q(st, Q_GROUPS);
	memset(&g, 0, sizeof g);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		g.id = (uint64_t)sqlite3_column_int64(s, 0);
		g.key = (const char *)sqlite3_column_text(s, 1);
		g.name = (const char *)sqlite3_column_text(s, 2);
		g.topic = (const char *)sqlite3_column_text(s, 3);
		g.last_sid = (uint64_t)sqlite3_column_int64(s, 4);
		gfn(arg, &g);
	}
	if (rc != SQLITE_DONE)
		return store_fail(st, "load groups");
	s = store_q(st, Q_MEMBERS);
	memset(&m, 0, sizeof m);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		m.grp = (uint64_t)sqlite3_column_int64(s, 0);
		m.user = (uint64_t)sqlite3_column_int64(s, 1);
		m.role = sqlite3_column_int(s, 2);
		m.state = sqlite3_column_int(s, 3);
		m.since = (uint64_t)sqlite3_column_int64(s, 4);
		m.delivered = (uint64_t)sqlite3_column_int64(s, 5);
		m.read = (uint64_t)sqlite3_column_int64(s, 6);
		m.muted = sqlite3_column_int(s, 7);
		m.t = (uint64_t)sqlite3_column_int64(s, 8);
		mfn(arg, &m);
	}
	if (rc != SQLITE_DONE)
		return store_fail(st, "load members");
	return 0;
}

int
store_member_set(struct store *st, const struct store_member *m,
    uint64_t inviter)
{
	sqlite3_stmt	*s;

	if (store_txc(st) == -1)
		return -1;
	s = store_q(st, Q_MEMBER_SET);
	sqlite3_bind_int64(s, 1, (sqlite3_int64)m->grp);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)m->user);
	sqlite3_bind_int(s, 3, m->role);
	sqlite3_bind_int(s, 4, m->state);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)m->since);
	sqlite3_bind_int64(s, 6, (sqlite3_int64)inviter);
	sqlite3_bind_int64(s, 7, (sqlite3_int64)m->t);
	return store_exec(st, s, "set member");
}

int
store_member_del(struct store *st, uint64_t grp, uint64_t user)
{
	return store_write(st, 1, Q_MEMBER_DEL, 2, grp, user, "remove member");
}

int
store_member_cursor(struct store *st, uint64_t grp, uint64_t user,
    uint64_t delivered, uint64_t read)
{
	sqlite3_stmt	*s;

	if (store_tx(st) == -1)
		return -1;
	s = store_q(st, Q_MEMBER_CUR);
	sqlite3_bind_int64(s, 1, (sqlite3_int64)grp);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)user);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)delivered);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)read);
	return store_exec(st, s, "member cursor");
}

int
store_member_mute(struct store *st, uint64_t grp, uint64_t user, int muted)
{
	return store_write3(st, 0, Q_MEMBER_MUTE, grp, user, muted, "mute");
}

int
store_gmsg_add(struct store *st, struct store_gmsg *m)
{
	sqlite3_stmt	*s;

	if (store_txc(st) == -1)
		return -1;
	s = store_q(st, Q_GMSG_ADD);
	sqlite3_bind_int64(s, 1, (sqlite3_int64)m->sid);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)m->grp);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)m->sender);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)(m->msgid != 0 ? m->msgid :
	    m->sid));
	sqlite3_bind_int64(s, 5, (sqlite3_int64)m->time);
	sqlite3_bind_int(s, 6, m->kind);
	sqlite3_bind_blob(s, 7, m->text, (int)m->len, SQLITE_STATIC);
	if (store_exec(st, s, "add group message") == -1)
		return -1;
	if (sqlite3_changes(st->db) > 0)
		return 0;
	/* A resend: the stored copy's id and time. */
	s = store_q(st, Q_GMSG_FIND);
	sqlite3_bind_int64(s, 1, (sqlite3_int64)m->msgid);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)m->sender);
	if (sqlite3_step(s) != SQLITE_ROW)
		return store_fail(st, "find group message");
	m->sid = (uint64_t)sqlite3_column_int64(s, 0);
	m->time = (uint64_t)sqlite3_column_int64(s, 1);
	m->grp = (uint64_t)sqlite3_column_int64(s, 2);
	sqlite3_reset(s);
	return 1;
}

/* Rows of a group message query to fn. */
static int
store_gmsg_rows(struct store *st, sqlite3_stmt *s, uint64_t grp,
    store_gmsg_fn *fn, void *arg, const char *what)
{
	struct store_gmsg	m;
	int			rc, n = 0;

	memset(&m, 0, sizeof m);
	m.grp = grp;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		m.sid = (uint64_t)sqlite3_column_int64(s, 0);
		m.sender = (uint64_t)sqlite3_column_int64(s, 1);
		m.msgid = (uint64_t)sqlite3_column_int64(s, 2);
		m.time = (uint64_t)sqlite3_column_int64(s, 3);
		m.kind = sqlite3_column_int(s, 4);
		m.text = sqlite3_column_blob(s, 5);
		m.len = (size_t)sqlite3_column_bytes(s, 5);
		fn(arg, &m);
		n++;
	}
	if (rc != SQLITE_DONE)
		return store_fail(st, what);
	return n;
}

int
store_gmsg_range(struct store *st, uint64_t grp, uint64_t after,
    uint64_t upto, int limit, store_gmsg_fn *fn, void *arg)
{
	sqlite3_stmt	*s = store_q(st, Q_GMSG_RANGE);

	sqlite3_bind_int64(s, 1, (sqlite3_int64)grp);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)after);
	sqlite3_bind_int64(s, 3, upto > INT64_MAX ? INT64_MAX :
	    (sqlite3_int64)upto);
	sqlite3_bind_int(s, 4, limit);
	return store_gmsg_rows(st, s, grp, fn, arg, "group messages");
}

int
store_ghistory(struct store *st, uint64_t grp, uint64_t since,
    uint64_t before, int limit, store_gmsg_fn *fn, void *arg)
{
	sqlite3_stmt	*s = store_q(st, Q_GHISTORY);

	sqlite3_bind_int64(s, 1, (sqlite3_int64)grp);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)since);
	sqlite3_bind_int64(s, 3, before == 0 || before > INT64_MAX ?
	    INT64_MAX : (sqlite3_int64)before);
	sqlite3_bind_int(s, 4, limit);
	return store_gmsg_rows(st, s, grp, fn, arg, "group history");
}

/* A count from one of the counting queries. */
static int
store_count3(struct store *st, int q, uint64_t a, uint64_t b, uint64_t c,
    int d, const char *what)
{
	sqlite3_stmt	*s = store_q(st, q);
	int		 n;

	sqlite3_bind_int64(s, 1, (sqlite3_int64)a);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)b);
	if (q == Q_GUNREAD) {
		sqlite3_bind_int64(s, 3, (sqlite3_int64)c);
		sqlite3_bind_int(s, 4, d);
	}
	if (sqlite3_step(s) != SQLITE_ROW)
		return store_fail(st, what);
	n = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	return n;
}

int
store_groups_created(struct store *st, uint64_t creator, uint64_t since)
{
	return store_count3(st, Q_GCREATED, creator, since, 0, 0,
	    "count groups created");
}

int
store_invites(struct store *st, uint64_t inviter, uint64_t since)
{
	return store_count3(st, Q_GINVITED, inviter, since, 0, 0,
	    "count invitations");
}

int
store_gunread(struct store *st, uint64_t grp, uint64_t after, uint64_t me,
    int cap)
{
	return store_count3(st, Q_GUNREAD, grp, after, me, cap,
	    "count unread");
}

int
store_gact(struct store *st, uint64_t user, int kind, uint64_t now)
{
	return store_write3(st, 1, Q_GACT, user, (uint64_t)kind,
	    (int64_t)now, "log a group action");
}

int
store_gact_expire(struct store *st, uint64_t before)
{
	return store_write(st, 0, Q_GACT_EXPIRE, 1, before, 0,
	    "expire group actions");
}

int
store_gmsg_expire(struct store *st, uint64_t t)
{
	if (store_write(st, 0, Q_GMSG_EXPIRE, 1, t, 0,
	    "expire group messages") == -1)
		return -1;
	return sqlite3_changes(st->db);
}
