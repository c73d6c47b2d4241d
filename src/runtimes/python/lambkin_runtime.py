"""Lambkin's Python runtime client (started by bootstrap.py; see the flags documented there).

Behaves like AWS Lambda's Python runtime (aws-lambda-python-runtime-interface-client 3.x, which AWS
runs for python3.9+): handler resolution, init and invoke errors, the context object, logging, the
framed telemetry log fd. Written for start-up speed: only C modules (_socket, _json, _thread) and
`os` are imported before the handler module; `logging` is set up the moment something imports it,
`traceback` only when an error is reported, the stdlib `json` package only to produce exact error
messages. Plain Python 3.9+, stdlib only.
"""
import sys
import time
import os
import _socket
import _thread

try:
    import _json
except ImportError:  # Debian's python3-minimal alone lacks most of the standard library
    sys.stderr.write('lambkin: this Python has no standard library json module (%s); install the full python3 package, '
                     'not only python3-minimal\n' % sys.executable)
    sys.exit(1)

_environ = os.environ
_RUNTIME_FILE_DIR = os.path.dirname(os.path.abspath(__file__))
_OUR_FILES = (os.path.join(_RUNTIME_FILE_DIR, 'bootstrap.py'), os.path.join(_RUNTIME_FILE_DIR, 'lambkin_runtime.py'))

# ---------------------------------------------------------------------------------------------
# Errors

MARSHAL_ERROR = 'Runtime.MarshalError'
UNMARSHAL_ERROR = 'Runtime.UnmarshalError'
USER_CODE_SYNTAX_ERROR = 'Runtime.UserCodeSyntaxError'
HANDLER_NOT_FOUND = 'Runtime.HandlerNotFound'
IMPORT_MODULE_ERROR = 'Runtime.ImportModuleError'
BUILT_IN_MODULE_CONFLICT = 'Runtime.BuiltInModuleConflict'
MALFORMED_HANDLER_NAME = 'Runtime.MalformedHandlerName'
LAMBDA_CONTEXT_UNMARSHAL_ERROR = 'Runtime.LambdaContextUnmarshalError'

UNHANDLED_WARNING = (
    'LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. However, in rare '
    'cases, a Lambda runtime update can cause unexpected function behavior. For functions using managed runtimes, '
    'runtime updates can be triggered by a function change, or can be applied automatically. To determine if the '
    'runtime has been updated, check the runtime version in the INIT_START log entry. If this error correlates with '
    'a change in the runtime version, you may be able to mitigate this error by temporarily rolling back to the '
    'previous runtime version. For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html'
)


class FaultException(Exception):
    """A runtime-detected failure with a Lambda error type (Runtime.*)."""

    def __init__(self, exception_type, msg, trace=None):
        Exception.__init__(self, msg)
        self.exception_type = exception_type
        self.msg = msg
        self.trace = trace


def make_error(message, error_type, stack_trace, request_id=None):
    return {
        'errorMessage': message if message else '',
        'errorType': error_type if error_type else '',
        'requestId': request_id if request_id is not None else '',
        'stackTrace': stack_trace if stack_trace else [],
    }


def _user_frames(tb):
    """(filename, lineno, name, line) tuples of a traceback, minus the leading frames of this runtime."""
    import traceback

    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for i, frame in enumerate(frames):
        # The '/bootstrap.py' test is aws-lambda-ric's own (it also drops a user's bootstrap.py frames).
        if frame[0] not in _OUR_FILES and '/bootstrap.py' not in frame[0] and not frame[0].endswith('lambkin_runtime.py'):
            return frames[i:]
    return frames


def _format_frames(frames):
    import traceback

    return traceback.format_list(frames)


def _xray_fault(error_type, message, frames):
    paths = []
    stack = []
    for filename, lineno, name, _line in frames:
        stack.append({'label': name, 'path': filename, 'line': lineno})
        if filename not in paths:
            paths.append(filename)
    try:
        cwd = os.getcwd()
    except OSError:
        cwd = ''
    return {'working_directory': cwd, 'exceptions': [{'message': message, 'type': error_type, 'stack': stack}], 'paths': paths}


# ---------------------------------------------------------------------------------------------
# JSON, without importing the `json` package (its import pulls in `re` and costs ~6 ms).
# AWS marshals with simplejson: same output as the stdlib's defaults, plus Decimal emitted as its
# exact digits and bytes decoded as UTF-8. Errors fall back to the real `json` for exact messages.

_WS = ' \t\n\r'


class _ScanContext(object):
    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {'-Infinity': float('-inf'), 'Infinity': float('inf'), 'NaN': float('nan')}.__getitem__
    memo = None


