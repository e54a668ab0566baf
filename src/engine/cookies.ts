/** A per-VU cookie jar: enough of RFC 6265 for session cookies against one test target. */

export class CookieJar {
  private readonly cookies = new Map<string, { value: string; expiresAtMs: number }>();

  get size(): number {
    return this.cookies.size;
  }

  store(setCookie: string, nowMs = Date.now()): void {
    const [pair, ...attributes] = setCookie.split(';');
    const eq = (pair ?? '').indexOf('=');
    if (eq <= 0) return;
    const name = (pair as string).slice(0, eq).trim();
    const value = (pair as string).slice(eq + 1).trim();
    let expiresAtMs = Number.POSITIVE_INFINITY;
    for (const attribute of attributes) {
      const [rawKey, rawVal = ''] = attribute.split('=');
      const key = (rawKey ?? '').trim().toLowerCase();
      if (key === 'max-age') expiresAtMs = nowMs + Number(rawVal.trim()) * 1000;
      else if (key === 'expires' && expiresAtMs === Number.POSITIVE_INFINITY) {
        const t = Date.parse(rawVal.trim());
        if (!Number.isNaN(t)) expiresAtMs = t;
      }
    }
    if (expiresAtMs <= nowMs) this.cookies.delete(name);
    else this.cookies.set(name, { value, expiresAtMs });
  }

  /** The Cookie header value, or undefined when the jar is empty. */
  header(now?: number): string | undefined {
    // Called for every request: an empty jar returns before reading the clock.
    if (this.cookies.size === 0) return undefined;
    const nowMs = now ?? Date.now();
    const parts: string[] = [];
    for (const [name, c] of this.cookies) {
      if (c.expiresAtMs <= nowMs) this.cookies.delete(name);
      else parts.push(`${name}=${c.value}`);
    }
    return parts.length ? parts.join('; ') : undefined;
  }

  clear(): void {
    this.cookies.clear();
  }
}
