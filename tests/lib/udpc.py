#!/usr/bin/env python3
"""udpc.py: a raw UDP client for system tests.

usage: udpc.py [--host H] --port P [--timeout S] [--hex] [--count N]
               [--random N --seed S] [--quiet] [PAYLOAD...]

Sends each PAYLOAD (text, or hex with --hex; "" is an empty datagram) as
one datagram, waits for one reply each and prints it: the reply's bytes
as hex with --hex, else as text, or "TIMEOUT".  --random N sends N random
datagrams of random sizes without waiting and prints how many replies came
back.
"""
import argparse
import random
import struct
import time
import socket
import sys


NONCE = bytes.fromhex("0123456789abcdef")


def describe(r, reqlen):
    """An extended reply as "status=N info=N text=..." with sanity checks."""
    if len(r) < 26 or r[0] != 0 or not r[1] & 0x80:
        return "MALFORMED " + r.hex()
    if reqlen >= 12 and r[4:12] != NONCE:
        return "BADNONCE"
    if len(r) > 3 * (reqlen + 28):
        return "AMPLIFIED %d > 3 * (%d + 28)" % (len(r), reqlen)
    status = r[2]
    info = struct.unpack(">H", r[24:26])[0]
    text = r[26:].decode("utf-8", "replace")
    return "status=%d info=%d text=%s" % (status, info, text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--timeout", type=float, default=3.0)
    ap.add_argument("--hex", action="store_true")
    ap.add_argument("--random", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ext", action="store_true",
                    help="wrap each payload in an extended-form request")
    ap.add_argument("--decode", action="store_true",
                    help="decode replies as extended-form replies")
    ap.add_argument("--zone", default="")
    ap.add_argument("--pad", type=int, default=0)
    ap.add_argument("--version", type=int, default=1)
    ap.add_argument("payloads", nargs="*")
    a = ap.parse_args()
    fam = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(a.timeout)
    dst = (a.host, a.port)
    if a.random:
        rng = random.Random(a.seed)
        replies = 0
        s.setblocking(False)
        for i in range(a.random):
            n = rng.choice([0, 1, 2, 13, 14, 15, 26, 48, 100, 500, 1500, 3000])
            data = bytes(rng.getrandbits(8) for _ in range(n))
            if n >= 14 and rng.random() < 0.3:
                data = b"\0\x01" + data[2:]   # look like the extended form
            try:
                s.sendto(data, dst)
            except OSError:
                pass
            if i % 64 == 63:
                time.sleep(0.001)    # pace, so the kernel need not drop
            while True:
                try:
                    s.recvfrom(65536)
                    replies += 1
                except OSError:
                    break
        s.settimeout(0.5)
        while True:
            try:
                s.recvfrom(65536)
                replies += 1
            except OSError:
                break
        print(f"replies {replies}")
        return
    for p in a.payloads:
        data = bytes.fromhex(p) if a.hex else p.encode("utf-8", "surrogateescape")
        if a.ext:
            z = a.zone.encode()
            data = (bytes([0, a.version, 0, len(z)]) + NONCE +
                    struct.pack(">H", len(data)) + z + data)
            data += bytes(max(0, a.pad - len(data)))
        s.sendto(data, dst)
        try:
            r, _ = s.recvfrom(65536)
        except socket.timeout:
            print("TIMEOUT")
            continue
        if a.ext or a.decode:
            print(describe(r, len(data)))
        else:
            print(r.hex() if a.hex else r.decode("utf-8", "replace"))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
