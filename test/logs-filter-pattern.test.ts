/** CloudWatch Logs filter patterns, as FilterLogEvents and `aws logs tail --filter-pattern` use them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFilterPattern, FilterPatternError, splitEventFields } from '../src/logs/filter-pattern.js';

const m = (pattern: string, message: string) => compileFilterPattern(pattern)(message);

test('empty patterns match everything', () => {
  for (const p of ['', '  ', '""', '" "']) assert.equal(m(p, 'anything'), true, p);
  assert.equal(compileFilterPattern(undefined)('x'), true);
});

test('terms: all must appear, case-sensitive substrings', () => {
  assert.equal(m('ERROR', '[ERROR] failed'), true);
  assert.equal(m('ERROR', 'Exiting with ERRORCODE: -1'), true);
  assert.equal(m('ERROR', 'error: lower case'), false);
  assert.equal(m('ERROR Exception', 'ERROR: NullPointerException'), true);
  assert.equal(m('ERROR Exception', 'ERROR: timeout'), false);
});

test('quoted phrases', () => {
  assert.equal(m('"Task timed out"', '2024 id Task timed out after 3.00 seconds'), true);
  assert.equal(m('"Task timed out"', 'Task has timed out'), false);
  assert.equal(m('"a:b" c', 'x a:b c'), true);
  assert.throws(() => compileFilterPattern('"unterminated'), FilterPatternError);
});

test('? alternatives and - exclusions', () => {
  assert.equal(m('?ERROR ?WARN', 'WARN disk'), true);
  assert.equal(m('?ERROR ?WARN', 'INFO ok'), false);
  assert.equal(m('ERROR -healthcheck', 'ERROR in handler'), true);
  assert.equal(m('ERROR -healthcheck', 'ERROR in healthcheck'), false);
  assert.equal(m('-"DEBUG"', 'INFO x'), true);
  assert.equal(m('-"DEBUG"', 'DEBUG x'), false);
  assert.equal(m('?"a b" ?c -d', 'xx a b'), true);
  assert.equal(m('?"a b" ?c -d', 'c d'), false);
});

test('regular expressions between % signs', () => {
  assert.equal(m('%[Ee]rror|fail%', 'an error'), true);
  assert.equal(m('%[Ee]rror|fail%', 'it will fail'), true);
  assert.equal(m('%^START%', 'START RequestId: x'), true);
  assert.equal(m('%^START%', 'x START'), false);
});

test('JSON: equality, wildcards, numbers, && and ||, parentheses', () => {
  const ev = JSON.stringify({ level: 'ERROR', latency: 250, user: { id: 7, name: 'John Doe' }, tags: ['a', 'b'], ok: false, gone: null });
  assert.equal(m('{ $.level = "ERROR" }', ev), true);
  assert.equal(m('{$.level="ERROR"}', ev), true);
  assert.equal(m('{ $.level = ERROR }', ev), true);
  assert.equal(m('{ $.level = "INFO" }', ev), false);
  assert.equal(m('{ $.level != "INFO" }', ev), true);
  assert.equal(m('{ $.user.name = "*Doe" }', ev), true);
  assert.equal(m('{ $.user.name = "Jane*" }', ev), false);
  assert.equal(m('{ $.latency > 100 }', ev), true);
  assert.equal(m('{ $.latency >= 250 }', ev), true);
  assert.equal(m('{ $.latency < 250 }', ev), false);
  assert.equal(m('{ $.latency = 2.5e2 }', ev), true);
  assert.equal(m('{ $.user.id = 7 && $.level = "ERROR" }', ev), true);
  assert.equal(m('{ $.user.id = 8 && $.level = "ERROR" }', ev), false);
  assert.equal(m('{ $.user.id = 8 || $.level = "ERROR" }', ev), true);
  assert.equal(m('{ ($.user.id = 8 || $.latency > 200) && $.tags[1] = "b" }', ev), true);
  assert.equal(m('{ $.user.id = 8 || $.latency > 200 && $.tags[1] = "c" }', ev), false);
  assert.equal(m('{ $.tags[0] = "a" }', ev), true);
  assert.equal(m('{ $.ok IS FALSE }', ev), true);
  assert.equal(m('{ $.ok IS TRUE }', ev), false);
  assert.equal(m('{ $.gone IS NULL }', ev), true);
  assert.equal(m('{ $.missing NOT EXISTS }', ev), true);
  assert.equal(m('{ $.level NOT EXISTS }', ev), false);
  assert.equal(m('{ $.missing = "x" }', ev), false);
  assert.equal(m('{ $.level = %ERR.*% }', ev), true);
});

test('JSON patterns never match non-JSON events, and bad patterns are errors', () => {
  assert.equal(m('{ $.level = "ERROR" }', 'ERROR not json'), false);
  assert.equal(m('{ $.level = "ERROR" }', '{"level":"ERROR"}\n'), true);
  for (const bad of ['{ $.a = }', '{ $.a "x" }', '{ $.a = 1', '{ a = 1 }', '{ $.a = 1 } trailing']) {
    assert.throws(() => compileFilterPattern(bad), FilterPatternError, bad);
  }
});

test('space-delimited patterns', () => {
  const line = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 404 1534';
  assert.deepEqual(splitEventFields(line), ['127.0.0.1', '-', 'frank', '10/Oct/2000:13:25:15 -0700', 'GET /apache_pb.gif HTTP/1.0', '404', '1534']);
  assert.equal(m('[ip, id, user, timestamp, request, status_code = 404, size]', line), true);
  assert.equal(m('[ip, id, user, timestamp, request, status_code = 200, size]', line), false);
  assert.equal(m('[ip, id, user, timestamp, request, status_code = 4*, size > 1000]', line), true);
  assert.equal(m('[..., status_code = 404, size]', line), true);
  assert.equal(m('[ip = 127.0.0.*, ...]', line), true);
  assert.equal(m('[ip, ...]', line), true);
  assert.equal(m('[a, b]', line), false);
  assert.equal(m('[..., status = 500 || status = 404, size]', line), true);
  assert.equal(m('[..., request = "*gif*", status, size]', line), true);
});
