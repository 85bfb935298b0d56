import type { Transport } from '../protocol/answer';
import { HttpTransport } from '../protocol/httpTransport';
import { KernelTransport, type IMessageModel } from '../protocol/kernelTransport';
import { pageServer } from './pageServer';

export interface IHttpSource {
  path: string;
  array: string | null;
}

/**
 * The server's HTTP endpoints when they serve the very data the kernel opened (same version),
 * so the viewer keeps working while a cell runs; kernel messages otherwise.
 */
export async function chooseTransport(model: IMessageModel, source: IHttpSource | null, version: string | null): Promise<{ transport: Transport; kind: 'http' | 'kernel' }> {
  const server = pageServer();
  if (source && server && version) {
    const http = new HttpTransport({ baseUrl: server.baseUrl, token: server.token, path: source.path, array: source.array });
    try {
      const answer = await http.request('info', {});
      const info = answer.json as { version?: unknown } | undefined;
      // The part before the dot hashes the metadata; after it counts refreshes, which differ
      // between the kernel's and the server's copies of the same data.
      const same = typeof info?.version === 'string' && info.version.split('.')[0] === version.split('.')[0];
      if (answer.status === 200 && same) {
        return { transport: http, kind: 'http' };
      }
    } catch {
      // No server extension here, or it cannot reach the data: the kernel can.
    }
  }
  return { transport: new KernelTransport(model), kind: 'kernel' };
}
