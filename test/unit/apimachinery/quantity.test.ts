// Tests for src/apimachinery/quantity.ts: parsing, upstream's error messages, canonical
// string forms (including reuse of already-canonical input), rounding, the BinarySI cap,
// value()/milliValue() rounding, comparison and arithmetic.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseQuantity, isQuantity, newQuantity, newMilliQuantity, newScaledQuantity, quantityFromJSON,
  canonicalQuantity, sumQuantities, QuantityParseError, ErrFormatWrong, ErrSuffix,
} from '../../../src/apimachinery/quantity.js';

const canon = (s: string) => parseQuantity(s).toString();

test('canonical forms', () => {
  const cases: [string, string][] = [
    ['0', '0'], ['0n', '0'], ['0u', '0'], ['0m', '0'], ['0Ki', '0'], ['0k', '0'], ['0Mi', '0'], ['0M', '0'],
    ['00', '0'], ['-0', '0'], ['+0', '0'], ['0.0', '0'], ['0e6', '0'], ['.', '0'],
    ['1n', '1n'], ['1u', '1u'], ['1m', '1m'], ['1', '1'], ['1k', '1k'], ['1M', '1M'], ['1G', '1G'],
    ['1T', '1T'], ['1P', '1P'], ['1E', '1E'],
    ['1Ki', '1Ki'], ['1Mi', '1Mi'], ['1Gi', '1Gi'], ['1Ti', '1Ti'], ['1Pi', '1Pi'], ['1Ei', '1Ei'],
    ['1000m', '1'], ['0.5', '500m'], ['1.5', '1500m'], ['2000m', '2'], ['500m', '500m'], ['100m', '100m'],
    ['0.001', '1m'], ['0.1m', '100u'], ['1.0', '1'], ['5.000', '5'], ['1000', '1k'], ['1001', '1001'],
    ['1500k', '1500k'], ['1500000', '1500k'], ['100M', '100M'], ['1000M', '1G'], ['1000000000n', '1'],
    ['123456789n', '123456789n'], ['12345678901234567890', '12345678901234567890'],
    ['1024Mi', '1Gi'], ['1.5Gi', '1536Mi'], ['1.5Mi', '1536Ki'], ['0.5Ki', '512'], ['2Gi', '2Gi'],
    ['100Gi', '100Gi'], ['3Ti', '3Ti'], ['1.5Pi', '1536Ti'], ['7Ei', '7Ei'], ['1024Ki', '1Mi'],
    ['2048', '2048'], ['1536', '1536'], ['1.0001Ki', '1024102400u'], ['0.0001Ki', '102400u'],
    // e-notation keeps DecimalExponent; already-canonical input strings are kept as given.
    ['1e3', '1e3'], ['1E3', '1E3'], ['12e6', '12e6'], ['1e-3', '1e-3'], ['5e-9', '5e-9'],
    ['1.5e3', '1500'], ['0.5e6', '500e3'], ['1000e3', '1e6'], ['1E+3', '1E+3'],
    ['+1', '+1'], ['010', '010'], ['+100M', '+100M'], ['-1Ki', '-1Ki'],
    // Rounded up to whole nano units.
    ['0.0000000001', '1n'], ['0.1n', '1n'], ['-0.1n', '-1n'], ['1.5n', '2n'], ['1e-10', '1e-9'],
    // Negative values.
    ['-1', '-1'], ['-1.5', '-1500m'], ['-1000m', '-1'], ['-1024Mi', '-1Gi'],
    // BinarySI is capped at 2^63-1.
    ['8Ei', '9223372036854775807'], ['1024Ei', '9223372036854775807'],
  ];
  for (const [input, want] of cases) assert.equal(canon(input), want, JSON.stringify(input));
});

test('formats', () => {
  assert.equal(parseQuantity('1Ki').format, 'BinarySI');
  assert.equal(parseQuantity('1k').format, 'DecimalSI');
  assert.equal(parseQuantity('1').format, 'DecimalSI');
  assert.equal(parseQuantity('1e3').format, 'DecimalExponent');
  // A BinarySI value strictly between 0 and 1 becomes DecimalSI.
  assert.equal(parseQuantity('0.0001Ki').format, 'DecimalSI');
});

