// A tiny HTTPS admission webhook server for the admission webhook tests and benchmark: its own
// CA (src/pki), a serving certificate for 127.0.0.1 and `<service>.<namespace>.svc`, and a few
// behaviours by path — /mutate adds a label with a JSONPatch, /deny refuses objects labelled
// deny=true, /warn allows with a warning, /allow allows; every review is recorded.

import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCA, issueCert } from '../../src/pki/certs.js';

export interface WebhookServer {
  port: number;
  /** base64 PEM of the CA, for clientConfig.caBundle */
  caBundle: string;
  /** Reviews received, by path. */
  seen: { path: string; request: any }[];
  /** TLS connections accepted (keep-alive reuse shows as few). */
  connections(): number;
  close(): Promise<void>;
}

function respond(path: string, request: any): any {
  const response: any = { uid: request.uid, allowed: true };
  const obj = request.object ?? {};
  switch (path) {
    case '/mutate': {
      const ops = obj.metadata?.labels
        ? [{ op: 'add', path: '/metadata/labels/webhooked', value: 'true' }]
        : [{ op: 'add', path: '/metadata/labels', value: { webhooked: 'true' } }];
      response.patchType = 'JSONPatch';
      response.patch = Buffer.from(JSON.stringify(ops)).toString('base64');
      response.auditAnnotations = { mutated: 'yes' };
      break;
    }
    case '/deny':
      if (obj.metadata?.labels?.deny === 'true') {
        response.allowed = false;
        response.status = { code: 403, reason: 'Forbidden', message: `${request.resource.resource} with deny=true are not allowed` };
      }
      break;
    case '/warn':
      response.warnings = [`the webhook saw ${request.operation} of ${request.name ?? obj.metadata?.name}`];
      break;
    default:
      break;
  }
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
}

export async function startWebhookServer(serviceName = 'hook', serviceNamespace = 'default', listen = '127.0.0.1'): Promise<WebhookServer> {
  const ca = await createCA({ commonName: 'webhook-test-ca', keyAlgorithm: 'ecdsa' });
  const cert = await issueCert(ca, {
    commonName: 'webhook',
    dnsNames: [`${serviceName}.${serviceNamespace}.svc`],
    ipAddresses: ['127.0.0.1'],
    usages: ['server'],
    keyAlgorithm: 'ecdsa',
  });
  const seen: WebhookServer['seen'] = [];
  const server = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'https://x').pathname;
      let review: any;
      try {
        review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400).end();
        return;
      }
      seen.push({ path, request: review.request });
      if (seen.length > 10000) seen.splice(0, 5000);
      const body = JSON.stringify(respond(path, review.request));
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
    });
  });
  let connections = 0;
  server.on('secureConnection', () => connections++);
  await new Promise<void>((r) => server.listen(0, listen, () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    caBundle: Buffer.from(ca.certPem).toString('base64'),
    seen,
    connections: () => connections,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
