// Kubernetes' CEL quantity library over k8ts' resource.Quantity: quantity(), isQuantity(),
// comparisons, arithmetic and conversions.
import type { Environment } from '@marcbachmann/cel-js';
import { isQuantity, parseQuantity, newQuantity, Quantity } from '../quantity.js';

function asQ(v: Quantity | bigint): Quantity {
  return typeof v === 'bigint' ? newQuantity(v) : v;
}

export function registerQuantity(env: Environment): void {
  env.registerType('Quantity', Quantity as unknown as new (...a: unknown[]) => Quantity);
  env.registerFunction('quantity(string): Quantity', (s: string) => {
    try {
      return parseQuantity(s);
    } catch (e) {
      throw new Error(`quantity parse error: ${(e as Error).message}`);
    }
  });
  env.registerFunction('isQuantity(string): bool', (s: string) => isQuantity(s));
  env.registerFunction('Quantity.sign(): int', (q: Quantity) => BigInt(q.sign()));
  env.registerFunction('Quantity.isInteger(): bool', (q: Quantity) => q.cmp(newQuantity(q.valueBig())) === 0 && q.valueBig() <= 9223372036854775807n && q.valueBig() >= -9223372036854775808n);
  env.registerFunction('Quantity.asInteger(): int', (q: Quantity) => {
    const v = q.valueBig();
    if (q.cmp(newQuantity(v)) !== 0 || v > 9223372036854775807n || v < -9223372036854775808n) {
      throw new Error('cannot convert value to integer');
    }
    return v;
  });
  env.registerFunction('Quantity.asApproximateFloat(): double', (q: Quantity) => q.asApproximateFloat64());
  env.registerFunction('Quantity.compareTo(Quantity): int', (a: Quantity, b: Quantity) => BigInt(a.cmp(b)));
  env.registerFunction('Quantity.isLessThan(Quantity): bool', (a: Quantity, b: Quantity) => a.cmp(b) < 0);
  env.registerFunction('Quantity.isGreaterThan(Quantity): bool', (a: Quantity, b: Quantity) => a.cmp(b) > 0);
  env.registerFunction('Quantity.add(Quantity): Quantity', (a: Quantity, b: Quantity) => a.add(b));
  env.registerFunction('Quantity.add(int): Quantity', (a: Quantity, b: bigint) => a.add(asQ(b)));
  env.registerFunction('Quantity.sub(Quantity): Quantity', (a: Quantity, b: Quantity) => a.sub(b));
  env.registerFunction('Quantity.sub(int): Quantity', (a: Quantity, b: bigint) => a.sub(asQ(b)));
  env.registerOperator('Quantity == Quantity', (a: Quantity, b: Quantity) => a.cmp(b) === 0);
}
