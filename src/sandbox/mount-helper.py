# Lambkin's mount helper: a long-lived root process that performs bind mounts and unmounts on request,
# so that assigning code to a prewarmed sandbox costs a syscall (~0.1 ms), not a spawn of mount(8).
# Protocol: one JSON array per line on stdin: ["bind-ro", source, target] | ["umount", target];
# answers one line: "ok" or "error <errno> <message>".
import ctypes, json, os, sys

libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p]
libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
MS_RDONLY, MS_REMOUNT, MS_BIND = 1, 32, 4096
MNT_DETACH = 2


def check(rc):
    if rc != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


for line in sys.stdin:
    try:
        op, *args = json.loads(line)
        if op == "bind-ro":
            src, dst = (a.encode() for a in args)
            check(libc.mount(src, dst, None, MS_BIND, None))
            check(libc.mount(None, dst, None, MS_BIND | MS_REMOUNT | MS_RDONLY, None))
        elif op == "umount":
            check(libc.umount2(args[0].encode(), MNT_DETACH))
        else:
            raise OSError(22, "unknown operation " + op)
        sys.stdout.write("ok\n")
    except OSError as e:
        sys.stdout.write("error %d %s\n" % (e.errno or 0, e.strerror))
    except Exception as e:  # malformed request: report, keep serving
        sys.stdout.write("error 22 %s\n" % e)
    sys.stdout.flush()
