// Tests for src/apimachinery/labels.ts: the label selector grammar, upstream's parse error
// messages, matching semantics, canonical String(), and metav1.LabelSelector conversion.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseSelector, labelSelectorAsSelector, labelSelectorToString, formatLabelSelector,
  selectorFromSet, validatedSelectorFromSet, everything, nothing, newRequirement, formatLabels,
  parseToRequirements,
} from '../../../src/apimachinery/labels.js';
import { StatusError } from '../../../src/apimachinery/errors.js';

const QNAME_PART_MSG = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

function parseErr(s: string): string {
  try {
    parseSelector(s);
  } catch (e) {
    assert.ok(e instanceof StatusError, 'StatusError');
    assert.equal(e.code, 400);
    assert.equal(e.reason, 'BadRequest');
    return e.message;
  }
  assert.fail(`expected ${JSON.stringify(s)} to fail`);
}

test('valid selectors parse and print canonically', () => {
  const cases: [string, string][] = [
    ['', ''],
    ['   ', ''],
    ['x=a', 'x=a'],
    ['x=a,y=b,z=c', 'x=a,y=b,z=c'],
    ['z=c,y=b,x=a', 'x=a,y=b,z=c'],
    ['x==a', 'x==a'],
    ['x!=a', 'x!=a'],
    ['x!=a,y=b', 'x!=a,y=b'],
    ['x=', 'x='],
    ['x= ', 'x='],
    ['x=,z= ', 'x=,z='],
    ['x', 'x'],
    ['!x', '!x'],
    [' !x', '!x'],
    ['x>1', 'x>1'],
    ['x<1', 'x<1'],
    ['x in (a)', 'x in (a)'],
    ['x in (b,a)', 'x in (a,b)'],
    ['x in (a, b)', 'x in (a,b)'],
    ['x in(a)', 'x in (a)'],
    ['x notin (a,b)', 'x notin (a,b)'],
    ['x in (foo,,baz),y,z notin ()', 'x in (,baz,foo),y,z notin ()'],
    ['x in (,)', 'x in ()'],
    ['x in (a,)', 'x in (,a)'],
    ['x in ()', 'x in ()'],
    ['in in (in)', 'in in (in)'],
    ['notin notin (notin)', 'notin notin (notin)'],
    ['a.b.c/d-e_f=G.H-i_J', 'a.b.c/d-e_f=G.H-i_J'],
    ['\tx = a ,\ny = b\r\n', 'x=a,y=b'],
    ['b,a', 'a,b'],
    ['environment in (production, qa),tier notin (frontend,backend),partition,!canary', '!canary,environment in (production,qa),partition,tier notin (backend,frontend)'],
  ];
  for (const [input, want] of cases) {
    const s = parseSelector(input);
    assert.equal(s.toString(), want, JSON.stringify(input));
  }
  assert.equal(parseSelector('').empty, true);
  assert.equal(parseSelector('x').empty, false);
});

