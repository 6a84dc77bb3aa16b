// Errors of the Kubernetes protobuf codec, with the HTTP status an API server answers them with.

export type ProtobufErrorReason =
  /** The body is not a well-formed Kubernetes protobuf message (400 Bad Request). */
  | 'Malformed'
  /** The apiVersion/kind has no protobuf message here (415 Unsupported Media Type). */
  | 'UnsupportedKind'
  /** The object cannot be written as protobuf (406 Not Acceptable; the server should answer JSON). */
  | 'NotMarshalable';

const STATUS: Record<ProtobufErrorReason, number> = { Malformed: 400, UnsupportedKind: 415, NotMarshalable: 406 };

export class ProtobufError extends Error {
  readonly reason: ProtobufErrorReason;
  readonly httpStatus: number;

  constructor(reason: ProtobufErrorReason, message: string) {
    super(message);
    this.name = 'ProtobufError';
    this.reason = reason;
    this.httpStatus = STATUS[reason];
  }
}

export function isProtobufError(e: unknown): e is ProtobufError {
  return e instanceof ProtobufError;
}
