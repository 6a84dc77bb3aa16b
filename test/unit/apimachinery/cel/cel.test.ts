// Tests for src/apimachinery/cel: JSON ↔ CEL values, compile and evaluation errors, the standard
// macros, and each Kubernetes library (strings, lists, regex, url, quantity, optionals, time).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileCel, CelCompileError, CelEvalError } from '../../../../src/apimachinery/cel/index.js';

const self = {
  replicas: 7, ratio: 0.5, name: 'Hello World', list: [3, 1, 2], words: ['b', 'a'],
  labels: { app: 'web', tier: 'front' }, cpu: '1500m',
  endpoint: 'https://user@example.com:8443/a%20b?x=1&x=2&y=z',
};

function ev(expr: string, vars: Record<string, unknown> = { self }): unknown {
  return compileCel(expr, { variables: Object.keys(vars) }).eval(vars);
}

function compileErr(expr: string, variables = ['self']): string {
  try {
    compileCel(expr, { variables });
  } catch (e) {
    assert.ok(e instanceof CelCompileError, `CelCompileError, got ${String(e)}`);
    return e.message;
  }
  assert.fail(`expected a compile error for ${expr}`);
}

function evalErr(expr: string, vars: Record<string, unknown> = { self }): string {
  try {
    ev(expr, vars);
  } catch (e) {
    assert.ok(e instanceof CelEvalError, `CelEvalError, got ${String(e)}`);
    return e.message;
  }
  assert.fail(`expected an evaluation error for ${expr}`);
}

test('values: JSON integers are CEL ints, other numbers doubles, objects maps; results come back as JSON', () => {
  assert.equal(ev('self.replicas + 1'), 8);
  assert.equal(ev('self.ratio * 2.0'), 1);
  assert.equal(ev('type(self.replicas) == int && type(self.ratio) == double'), true);
  assert.equal(ev('self.replicas > 5 && self.replicas < 7.5'), true);
  assert.deepEqual(ev('self.labels'), { app: 'web', tier: 'front' });
  assert.deepEqual(ev('[1, 2.5, "x", true, null]'), [1, 2.5, 'x', true, null]);
});

test('missing fields: has() is false, access is "no such key"', () => {
  assert.equal(ev('has(self.labels.app)'), true);
  assert.equal(ev('has(self.spec)'), false);
  assert.equal(evalErr('self.spec.replicas'), 'no such key: spec');
  assert.equal(evalErr('self.list[5]'), "index '5' out of range in list size '3'");
  assert.equal(evalErr('1 / 0', {}), 'division by zero');
});

test('compile errors name the problem and position', () => {
  assert.equal(compileErr('object.spec'), "ERROR: <input>:1:1: undeclared reference to 'object' (in container '')");
  assert.match(compileErr('self.replicas +'), /^ERROR: <input>:1:\d+: Syntax error: /);
  assert.match(compileErr('self.name.noSuchFunction()'), /found no matching overload for 'noSuchFunction'/);
  assert.match(compileErr('1 + "a"', []), /no such overload/);
});

test('macros: has, all, exists, exists_one, map, filter, size', () => {
  assert.equal(ev('self.list.all(x, x > 0)'), true);
  assert.equal(ev('self.list.exists(x, x == 2)'), true);
  assert.equal(ev('self.list.exists_one(x, x > 1)'), false);
  assert.deepEqual(ev('self.list.map(x, x * 2)'), [6, 2, 4]);
  assert.deepEqual(ev('self.list.filter(x, x > 1)'), [3, 2]);
  assert.equal(ev('size(self.list) == 3 && self.labels.size() == 2 && size(self.name) == 11'), true);
  assert.equal(ev('self.labels.all(k, k.size() > 2)'), true);
  assert.deepEqual(ev('self.labels.map(k, self.labels[k])'), ['web', 'front']);
});

