#!/usr/bin/env python3
"""group-store.py: fill a chatd store (schema 8 or 9, made by chatd itself
on its first start; 9 changed only the messages) with accounts, or with
groups of them, for bench/chat-bench.sh's measurement of chatd's memory
per group member.

  group-store.py DB users N          N accounts mu1..muN (no password
                                     anyone knows: nobody logs in)
  group-store.py DB groups G M N     G groups #mg1..#mgG of M members
                                     each, all joined, from the N
                                     accounts: group g has accounts
                                     (g * M + j) mod N + 1, j < M, so
                                     each account is in G * M / N groups

Writes rows as chatd would after the same creates, invites and accepts
(the creator is the owner and an admin), in one transaction.
"""
import sqlite3
import sys
import time


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    db = sqlite3.connect(sys.argv[1])
    v = db.execute("PRAGMA user_version").fetchone()[0]
    if v not in (8, 9):
        sys.exit("%s: schema %d, not 8 or 9" % (sys.argv[1], v))
    now = int(time.time() * 1000)
    if sys.argv[2] == "users":
        n = int(sys.argv[3])
        db.executemany(
            "INSERT INTO users(id, key, nick, hash, created, skeleton)"
            " VALUES (?, ?, ?, 'x', ?, ?)",
            ((i, "mu%d" % i, "mu%d" % i, now, "mu%d" % i)
             for i in range(1, n + 1)))
    elif sys.argv[2] == "groups" and len(sys.argv) == 6:
        g, m, n = (int(x) for x in sys.argv[3:6])
        if m > n:
            sys.exit("more members than accounts")
        have = db.execute("SELECT count(*) FROM users").fetchone()[0]
        if have < n:
            sys.exit("%d accounts in the store, not %d" % (have, n))
        db.executemany(
            "INSERT INTO groups(id, key, name, skeleton, creator, created)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            ((i, "#mg%d" % i, "#mg%d" % i, "#mg%d" % i,
              (i * m) % n + 1, now) for i in range(1, g + 1)))
        db.executemany(
            "INSERT INTO members(grp, user, role, state, since, delivered,"
            " read, t) VALUES (?, ?, ?, 2, 0, 0, 0, ?)",
            ((i, (i * m + j) % n + 1, 3 if j == 0 else 0, now + j)
             for i in range(1, g + 1) for j in range(m)))
    else:
        sys.exit(__doc__)
    db.commit()
    db.close()


if __name__ == "__main__":
    main()
