/**
 * A minimal client for the Incus (or LXD) REST API: GET requests over the local unix socket, or
 * over HTTPS with a client certificate. Responses are the standard envelope
 * `{"type": "sync", "status_code": 200, "metadata": …}`; `get` returns the metadata and throws
 * `IncusApiError` for error responses and transport failures.
 *
 * @example
 * const incus = new IncusClient({ socket: '/var/lib/incus/unix.socket' });
 * const server = await incus.get('/1.0'); // { api_version: '1.0', environment: { server_name: … } … }
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';

export type IncusEndpoint =
  | { socket: string }
  | { url: string; cert?: string; key?: string; ca?: string; insecure?: boolean };

export class IncusApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'IncusApiError';
  }
}

export class IncusClient {
  private readonly agent: http.Agent | https.Agent;
  private readonly base: { socketPath?: string; host?: string; port?: number; protocol: 'http:' | 'https:' };

  constructor(readonly endpoint: IncusEndpoint, readonly timeoutMs = 10_000) {
    if ('socket' in endpoint) {
      this.agent = new http.Agent({ keepAlive: true });
      this.base = { socketPath: endpoint.socket, protocol: 'http:' };
    } else {
      const url = new URL(endpoint.url);
      if (url.protocol !== 'https:') throw new IncusApiError(`--url must be https:// (got ${endpoint.url})`);
      this.agent = new https.Agent({
        keepAlive: true,
        ...(endpoint.cert ? { cert: fs.readFileSync(endpoint.cert) } : {}),
        ...(endpoint.key ? { key: fs.readFileSync(endpoint.key) } : {}),
        ...(endpoint.ca ? { ca: fs.readFileSync(endpoint.ca) } : {}),
        rejectUnauthorized: !endpoint.insecure,
      });
      this.base = { host: url.hostname, port: Number(url.port || 8443), protocol: 'https:' };
    }
  }

  /** GET `path` and return the response's `metadata`. */
  get(path: string): Promise<unknown> {
    const request = this.base.protocol === 'https:' ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const req = request(
        { ...this.base, agent: this.agent, path, method: 'GET', headers: { host: 'incus', accept: 'application/json' }, timeout: this.timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            let envelope: { type?: string; error?: string; metadata?: unknown };
            try {
              envelope = JSON.parse(body) as typeof envelope;
            } catch {
              reject(new IncusApiError(`GET ${path}: HTTP ${res.statusCode}, not JSON: ${body.slice(0, 120)}`, res.statusCode));
              return;
            }
            if (envelope.type === 'error' || (res.statusCode ?? 500) >= 400) {
              reject(new IncusApiError(`GET ${path}: ${envelope.error ?? `HTTP ${res.statusCode}`}`, res.statusCode));
              return;
            }
            resolve(envelope.metadata);
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new IncusApiError(`GET ${path}: no answer within ${this.timeoutMs} ms`)));
      req.on('error', (error) => reject(error instanceof IncusApiError ? error : new IncusApiError(`GET ${path}: ${error.message}`)));
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
