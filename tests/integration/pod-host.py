#!/usr/bin/env python3
# The host side of test_pod_init.sh: plays stage0's supervisor against
# cocoon-init in pod mode (docs/protocol.md). It listens on the VMM's
# vsock bridge sockets PATH_1024 (control) and PATH_1025 (stdio), answers
# hello with the pod frame, records every guest frame, writes each app
# stream to a file, and can stop the pod, send a malformed frame, and run
# `enter` sessions through PATH ("CONNECT 1026").
#
#   pod-host.py PATH RUNTIME_JSON OUT_DIR [options]
#     --stop-after-ready MS:TIMEOUT_MS  send stop MS after ready
#     --enter APP:JSON_ARGV            an enter session after ready (repeat)
#     --enter-tty APP:JSON_ARGV        the same with a pty
#     --stdin APP:FILE                 send FILE on APP's stdin stream
#     --resize APP:ROWS:COLS           send resize for APP's tty after ready
#     --garbage-after-ready            send a malformed frame after ready
#     --timeout S                      give up after S seconds (default 300)
#
# OUT_DIR gets: events (one guest frame per line, JSON), APP.STREAM (the
# bytes of each stream), enter-N.{stdout,stderr,result}, and host.log.
# Exit status 0 when the guest sent pod-exited, 1 otherwise.
import json
import os
import socket
import struct
import sys
import threading
import time

FRAME_MAX = 1 << 20
lock = threading.Lock()
open_streams = [0]


def log(out, text):
    with lock:
        with open(os.path.join(out, "host.log"), "a") as f:
            f.write("%.3f %s\n" % (time.time(), text))


def frame(kind, payload):
    return struct.pack(">IB", len(payload) + 1, kind) + payload


def jframe(obj):
    return frame(ord("J"), json.dumps(obj, separators=(",", ":")).encode())


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def read_frame(s):
    head = recv_exact(s, 5)
    if head is None:
        return None
    length, kind = struct.unpack(">IB", head)
    if length < 1 or length > FRAME_MAX:
        raise ValueError("bad frame length %d" % length)
    payload = recv_exact(s, length - 1)
    if payload is None:
        raise ValueError("EOF inside a frame")
    return kind, payload


def listen(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(64)
    return srv


def serve_stream(conn, out, stdin_files):
    try:
        f = read_frame(conn)
        if f is None or f[0] != ord("J"):
            log(out, "stream without a header frame")
            return
        hdr = json.loads(f[1])
        app, stream = hdr["app"], hdr["stream"]
        log(out, "stream %s.%s opened" % (app, stream))
        with lock:
            open_streams[0] += 1
        if stream == "stdin":
            data = b""
            if app in stdin_files:
                with open(stdin_files[app], "rb") as src:
                    data = src.read()
            conn.sendall(data)
            conn.shutdown(socket.SHUT_WR)
            conn.recv(1)
            return
        path = os.path.join(out, "%s.%s" % (app, stream))
        with open(path, "wb") as dst:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                dst.write(data)
        log(out, "stream %s.%s closed" % (app, stream))
        with lock:
            open_streams[0] -= 1
    except (OSError, ValueError, KeyError) as e:
        log(out, "stream error: %r" % e)
    finally:
        conn.close()


def stdio_server(srv, out, stdin_files):
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve_stream, args=(conn, out, stdin_files),
                         daemon=True).start()