try:
    _scan_once = _json.make_scanner(_ScanContext())
except Exception:  # pragma: no cover - other interpreters
    _scan_once = None


def json_loads(data):
    """json.loads for bytes/str; exceptions (and odd encodings) come from the real json module."""
    if _scan_once is not None:
        try:
            s = data.decode('utf-8') if not isinstance(data, str) else data
            end = len(s)
            i = 0
            while i < end and s[i] in _WS:
                i += 1
            obj, i = _scan_once(s, i)
            while i < end and s[i] in _WS:
                i += 1
            if i == end:
                return obj
        except Exception:
            pass
    import json

    return json.loads(data)


class _Marshaller(object):
    def __init__(self, ensure_ascii):
        self.ensure_ascii = ensure_ascii
        self.raw = None
        # Decimal values are emitted as placeholder strings, then replaced by their digits.
        self.token = '\x00lambkin-decimal-%x:' % (id(self) ^ int(time.time() * 1e6))
        self.quoted_token = '"\\u0000' + self.token[1:]
        self.c_make_encoder = getattr(_json, 'make_encoder', None)
        self.str_encoder = _json.encode_basestring_ascii if ensure_ascii else _json.encode_basestring

    def default(self, o):
        if isinstance(o, bytes):
            return o.decode('utf-8')
        dm = sys.modules.get('decimal')
        if dm is not None and isinstance(o, dm.Decimal):
            if o.is_nan():
                return float('nan')
            self.raw.append(str(o))
            return self.token + str(len(self.raw) - 1)
        raise TypeError('Object of type %s is not JSON serializable' % o.__class__.__name__)

    def dumps(self, o):
        self.raw = []
        if self.c_make_encoder is not None:
            enc = self.c_make_encoder({}, self.default, self.str_encoder, None, ': ', ', ', False, False, True)
            out = ''.join(enc(o, 0))
        else:  # pragma: no cover
            import json

            out = json.JSONEncoder(ensure_ascii=self.ensure_ascii, default=self.default).encode(o)
        if self.raw:
            for i, digits in enumerate(self.raw):
                out = out.replace(self.quoted_token + str(i) + '"', digits)
            self.raw = None
        return out


def _runtime_minor(env):
    """The Python minor version of the runtime id (python3.12 -> 12), else the interpreter's."""
    for name in ('AWS_LAMBDA_RUNTIME_NAME', 'AWS_EXECUTION_ENV'):
        v = env.get(name) or ''
        i = v.find('python3.')
        if i >= 0:
            digits = ''
            for ch in v[i + 8:]:
                if not ch.isdigit():
                    break
                digits += ch
            if digits:
                return int(digits)
    return sys.version_info[1]


# ---------------------------------------------------------------------------------------------
# Runtime API client: one persistent HTTP/1.1 connection on a raw socket.


class RuntimeApiError(Exception):
    pass


class _Closed(Exception):
    pass


