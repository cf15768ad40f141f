#!/usr/bin/env python3
"""ntpq.py: a raw NTP client for system tests (not ntpq(1)).

usage: ntpq.py --port P [--host H] [--timeout S] [--vn N] [--mode N]
               [--hex HEX] [--trailer HEX] [--flood N]

Sends one NTP request (48 bytes: LI 0, the given version and mode, a
random transmit timestamp) with an optional trailer (extension fields or
a MAC, as hex), or the raw bytes given with --hex, and prints the reply:

  len=48 li=0 vn=4 mode=4 stratum=8 poll=6 refid=127.127.1.1 org=ok
  rec-xmt=ok offset=+0.000012

or TIMEOUT.  org=ok means the origin timestamp echoes our transmit
timestamp; rec-xmt=ok means receive <= transmit.  --flood N sends N
requests back to back from one socket, then prints how many replies came
and how many of them were RATE kiss-o'-death packets:

  sent=N replies=R kod=K
"""
import argparse
import os
import socket
import struct
import time

NTP_UNIX = 2208988800


def ntp_now():
    t = time.time()
    return int(t) + NTP_UNIX, int((t % 1) * 2**32)


def ts_float(sec, frac):
    return sec + frac / 2**32


def describe(r, xmt):
    if len(r) < 48:
        return "SHORT len=%d" % len(r)
    b0, stratum, poll, prec = struct.unpack(">BBbb", r[:4])
    refid = r[12:16]
    if stratum <= 1:
        rs = refid.rstrip(b"\0").decode("ascii", "replace")
    else:
        rs = ".".join(str(x) for x in refid)
    org, rec_s, rec_f, xmt_s, xmt_f = (r[24:32],) + struct.unpack(">IIII", r[32:48])
    t4 = time.time() + NTP_UNIX
    rec = ts_float(rec_s, rec_f)
    xm = ts_float(xmt_s, xmt_f)
    offset = (rec + xm) / 2 - t4  # rough: half the round trip is tiny here
    return ("len=%d li=%d vn=%d mode=%d stratum=%d poll=%d refid=%s org=%s "
            "rec-xmt=%s offset=%+.6f" % (
                len(r), b0 >> 6, (b0 >> 3) & 7, b0 & 7, stratum, poll, rs,
                "ok" if org == xmt else "BAD", "ok" if rec <= xm else "BAD",
                offset))


def request(vn, mode, trailer=b""):
    xmt = os.urandom(8)
    pkt = bytes([(vn << 3) | mode, 0, 6, 0xec]) + bytes(36) + xmt + trailer
    return pkt, xmt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--timeout", type=float, default=1.0)
    ap.add_argument("--vn", type=int, default=4)
    ap.add_argument("--mode", type=int, default=3)
    ap.add_argument("--hex", default=None)
    ap.add_argument("--trailer", default="")
    ap.add_argument("--flood", type=int, default=0)
    a = ap.parse_args()
    fam = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    dst = (a.host, a.port)
    if a.flood:
        replies = kod = 0
        s.setblocking(False)

        def drain():
            nonlocal replies, kod
            while True:
                try:
                    r = s.recv(2048)
                except OSError:
                    return
                replies += 1
                if len(r) >= 48 and r[1] == 0 and r[12:16] == b"RATE":
                    kod += 1
        for _ in range(a.flood):
            pkt, _x = request(a.vn, a.mode)
            try:
                s.sendto(pkt, dst)
            except OSError:
                pass
            drain()
        s.settimeout(0.5)
        s.setblocking(True)
        s.settimeout(0.5)
        while True:
            try:
                r = s.recv(2048)
            except OSError:
                break
            replies += 1
            if len(r) >= 48 and r[1] == 0 and r[12:16] == b"RATE":
                kod += 1
        print("sent=%d replies=%d kod=%d" % (a.flood, replies, kod))
        return
    if a.hex is not None:
        pkt = bytes.fromhex(a.hex)
        xmt = pkt[40:48]
    else:
        pkt, xmt = request(a.vn, a.mode, bytes.fromhex(a.trailer))
    s.settimeout(a.timeout)
    s.sendto(pkt, dst)
    try:
        r = s.recv(2048)
    except socket.timeout:
        print("TIMEOUT")
        return
    print(describe(r, xmt))


if __name__ == "__main__":
    main()
