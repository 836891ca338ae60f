#!/usr/bin/python3
"""A stand-in for a pod's supervisor, for the pod command tests that need
no VM (tests/integration/test_pod_commands.sh).

    fake-supervisor.py POD_DIR READY_FILE [MODE]

Takes the pod's lock (flock LOCK_EX on POD_DIR, in this very process, as
`cocoon run` does), starts a fake VMM (sleep) whose command line names the
pod dir, writes state.json and `pid` as docs/pods.md describes, then
writes the fake VMM's pid to READY_FILE. MODE:

    normal    SIGTERM: stop the VMM, record "stopped", exit
    stubborn  ignores SIGTERM (for stop --timeout)
    hold      only holds the lock (a preparation in progress)

When the fake VMM dies (stop --force) it records "vmm killed" and exits.
"""
import fcntl
import json
import os
import signal
import subprocess
import sys
import time


def now():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + \
        ".%09dZ" % int((t % 1) * 1e9)


def write_json(pod, name, obj):
    tmp = os.path.join(pod, name + ".tmp")
    with open(tmp, "w") as f:
        json.dump(obj, f)
    os.rename(tmp, os.path.join(pod, name))


def main():
    pod, ready = sys.argv[1], sys.argv[2]
    mode = sys.argv[3] if len(sys.argv) > 3 else "normal"
    fd = os.open(pod, os.O_RDONLY | os.O_DIRECTORY)  # not inherited
    fcntl.flock(fd, fcntl.LOCK_EX)
    if mode == "hold":
        open(ready, "w").close()
        signal.sigwait([signal.SIGTERM])
        return 0
    stopping = []
    vmm = subprocess.Popen(["cocoon-vmm pod=%s/stage1/shared" % pod, "1000"],
                           executable="/bin/sleep")
    if mode == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    else:
        signal.signal(signal.SIGTERM, lambda s, f: stopping.append(s))
    with open(os.path.join(pod, "pid"), "w") as f:
        f.write("%d\n" % vmm.pid)
    state = {"started": now(), "supervisor_pid": os.getpid(),
             "pid": vmm.pid, "ready": True,
             "apps": {"busybox": {"pid": 31, "started": now()}}}
    write_json(pod, "state.json", state)
    with open(ready + ".tmp", "w") as f:
        f.write("%d\n" % vmm.pid)  # for the test's cleanup
    os.rename(ready + ".tmp", ready)
    while vmm.poll() is None:
        if stopping:
            vmm.terminate()
            vmm.wait()
            break
        time.sleep(0.02)
    state.update(exited=now(), exit_status=0 if stopping else 1,
                 reason="stopped" if stopping else "vmm killed")
    state["apps"]["busybox"].update(status=0 if stopping else -1,
                                    signal=0 if stopping else 9,
                                    oom=False, exited=now())
    write_json(pod, "state.json", state)
    return 0


sys.exit(main())