class RuntimeClient(object):
    def __init__(self, address):
        host, _, port = address.rpartition(':')
        family = _socket.AF_INET
        if host.startswith('['):
            host = host[1:-1]
            family = _socket.AF_INET6
        self.family = family
        self.target = (host, int(port))
        self.host_header = address
        self.sock = None
        self.buf = b''
        base = '/2018-06-01/runtime'
        self.base = base
        self.next_request = ('GET %s/invocation/next HTTP/1.1\r\nHost: %s\r\nUser-Agent: lambkin-python\r\n\r\n' % (base, address)).encode('latin-1')

    def connect(self):
        s = _socket.socket(self.family, _socket.SOCK_STREAM)
        try:
            s.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
            s.connect(self.target)
        except BaseException:
            s.close()
            raise
        self.sock = s
        self.buf = b''

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None
        self.buf = b''

    def _exchange(self, data, body=None):
        """Send one request, return (status, headers with lowercase names, body). Reconnects once."""
        for attempt in (0, 1):
            try:
                if self.sock is None:
                    self.connect()
                if body is not None and len(body) > 65536:
                    self.sock.sendall(data)
                    self.sock.sendall(body)
                elif body is not None:
                    self.sock.sendall(data + body)
                else:
                    self.sock.sendall(data)
                return self._read_response()
            except (OSError, _Closed):
                self.close()
                if attempt:
                    raise
        raise AssertionError('unreachable')

    def _read_response(self):
        sock = self.sock
        buf = self.buf
        while True:
            i = buf.find(b'\r\n\r\n')
            if i >= 0:
                break
            chunk = sock.recv(65536)
            if not chunk:
                raise _Closed()
            buf += chunk
        head = buf[:i].decode('latin-1').split('\r\n')
        rest = buf[i + 4:]
        status_line = head[0].split(' ', 2)
        if len(status_line) < 2 or not status_line[0].startswith('HTTP/'):
            raise _Closed()
        status = int(status_line[1])
        headers = {}
        for line in head[1:]:
            k, _, v = line.partition(':')
            headers[k.strip().lower()] = v.strip()
        length = headers.get('content-length')
        if length is not None:
            n = int(length)
            if len(rest) >= n:
                body = rest[:n]
                self.buf = rest[n:]
            else:
                body = bytearray(n)
                view = memoryview(body)
                have = len(rest)
                view[:have] = rest
                while have < n:
                    got = sock.recv_into(view[have:], n - have)
                    if not got:
                        raise _Closed()
                    have += got
                self.buf = b''
        elif 'chunked' in headers.get('transfer-encoding', '').lower():
            body, self.buf = self._read_chunked(rest)
        elif status < 200 or status in (204, 304):
            body = b''
            self.buf = rest
        else:
            parts = [rest]
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                parts.append(chunk)
            body = b''.join(parts)
            self.close()
            return status, headers, body
        if headers.get('connection', '').lower() == 'close':
            self.close()
        return status, headers, body

    def _read_line(self, buf):
        """One CRLF-terminated line from `buf` (receiving more as needed), and the rest."""
        while b'\r\n' not in buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise _Closed()
            buf += chunk
        line, _, buf = buf.partition(b'\r\n')
        return line, buf

    def _read_chunked(self, buf):
        sock = self.sock
        out = []
        while True:
            line, buf = self._read_line(buf)
            size = int(line.split(b';', 1)[0].strip() or b'0', 16)
            if size == 0:
                # trailers until an empty line
                while True:
                    line, buf = self._read_line(buf)
                    if not line:
                        return b''.join(out), buf
            while len(buf) < size + 2:
                chunk = sock.recv(max(65536, size + 2 - len(buf)))
                if not chunk:
                    raise _Closed()
                buf += chunk
            out.append(buf[:size])
            buf = buf[size + 2:]

    def next(self):
        status, headers, body = self._exchange(self.next_request)
        if status != 200:
            raise RuntimeApiError('Request to Lambda Runtime \'next\' endpoint failed. Reason: \'%d\'. Response body: \'%s\'' % (status, bytes(body).decode('utf-8', 'replace')))
        return headers, body

    def post(self, path, body, content_type, extra_headers=None):
        head = 'POST %s%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: lambkin-python\r\nContent-Type: %s\r\nContent-Length: %d\r\n' % (
            self.base, path, self.host_header, content_type, len(body))
        if extra_headers:
            for k, v in extra_headers:
                head += '%s: %s\r\n' % (k, v)
        head += '\r\n'
        return self._exchange(head.encode('latin-1'), body)


def _quote_id(request_id):
    if request_id.isascii() and request_id.replace('-', '').isalnum():
        return request_id  # the usual UUID
    safe = []
    for ch in request_id:
        if ch.isalnum() and ch.isascii() or ch in '-_.~':
            safe.append(ch)
        else:
            safe.extend('%%%02X' % b for b in ch.encode('utf-8'))
    return ''.join(safe)


def _header_value(value):
    """A value safe to put in an HTTP header (printable ASCII), else None."""
    if value.isascii() and value.isprintable():
        return value
    return None


# ---------------------------------------------------------------------------------------------
# Log sinks: the framed telemetry fd (one frame per record) or stdout.

FRAME_TEXT = 0xA55A0003
FRAME_JSON = 0xA55A0002
# Python logging levels (10..50) -> the level bits aws-lambda-ric ORs into the frame type.
_LEVEL_BITS = {0: 0x00, 10: 0x08, 20: 0x0C, 30: 0x10, 40: 0x14, 50: 0x18}