test('strings library', () => {
  assert.equal(ev('self.name.charAt(1)'), 'e');
  assert.equal(ev('self.name.charAt(11)'), '');
  assert.equal(ev('self.name.indexOf("o")'), 4);
  assert.equal(ev('self.name.lastIndexOf("o")'), 7);
  assert.equal(ev('self.name.lowerAscii()'), 'hello world');
  assert.equal(ev('self.name.upperAscii()'), 'HELLO WORLD');
  assert.equal(ev('self.name.replace("o", "0")'), 'Hell0 W0rld');
  assert.equal(ev('self.name.replace("o", "0", 1)'), 'Hell0 World');
  assert.equal(ev('"ab".replace("", "-")', {}), '-a-b-');
  assert.deepEqual(ev('self.name.split(" ")'), ['Hello', 'World']);
  assert.deepEqual(ev('"a,b,c".split(",", 2)', {}), ['a', 'b,c']);
  assert.equal(ev('self.name.substring(6)'), 'World');
  assert.equal(ev('self.name.substring(0, 5)'), 'Hello');
  assert.equal(ev('"  x ".trim()', {}), 'x');
  assert.equal(ev('self.words.join("-")'), 'b-a');
  assert.equal(ev('"abc".reverse()', {}), 'cba');
  assert.equal(ev('"%s has %d items (%.2f), %x".format(["x", 3, 2.5, 255])', {}), 'x has 3 items (2.50), ff');
  assert.equal(ev('self.name.matches("^H.*d$")'), true);
  assert.equal(ev('self.name.startsWith("He") && self.name.endsWith("ld") && self.name.contains("o W")'), true);
});

test('lists library', () => {
  assert.equal(ev('self.list.isSorted()'), false);
  assert.equal(ev('[1, 2, 2].isSorted() && ["a", "b"].isSorted()', {}), true);
  assert.equal(ev('self.list.sum()'), 6);
  assert.equal(ev('[1.5, 2.0].sum()', {}), 3.5);
  assert.equal(ev('[].sum()', {}), 0);
  assert.equal(ev('self.list.min()'), 1);
  assert.equal(ev('self.list.max()'), 3);
  assert.equal(ev('self.words.min()'), 'a');
  assert.equal(evalErr('[].min()', {}), 'min called on empty list');
  assert.equal(ev('self.list.indexOf(1)'), 1);
  assert.equal(ev('[1, 2, 1].lastIndexOf(1)', {}), 2);
  assert.equal(ev('self.list.indexOf(9)'), -1);
  assert.deepEqual(ev('self.list.slice(1, 3)'), [1, 2]);
  assert.deepEqual(ev('[[1], [2, 3]].flatten()', {}), [1, 2, 3]);
  assert.deepEqual(ev('[1, 2, 1].distinct()', {}), [1, 2]);
});

test('regex library', () => {
  assert.equal(ev('"abc123def456".find("[0-9]+")', {}), '123');
  assert.equal(ev('"abc".find("[0-9]+")', {}), '');
  assert.deepEqual(ev('"abc123def456".findAll("[0-9]+")', {}), ['123', '456']);
  assert.deepEqual(ev('"abc123def456".findAll("[0-9]+", 1)', {}), ['123']);
});

test('url library', () => {
  assert.equal(ev('url(self.endpoint).getScheme()'), 'https');
  assert.equal(ev('url(self.endpoint).getHost()'), 'example.com:8443');
  assert.equal(ev('url(self.endpoint).getHostname()'), 'example.com');
  assert.equal(ev('url(self.endpoint).getPort()'), '8443');
  assert.equal(ev('url(self.endpoint).getEscapedPath()'), '/a%20b');
  assert.deepEqual(ev('url(self.endpoint).getQuery()'), { x: ['1', '2'], y: ['z'] });
  assert.equal(ev('url("https://[::1]:80/").getHostname()', {}), '::1');
  assert.equal(ev('isURL("/path") && !isURL("not a url")', {}), true);
  assert.match(evalErr('url("nope")', {}), /URL parse error/);
});

