#_*_coding:utf-8_*_
# The "ntp客户端" (time client) from the seed tutorial (shared/seed), kept
# exactly as the tutorial has it apart from line breaks, to show that timed
# answers the seed's own client.  It ends with EOFError when input runs out.
__author__ = 'Linhaifeng'
from socket import *
ip_port=('127.0.0.1',9000)
bufsize=1024

tcp_client=socket(AF_INET,SOCK_DGRAM)



while True:
    msg=input('请输入时间格式(例%Y %m %d)>>: ').strip()
    tcp_client.sendto(msg.encode('utf-8'),ip_port)

    data=tcp_client.recv(bufsize)

    print(data.decode('utf-8'))

tcp_client.close()
