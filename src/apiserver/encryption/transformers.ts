// Value transformers for encryption at rest, laid out byte for byte as k8s.io/apiserver's
// storage/value packages lay them out, so either server reads what the other wrote:
//
//   aescbc:    "k8s:enc:aescbc:v1:<key>:"    || IV(16)    || AES-CBC(plain || PKCS#7 padding)
//   aesgcm:    "k8s:enc:aesgcm:v1:<key>:"    || nonce(12) || AES-GCM ciphertext || tag(16)
//              (additional authenticated data: the etcd key, e.g. "/registry/secrets/ns/name")
//   secretbox: "k8s:enc:secretbox:v1:<key>:" || nonce(24) || tag(16) || XSalsa20 ciphertext
//   identity:  the plain bytes (reading refuses anything starting "k8s:enc:")
//
// Providers and keys are chosen by prefix as upstream's prefixTransformers do: the first
// transformer writes; reading tries every transformer whose prefix matches, in order, and the
// first success wins (a failure with a non-empty prefix is remembered and reported when nothing
// succeeds; the identity transformer's failure is skipped).

import { createCipheriv, createDecipheriv, randomBytes, type CipherGCMTypes } from 'node:crypto';

import { decodeStdBase64, type EncryptionKey } from './config.js';
import { SECRETBOX_NONCE_SIZE, SECRETBOX_OVERHEAD, secretboxOpen, secretboxSeal } from './secretbox.js';

export const AESCBC_PREFIX = 'k8s:enc:aescbc:v1:';
export const AESGCM_PREFIX = 'k8s:enc:aesgcm:v1:';
export const SECRETBOX_PREFIX = 'k8s:enc:secretbox:v1:';
export const KMS_V1_PREFIX = 'k8s:enc:kms:v1:';
export const KMS_V2_PREFIX = 'k8s:enc:kms:v2:';
/** Reserved for encrypted data; the identity transformer refuses to read it. */
export const ENCRYPTED_PREFIX = 'k8s:enc:';
const ENCRYPTED_PREFIX_BYTES = Buffer.from(ENCRYPTED_PREFIX);

const AES_BLOCK = 16;
const GCM_NONCE = 12;
const GCM_TAG = 16;

/** A failure to transform a value (its message is upstream's). */
export class TransformError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransformError';
  }
}

/** upstream's value.Transformer; authenticatedData is the etcd key (value.DefaultContext). */
export interface DataTransformer {
  /** stale: the value was not written by the transformer that writes now (rewrite it). */
  transformFromStorage(data: Buffer, authenticatedData: Buffer): { data: Buffer; stale: boolean };
  transformToStorage(data: Buffer, authenticatedData: Buffer): Buffer;
}

export interface PrefixTransformer {
  prefix: Buffer;
  transformer: DataTransformer;
  /** For reporting: e.g. "aescbc", "identity". */
  provider?: string;
}

/** identity.NewEncryptCheckTransformer. */
export class IdentityTransformer implements DataTransformer {
  transformFromStorage(data: Buffer): { data: Buffer; stale: boolean } {
    if (startsWith(data, ENCRYPTED_PREFIX_BYTES)) throw new TransformError('identity transformer tried to read encrypted data');
    return { data, stale: false };
  }

  transformToStorage(data: Buffer): Buffer {
    return data;
  }
}

export const identity = new IdentityTransformer();

function startsWith(data: Buffer, prefix: Buffer): boolean {
  return data.length >= prefix.length && data.subarray(0, prefix.length).equals(prefix);
}

function aesAlgorithm(mode: 'cbc' | 'gcm', key: Buffer): string {
  if (![16, 24, 32].includes(key.length)) throw new TransformError(`crypto/aes: invalid key size ${key.length}`);
  return `aes-${key.length * 8}-${mode}`;
}

/** AES-CBC with PKCS#7 padding and a random IV prefix (no authentication). */
export class AESCBCTransformer implements DataTransformer {
  private readonly algorithm: string;

  constructor(private readonly key: Buffer) {
    this.algorithm = aesAlgorithm('cbc', key);
  }

