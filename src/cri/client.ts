// Placeholder: the CRI (runtime.v1) gRPC client lands with issue 5.
export class CriClient {}