def frame_type_for(base, levelno):
    return base | _LEVEL_BITS.get(min(50, max(0, levelno)) // 10 * 10, 0)


class FramedLogSink(object):
    def __init__(self, fd):
        self.fd = fd
        self.lock = _thread.allocate_lock()

    def log(self, msg, frame_type=None):
        data = msg.encode('utf-8', 'backslashreplace')
        ts = time.time_ns() // 1000
        frame = (((frame_type or FRAME_TEXT) << 32) | len(data)).to_bytes(8, 'big') + ts.to_bytes(8, 'big') + data
        with self.lock:
            view = memoryview(frame)
            while view:
                n = os.write(self.fd, view)
                view = view[n:]

    def log_error(self, lines, frame_type):
        self.log('\n'.join(lines), frame_type)


class StdoutLogSink(object):
    def log(self, msg, frame_type=None):
        sys.stdout.write(msg)

    def log_error(self, lines, frame_type):
        # '\r' keeps a multi-line error one event when the platform splits stdout by '\n'.
        sys.stdout.write('\r'.join(lines) + '\n')


# ---------------------------------------------------------------------------------------------
# The context object (awslambdaric.lambda_context)


class CognitoIdentity(object):
    __slots__ = ['cognito_identity_id', 'cognito_identity_pool_id']

    def __repr__(self):
        return '%s([cognito_identity_id=%s,cognito_identity_pool_id=%s])' % (
            self.__class__.__name__, self.cognito_identity_id, self.cognito_identity_pool_id)


class Client(object):
    __slots__ = ['installation_id', 'app_title', 'app_version_name', 'app_version_code', 'app_package_name']

    def __repr__(self):
        return '%s([installation_id=%s,app_title=%s,app_version_name=%s,app_version_code=%s,app_package_name=%s])' % (
            self.__class__.__name__, self.installation_id, self.app_title, self.app_version_name,
            self.app_version_code, self.app_package_name)


class ClientContext(object):
    __slots__ = ['custom', 'env', 'client']

    def __repr__(self):
        return '%s([custom=%s,env=%s,client=%s])' % (self.__class__.__name__, self.custom, self.env, self.client)


def _obj_from_dict(cls, d):
    if d is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, d.get(field, None))
    return obj


class LambdaContext(object):
    def __init__(self, invoke_id, client_context, cognito_identity, epoch_deadline_time_in_ms,
                 invoked_function_arn=None, tenant_id=None):
        env = _environ
        self.aws_request_id = invoke_id
        self.log_group_name = env.get('AWS_LAMBDA_LOG_GROUP_NAME')
        self.log_stream_name = env.get('AWS_LAMBDA_LOG_STREAM_NAME')
        self.function_name = env.get('AWS_LAMBDA_FUNCTION_NAME')
        self.memory_limit_in_mb = env.get('AWS_LAMBDA_FUNCTION_MEMORY_SIZE')
        self.function_version = env.get('AWS_LAMBDA_FUNCTION_VERSION')
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id
        w3c = {}
        if isinstance(client_context, dict) and 'w3c' in client_context:
            raw = client_context.pop('w3c')
            if isinstance(raw, dict):
                for key in ('traceparent', 'tracestate', 'baggage'):
                    if isinstance(raw.get(key), str):
                        w3c[key] = raw[key]
        self._w3c_fields = w3c
        self.client_context = _obj_from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _obj_from_dict(Client, self.client_context.client)
        self.identity = _obj_from_dict(CognitoIdentity, {})
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get('cognitoIdentityId')
            self.identity.cognito_identity_pool_id = cognito_identity.get('cognitoIdentityPoolId')
        self._epoch_deadline_time_in_ms = epoch_deadline_time_in_ms

    def get_remaining_time_in_millis(self):
        delta = self._epoch_deadline_time_in_ms - int(time.time() * 1000)
        return delta if delta > 0 else 0

    def w3c(self):
        return dict(self._w3c_fields)

    def log(self, msg):
        rt = _RUNTIME
        logging = sys.modules.get('logging')
        if rt is not None and logging is not None and rt.log_handler is not None:
            for handler in logging.getLogger().handlers:
                sink = getattr(handler, 'log_sink', None)
                if sink is not None:
                    sink.log(str(msg))
                    return
            sys.stdout.write(str(msg))
            return
        if rt is not None:
            rt.sink.log(str(msg))
        else:
            sys.stdout.write(str(msg))

    def __repr__(self):
        return ('%s([aws_request_id=%s,log_group_name=%s,log_stream_name=%s,function_name=%s,memory_limit_in_mb=%s,'
                'function_version=%s,invoked_function_arn=%s,client_context=%s,identity=%s,tenant_id=%s])') % (
            self.__class__.__name__, self.aws_request_id, self.log_group_name, self.log_stream_name, self.function_name,
            self.memory_limit_in_mb, self.function_version, self.invoked_function_arn, self.client_context,
            self.identity, self.tenant_id)


# ---------------------------------------------------------------------------------------------
# logging: Lambda's root handler, installed when `logging` is first imported (by user code, or by
# us on an init error), so functions that never log don't pay for importing it.


class _LoggingLoader(object):
    def __init__(self, loader, finder):
        self.loader = loader
        self.finder = finder

    def __getattr__(self, name):
        return getattr(self.loader, name)

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        # Hide ourselves: the module's __loader__/__spec__.loader are the real loader.
        module.__loader__ = self.loader
        if getattr(module, '__spec__', None) is not None:
            module.__spec__.loader = self.loader
        self.loader.exec_module(module)
        self.finder.remove()
        self.finder.runtime.setup_logging(module)