def connect_enter(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(b"CONNECT 1026\n")
    line = b""
    while not line.endswith(b"\n"):
        c = s.recv(1)
        if not c:
            raise OSError("closed during CONNECT")
        line += c
    if not line.startswith(b"OK "):
        raise OSError("CONNECT answered %r" % line)
    return s


def enter_session(path, out, n, app, argv, tty):
    res = {"app": app}
    try:
        s = connect_enter(path)
        s.settimeout(60)
        s.sendall(jframe({"type": "hello", "version": 1}))
        s.sendall(jframe({"type": "enter", "app": app, "argv": argv,
                          "tty": tty, "rows": 24, "cols": 80,
                          "env": [["ENTERED", "yes"]]}))
        s.sendall(frame(0, b""))  # no stdin
        bufs = {1: b"", 2: b""}
        while True:
            f = read_frame(s)
            if f is None:
                break
            kind, payload = f
            if kind in bufs:
                bufs[kind] += payload
            elif kind == ord("J"):
                msg = json.loads(payload)
                res.setdefault("frames", []).append(msg)
                if msg["type"] in ("exited", "error"):
                    res.update(msg)
        for kind, name in ((1, "stdout"), (2, "stderr")):
            with open(os.path.join(out, "enter-%d.%s" % (n, name)),
                      "wb") as f:
                f.write(bufs[kind])
        s.close()
    except (OSError, ValueError) as e:
        res["host_error"] = repr(e)
    with open(os.path.join(out, "enter-%d.result" % n), "w") as f:
        json.dump(res, f)
        f.write("\n")


def after_ready(opts, ctl, out):
    for app, rows, cols in opts["resize"]:
        ctl.sendall(jframe({"type": "resize", "app": app, "rows": rows,
                            "cols": cols}))
        log(out, "sent resize %s %dx%d" % (app, rows, cols))
    for n, (app, argv, tty) in enumerate(opts["enter"]):
        enter_session(opts["path"], out, n, app, argv, tty)
        log(out, "enter %d done" % n)
    if opts["garbage"]:
        ctl.sendall(frame(ord("J"), b"{not json"))
        log(out, "sent garbage")
    if opts["stop"]:
        delay, timeout = opts["stop"]
        time.sleep(delay / 1000.0)
        ctl.sendall(jframe({"type": "stop", "timeout_ms": timeout}))
        log(out, "sent stop %d" % timeout)


def main():
    if len(sys.argv) < 4:
        sys.stderr.write("usage: pod-host.py PATH RUNTIME_JSON OUT_DIR ...\n")
        return 2
    path, runtime_file, out = sys.argv[1:4]
    opts = {"path": path, "enter": [], "stop": None, "garbage": False,
            "resize": [],
            "timeout": 300.0}
    stdin_files = {}
    args = sys.argv[4:]
    while args:
        a = args.pop(0)
        if a == "--stop-after-ready":
            d, t = args.pop(0).split(":")
            opts["stop"] = (int(d), int(t))
        elif a in ("--enter", "--enter-tty"):
            app, argv = args.pop(0).split(":", 1)
            opts["enter"].append((app, json.loads(argv), a == "--enter-tty"))
        elif a == "--stdin":
            app, f = args.pop(0).split(":", 1)
            stdin_files[app] = f
        elif a == "--resize":
            app, rows, cols = args.pop(0).split(":")
            opts["resize"].append((app, int(rows), int(cols)))
        elif a == "--garbage-after-ready":
            opts["garbage"] = True
        elif a == "--timeout":
            opts["timeout"] = float(args.pop(0))
        else:
            sys.stderr.write("unknown option %s\n" % a)
            return 2
    with open(runtime_file) as f:
        runtime = json.load(f)
    os.makedirs(out, exist_ok=True)
    ctl_srv = listen(path + "_1024")
    stdio_srv = listen(path + "_1025")
    threading.Thread(target=stdio_server, args=(stdio_srv, out, stdin_files),
                     daemon=True).start()
    # Give up after the timeout whatever happens.
    threading.Timer(opts["timeout"], lambda: os._exit(1)).start()
    ctl, _ = ctl_srv.accept()
    log(out, "control connected")
    events = open(os.path.join(out, "events"), "w")
    exited = False
    first = True
    while True:
        try:
            f = read_frame(ctl)
        except (OSError, ValueError) as e:
            log(out, "control error: %r" % e)
            break
        if f is None:
            log(out, "control EOF")
            break
        kind, payload = f
        msg = json.loads(payload)
        events.write(json.dumps(msg) + "\n")
        events.flush()
        if first:
            first = False
            ctl.sendall(jframe({"type": "hello", "version": 1}))
            ctl.sendall(jframe({"type": "pod", "manifest": {
                "acKind": "PodManifest", "acVersion": "0.8.11",
                "apps": []}, "runtime": runtime}))
        elif msg["type"] == "ready":
            threading.Thread(target=after_ready, args=(opts, ctl, out),
                             daemon=True).start()
        elif msg["type"] == "pod-exited":
            exited = True
            # Let the stream threads finish writing their files.
            deadline = time.time() + 10
            while open_streams[0] > 0 and time.time() < deadline:
                time.sleep(0.05)
            ctl.close()
            break
    events.close()
    log(out, "done exited=%s" % exited)
    os._exit(0 if exited else 1)


if __name__ == "__main__":
    sys.exit(main())
