# Lambkin's stem for custom runtimes (provided.*) in the prewarmed pool: a sandbox started ahead with
# this waiting in GET /next. Assigned a function, it takes the function's environment, waits until
# the platform says /var/task holds the code, and then *becomes* the function's bootstrap (execve):
# same process, same sandbox, only the sandbox's creation is skipped. The platform checked that
# /var/task/bootstrap exists and is executable before choosing a stem.
# Protocol (as our Node and Python bootstraps' generic mode): answer 1 `Lambkin-Assign: 1` with
# {"env": {...}, "cwd": "/var/task"}; answer 2 `Lambkin-Code: ready`.
import json, os, socket, sys


def main():
    host, _, port = os.environ['AWS_LAMBDA_RUNTIME_API'].rpartition(':')
    conn = socket.create_connection((host, int(port)))  # not inherited by the bootstrap (CLOEXEC)
    reader = conn.makefile('rb')
    request = ('GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: %s:%s\r\n\r\n' % (host, port)).encode()

    def next_message():
        conn.sendall(request)
        status = reader.readline()
        if not status.startswith(b'HTTP/1.1 200'):
            raise RuntimeError('GET /next answered %r' % status.strip())
        headers = {}
        while True:
            line = reader.readline()
            if line in (b'\r\n', b'\n', b''):
                break
            name, _, value = line.decode('latin-1').partition(':')
            headers[name.strip().lower()] = value.strip()
        return headers, reader.read(int(headers.get('content-length') or 0))

    headers, body = next_message()
    if headers.get('lambkin-assign') != '1':
        raise RuntimeError('expected a Lambkin-Assign message')
    assignment = json.loads(body)
    headers, _ = next_message()
    if headers.get('lambkin-code') != 'ready':
        raise RuntimeError('expected a Lambkin-Code message')
    cwd = assignment.get('cwd') or '/var/task'
    os.chdir(cwd)
    bootstrap = os.path.join(cwd, 'bootstrap')
    try:
        os.execve(bootstrap, [bootstrap], assignment['env'])
    except OSError as e:  # as bwrap reports a failed exec of a fresh sandbox's bootstrap
        sys.stderr.write('execvp %s: %s\n' % (bootstrap, e.strerror))
        sys.exit(1)


try:
    main()
except (OSError, RuntimeError, ValueError, KeyError) as e:
    sys.stderr.write('Lambkin stem: %s\n' % (e,))
    sys.exit(1)
