/**
 * Making URLs fit for output (console, logs, Events, status, reports, metric labels): credentials in the
 * userinfo become ***, and so does every query value, since API keys travel there. Works on the text, not
 * on a parsed URL, so templates (${env.X}) and unparseable input survive unchanged apart from the secrets.
 */

const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i;

/** `https://user:pw@host/p?key=v#f` -> `https://***@host/p?key=***#f`. */
export function redactUrl(url: string): string {
  const noUser = url.replace(USERINFO, '$1***@');
  const q = noUser.indexOf('?');
  if (q < 0) return noUser;
  const hash = noUser.indexOf('#', q);
  const query = noUser.slice(q + 1, hash < 0 ? undefined : hash);
  const redacted = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq < 0 ? pair : `${pair.slice(0, eq)}=***`;
    })
    .join('&');
  return `${noUser.slice(0, q + 1)}${redacted}${hash < 0 ? '' : noUser.slice(hash)}`;
}