test('parse errors carry upstream messages', () => {
  assert.equal(ErrFormatWrong, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  for (const bad of ['', 'aoeu', '1.1.M', '1+1.0M', '0.1am', ' 1', '1 ', '1Ki ', '1.2.3', '-3.01e-3.', 'x1', '1Gi/2', '1MiB']) {
    assert.throws(() => parseQuantity(bad), (e: unknown) => e instanceof QuantityParseError && e.message === ErrFormatWrong, JSON.stringify(bad));
  }
  for (const bad of ['1K', '1ki', '0.1mi', '.5i', '1i', '-3.01i', '1e', '1e+', '-3.01e-', '1Gi2', '1kM', '1mm']) {
    assert.throws(() => parseQuantity(bad), (e: unknown) => e instanceof Error && e.message === ErrSuffix, JSON.stringify(bad));
  }
  assert.equal(ErrSuffix, "unable to parse quantity's suffix");
  assert.equal(isQuantity('1Gi'), true);
  assert.equal(isQuantity('1GB'), false);
  assert.equal(isQuantity(''), false);
});

test('value and milliValue round up (away from zero)', () => {
  const v = (s: string) => parseQuantity(s).value();
  const mv = (s: string) => parseQuantity(s).milliValue();
  assert.equal(v('1'), 1);
  assert.equal(v('100m'), 1);
  assert.equal(v('1001m'), 2);
  assert.equal(v('1.5'), 2);
  assert.equal(v('-1.5'), -2);
  assert.equal(v('1Ki'), 1024);
  assert.equal(v('1.5Gi'), 1610612736);
  assert.equal(v('1k'), 1000);
  assert.equal(v('1e3'), 1000);
  assert.equal(v('5G'), 5_000_000_000);
  assert.equal(mv('1'), 1000);
  assert.equal(mv('250m'), 250);
  assert.equal(mv('0.1m'), 1);
  assert.equal(mv('1n'), 1);
  assert.equal(mv('1.5'), 1500);
  assert.equal(mv('2Ki'), 2048000);
  assert.equal(parseQuantity('12345678901234567890').valueBig(), 12345678901234567890n);
  assert.equal(parseQuantity('1u').scaledValue(-6), 1);
  assert.equal(parseQuantity('1500m').scaledValue(3), 1);
});

test('comparison', () => {
  const c = (a: string, b: string) => parseQuantity(a).cmp(parseQuantity(b));
  assert.equal(c('1', '1000m'), 0);
  assert.equal(c('1Ki', '1024'), 0);
  assert.equal(c('1k', '1Ki'), -1);
  assert.equal(c('1Gi', '1G'), 1);
  assert.equal(c('500m', '0.5'), 0);
  assert.equal(c('-1', '1'), -1);
  assert.equal(c('0', '-0'), 0);
  assert.equal(c('1e30', '1e29'), 1);
  assert.equal(c('1e-5', '1n'), 1);
  assert.equal(c('-1e30', '-1e29'), -1);
  assert.equal(c('1e100000', '2'), 1);
  assert.equal(parseQuantity('1Ki').equal(parseQuantity('1024')), true);
  assert.equal(parseQuantity('1023').cmpInt64(1024), -1);
});

test('arithmetic', () => {
  const q = parseQuantity;
  assert.equal(q('1.5Gi').add(q('512Mi')).toString(), '2Gi');
  assert.equal(q('1.5Gi').sub(q('512Mi')).toString(), '1Gi');
  assert.equal(q('100m').add(q('1')).toString(), '1100m');
  assert.equal(q('1').sub(q('1')).toString(), '0');
  assert.equal(q('1').sub(q('2')).toString(), '-1');
  assert.equal(q('1Ki').add(q('1')).toString(), '1025');
  // Adding to zero takes the other side's format.
  assert.equal(q('0').add(q('1Ki')).toString(), '1Ki');
  assert.equal(q('0').add(q('1Ki')).format, 'BinarySI');
  assert.equal(q('0').sub(q('1Ki')).toString(), '-1Ki');
  assert.equal(q('1k').add(q('1Ki')).toString(), '2024');
  assert.equal(q('1Ki').neg().toString(), '-1Ki');
  assert.equal(q('250m').mul(4).toString(), '1');
  // Arithmetic drops the kept input string and prints canonically.
  assert.equal(q('+1').add(q('0')).toString(), '1');
  assert.equal(sumQuantities([q('100m'), q('200m'), q('1')]).toString(), '1300m');
  assert.equal(sumQuantities([]).toString(), '0');
});

test('constructors, JSON', () => {
  assert.equal(newQuantity(1024, 'BinarySI').toString(), '1Ki');
  assert.equal(newQuantity(1023, 'BinarySI').toString(), '1023');
  assert.equal(newQuantity(2560, 'BinarySI').toString(), '2560');
  assert.equal(newQuantity(5000).toString(), '5k');
  assert.equal(newQuantity(5000, 'DecimalExponent').toString(), '5e3');
  assert.equal(newMilliQuantity(1500).toString(), '1500m');
  assert.equal(newMilliQuantity(1500, 'BinarySI').toString(), '1500m');
  assert.equal(newScaledQuantity(3, 6).toString(), '3M');
  assert.equal(JSON.stringify({ cpu: parseQuantity('0.5'), mem: parseQuantity('1024Mi') }), '{"cpu":"500m","mem":"1Gi"}');
  assert.equal(quantityFromJSON(' 1Gi ')!.toString(), '1Gi');
  assert.equal(quantityFromJSON(0.5)!.toString(), '500m');
  assert.equal(quantityFromJSON(null), undefined);
  assert.equal(canonicalQuantity('2000m'), '2');
  assert.equal(parseQuantity('1.5').toDecimalString(), '1.5');
  assert.equal(parseQuantity('-1m').toDecimalString(), '-0.001');
  assert.equal(parseQuantity('1Ki').toDecimalString(), '1024');
  assert.equal(parseQuantity('1.5').asApproximateFloat64(), 1.5);
});
