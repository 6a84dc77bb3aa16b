// Public surface of the Kubernetes protobuf codec (application/vnd.kubernetes.protobuf) for the
// built-in API kinds: envelope + watch framing, wire schema, and JSON-form conversion.

export {
  PROTOBUF_CONTENT_TYPE,
  PROTOBUF_WATCH_CONTENT_TYPE,
  decodeK8sProtobuf,
  encodeK8sProtobuf,
  encodeWatchEventFrame,
  decodeWatchEvent,
  isProtobufSupported,
  type DecodedObject,
} from './codec.js';
export { ProtobufError, isProtobufError, type ProtobufErrorReason } from './errors.js';
export { PROTOBUF_MAGIC, hasProtobufMagic, splitFrames } from './envelope.js';
export { messageForKind, GROUP_VERSION_PACKAGES } from './schema.js';
