// Test fixtures for the authn tests: an in-memory ObjectSource, keys and objects.

import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { ObjectSource } from '../../../src/apiserver/authz/types.js';
import type { KObject } from '../../../src/apiserver/registry/types.js';

type Listener = (oldObj: KObject | undefined, newObj: KObject | undefined) => void;

export class MemorySource implements ObjectSource {
  private items = new Map<string, Map<string, KObject>>();
  private listeners = new Map<string, Listener[]>();
  private versions = new Map<string, number>();
  gets = 0;

  private res(group: string, plural: string): Map<string, KObject> {
    const k = `${group}/${plural}`;
    let m = this.items.get(k);
    if (!m) this.items.set(k, (m = new Map()));
    return m;
  }

  put(group: string, plural: string, obj: KObject): KObject {
    const key = `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
    const m = this.res(group, plural);
    const old = m.get(key);
    m.set(key, obj);
    this.bump(group, plural, old, obj);
    return obj;
  }

  delete(group: string, plural: string, namespace: string, name: string): void {
    const m = this.res(group, plural);
    const key = `${namespace}/${name}`;
    const old = m.get(key);
    m.delete(key);
    this.bump(group, plural, old, undefined);
  }

  private bump(group: string, plural: string, oldObj: KObject | undefined, newObj: KObject | undefined): void {
    const k = `${group}/${plural}`;
    this.versions.set(k, (this.versions.get(k) ?? 0) + 1);
    for (const fn of this.listeners.get(k) ?? []) fn(oldObj, newObj);
  }

  list(group: string, plural: string, namespace?: string): KObject[] {
    return [...this.res(group, plural).values()].filter((o) => !namespace || o.metadata.namespace === namespace);
  }

  get(group: string, plural: string, namespace: string, name: string): KObject | undefined {
    this.gets++;
    return this.res(group, plural).get(`${namespace}/${name}`);
  }

  version(group: string, plural: string): number {
    return this.versions.get(`${group}/${plural}`) ?? 0;
  }

  onChange(group: string, plural: string, fn: Listener): void {
    const k = `${group}/${plural}`;
    const l = this.listeners.get(k) ?? [];
    l.push(fn);
    this.listeners.set(k, l);
  }
}

let rsa: { privateKey: KeyObject; publicKey: KeyObject } | undefined;
export function rsaKeys(): { privateKey: KeyObject; publicKey: KeyObject } {
  rsa ??= generateKeyPairSync('rsa', { modulusLength: 2048 });
  return rsa;
}
export function ecKeys(curve = 'prime256v1'): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: curve });
}

export function serviceAccount(namespace: string, name: string, extra: KObject = {}): KObject {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace, name, uid: randomUUID() }, ...extra };
}
export function pod(namespace: string, name: string, sa: string, nodeName?: string): KObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name, uid: randomUUID() }, spec: { serviceAccountName: sa, nodeName, containers: [{ name: 'c', image: 'i' }] } };
}
export function node(name: string): KObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, uid: randomUUID() } };
}
export function secret(namespace: string, name: string, type = 'Opaque', data: Record<string, string> = {}, extra: KObject = {}): KObject {
  const enc = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  return { apiVersion: 'v1', kind: 'Secret', metadata: { namespace, name, uid: randomUUID(), ...(extra.metadata ?? {}) }, type, data: enc };
}

/** A clock tests can move. */
export class Clock {
  constructor(public ms = Date.UTC(2025, 0, 15, 12, 0, 0)) {}
  now = (): number => this.ms;
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}
