/** Event filtering patterns (Lambda FilterCriteria) as Lambda applies them to SQS records. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFilter, compileFilterCriteria, FilterPatternError } from '../src/events/mappings/filter.js';

const m = (pattern: unknown, event: unknown) => compileFilter(JSON.stringify(pattern))(event);

test('literals: strings, numbers, booleans, null; any element of an array value', () => {
  assert.equal(m({ a: ['x'] }, { a: 'x' }), true);
  assert.equal(m({ a: ['x'] }, { a: 'y' }), false);
  assert.equal(m({ a: [5] }, { a: 5 }), true);
  assert.equal(m({ a: [5] }, { a: '5' }), false);
  assert.equal(m({ a: [true] }, { a: true }), true);
  assert.equal(m({ a: [null] }, { a: null }), true);
  assert.equal(m({ a: ['x', 'y'] }, { a: 'y' }), true);
  assert.equal(m({ a: ['x'] }, { a: ['q', 'x'] }), true);
  assert.equal(m({ a: ['x'] }, {}), false);
});

test('nested objects: every key must match', () => {
  const p = { body: { kind: ['order'], meta: { region: ['eu'] } } };
  assert.equal(m(p, { body: { kind: 'order', meta: { region: 'eu' } } }), true);
  assert.equal(m(p, { body: { kind: 'order', meta: { region: 'us' } } }), false);
  assert.equal(m(p, { body: { kind: 'order' } }), false);
  assert.equal(m(p, { body: 'order' }), false);
});

test('prefix, suffix, equals-ignore-case, wildcard', () => {
  assert.equal(m({ a: [{ prefix: 'us-' }] }, { a: 'us-1' }), true);
  assert.equal(m({ a: [{ prefix: 'us-' }] }, { a: 'eu-1' }), false);
  assert.equal(m({ a: [{ prefix: { 'equals-ignore-case': 'US-' } }] }, { a: 'us-1' }), true);
  assert.equal(m({ a: [{ suffix: '.png' }] }, { a: 'x.png' }), true);
  assert.equal(m({ a: [{ suffix: '.png' }] }, { a: 'x.jpg' }), false);
  assert.equal(m({ a: [{ 'equals-ignore-case': 'AbC' }] }, { a: 'aBc' }), true);
  assert.equal(m({ a: [{ wildcard: 'dir/*.png' }] }, { a: 'dir/a/b.png' }), true);
  assert.equal(m({ a: [{ wildcard: 'dir/*.png' }] }, { a: 'dir/a.jpg' }), false);
  assert.equal(m({ a: [{ prefix: 'x' }] }, { a: 5 }), false);
});

test('anything-but: values, lists, prefix, suffix, equals-ignore-case', () => {
  assert.equal(m({ a: [{ 'anything-but': 'x' }] }, { a: 'y' }), true);
  assert.equal(m({ a: [{ 'anything-but': 'x' }] }, { a: 'x' }), false);
  assert.equal(m({ a: [{ 'anything-but': [1, 2] }] }, { a: 3 }), true);
  assert.equal(m({ a: [{ 'anything-but': [1, 2] }] }, { a: 2 }), false);
  assert.equal(m({ a: [{ 'anything-but': { prefix: 'test' } }] }, { a: 'testing' }), false);
  assert.equal(m({ a: [{ 'anything-but': { prefix: 'test' } }] }, { a: 'prod' }), true);
  assert.equal(m({ a: [{ 'anything-but': { suffix: '-dev' } }] }, { a: 'x-dev' }), false);
  assert.equal(m({ a: [{ 'anything-but': { 'equals-ignore-case': ['A', 'b'] } }] }, { a: 'B' }), false);
  // A missing key is not "anything but".
  assert.equal(m({ a: [{ 'anything-but': 'x' }] }, {}), false);
});

test('numeric: comparisons and ranges', () => {
  assert.equal(m({ a: [{ numeric: ['>', 100] }] }, { a: 105 }), true);
  assert.equal(m({ a: [{ numeric: ['>', 100] }] }, { a: 100 }), false);
  assert.equal(m({ a: [{ numeric: ['>=', 100, '<', 200] }] }, { a: 100 }), true);
  assert.equal(m({ a: [{ numeric: ['>=', 100, '<', 200] }] }, { a: 200 }), false);
  assert.equal(m({ a: [{ numeric: ['=', 3.5] }] }, { a: 3.5 }), true);
  assert.equal(m({ a: [{ numeric: ['<', 10] }] }, { a: '5' }), false);
});

test('exists, cidr, $or', () => {
  assert.equal(m({ a: [{ exists: true }] }, { a: 'anything' }), true);
  assert.equal(m({ a: [{ exists: true }] }, {}), false);
  assert.equal(m({ a: [{ exists: false }] }, {}), true);
  assert.equal(m({ a: [{ exists: false }] }, { a: 1 }), false);
  assert.equal(m({ ip: [{ cidr: '10.0.0.0/24' }] }, { ip: '10.0.0.77' }), true);
  assert.equal(m({ ip: [{ cidr: '10.0.0.0/24' }] }, { ip: '10.0.1.1' }), false);
  const or = { $or: [{ a: ['x'] }, { b: [{ numeric: ['>', 1] }] }] };
  assert.equal(m(or, { a: 'x' }), true);
  assert.equal(m(or, { b: 2 }), true);
  assert.equal(m(or, { a: 'y', b: 0 }), false);
});

test('FilterCriteria: any filter may match; none means everything passes', () => {
  const f = compileFilterCriteria([{ Pattern: '{"a":["x"]}' }, { Pattern: '{"b":["y"]}' }])!;
  assert.equal(f({ a: 'x' }), true);
  assert.equal(f({ b: 'y' }), true);
  assert.equal(f({ a: 'y' }), false);
  assert.equal(compileFilterCriteria([]), undefined);
});

test('invalid patterns are refused', () => {
  for (const bad of ['not json', '"string"', '[]', '{}', '{"a":"x"}', '{"a":[]}', '{"a":[{"prefix":1}]}', '{"a":[{"numeric":[">"]}]}', '{"a":[{"numeric":["<",1,">",0]}]}', '{"a":[{"bogus":1}]}', '{"a":[{"exists":"yes"}]}', '{"$or":[{"a":["x"]}]}', '{"a":[{"cidr":"10.0.0.0/40"}]}', '{"a":[{"wildcard":"a**b"}]}']) {
    assert.throws(() => compileFilter(bad), FilterPatternError, bad);
  }
});
