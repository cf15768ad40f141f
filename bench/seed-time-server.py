#!/usr/bin/env python3
# seed-time-server.py: the seed tutorial's "ntp服务端" (shared/seed, the
# UDP time server), kept line for line for the benchmark, with two
# changes: the port comes from argv[1] (default 9000, the seed's), and
# "ready on port N" goes to stderr once it is bound, as timed says it.
# It still prints every request; bench/timed-bench.sh sends its stdout to
# /dev/null (block-buffered there, so the print costs the formatting and a
# write(2) every few hundred requests, not a terminal's per-line write).
# _*_coding:utf-8_*_
import sys
from socket import *
from time import strftime

port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
ip_port = ('127.0.0.1', port)
bufsize = 1024

tcp_server = socket(AF_INET, SOCK_DGRAM)
tcp_server.bind(ip_port)
print('ready on port %d' % tcp_server.getsockname()[1], file=sys.stderr,
      flush=True)

while True:
    msg, addr = tcp_server.recvfrom(bufsize)
    print('===>', msg)

    if not msg:
        time_fmt = '%Y-%m-%d %X'
    else:
        time_fmt = msg.decode('utf-8')
    back_msg = strftime(time_fmt)
    tcp_server.sendto(back_msg.encode('utf-8'), addr)

tcp_server.close()
