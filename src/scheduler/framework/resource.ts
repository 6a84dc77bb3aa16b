// Resource arithmetic as the scheduler does it (framework.Resource): cpu in millicores,
// memory and ephemeral-storage in bytes, the allowed pod count, and extended/scalar resources.
// Quantity strings are parsed once and memoized. Pod requests follow resourcehelper.PodRequests:
// containers summed, each init container taking the max (restartable sidecars add up), plus
// overhead; the "non-zero" variant puts 100m cpu / 200Mi memory for containers without requests
// (used only for scoring).

import { parseQuantity } from '../../apimachinery/quantity.js';
import type { Container, Pod, ResourceList } from '../types.js';

export const DefaultMilliCPURequest = 100;
export const DefaultMemoryRequest = 200 * 1024 * 1024;

const milliCache = new Map<string, number>();
const valueCache = new Map<string, number>();

export function milliValue(q: string | number | undefined): number {
  if (q === undefined) return 0;
  const k = String(q);
  let v = milliCache.get(k);
  if (v === undefined) {
    try {
      v = parseQuantity(k).milliValue();
    } catch {
      v = 0;
    }
    if (milliCache.size > 10000) milliCache.clear();
    milliCache.set(k, v);
  }
  return v;
}

export function value(q: string | number | undefined): number {
  if (q === undefined) return 0;
  const k = String(q);
  let v = valueCache.get(k);
  if (v === undefined) {
    try {
      v = parseQuantity(k).value();
    } catch {
      v = 0;
    }
    if (valueCache.size > 10000) valueCache.clear();
    valueCache.set(k, v);
  }
  return v;
}

/** Resources the scheduler accounts for by name ("hugepages-*", extended resources, ...). */
export function isScalarResourceName(name: string): boolean {
  return name !== 'cpu' && name !== 'memory' && name !== 'ephemeral-storage' && name !== 'pods';
}

export class Resource {
  milliCPU = 0;
  memory = 0;
  ephemeralStorage = 0;
  allowedPodNumber = 0;
  scalar?: Map<string, number>;

  static fromList(rl: ResourceList | undefined): Resource {
    const r = new Resource();
    if (rl) r.addList(rl);
    return r;
  }

  addList(rl: ResourceList): void {
    for (const name in rl) {
      const q = rl[name];
      switch (name) {
        case 'cpu':
          this.milliCPU += milliValue(q);
          break;
        case 'memory':
          this.memory += value(q);
          break;
        case 'ephemeral-storage':
          this.ephemeralStorage += value(q);
          break;
        case 'pods':
          this.allowedPodNumber += value(q);
          break;
        default:
          this.addScalar(name, value(q));
      }
    }
  }

  addScalar(name: string, v: number): void {
    if (!this.scalar) this.scalar = new Map();
    this.scalar.set(name, (this.scalar.get(name) ?? 0) + v);
  }

  getScalar(name: string): number {
    return this.scalar?.get(name) ?? 0;
  }

  add(o: Resource, sign = 1): void {
    this.milliCPU += sign * o.milliCPU;
    this.memory += sign * o.memory;
    this.ephemeralStorage += sign * o.ephemeralStorage;
    this.allowedPodNumber += sign * o.allowedPodNumber;
    if (o.scalar) for (const [k, v] of o.scalar) this.addScalar(k, sign * v);
  }

  /** Per resource, the larger of this and o. */
  setMax(o: Resource): void {
    this.milliCPU = Math.max(this.milliCPU, o.milliCPU);
    this.memory = Math.max(this.memory, o.memory);
    this.ephemeralStorage = Math.max(this.ephemeralStorage, o.ephemeralStorage);
    if (o.scalar) for (const [k, v] of o.scalar) if (v > this.getScalar(k)) this.addScalar(k, v - this.getScalar(k));
  }

  clone(): Resource {
    const r = new Resource();
    r.milliCPU = this.milliCPU;
    r.memory = this.memory;
    r.ephemeralStorage = this.ephemeralStorage;
    r.allowedPodNumber = this.allowedPodNumber;
    if (this.scalar) r.scalar = new Map(this.scalar);
    return r;
  }

  get(name: string): number {
    switch (name) {
      case 'cpu':
        return this.milliCPU;
      case 'memory':
        return this.memory;
      case 'ephemeral-storage':
        return this.ephemeralStorage;
      case 'pods':
        return this.allowedPodNumber;
      default:
        return this.getScalar(name);
    }
  }
}

function containerRequests(c: Container, nonZero: boolean): Resource {
  const r = Resource.fromList(c.resources?.requests);
  if (nonZero) {
    const req = c.resources?.requests;
    if (!req || req.cpu === undefined) r.milliCPU = DefaultMilliCPURequest;
    if (!req || req.memory === undefined) r.memory = DefaultMemoryRequest;
  }
  return r;
}

/** The pod's effective requests (nonZero: scoring defaults for containers without requests). */
export function podRequests(pod: Pod, nonZero = false): Resource {
  const reqs = new Resource();
  for (const c of pod.spec.containers ?? []) reqs.add(containerRequests(c, nonZero));
  const inits = pod.spec.initContainers;
  if (inits?.length) {
    const restartable = new Resource();
    const initMax = new Resource();
    for (const ic of inits) {
      let r = containerRequests(ic, nonZero);
      if (ic.restartPolicy === 'Always') {
        reqs.add(r);
        restartable.add(r);
        r = restartable.clone();
      } else {
        r.add(restartable);
      }
      initMax.setMax(r);
    }
    reqs.setMax(initMax);
  }
  if (pod.spec.overhead) reqs.addList(pod.spec.overhead);
  return reqs;
}
