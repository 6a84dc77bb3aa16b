// The string formats custom resource schemas may name (upstream's supported list:
// https://github.com/kubernetes/kube-openapi strfmt as apiextensions restricts it). Unknown
// formats, and formats upstream only uses as documentation (int32, int64, float, double,
// password), accept any value.

import { isValidCIDR, isValidIPv4Address, isValidIPv6Address } from '../../apimachinery/validation.js';

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const UUID3 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const UUID4 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const UUID5 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const HOSTNAME = /^([a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*\.?$/;
const MAC = /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/;
const BYTE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DURATION = /^([-+]?(\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d|w))+$/;
const HEXCOLOR = /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
const RGBCOLOR = /^rgb\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*\)$/;
const BSON = /^[0-9a-fA-F]{24}$/;

/** Whether `v` is valid for `format` (true for formats that are not checked). */
export function checkFormat(format: string, v: string): boolean {
  switch (format) {
    case 'uuid': return UUID.test(v);
    case 'uuid3': return UUID3.test(v);
    case 'uuid4': return UUID4.test(v);
    case 'uuid5': return UUID5.test(v);
    case 'date': return DATE.test(v) && !Number.isNaN(Date.parse(v));
    case 'date-time':
    case 'datetime': return DATETIME.test(v) && !Number.isNaN(Date.parse(v.replace(' ', 'T')));
    case 'email': return EMAIL.test(v);
    case 'hostname': return v.length <= 255 && HOSTNAME.test(v);
    case 'ipv4': return isValidIPv4Address(v).length === 0;
    case 'ipv6': return isValidIPv6Address(v).length === 0;
    case 'cidr': return isValidCIDR(v).length === 0;
    case 'mac': return MAC.test(v);
    case 'byte': return BYTE.test(v);
    case 'duration': return DURATION.test(v);
    case 'uri': {
      try {
        new URL(v);
        return true;
      } catch {
        return false;
      }
    }
    case 'hexcolor': return HEXCOLOR.test(v);
    case 'rgbcolor': return RGBCOLOR.test(v);
    case 'bsonobjectid': return BSON.test(v);
    default: return true;
  }
}
