#!/usr/bin/env python3
"""Drives a command on a pseudo-terminal for the interactive pod tests.

    pty-driver.py SCRIPT -- COMMAND...

SCRIPT is a list of steps separated by ';;':
  send:TEXT        write TEXT (\\r, \\x1d escapes understood)
  expect:TEXT      wait (30 s) until TEXT appears in the output
  winsize:R,C      set the terminal's size (the command gets SIGWINCH)
  raw              check that the command put the terminal in raw mode
Then waits (60 s) for the command and prints "exit=N" and "cooked=yes|no"
(whether ECHO and ICANON are back on the terminal), and the output seen.
"""
import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time


def main():
    sep = sys.argv.index("--")
    steps = sys.argv[1].split(";;") if sys.argv[1] else []
    argv = sys.argv[sep + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    out = b""

    def pump(timeout):
        nonlocal out
        r, _, _ = select.select([fd], [], [], timeout)
        if r:
            try:
                data = os.read(fd, 65536)
            except OSError:
                return False
            if not data:
                return False
            out += data
        return True

    status = 0
    for step in steps:
        kind, _, arg = step.partition(":")
        if kind == "send":
            os.write(fd, arg.encode().decode("unicode_escape").encode("latin-1"))
        elif kind == "expect":
            deadline = time.time() + 30
            while arg.encode() not in out and time.time() < deadline:
                if not pump(0.2):
                    break
            if arg.encode() not in out:
                print("expect-failed=%s" % arg)
                status = 1
                break
        elif kind == "winsize":
            rows, cols = (int(x) for x in arg.split(","))
            fcntl.ioctl(fd, termios.TIOCSWINSZ,
                        struct.pack("HHHH", rows, cols, 0, 0))
        elif kind == "raw":
            lflag = termios.tcgetattr(fd)[3]
            print("raw=%s" % ("yes" if not lflag & (termios.ECHO | termios.ICANON) else "no"))
    deadline = time.time() + 60
    code = None
    while time.time() < deadline:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(st)
            break
        pump(0.2)
    if code is None:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        code = "timeout"
    try:
        lflag = termios.tcgetattr(fd)[3]
        cooked = "yes" if lflag & termios.ECHO and lflag & termios.ICANON else "no"
    except termios.error:
        cooked = "unknown"
    while pump(0.1):
        pass
    print("exit=%s" % code)
    print("cooked=%s" % cooked)
    sys.stdout.write(out.decode("utf-8", "replace"))
    return status


sys.exit(main())
