# Lambkin's host helper: a long-lived root process that does the sandbox plumbing the server asks for,
# so that the server's event loop never blocks on fork+exec of a large process:
#  - bind mounts and unmounts as direct syscalls (assigning code to a prewarmed sandbox costs ~0.1 ms,
#    not a spawn of mount(8));
#  - host tools (ip, mkfs.ext4, mount, umount) run from here, on threads, concurrently.
#  - /tmp disks without a tool per disk: a sparse copy of a formatted template image, attached to
#    a loop device and mounted with ioctls and mount(2) (exec'ing losetup/mount/mkfs cost ~40 ms
#    of CPU per disk, most of a sandbox's creation in a burst).
# Protocol: one JSON array per line on stdin: [id, "bind-ro", source, target] | [id, "umount", target]
#  | [id, "copy-sparse", source, target] | [id, "loop-mount", image, target, fstype, options]
#  | [id, "run", [argv...], stdin-or-null]. One line per request on stdout, in completion order:
#  {"id": id, "ok": true, "out": "..."} or {"id": id, "ok": false, "error": "..."}.
import ctypes, errno, fcntl, json, os, struct, subprocess, sys, threading

libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p]
libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND = 1, 2, 4, 32, 4096
LOOP_CTL_GET_FREE, LOOP_CONFIGURE, LO_FLAGS_AUTOCLEAR = 0x4C82, 0x4C0A, 4
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


def copy_sparse(src, dst):
    """Copies only the data extents of `src` (a freshly formatted image is mostly holes)."""
    with open(src, 'rb') as fi, open(dst, 'wb') as fo:
        size = os.fstat(fi.fileno()).st_size
        pos = 0
        while pos < size:
            try:
                start = os.lseek(fi.fileno(), pos, os.SEEK_DATA)
            except OSError as e:
                if e.errno == errno.ENXIO:  # only a hole is left
                    break
                raise
            end = os.lseek(fi.fileno(), start, os.SEEK_HOLE)
            while start < end:
                n = os.copy_file_range(fi.fileno(), fo.fileno(), end - start, start, start)
                if n == 0:
                    break
                start += n
            pos = end
        fo.truncate(size)


def loop_mount(image, target, fstype, options):
    """Attaches `image` to a free loop device (detached again when unmounted) and mounts it."""
    fd = os.open(image, os.O_RDWR | os.O_CLOEXEC)
    try:
        ctl = os.open('/dev/loop-control', os.O_RDWR | os.O_CLOEXEC)
        try:
            for _ in range(20):  # another process may take the free device first
                n = fcntl.ioctl(ctl, LOOP_CTL_GET_FREE)
                dev = '/dev/loop%d' % n
                lfd = os.open(dev, os.O_RDWR | os.O_CLOEXEC)
                try:
                    # struct loop_config: fd, block_size, loop_info64 (lo_flags at +52), reserved.
                    config = bytearray(304)
                    struct.pack_into('I', config, 0, fd)
                    struct.pack_into('I', config, 8 + 52, LO_FLAGS_AUTOCLEAR)
                    try:
                        fcntl.ioctl(lfd, LOOP_CONFIGURE, bytes(config))
                    except OSError as e:
                        if e.errno == errno.EBUSY:
                            continue
                        raise
                    try:
                        check(libc.mount(dev.encode(), target.encode(), fstype.encode(), MS_NOSUID | MS_NODEV, options.encode()))
                    except OSError:
                        fcntl.ioctl(lfd, 0x4C01)  # LOOP_CLR_FD
                        raise
                    return dev
                finally:
                    os.close(lfd)
            raise OSError(errno.EBUSY, 'no free loop device')
        finally:
            os.close(ctl)
    finally:
        os.close(fd)


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
        elif op == "copy-sparse":
            copy_sparse(args[0], args[1])
            reply(rid, True)
        elif op == "loop-mount":
            reply(rid, True, out=loop_mount(args[0], args[1], args[2], args[3]))
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