test('parse errors carry upstream messages', () => {
  assert.equal(parseErr('a b'), "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
  assert.equal(parseErr('x=a b'), "found 'b', expected: ',' or 'end of string'");
  assert.equal(parseErr('x,'), "found '', expected: identifier after ','");
  assert.equal(parseErr(',x'), "found ',', expected: !, identifier, or 'end of string'");
  assert.equal(parseErr('x in a'), "unable to parse requirement: found 'a' expected: '('");
  assert.equal(parseErr('x in (a'), "unable to parse requirement: found '', expected: ',' or ')'");
  assert.equal(parseErr('x in (a b)'), "unable to parse requirement: found 'b', expected: ',' or ')'");
  assert.equal(parseErr('x in (='), "unable to parse requirement: found '=', expected: ',', ')' or identifier");
  assert.equal(parseErr('x in (a,='), "unable to parse requirement: found '=', expected: ',', or identifier");
  assert.equal(parseErr('x=(a)'), "unable to parse requirement: found '(', expected: identifier");
  assert.equal(parseErr('!x=a'), "found '=', expected: ',' or 'end of string'");
  assert.equal(parseErr('!'), "unable to parse requirement: found '', expected: identifier");
  assert.equal(parseErr('!!x'), "unable to parse requirement: found '!', expected: identifier");
  assert.equal(parseErr('x>a'), `unable to parse requirement: values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer`);
  assert.equal(parseErr('x>1.5'), `unable to parse requirement: values[0]: Invalid value: "1.5": for 'Gt', 'Lt' operators, the value must be an integer`);
  assert.equal(parseErr('x>'), `unable to parse requirement: values[0]: Invalid value: "": for 'Gt', 'Lt' operators, the value must be an integer`);
  // Gt/Lt values must also be valid label values, so negative numbers are rejected.
  assert.equal(parseErr('x>-1'), `unable to parse requirement: values[0][x]: Invalid value: "-1": ${LABEL_VALUE_MSG}`);
  // "|" is not special to the lexer, so "a||y" is one (invalid) value token.
  assert.equal(parseErr('x=a||y=b'), `unable to parse requirement: values[0][x]: Invalid value: "a||y": ${LABEL_VALUE_MSG}`);
  assert.equal(parseErr('app=a$'), `unable to parse requirement: values[0][app]: Invalid value: "a$": ${LABEL_VALUE_MSG}`);
  assert.equal(parseErr('x in (a$,b)'), `unable to parse requirement: values[0][x]: Invalid value: "a$": ${LABEL_VALUE_MSG}`);
  // Key errors found while parsing have no field path, which upstream prints as "<nil>".
  assert.equal(parseErr('a$=b'), `unable to parse requirement: <nil>: Invalid value: "a$": ${QNAME_PART_MSG}`);
  assert.equal(parseErr('x/y/z'), `unable to parse requirement: <nil>: Invalid value: "x/y/z": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`);
  assert.equal(parseErr('a'.repeat(64)), `unable to parse requirement: <nil>: Invalid value: "${'a'.repeat(64)}": name part must be no more than 63 characters`);
  assert.equal(parseErr('x=' + 'a'.repeat(64)), `unable to parse requirement: values[0][x]: Invalid value: "${'a'.repeat(64)}": must be no more than 63 characters`);
  // Lexer: longest operator match; "=!" is "=" then "!".
  assert.equal(parseErr('x=!a'), "unable to parse requirement: found '!', expected: identifier");
  assert.equal(parseErr('x===a'), "unable to parse requirement: found '=', expected: identifier");
});

test('matching semantics', () => {
  const l = { app: 'web', tier: 'frontend', n: '5', empty: '' };
  const yes = ['', 'app', 'app=web', 'app==web', 'app!=db', 'missing!=x', '!missing', 'app in (web,db)', 'app notin (db)', 'missing notin (x)',
    'n>4', 'n<6', 'n>0', 'empty=', 'empty', 'app=web,tier=frontend', 'empty in ()'];
  const no = ['missing', 'app=db', 'app!=web', '!app', 'app in (db)', 'app notin (web)', 'missing in (x)', 'missing=', 'n>5', 'n<5',
    'app>1', 'missing>1', 'app=web,tier=backend'];
  for (const s of yes) assert.equal(parseSelector(s).matches(l), true, s);
  for (const s of no) assert.equal(parseSelector(s).matches(l), false, s);
  // undefined labels behave as empty.
  assert.equal(parseSelector('!a').matches(undefined), true);
  assert.equal(parseSelector('a').matches(undefined), false);
  assert.equal(parseSelector('').matches(undefined), true);
  // Prototype members are not labels.
  assert.equal(parseSelector('constructor').matches({}), false);
  assert.equal(parseSelector('!toString').matches({}), true);
  assert.equal(parseSelector('constructor=x').matches({ constructor: 'x' } as Record<string, string>), true);
  // int64 comparisons stay exact beyond 2^53.
  assert.equal(parseSelector('n>9007199254740992').matches({ n: '9007199254740993' }), true);
  assert.equal(parseSelector('n<9223372036854775807').matches({ n: '9223372036854775808' }), false);
});

test('requiresExactMatch / requirements', () => {
  const s = parseSelector('b in (x),a=1,c!=2,d in (p,q)');
  assert.deepEqual(s.requirements.map((r) => r.key), ['a', 'b', 'c', 'd']);
  assert.equal(s.requiresExactMatch('a'), '1');
  assert.equal(s.requiresExactMatch('b'), 'x');
  assert.equal(s.requiresExactMatch('c'), undefined);
  assert.equal(s.requiresExactMatch('d'), undefined);
  assert.equal(s.requiresExactMatch('zz'), undefined);
  assert.deepEqual(parseToRequirements('x in (b,a)')[0], { key: 'x', operator: 'in', values: ['a', 'b'] });
  assert.deepEqual(parseToRequirements('!x')[0], { key: 'x', operator: '!', values: [] });
  assert.deepEqual(parseToRequirements('x')[0], { key: 'x', operator: 'exists', values: [] });
  assert.deepEqual(parseToRequirements('x>3')[0], { key: 'x', operator: 'gt', values: ['3'] });
});

test('everything, nothing, sets', () => {
  assert.equal(everything().matches({ a: 'b' }), true);
  assert.equal(everything().empty, true);
  assert.equal(nothing().matches({}), false);
  assert.equal(nothing().empty, false);
  assert.equal(nothing().toString(), '');
  const s = selectorFromSet({ b: '2', a: '1' });
  assert.equal(s.toString(), 'a=1,b=2');
  assert.equal(s.matches({ a: '1', b: '2', c: '3' }), true);
  assert.equal(s.matches({ a: '1' }), false);
  assert.equal(selectorFromSet({}).empty, true);
  assert.throws(() => validatedSelectorFromSet({ a: 'b c' }), (e: unknown) => e instanceof StatusError && e.message === `values[0][a]: Invalid value: "b c": ${LABEL_VALUE_MSG}`);
  assert.equal(s.add(newRequirement('0', 'exists', [])).toString(), '0,a=1,b=2');
  assert.equal(formatLabels({ b: '2', a: '1' }), 'a=1,b=2');
});

test('newRequirement errors as upstream NewRequirement', () => {
  const msg = (f: () => unknown) => {
    try { f(); } catch (e) { return (e as Error).message; }
    return '';
  };
  assert.equal(msg(() => newRequirement('a', 'in', [])), "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty");
  assert.equal(msg(() => newRequirement('a', '=', ['x', 'y'])), `values: Invalid value: ["x","y"]: exact-match compatibility requires one single value`);
  assert.equal(msg(() => newRequirement('a', 'exists', ['x'])), `values: Invalid value: ["x"]: values set must be empty for exists and does not exist`);
  assert.equal(msg(() => newRequirement('a b', '=', ['c d'])), `[key: Invalid value: "a b": ${QNAME_PART_MSG}, values[0][a b]: Invalid value: "c d": ${LABEL_VALUE_MSG}]`);
  assert.equal(msg(() => newRequirement('a', 'bogus' as never, [])), 'operator: Unsupported value: "bogus": supported values: "in", "notin", "=", "==", "!=", "gt", "lt", "exists", "!"');
});

test('metav1.LabelSelector conversion and canonical string', () => {
  assert.equal(labelSelectorToString({ matchLabels: { app: 'nginx' } }), 'app=nginx');
  assert.equal(labelSelectorToString({
    matchLabels: { tier: 'x', app: 'nginx' },
    matchExpressions: [{ key: 'env', operator: 'In', values: ['b', 'a'] }, { key: 'gone', operator: 'DoesNotExist' }, { key: 'has', operator: 'Exists' }, { key: 'z', operator: 'NotIn', values: ['q'] }],
  }), 'app=nginx,env in (a,b),!gone,has,tier=x,z notin (q)');
  assert.equal(labelSelectorToString({}), '');
  assert.equal(labelSelectorAsSelector({}).matches({ any: 'thing' }), true);
  assert.equal(labelSelectorAsSelector(undefined).matches({}), false);
  assert.equal(labelSelectorAsSelector(null).matches({}), false);
  const sel = labelSelectorAsSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] });
  assert.equal(sel.matches({ app: 'web', env: 'dev' }), true);
  assert.equal(sel.matches({ app: 'web', env: 'prod' }), false);
  assert.equal(sel.matches({ app: 'web' }), true);
  assert.throws(() => labelSelectorAsSelector({ matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }] }), /^StatusError: "Equals" is not a valid label selector operator$/);
  assert.throws(() => labelSelectorAsSelector({ matchLabels: { app: 'a b' } }), (e: unknown) => (e as Error).message === `values[0][app]: Invalid value: "a b": ${LABEL_VALUE_MSG}`);
  assert.throws(() => labelSelectorAsSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }), /values set can't be empty/);
  assert.equal(formatLabelSelector({}), '<none>');
  assert.equal(formatLabelSelector({ matchLabels: { app: 'a b' } }), '<error>');
  assert.equal(formatLabelSelector({ matchLabels: { app: 'web' } }), 'app=web');
});

test('a compound selector matches exactly the expected label sets', () => {
  const sel = parseSelector('app in (web,api),tier!=db,!canary,env');
  let n = 0;
  let expected = 0;
  for (let i = 0; i < 10_000; i++) {
    const o: Record<string, string> = { app: i % 3 === 0 ? 'web' : i % 3 === 1 ? 'api' : 'db', tier: i % 5 === 0 ? 'db' : 'fe', env: 'prod', ...(i % 7 === 0 ? { canary: 'y' } : {}) };
    if (i % 3 !== 2 && i % 5 !== 0 && i % 7 !== 0) expected++;
    if (sel.matches(o)) n++;
  }
  assert.equal(n, expected);
});
