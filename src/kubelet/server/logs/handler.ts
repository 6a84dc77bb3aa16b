// GET /containerLogs/{namespace}/{pod}/{container}: upstream's checks and answers (404 for an
// unknown pod or container, 400 for a container without the logs asked for, 400/422 for a bad
// query), then the log file streamed with chunked encoding.
import { access } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { CriClient } from '../../../cri/client.js';
import { HttpError, findPod, hasContainer, logContainerId } from '../find.js';
import { LogOptionsError, parseLogOptions } from './options.js';
import { readContainerLog } from './reader.js';

export async function serveContainerLogs(cri: CriClient, pods: Pod[], path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [, namespace, podName, container] = parts;
  if (!podName) throw new HttpError(400, '{"message": "Missing podID."}');
  if (!container) throw new HttpError(400, '{"message": "Missing container name."}');
  if (!namespace) throw new HttpError(400, '{"message": "Missing podNamespace."}');
  let opts;
  try {
    opts = parseLogOptions(new URL(req.url ?? '/', 'https://kubelet').searchParams);
  } catch (e) {
    if (e instanceof LogOptionsError) throw new HttpError(e.status, e.message);
    throw e;
  }
  const pod = findPod(pods, namespace, podName);
  if (!pod) throw new HttpError(404, `pod "${podName}" does not exist`);
  if (!hasContainer(pod, container)) throw new HttpError(404, `container "${container}" not found in pod "${podName}"`);
  const id = await logContainerId(cri, pod, container, opts.previous);
  const status = (await cri.containerStatus({ containerId: id })).status;
  if (!status?.logPath) throw new HttpError(400, `container "${container}" in pod "${podName}" has no log file`);
  try {
    await access(status.logPath);
  } catch (e) {
    throw new HttpError(400, `failed to try resolving symlinks in path "${status.logPath}": ${(e as Error).message}`);
  }
  const abort = new AbortController();
  res.once('close', () => abort.abort());
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
  const isRunning = async () => {
    try {
      return (await cri.containerStatus({ containerId: id })).status?.state === 'CONTAINER_RUNNING';
    } catch {
      return false;
    }
  };
  try {
    await readContainerLog(status.logPath, opts, res, { isRunning, signal: abort.signal });
  } catch (e) {
    // the status line is sent: report in the body, as upstream's writer error would end the stream
    if (!res.writableEnded) res.write(`failed to read log file ${status.logPath}: ${(e as Error).message}\n`);
  }
  res.end();
}