  transformFromStorage(data: Buffer): { data: Buffer; stale: boolean } {
    if (data.length < AES_BLOCK) throw new TransformError('the stored data was shorter than the required size');
    const iv = data.subarray(0, AES_BLOCK);
    const body = data.subarray(AES_BLOCK);
    if (body.length % AES_BLOCK !== 0) throw new TransformError('the stored data is not a multiple of the block size');
    const d = createDecipheriv(this.algorithm, this.key, iv);
    d.setAutoPadding(false);
    const result = Buffer.concat([d.update(body), d.final()]);
    // remove and verify PKCS#7 padding
    const c = result.length ? result[result.length - 1] : 0;
    if (c === 0 || c > result.length) throw new TransformError('invalid PKCS7 data (empty or not padded)');
    const size = result.length - c;
    for (let i = size; i < result.length; i++) {
      if (result[i] !== c) throw new TransformError('invalid padding on input');
    }
    return { data: result.subarray(0, size), stale: false };
  }

  transformToStorage(data: Buffer): Buffer {
    const iv = randomBytes(AES_BLOCK);
    const padding = AES_BLOCK - (data.length % AES_BLOCK);
    const c = createCipheriv(this.algorithm, this.key, iv);
    c.setAutoPadding(false);
    const padded = Buffer.concat([data, Buffer.alloc(padding, padding)]);
    return Buffer.concat([iv, c.update(padded), c.final()]);
  }
}

/** AES-GCM with a random 12-byte nonce prefix; the etcd key is the additional data. */
export class AESGCMTransformer implements DataTransformer {
  private readonly algorithm: CipherGCMTypes;

  constructor(private readonly key: Buffer) {
    this.algorithm = aesAlgorithm('gcm', key) as CipherGCMTypes;
  }

  transformFromStorage(data: Buffer, authenticatedData: Buffer): { data: Buffer; stale: boolean } {
    if (data.length < GCM_NONCE) throw new TransformError('the stored data was shorter than the required size');
    const nonce = data.subarray(0, GCM_NONCE);
    const sealed = data.subarray(GCM_NONCE);
    // Go's aead.Open fails the same way for a truncated and for a forged value
    if (sealed.length < GCM_TAG) throw new TransformError('cipher: message authentication failed');
    const d = createDecipheriv(this.algorithm, this.key, nonce, { authTagLength: GCM_TAG });
    d.setAAD(authenticatedData);
    d.setAuthTag(sealed.subarray(sealed.length - GCM_TAG));
    try {
      return { data: Buffer.concat([d.update(sealed.subarray(0, sealed.length - GCM_TAG)), d.final()]), stale: false };
    } catch {
      throw new TransformError('cipher: message authentication failed');
    }
  }

  transformToStorage(data: Buffer, authenticatedData: Buffer): Buffer {
    const nonce = randomBytes(GCM_NONCE);
    const c = createCipheriv(this.algorithm, this.key, nonce, { authTagLength: GCM_TAG });
    c.setAAD(authenticatedData);
    const ct = Buffer.concat([c.update(data), c.final()]);
    return Buffer.concat([nonce, ct, c.getAuthTag()]);
  }
}

/** NaCl secretbox with a random 24-byte nonce prefix (no additional data). */
export class SecretboxTransformer implements DataTransformer {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new TransformError(`expected key size 32 for secretbox provider, got ${key.length}`);
  }

  transformFromStorage(data: Buffer): { data: Buffer; stale: boolean } {
    if (data.length < SECRETBOX_OVERHEAD + SECRETBOX_NONCE_SIZE) throw new TransformError('the stored data was shorter than the required size');
    const opened = secretboxOpen(data.subarray(SECRETBOX_NONCE_SIZE), data.subarray(0, SECRETBOX_NONCE_SIZE), this.key);
    // upstream's (odd) words for a box that does not open
    if (!opened) throw new TransformError('output array was not large enough for encryption');
    return { data: opened, stale: false };
  }

  transformToStorage(data: Buffer): Buffer {
    const nonce = randomBytes(SECRETBOX_NONCE_SIZE);
    return Buffer.concat([nonce, secretboxSeal(data, nonce, this.key)]);
  }
}

/** utilerrors.Reduce(NewAggregate(errs)): one error as itself, several as "[a, b]". */
function reduceErrors(errs: Error[]): Error | undefined {
  if (errs.length === 0) return undefined;
  if (errs.length === 1) return errs[0];
  const msgs: string[] = [];
  for (const e of errs) if (!msgs.includes(e.message)) msgs.push(e.message);
  return new TransformError(msgs.length === 1 ? msgs[0] : `[${msgs.join(', ')}]`);
}