class _LoggingFinder(object):
    """Sits first on sys.meta_path until `logging` is imported, then sets it up and leaves."""

    def __init__(self, runtime):
        self.runtime = runtime

    def remove(self):
        try:
            sys.meta_path.remove(self)
        except ValueError:
            pass

    def find_spec(self, name, path=None, target=None):
        if name != 'logging':
            return None
        for finder in sys.meta_path:
            find = getattr(finder, 'find_spec', None)
            if finder is self or find is None:
                continue
            spec = find(name, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, 'exec_module'):
            spec.loader = _LoggingLoader(spec.loader, self)
        return spec

    def invalidate_caches(self):
        pass


def _log_level_from_env(value):
    return {None: '', 'TRACE': 'DEBUG'}.get(value, value).upper()


def _make_logging_classes(logging, runtime):
    from datetime import datetime, timezone

    reserved = {
        'name', 'msg', 'args', 'levelname', 'levelno', 'pathname', 'filename', 'module', 'exc_info', 'exc_text',
        'stack_info', 'lineno', 'funcName', 'created', 'msecs', 'relativeCreated', 'thread', 'threadName',
        'processName', 'process', 'aws_request_id', 'tenant_id', '_frame_type',
    }

    class LambdaLoggerHandler(logging.Handler):
        def __init__(self, log_sink, with_frame_type):
            logging.Handler.__init__(self)
            self.log_sink = log_sink
            self.with_frame_type = with_frame_type

        def emit(self, record):
            msg = self.format(record)
            if self.with_frame_type:
                self.log_sink.log(msg, getattr(record, '_frame_type', None) or frame_type_for(FRAME_TEXT, record.levelno))
            else:
                self.log_sink.log(msg)

    class LambdaLoggerFilter(logging.Filter):
        def filter(self, record):
            record.aws_request_id = runtime.request_id or ''
            record.tenant_id = runtime.tenant_id
            return True

    class JsonFormatter(logging.Formatter):
        def __init__(self):
            logging.Formatter.__init__(self, datefmt='%Y-%m-%dT%H:%M:%S')
            import json

            self.encode = json.JSONEncoder(ensure_ascii=False).encode

        def formatTime(self, record, datefmt=None):
            dt = datetime.fromtimestamp(record.created, tz=timezone.utc)
            return dt.strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3] + 'Z'

        def format(self, record):
            record.levelno = min(50, max(0, record.levelno)) // 10 * 10
            record.levelname = logging.getLevelName(record.levelno)
            record._frame_type = frame_type_for(FRAME_JSON, record.levelno)
            exc = record.exc_info
            if exc:
                import traceback

                stack = traceback.format_tb(exc[2])
            result = {
                'timestamp': self.formatTime(record, self.datefmt),
                'level': record.levelname,
                'message': record.getMessage(),
                'logger': record.name,
                'stackTrace': stack if exc else None,
                'errorType': exc[0].__name__ if exc else None,
                'errorMessage': str(exc[1]) if exc else None,
                'requestId': getattr(record, 'aws_request_id', None),
                'location': '%s:%s:%s' % (record.pathname, record.funcName, record.lineno) if exc else None,
            }
            if getattr(record, 'tenant_id', None) is not None:
                result['tenantId'] = record.tenant_id
            for key, value in record.__dict__.items():
                if key not in reserved and key not in result:
                    result[key] = value
            return self.encode({k: v for k, v in result.items() if v is not None}) + '\n'

    return LambdaLoggerHandler, LambdaLoggerFilter, JsonFormatter


# ---------------------------------------------------------------------------------------------
# The runtime

_RUNTIME = None


