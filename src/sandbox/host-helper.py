# Lambkin's host helper: a long-lived root process that does the sandbox plumbing the server asks for,
# so that the server's event loop never blocks on fork+exec of a large process:
#  - bind mounts and unmounts as direct syscalls (assigning code to a prewarmed sandbox costs ~0.1 ms,
#    not a spawn of mount(8));
#  - host tools (ip, mkfs.ext4, mount, umount) run from here, on threads, concurrently.
# Protocol: one JSON array per line on stdin: [id, "bind-ro", source, target] | [id, "umount", target]
#  | [id, "run", [argv...], stdin-or-null]. One line per request on stdout, in completion order:
#  {"id": id, "ok": true, "out": "..."} or {"id": id, "ok": false, "error": "..."}.
import ctypes, json, os, subprocess, sys, threading

libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p]
libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
MS_RDONLY, MS_REMOUNT, MS_BIND = 1, 32, 4096
MNT_DETACH = 2
ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
out_lock = threading.Lock()


def reply(rid, ok, **fields):
    line = json.dumps(dict(id=rid, ok=ok, **fields)) + "\n"
    with out_lock:
        sys.stdout.write(line)
        sys.stdout.flush()


def check(rc):
    if rc != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def run(rid, argv, stdin):
    try:
        p = subprocess.run(argv, input=stdin, capture_output=True, text=True, env=ENV, timeout=60)
        if p.returncode == 0:
            reply(rid, True, out=p.stdout)
        else:
            reply(rid, False, error="%s: %s" % (" ".join(argv), (p.stderr or p.stdout).strip() or "exit status %d" % p.returncode))
    except Exception as e:  # not found, timeout
        reply(rid, False, error="%s: %s" % (" ".join(argv), e))


for line in sys.stdin:
    rid = None
    try:
        rid, op, *args = json.loads(line)
        if op == "bind-ro":
            src, dst = (a.encode() for a in args)
            check(libc.mount(src, dst, None, MS_BIND, None))
            check(libc.mount(None, dst, None, MS_BIND | MS_REMOUNT | MS_RDONLY, None))
            reply(rid, True)
        elif op == "umount":
            check(libc.umount2(args[0].encode(), MNT_DETACH))
            reply(rid, True)
        elif op == "run":
            threading.Thread(target=run, args=(rid, args[0], args[1]), daemon=True).start()
        else:
            raise OSError(22, "unknown operation " + op)
    except OSError as e:
        reply(rid, False, error="%s (errno %d)" % (e.strerror, e.errno or 0))
    except Exception as e:  # malformed request: report, keep serving
        reply(rid, False, error=str(e))
