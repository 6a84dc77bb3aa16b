// core/v1 PodTemplate: template defaulting and validation (shared PodSpec rules), the
// generation bump on template changes, and the NAME / CONTAINERS / IMAGES / POD LABELS table.

import type { ResourceDef } from '../types.js';
import { col, formatLabelSet, nameColumn } from './columns.js';
import { isObj, obj, str } from './helpers.js';
import { defaultPodTemplateSpec, podTemplateContainersImages, validatePodTemplateSpec } from './podspec.js';

export const podtemplates: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'PodTemplate',
  plural: 'podtemplates',
  singular: 'podtemplate',
  namespaced: true,
  defaults(pt) {
    if (!isObj(pt.template)) pt.template = {};
    defaultPodTemplateSpec(pt.template);
  },
  validate: (pt) => validatePodTemplateSpec(pt.template, 'template'),
  nameRule: 'subdomain',
  generation: true,
  table: {
    columns: [
      nameColumn,
      col('Containers', 'string', 'Names of each container in the template.'),
      col('Images', 'string', 'Images referenced by each container in the template.'),
      col('Pod Labels', 'string', 'The labels for the pod template.'),
    ],
    cells(pt) {
      const [names, images] = podTemplateContainersImages(pt.template);
      return [str(obj(pt.metadata).name), names, images, formatLabelSet(obj(obj(pt.template).metadata).labels)];
    },
  },
};
