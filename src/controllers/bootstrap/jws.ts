// Detached JWS signatures over the cluster-info kubeconfig (upstream's
// cluster-bootstrap/token/jws): HS256 keyed with the bootstrap token's secret, "kid" = token
// id, compact serialization with the payload left out ("header..signature").

import { CompactSign } from 'jose';

export async function computeDetachedSignature(content: string, tokenID: string, tokenSecret: string): Promise<string> {
  const jws = await new CompactSign(new TextEncoder().encode(content)).setProtectedHeader({ alg: 'HS256', kid: tokenID }).sign(new TextEncoder().encode(tokenSecret));
  const parts = jws.split('.');
  if (parts.length !== 3) throw new Error('jws: invalid compact serialization');
  return `${parts[0]}..${parts[2]}`;
}