/** value.NewPrefixTransformers. */
export class PrefixTransformers implements DataTransformer {
  constructor(
    readonly transformers: PrefixTransformer[],
    /** Reported when no prefix matches. */
    private readonly noMatch: string,
  ) {
    if (transformers.length === 0) throw new Error('PrefixTransformers needs at least one transformer');
  }

  transformFromStorage(data: Buffer, authenticatedData: Buffer): { data: Buffer; stale: boolean } {
    const errs: Error[] = [];
    for (let i = 0; i < this.transformers.length; i++) {
      const t = this.transformers[i];
      if (!startsWith(data, t.prefix)) continue;
      try {
        const r = t.transformer.transformFromStorage(data.subarray(t.prefix.length), authenticatedData);
        return { data: r.data, stale: r.stale || i !== 0 };
      } catch (e) {
        // the identity transformer refusing encrypted data must not stop a later match; other
        // failures are remembered (two providers may share a prefix, e.g. aescbc twice)
        if (t.prefix.length === 0) continue;
        errs.push(e instanceof Error ? e : new TransformError(String(e)));
      }
    }
    const err = reduceErrors(errs);
    if (err) throw err;
    throw new TransformError(this.noMatch);
  }

  transformToStorage(data: Buffer, authenticatedData: Buffer): Buffer {
    const t = this.transformers[0];
    return Buffer.concat([t.prefix, t.transformer.transformToStorage(data, authenticatedData)]);
  }

  /** The full prefix written now, e.g. "k8s:enc:aescbc:v1:key1:" ('' for identity). */
  writePrefix(): string {
    const t = this.transformers[0];
    const inner = t.transformer instanceof PrefixTransformers ? t.transformer.writePrefix() : '';
    return t.prefix.toString() + inner;
  }
}

export type KeyedProvider = 'aescbc' | 'aesgcm' | 'secretbox';

const PROVIDER_PREFIX: Record<KeyedProvider, string> = {
  aescbc: AESCBC_PREFIX,
  aesgcm: AESGCM_PREFIX,
  secretbox: SECRETBOX_PREFIX,
};

/**
 * One provider entry with its keys: "k8s:enc:<provider>:v1:" over one "<name>:" transformer per
 * key (the first key writes). Errors are upstream's construction errors.
 */
export function keyedPrefixTransformer(provider: KeyedProvider, keys: EncryptionKey[]): PrefixTransformer {
  const kind = provider === 'secretbox' ? 'secretbox' : 'aes';
  if (keys.length === 0) throw new TransformError(`${kind} provider has no valid keys`);
  for (const k of keys) {
    if (k.name === '') throw new TransformError('key with invalid name provided');
    if (k.secret === '') throw new TransformError(`key ${k.name} has no provided secret`);
  }
  const perKey: PrefixTransformer[] = keys.map((k) => {
    const secret = decodeStdBase64(k.secret);
    if (!secret) throw new TransformError(`could not obtain secret for named key ${k.name}: illegal base64 data`);
    let t: DataTransformer;
    if (provider === 'secretbox') {
      if (secret.length !== 32) throw new TransformError(`expected key size 32 for secretbox provider, got ${secret.length}`);
      t = new SecretboxTransformer(secret);
    } else {
      if (![16, 24, 32].includes(secret.length)) {
        throw new TransformError(`error while creating cipher for named key ${k.name}: crypto/aes: invalid key size ${secret.length}`);
      }
      t = provider === 'aescbc' ? new AESCBCTransformer(secret) : new AESGCMTransformer(secret);
    }
    return { prefix: Buffer.from(`${k.name}:`), transformer: t, provider };
  });
  const noMatch = provider === 'secretbox' ? 'no matching key was found for the provided Secretbox transformer' : 'no matching key was found for the provided AES transformer';
  return { prefix: Buffer.from(PROVIDER_PREFIX[provider]), transformer: new PrefixTransformers(perKey, noMatch), provider };
}

/** The identity provider entry: empty prefix, refuses encrypted data. */
export function identityPrefixTransformer(): PrefixTransformer {
  return { prefix: Buffer.alloc(0), transformer: identity, provider: 'identity' };
}