class Runtime(object):
    def __init__(self, client):
        self.client = client
        self.request_id = None
        self.tenant_id = None
        self.sink = None
        self.json_logs = False
        self.log_level = ''
        self.log_handler = None
        self.marshaller = None
        self.handler = None

    # -- start-up ------------------------------------------------------------------------------

    def configure(self):
        """Handler-dependent set-up, once the environment is final (AWS: bootstrap.run up to the import)."""
        env = _environ
        fd = env.pop('_LAMBDA_TELEMETRY_LOG_FD', None)
        self.sink = FramedLogSink(int(fd)) if fd is not None else StdoutLogSink()
        self.json_logs = (env.get('AWS_LAMBDA_LOG_FORMAT') or '').upper() == 'JSON'
        self.log_level = _log_level_from_env(env.get('AWS_LAMBDA_LOG_LEVEL'))
        self.marshaller = _Marshaller(ensure_ascii=_runtime_minor(env) < 12)
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.reconfigure(line_buffering=True)
            except Exception:
                pass
        _install_site_builtins()
        self.set_sys_path(env)
        logging = sys.modules.get('logging')
        if logging is not None:
            self.setup_logging(logging)
        else:
            sys.meta_path.insert(0, _LoggingFinder(self))

    def set_sys_path(self, env):
        """sys.path as AWS's /var/runtime/bootstrap.py leaves it: task root, then (unless the user set
        PYTHONPATH) the layer dirs, then the runtime dir, PYTHONPATH entries, the standard library."""
        task_root = env.get('LAMBDA_TASK_ROOT') or os.getcwd()
        runtime_dir = _RUNTIME_FILE_DIR
        opt = (env.pop('_LAMBKIN_OPT_DIR', None) or '/opt').rstrip('/')
        opt_python = opt + '/python'
        opt_site = '%s/lib/python3.%d/site-packages' % (opt_python, _runtime_minor(env))
        pythonpath = env.get('PYTHONPATH') or ''
        # The platform sets PYTHONPATH to the runtime dir, as AWS does; only a user's value counts.
        user_pythonpath = bool(pythonpath) and pythonpath not in (env.get('LAMBDA_RUNTIME_DIR'), runtime_dir)
        pp_entries = [p for p in pythonpath.split(':') if p]
        front = [task_root]
        if not user_pythonpath:
            front += [opt_site, opt_python]
        front.append(runtime_dir)
        for p in pp_entries:
            if p not in front and p != env.get('LAMBDA_RUNTIME_DIR'):
                front.append(p)
        rest = []
        for p in sys.path:
            if p in ('', runtime_dir) or p in front or p in pp_entries or p in rest:
                continue
            if p.endswith('-packages'):
                continue  # the host's site dirs (only there when started without -S)
            rest.append(p)
        sys.path[:] = front + rest
        if env.get('PYTHONDONTWRITEBYTECODE'):
            sys.dont_write_bytecode = True
        # AWS's bootstrap calls site.addsitedir() on these so that *.pth files in them work.
        for d in ([task_root] if user_pythonpath else [task_root, opt_site, opt_python]):
            try:
                has_pth = any(n.endswith('.pth') for n in os.listdir(d))
            except OSError:
                has_pth = False
            if has_pth:
                import site

                site.addsitedir(d)
        if not pythonpath:
            env['PYTHONPATH'] = env.get('LAMBDA_RUNTIME_DIR') or runtime_dir

    def setup_logging(self, logging):
        """_setup_logging of aws-lambda-ric: Lambda's handler and format on the root logger."""
        if self.log_handler is not None:
            return
        try:
            handler_cls, filter_cls, json_formatter_cls = _make_logging_classes(logging, self)
            logging.Formatter.converter = time.gmtime
            root = logging.getLogger()
            handler = handler_cls(self.sink, self.json_logs or bool(self.log_level))
            if self.json_logs:
                handler.setFormatter(json_formatter_cls())
            else:
                handler.setFormatter(logging.Formatter(
                    '[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n', '%Y-%m-%dT%H:%M:%S'))
            if self.log_level in logging._nameToLevel:
                root.setLevel(self.log_level)
            handler.addFilter(filter_cls())
            root.addHandler(handler)
            self.log_handler = handler
        except Exception as e:  # never break the user's `import logging`
            sys.stderr.write('lambkin: could not set up logging: %r\n' % (e,))

    def ensure_logging(self):
        import logging  # noqa: F401  (the finder installs our handler)

        if self.log_handler is None:
            self.setup_logging(logging)
        return logging

    # -- errors --------------------------------------------------------------------------------

    def to_json(self, obj):
        return self.marshaller.dumps(obj)

    def log_error(self, error):
        if self.json_logs:
            record = {'timestamp': time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(time.time())), 'level': 'ERROR'}
            record.update(error)
            self.sink.log_error([self.to_json(record)], frame_type_for(FRAME_JSON, 40))
            return
        description = '[ERROR]'
        if error.get('errorType'):
            description += ' ' + error['errorType']
        if error.get('errorMessage'):
            if error.get('errorType'):
                description += ':'
            description += ' ' + error['errorMessage']
        lines = [description]
        stack = error.get('stackTrace')
        if stack is not None:
            lines.append('Traceback (most recent call last):')
            for element in stack:
                if element == '':
                    lines.append('')
                    continue
                for line in element.splitlines():
                    stripped = line.lstrip(' ')
                    lines.append('\u00a0' * (len(line) - len(stripped)) + stripped)
        self.sink.log_error(lines, frame_type_for(FRAME_TEXT, 40))

    def flush_std(self):
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass

    # -- init ----------------------------------------------------------------------------------

    def load_handler(self, handler):
        try:
            modname, fname = handler.rsplit('.', 1)
        except ValueError as e:
            raise FaultException(MALFORMED_HANDLER_NAME, "Bad handler '%s': %s" % (handler, e))
        try:
            if modname.split('.')[0] in sys.builtin_module_names:
                raise FaultException(BUILT_IN_MODULE_CONFLICT, 'Cannot use built-in module %s as a handler module' % modname)
            import importlib

            module = importlib.import_module(modname.replace('/', '.'))
        except ImportError as e:
            raise FaultException(IMPORT_MODULE_ERROR, "Unable to import module '%s': %s" % (modname, e))
        except SyntaxError as e:
            trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
            raise FaultException(USER_CODE_SYNTAX_ERROR, "Syntax error in module '%s': %s" % (modname, e), trace)
        try:
            return getattr(module, fname)
        except AttributeError:
            raise FaultException(HANDLER_NOT_FOUND, "Handler '%s' missing on module '%s'" % (fname, modname))

    def init(self):
        try:
            self.handler = self.load_handler(_environ.get('_HANDLER', ''))
            return
        except FaultException as e:
            error = make_error(e.msg, e.exception_type, e.trace)
        except Exception:
            _, value, tb = sys.exc_info()
            error = make_error(str(value), type(value).__name__, _format_frames(_user_frames(tb)))
        try:
            self.ensure_logging().warning(UNHANDLED_WARNING)
        except Exception:
            pass
        self.log_error(error)
        self.flush_std()
        error_type = _header_value(error['errorType']) or 'Runtime.Unknown'
        try:
            self.client.post('/init/error', self.to_json(error).encode('utf-8'), 'application/json',
                             [('Lambda-Runtime-Function-Error-Type', error_type)])
        except Exception as e:
            sys.stderr.write('lambkin: could not post the init error: %s\n' % (e,))
        sys.exit(1)

    # -- invoke --------------------------------------------------------------------------------

    def handle(self, headers, body):
        request_id = headers.get('lambda-runtime-aws-request-id', '')
        self.request_id = request_id
        self.tenant_id = headers.get('lambda-runtime-aws-tenant-id') or None
        trace_id = headers.get('lambda-runtime-trace-id')
        if trace_id:
            _environ['_X_AMZN_TRACE_ID'] = trace_id
        elif '_X_AMZN_TRACE_ID' in _environ:
            del _environ['_X_AMZN_TRACE_ID']

        error = None
        try:
            client_context = headers.get('lambda-runtime-client-context')
            if client_context:
                client_context = _parse_json_header(client_context, 'Client Context')
            else:
                client_context = None
            cognito = headers.get('lambda-runtime-cognito-identity')
            cognito = _parse_json_header(cognito, 'Cognito Identity') if cognito else None
            try:
                deadline = int(headers.get('lambda-runtime-deadline-ms') or 0)
            except ValueError:
                deadline = 0
            context = LambdaContext(request_id, client_context, cognito, deadline,
                                    headers.get('lambda-runtime-invoked-function-arn'), self.tenant_id)
            if headers.get('content-type') == 'application/json':
                try:
                    event = json_loads(body)
                except Exception as e:
                    raise FaultException(UNMARSHAL_ERROR, 'Unable to unmarshal input: %s' % (e,))
            else:
                event = bytes(body)
            result = self.handler(event, context)
            if isinstance(result, bytes):
                data, content_type = result, 'application/unknown'
            else:
                try:
                    data = self.marshaller.dumps(result).encode('utf-8')
                except Exception as e:
                    raise FaultException(MARSHAL_ERROR, 'Unable to marshal response: %s' % (e,))
                content_type = 'application/json'
        except FaultException as e:
            error = make_error(e.msg, e.exception_type, e.trace, request_id)
            xray = _xray_fault('LambdaValidationError', e.msg, [])
        except Exception:
            _, value, tb = sys.exc_info()
            frames = _user_frames(tb)
            error = make_error(str(value), type(value).__name__, _format_frames(frames), request_id)
            xray = _xray_fault(type(value).__name__, str(value), frames)
            del tb

        if error is None:
            self.flush_std()
            self.report(self.client.post('/invocation/%s/response' % _quote_id(request_id), data, content_type))
            return
        self.log_error(error)
        self.flush_std()
        extra = [('Lambda-Runtime-Function-Error-Type', _header_value(error['errorType']) or 'Unhandled')]
        try:
            # AWS allows 1 MiB here; Node's HTTP server refuses requests whose headers exceed 16 KiB
            # (the whole post would be lost), so big causes (deep recursion) are left out.
            cause = _ASCII_JSON.dumps(xray)
            if len(cause) < _MAX_XRAY_CAUSE:
                extra.append(('Lambda-Runtime-Function-XRay-Error-Cause', cause))
        except Exception:
            pass
        self.report(self.client.post('/invocation/%s/error' % _quote_id(request_id), self.to_json(error).encode('utf-8'),
                                     'application/json', extra))

    def report(self, reply):
        status, _headers, body = reply
        if status < 300:
            return
        text = bytes(body).decode('utf-8', 'replace')
        if status >= 500:
            raise RuntimeApiError('Lambda Runtime API answered %d: %s' % (status, text))
        # 400 (unknown / already answered id), 413 (too large): the platform already knows; carry on.
        sys.stderr.write('lambkin: Runtime API answered %d: %s\n' % (status, text))

    def loop(self):
        client = self.client
        handle = self.handle
        while True:
            headers, body = client.next()
            handle(headers, body)


