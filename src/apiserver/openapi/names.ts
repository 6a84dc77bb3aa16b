// Definition names and $ref forms shared by the OpenAPI model, documents and extra definitions.

export const SCHEMA_REF_PREFIX = '#/components/schemas/';
export const refOf = (name: string): string => SCHEMA_REF_PREFIX + name;
export const nameOfRef = (ref: string): string => ref.slice(ref.lastIndexOf('/') + 1);

export const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
export const N = {
  objectMeta: `${META}.ObjectMeta`,
  listMeta: `${META}.ListMeta`,
  status: `${META}.Status`,
  deleteOptions: `${META}.DeleteOptions`,
  watchEvent: `${META}.WatchEvent`,
  patch: `${META}.Patch`,
  time: `${META}.Time`,
  microTime: `${META}.MicroTime`,
  intOrString: 'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
  quantity: 'io.k8s.apimachinery.pkg.api.resource.Quantity',
};

