/**
 * A thin Kubernetes REST client over undici: the controller needs a few verbs, server-side errors with their
 * reason, and watches it can time out and restart itself. Bearer tokens are re-read periodically, so
 * rotated service-account tokens keep working.
 */
import { Agent, request } from 'undici';
import type { ClusterCredentials } from './kubeconfig.js';

export class KubeError extends Error {
  constructor(
    readonly statusCode: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
  get code(): string {
    return `KUBE_${this.reason || this.statusCode}`;
  }
}

export const isNotFound = (e: unknown) => e instanceof KubeError && e.statusCode === 404;
export const isAlreadyExists = (e: unknown) =>
  e instanceof KubeError && e.statusCode === 409 && e.reason === 'AlreadyExists';
export const isConflict = (e: unknown) => e instanceof KubeError && e.statusCode === 409;
export const isGone = (e: unknown) => e instanceof KubeError && e.statusCode === 410;

export type PatchType = 'merge' | 'json' | 'strategic';
const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

/** Service account tokens rotate; re-read credentials this often. */
const CREDENTIAL_REFRESH_MS = 60_000;
/** Ordinary API calls; watches have their own, longer bound. */
const REQUEST_TIMEOUT_MS = 30_000;

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export class KubeClient {
  private readonly agent: Agent;
  private authorization: string | undefined;
  private refreshedAt = 0;
  readonly server: string;

  constructor(private readonly credentials: ClusterCredentials) {
    this.server = credentials.server;
    this.agent = new Agent({
      connect: {
        ...(credentials.ca ? { ca: credentials.ca } : {}),
        ...(credentials.cert ? { cert: credentials.cert } : {}),
        ...(credentials.key ? { key: credentials.key } : {}),
        ...(credentials.insecureSkipTLSVerify ? { rejectUnauthorized: false } : {}),
      },
    });
  }

  private headers(): Record<string, string> {
    if (this.credentials.token && Date.now() - this.refreshedAt > CREDENTIAL_REFRESH_MS) {
      this.authorization = `Bearer ${this.credentials.token()}`;
      this.refreshedAt = Date.now();
    }
    return this.authorization ? { authorization: this.authorization } : {};
  }

  async call<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const response = await request(`${this.server}${path}`, {
      method: method as 'GET',
      dispatcher: this.agent,
      headers: {
        ...this.headers(),
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': contentType } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      headersTimeout: REQUEST_TIMEOUT_MS,
      bodyTimeout: REQUEST_TIMEOUT_MS,
    });
    const text = await response.body.text();
    if (response.statusCode >= 400) {
      let reason = '';
      let message = text;
      try {
        const status = JSON.parse(text) as { reason?: string; message?: string };
        reason = status.reason ?? '';
        message = status.message ?? text;
      } catch {
        // Not a Status object; keep the raw text.
      }
      throw new KubeError(
        response.statusCode,
        reason,
        `${method} ${path}: ${response.statusCode} ${message}`,
      );
    }
    return (text ? JSON.parse(text) : {}) as T;
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }
  create<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }
  replace<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('PUT', path, body);
  }
  patch<T>(path: string, body: unknown, type: PatchType = 'merge'): Promise<T> {
    return this.call<T>('PATCH', path, body, PATCH_CONTENT_TYPES[type]);
  }
  delete(path: string, propagationPolicy: 'Background' | 'Foreground' = 'Background'): Promise<unknown> {
    return this.call('DELETE', path, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy });
  }

  /**
   * One watch request: resolves when the server ends it (timeoutSeconds) or the signal aborts; rejects with
   * a KubeError 410 when the resourceVersion is too old, so the caller relists.
   */
  async watch<T>(
    path: string,
    resourceVersion: string,
    timeoutSeconds: number,
    onEvent: (e: WatchEvent<T>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const sep = path.includes('?') ? '&' : '?';
    const url = `${this.server}${path}${sep}watch=1&allowWatchBookmarks=true&timeoutSeconds=${timeoutSeconds}&resourceVersion=${encodeURIComponent(resourceVersion)}`;
    const response = await request(url, {
      method: 'GET',
      dispatcher: this.agent,
      headers: { ...this.headers(), accept: 'application/json' },
      signal,
      headersTimeout: REQUEST_TIMEOUT_MS,
      // The server closes the watch after timeoutSeconds; anything much longer is a dead connection.
      bodyTimeout: (timeoutSeconds + 30) * 1000,
    });
    if (response.statusCode >= 400) {
      const text = await response.body.text();
      throw new KubeError(
        response.statusCode,
        response.statusCode === 410 ? 'Expired' : '',
        `watch ${path}: ${text}`,
      );
    }
    let buffered = '';
    for await (const chunk of response.body) {
      buffered += (chunk as Buffer).toString('utf8');
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf('\n');
        if (!line) continue;
        const event = JSON.parse(line) as WatchEvent<T>;
        if (event.type === 'ERROR') {
          const status = event.object as { code?: number; message?: string; reason?: string };
          throw new KubeError(status.code ?? 500, status.reason ?? '', `watch ${path}: ${status.message}`);
        }
        onEvent(event);
      }
    }
  }

  close(): void {
    void this.agent.close();
  }
}
