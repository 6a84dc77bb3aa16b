// Tests for src/apimachinery/fields.ts: field selector parsing (operators, escapes,
// ordering), upstream's error messages, matching, and the canonical string form.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseFieldSelector, escapeValue, unescapeValue, oneTermEqualSelector, oneTermNotEqualSelector,
  fieldSelectorFromSet, andFieldSelectors, everythingFields,
} from '../../../src/apimachinery/fields.js';
import { StatusError } from '../../../src/apimachinery/errors.js';

function parseErr(s: string): string {
  try {
    parseFieldSelector(s);
  } catch (e) {
    assert.ok(e instanceof StatusError);
    assert.equal(e.code, 400);
    assert.equal(e.reason, 'BadRequest');
    return e.message;
  }
  assert.fail(`expected ${JSON.stringify(s)} to fail`);
}

test('valid field selectors and their canonical string', () => {
  const cases: [string, string][] = [
    ['', ''],
    ['metadata.name=foo', 'metadata.name=foo'],
    ['metadata.name==foo', 'metadata.name=foo'],
    ['status.phase!=Running', 'status.phase!=Running'],
    ['x=a,y=b,z=c', 'x=a,y=b,z=c'],
    ['z=c,y=b,x=a', 'x=a,y=b,z=c'],
    ['x!=a,y=b', 'x!=a,y=b'],
    ['x=', 'x='],
    ['x=a,', 'x=a'],
    [',x=a', 'x=a'],
    ['x=a,,y=b', 'x=a,y=b'],
    ['x=a\\,b', 'x=a\\,b'],
    ['x=a\\=b', 'x=a\\=b'],
    ['x=a\\\\b', 'x=a\\\\b'],
    ['spec.nodeName=', 'spec.nodeName='],
    ['metadata.namespace=default,metadata.name=web-0', 'metadata.name=web-0,metadata.namespace=default'],
  ];
  for (const [input, want] of cases) assert.equal(parseFieldSelector(input).toString(), want, JSON.stringify(input));
  assert.equal(parseFieldSelector('').empty, true);
  assert.equal(parseFieldSelector(',').empty, true);
  assert.equal(parseFieldSelector('a=b').empty, false);
});

test('requirements expose field/operator/value (== becomes =)', () => {
  const s = parseFieldSelector('metadata.name==web,status.phase!=Failed,spec.x=a\\,b');
  assert.deepEqual(s.requirements, [
    { field: 'metadata.name', operator: '=', value: 'web' },
    { field: 'spec.x', operator: '=', value: 'a,b' },
    { field: 'status.phase', operator: '!=', value: 'Failed' },
  ]);
  assert.equal(s.requiresExactMatch('metadata.name'), 'web');
  assert.equal(s.requiresExactMatch('status.phase'), undefined);
  assert.equal(s.requiresExactMatch('nope'), undefined);
  // The left side is not trimmed; the server then rejects the unknown field.
  assert.deepEqual(parseFieldSelector('a = b').requirements, [{ field: 'a ', operator: '=', value: ' b' }]);
  // First operator occurrence wins: "!=" and "==" are checked before "=".
  assert.deepEqual(parseFieldSelector('a!=\\=b').requirements, [{ field: 'a', operator: '!=', value: '=b' }]);
  assert.deepEqual(parseFieldSelector('a=!b').requirements, [{ field: 'a', operator: '=', value: '!b' }]);
});

test('parse errors match upstream', () => {
  assert.equal(parseErr('abc'), "invalid selector: 'abc'; can't understand 'abc'");
  assert.equal(parseErr('a=b,c'), "invalid selector: 'a=b,c'; can't understand 'c'");
  assert.equal(parseErr('a=b=c'), 'invalid field selector: unescaped character in value: 61');
  assert.equal(parseErr('a!=b=c'), 'invalid field selector: unescaped character in value: 61');
  assert.equal(parseErr('a===b'), 'invalid field selector: unescaped character in value: 61');
  assert.equal(parseErr('a=\\q'), 'invalid field selector: invalid escape sequence: \\q');
  assert.equal(parseErr('a=b\\'), 'invalid field selector: invalid escape sequence: \\');
  // An escaped comma does not split terms, so the term is then unparseable.
  assert.equal(parseErr('a\\,b'), "invalid selector: 'a\\,b'; can't understand 'a\\,b'");
});

test('matching', () => {
  const f = { 'metadata.name': 'web', 'status.phase': 'Running', 'spec.nodeName': '' };
  assert.equal(parseFieldSelector('metadata.name=web').matches(f), true);
  assert.equal(parseFieldSelector('metadata.name=db').matches(f), false);
  assert.equal(parseFieldSelector('status.phase!=Running').matches(f), false);
  assert.equal(parseFieldSelector('status.phase!=Failed').matches(f), true);
  assert.equal(parseFieldSelector('metadata.name=web,status.phase=Running').matches(f), true);
  assert.equal(parseFieldSelector('metadata.name=web,status.phase=Failed').matches(f), false);
  // Missing fields read as "".
  assert.equal(parseFieldSelector('spec.other=').matches(f), true);
  assert.equal(parseFieldSelector('spec.other!=x').matches(f), true);
  assert.equal(parseFieldSelector('spec.nodeName=').matches(f), true);
  assert.equal(parseFieldSelector('').matches(f), true);
  assert.equal(parseFieldSelector('a=b').matches(undefined), false);
  assert.equal(parseFieldSelector('a=').matches(undefined), true);
  assert.equal(parseFieldSelector('x=a\\,b').matches({ x: 'a,b' }), true);
});

test('escape helpers and constructors', () => {
  assert.equal(escapeValue('a,b=c\\d'), 'a\\,b\\=c\\\\d');
  assert.equal(unescapeValue('a\\,b\\=c\\\\d'), 'a,b=c\\d');
  assert.equal(unescapeValue('plain'), 'plain');
  for (const v of ['', 'x', 'a,b', '=', '\\', 'ü,ß=\\']) assert.equal(unescapeValue(escapeValue(v)), v);
  assert.equal(oneTermEqualSelector('metadata.name', 'a,b').toString(), 'metadata.name=a\\,b');
  assert.equal(oneTermNotEqualSelector('status.phase', 'Running').toString(), 'status.phase!=Running');
  assert.equal(fieldSelectorFromSet({ b: '2', a: '1' }).toString(), 'a=1,b=2');
  assert.equal(fieldSelectorFromSet({}).empty, true);
  assert.equal(andFieldSelectors(oneTermEqualSelector('a', '1'), everythingFields()).toString(), 'a=1');
});