_ASCII_JSON = _Marshaller(ensure_ascii=True)
_MAX_XRAY_CAUSE = 8 * 1024


def _parse_json_header(value, name):
    try:
        return json_loads(value)
    except Exception as e:
        raise FaultException(LAMBDA_CONTEXT_UNMARSHAL_ERROR, 'Unable to parse %s JSON: %s' % (name, e))


def _install_site_builtins():
    """exit()/quit()/help()/copyright as `site` would have added them (we run with -S)."""
    import builtins

    if hasattr(builtins, 'exit'):
        return
    try:
        import _sitebuiltins

        eof = 'Ctrl-D (i.e. EOF)'
        builtins.quit = _sitebuiltins.Quitter('quit', eof)
        builtins.exit = _sitebuiltins.Quitter('exit', eof)
        builtins.help = _sitebuiltins._Helper()
        builtins.copyright = _sitebuiltins._Printer('copyright', sys.copyright)
        builtins.credits = _sitebuiltins._Printer('credits', 'Thanks to CWI, CNRI, BeOpen.com, Zope Corporation and a cast of thousands\n    for supporting Python development.  See www.python.org for more information.')
        builtins.license = _sitebuiltins._Printer('license', 'See https://www.python.org/psf/license/')
    except Exception:
        pass


def _assign(client):
    """Generic (prewarmed) mode: wait for the platform to assign a function (bootstrap contract).
    The first message carries the function's environment; /var/task holds the code only once a
    second one says so, so that configure() overlaps the platform mounting it."""
    # Handler-independent work a normal start would do later: done now, off the critical path.
    import logging  # noqa: F401
    import json  # noqa: F401
    import traceback  # noqa: F401
    import importlib  # noqa: F401
    import datetime  # noqa: F401  (our logging classes use it)

    headers, body = client.next()
    if headers.get('lambkin-assign') != '1':
        raise RuntimeApiError('expected a Lambkin-Assign message as the first answer in generic mode')
    assignment = json_loads(body)
    env = assignment.get('env') or {}
    _environ.clear()
    for k, v in env.items():
        _environ[k] = v
    time.tzset()
    return assignment.get('cwd') or env.get('LAMBDA_TASK_ROOT')


def _await_code(client, cwd):
    headers, _body = client.next()
    if headers.get('lambkin-code') != 'ready':
        raise RuntimeApiError('expected a Lambkin-Code message in generic mode')
    if cwd:
        os.chdir(cwd)
    import importlib

    # /var/task changed under any finder that looked at it before the mount.
    importlib.invalidate_caches()


def main():
    global _RUNTIME
    address = _environ.get('AWS_LAMBDA_RUNTIME_API')
    if not address:
        sys.stderr.write('lambkin: AWS_LAMBDA_RUNTIME_API is not set\n')
        sys.exit(1)
    client = RuntimeClient(address)
    runtime = Runtime(client)
    _RUNTIME = runtime
    try:
        generic = _environ.get('LAMBKIN_PREWARM') == '1'
        cwd = _assign(client) if generic else None
        runtime.configure()
        if generic:
            _await_code(client, cwd)
        runtime.init()
        runtime.loop()
    except RuntimeApiError as e:
        sys.stderr.write('lambkin: %s\n' % (e,))
        sys.exit(1)
    except (OSError, _Closed) as e:
        sys.stderr.write('lambkin: lost the Runtime API connection: %s\n' % (e,))
        sys.exit(1)
