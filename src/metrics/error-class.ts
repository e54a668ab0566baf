/** Every failed request falls in exactly one class, so error mixes can be compared across runs and tools. */
export const ERROR_CLASSES = [
  'refused',
  'reset',
  'timeout',
  'dns',
  'tls',
  'http_4xx',
  'http_5xx',
  'check',
  'other',
] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

const BY_CODE: Record<string, ErrorClass> = {
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  UND_ERR_SOCKET: 'reset',
  UND_ERR_CLOSED: 'reset',
  ECONNABORTED: 'reset',
  ETIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_FAIL: 'dns',
  EAI_NONAME: 'dns',
  EPROTO: 'tls',
};

/** Classifies a transport error from Node or undici by its stable `code`, looking through `cause` chains. */
export function classifyError(error: unknown): ErrorClass {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      const known = BY_CODE[code];
      if (known) return known;
      if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.includes('CERT')) return 'tls';
    }
    current = (current as { cause?: unknown }).cause;
  }
  return 'other';
}

export function classifyStatus(status: number): ErrorClass | undefined {
  if (status >= 500) return 'http_5xx';
  if (status >= 400) return 'http_4xx';
  return undefined;
}

export function emptyErrorCounts(): Record<ErrorClass, number> {
  return Object.fromEntries(ERROR_CLASSES.map((c) => [c, 0])) as Record<ErrorClass, number>;
}
