#!/usr/bin/env python3
# The host side of test_virtio_vsock.sh: Unix-socket echo listeners (what
# a guest connection to CID 2 port P reaches, at PATH_P) and clients of
# the VMM's PATH that ask for a guest port with "CONNECT P\n".
#
#   vsock-host.py listen SOCKET [CLOSE_AFTER]   echo every connection
#   vsock-host.py connect PATH PORT CONNS BYTES [RETRY_S]
#   vsock-host.py handshake PATH LINE           send LINE, print the answer
import hashlib
import os
import socket
import sys
import threading
import time


def echo(conn, close_after):
    total = 0
    try:
        while True:
            data = conn.recv(65536)
            if not data:
                break
            conn.sendall(data)
            total += len(data)
            if close_after is not None and total >= close_after:
                # vanish mid-stream with unread bytes queued: a reset
                conn.close()
                return
        conn.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    conn.close()


def listen(path, close_after):
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(128)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=echo, args=(conn, close_after),
                         daemon=True).start()


def handshake(path, port):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(b"CONNECT %d\n" % port)
    line = b""
    while not line.endswith(b"\n"):
        c = s.recv(1)
        if not c:
            s.close()
            return None
        line += c
    if not line.startswith(b"OK "):
        s.close()
        return None
    return s


def exchange(s, nbytes, result, i):
    payload = os.urandom(nbytes)
    want = hashlib.sha256(payload).hexdigest()
    got = hashlib.sha256()
    count = 0

    def sender():
        try:
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    t = threading.Thread(target=sender, daemon=True)
    t.start()
    try:
        while True:
            data = s.recv(65536)
            if not data:
                break
            got.update(data)
            count += len(data)
    except OSError as e:
        result[i] = "error:%s" % e.__class__.__name__
        s.close()
        return
    t.join(30)
    s.close()
    result[i] = "ok" if got.hexdigest() == want and count == nbytes \
        else "short:%d" % count


def connect(path, port, conns, nbytes, retry_s):
    deadline = time.time() + retry_s
    socks = []
    while len(socks) < conns:
        try:
            s = handshake(path, port)
        except OSError:
            s = None
        if s is None:
            if time.time() > deadline:
                print("handshake failed after %d of %d" % (len(socks), conns))
                return 1
            time.sleep(0.2)
            continue
        socks.append(s)
    result = [None] * conns
    threads = [threading.Thread(target=exchange, args=(s, nbytes, result, i))
               for i, s in enumerate(socks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok = sum(1 for r in result if r == "ok")
    print("connect ok=%d bad=%d %s" % (ok, conns - ok,
          " ".join(sorted(set(r for r in result if r != "ok")))))
    return 0 if ok == conns else 1


def main():
    mode = sys.argv[1]
    if mode == "listen":
        listen(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else None)
    elif mode == "connect":
        retry = float(sys.argv[6]) if len(sys.argv) > 6 else 0
        return connect(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
                       int(sys.argv[5]), retry)
    elif mode == "handshake":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sys.argv[2])
        s.sendall(sys.argv[3].encode().decode("unicode_escape").encode())
        s.settimeout(10)
        try:
            data = s.recv(100)
        except OSError:
            data = b""
        print("answer=%s" % ("closed" if not data else
                             data.decode(errors="replace").strip()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