test('quantity library', () => {
  assert.equal(ev('isQuantity(self.cpu) && !isQuantity("1x")'), true);
  assert.equal(ev('quantity(self.cpu).isLessThan(quantity("2"))'), true);
  assert.equal(ev('quantity(self.cpu).isGreaterThan(quantity("1"))'), true);
  assert.equal(ev('quantity("1").compareTo(quantity("1000m"))', {}), 0);
  assert.equal(ev('quantity("1") == quantity("1000m")', {}), true);
  assert.equal(ev('quantity("2Ki").asInteger()', {}), 2048);
  assert.equal(ev('quantity("1500m").asApproximateFloat()', {}), 1.5);
  assert.equal(ev('quantity("1500m").isInteger()', {}), false);
  assert.equal(ev('quantity("1Gi").add(quantity("1Gi")).isGreaterThan(quantity("2G"))', {}), true);
  assert.equal(ev('quantity("3").sub(1).asInteger()', {}), 2);
  assert.equal(ev('quantity("-3").sign()', {}), -1);
  assert.equal(evalErr('quantity("1500m").asInteger()', {}), 'cannot convert value to integer');
  assert.match(evalErr('quantity("x1")', {}), /quantity parse error/);
});

test('optionals', () => {
  assert.equal(ev('self.?spec.replicas.orValue(1)'), 1);
  assert.equal(ev('self.?labels.app.orValue("none")'), 'web');
  assert.equal(ev('optional.of(1).hasValue() && !optional.none().hasValue()', {}), true);
});

test('timestamps and durations', () => {
  assert.equal(ev('timestamp("2024-01-01T00:00:00Z") + duration("1h") == timestamp("2024-01-01T01:00:00Z")', {}), true);
  assert.equal(ev('duration("90m") > duration("1h")', {}), true);
  assert.equal(ev('timestamp(self.t).getFullYear()', { self: { t: '2025-06-01T12:00:00Z' } }), 2025);
});

test('self and oldSelf: a transition rule', () => {
  const p = compileCel('self.replicas >= oldSelf.replicas', { variables: ['self', 'oldSelf'] });
  assert.equal(p.eval({ self: { replicas: 3 }, oldSelf: { replicas: 2 } }), true);
  assert.equal(p.eval({ self: { replicas: 1 }, oldSelf: { replicas: 2 } }), false);
  assert.equal(p.expression, 'self.replicas >= oldSelf.replicas');
});

test('mixed int and double arithmetic is an error, as in CEL', () => {
  assert.match(evalErr('self.ratio + 1'), /no such overload/);
});

test('ip and cidr libraries', () => {
  assert.equal(ev('ip("10.0.0.1").family() == 4 && ip("fd00::1").family() == 6', {}), true);
  assert.equal(ev('isIP("10.0.0.1") && !isIP("10.0.0.01") && !isIP("::ffff:10.0.0.1") && !isIP("fe80::1%eth0")', {}), true);
  assert.equal(ev('ip("127.0.0.1").isLoopback() && ip("::1").isLoopback() && !ip("10.0.0.1").isLoopback()', {}), true);
  assert.equal(ev('ip("0.0.0.0").isUnspecified() && ip("8.8.8.8").isGlobalUnicast() && !ip("224.0.0.1").isGlobalUnicast()', {}), true);
  assert.equal(ev('ip("fe80::1").isLinkLocalUnicast() && ip("224.0.0.5").isLinkLocalMulticast()', {}), true);
  assert.equal(ev('string(ip("2001:0db8::1"))', {}), '2001:db8::1');
  assert.equal(ev('cidr("10.0.0.0/8").containsIP(ip("10.1.2.3")) && !cidr("10.0.0.0/8").containsIP("11.1.2.3")', {}), true);
  assert.equal(ev('cidr("10.0.0.0/8").containsCIDR("10.1.0.0/16") && !cidr("10.1.0.0/16").containsCIDR("10.0.0.0/8")', {}), true);
  assert.equal(ev('cidr("192.168.0.1/24").masked() == cidr("192.168.0.0/24") && cidr("192.168.0.1/24").ip() == ip("192.168.0.1")', {}), true);
  assert.equal(ev('cidr("fd00::/64").prefixLength()', {}), 64);
  assert.equal(ev('isCIDR("10.0.0.0/8") && !isCIDR("1.2.3.4/33") && !isCIDR("1.2.3.4")', {}), true);
  assert.match(evalErr('ip("x")', {}), /parse error/);
});
