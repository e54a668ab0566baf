/** Kept apart from the TLS schema so a load thread can read it without loading TypeBox. */

/** The environment variables a `secret` reaches a runner through, by Secret key. */
export const TLS_SECRET_ENV = [
  { key: 'tls.crt', env: 'STAMPEDE_TLS_CERT', optional: false },
  { key: 'tls.key', env: 'STAMPEDE_TLS_KEY', optional: false },
  { key: 'ca.crt', env: 'STAMPEDE_TLS_CA', optional: true },
] as const;
