// @peculiar/x509, loaded on first use: importing it costs about 0.2 s of start-up, and only
// certificate generation, CSR parsing and CSR signing need it. It gets node:crypto's WebCrypto
// as its crypto provider when loaded. (The package's entry point is its CommonJS build, so
// require() gives the same module an ESM import would.)

import { createRequire } from 'node:module';
import { webcrypto } from 'node:crypto';
import type * as X509 from '@peculiar/x509';

const require = createRequire(import.meta.url);
let mod: typeof X509 | undefined;

export function x509lib(): typeof X509 {
  if (!mod) {
    const m = require('@peculiar/x509') as typeof X509;
    m.cryptoProvider.set(webcrypto as unknown as Parameters<typeof m.cryptoProvider.set>[0]);
    mod = m;
  }
  return mod;
}
