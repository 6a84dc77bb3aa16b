// Scale targets of the HPA (upstream's scale client with a discovery RESTMapper): the
// resource of a scaleTargetRef's kind found through API discovery, and its scale subresource
// read and written as autoscaling/v1 Scale.

import type { RestClient } from '../../client/index.js';

export interface Scale {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; uid?: string };
  spec?: { replicas?: number };
  status?: { replicas?: number; selector?: string };
}

export interface CrossVersionObjectReference {
  apiVersion?: string;
  kind: string;
  name: string;
}

interface APIResourceList {
  resources?: { name: string; kind: string; namespaced?: boolean }[];
}

export class ScaleTargets {
  private resources = new Map<string, Promise<APIResourceList>>();

  constructor(private readonly client: RestClient) {}

  private async gvr(ref: CrossVersionObjectReference): Promise<{ group: string; version: string; resource: string }> {
    const gv = ref.apiVersion ?? 'v1';
    const slash = gv.indexOf('/');
    const group = slash < 0 ? '' : gv.slice(0, slash);
    const version = slash < 0 ? gv : gv.slice(slash + 1);
    const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
    let p = this.resources.get(path);
    if (!p) {
      p = this.client.request<APIResourceList>({ method: 'GET', path });
      this.resources.set(path, p);
      p.catch(() => this.resources.delete(path));
    }
    const list = await p;
    const r = list.resources?.find((x) => x.kind === ref.kind && !x.name.includes('/'));
    if (!r) throw new Error(`no matches for kind "${ref.kind}" in group "${group}"`);
    if (!list.resources?.some((x) => x.name === `${r.name}/scale`)) throw new Error(`${r.name}.${group} does not have a scale subresource`);
    return { group, version, resource: r.name };
  }

  async getScale(namespace: string, ref: CrossVersionObjectReference): Promise<Scale> {
    const gvr = await this.gvr(ref);
    return this.client.get<Scale>({ ...gvr, namespace, name: ref.name, subresource: 'scale' });
  }

  async updateScale(namespace: string, ref: CrossVersionObjectReference, scale: Scale, replicas: number): Promise<void> {
    const gvr = await this.gvr(ref);
    await this.client.update({ ...gvr, namespace, name: ref.name, subresource: 'scale' }, { ...scale, spec: { ...scale.spec, replicas } });
  }
}
