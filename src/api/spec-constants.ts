/**
 * Constants of the LoadTest spec that run-time code needs, apart from the TypeBox schema modules: loading
 * TypeBox costs every start tens of milliseconds of CPU, and at run time only the generated plain schema
 * (schema-json.generated.ts) and these values are used.
 */

export const API_VERSION = 'stampede.dev/v1alpha1';
export const KIND = 'LoadTest';

/** Bounds on maps, lists and strings keep CEL cost estimates finite in the CRD and manifests sane. */
export const LIMITS = { mapEntries: 64, listItems: 100, stringLength: 8192, bodyLength: 1_048_576 } as const;

/**
 * The largest manifest file (and a runner's spec file): far above any hand-written test, below what parsing
 * could turn into gigabytes.
 */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** Rows one feeder may hold inline; configMap feeders become inline rows, so the same bound applies. */
export const FEEDER_MAX_ROWS = 10_000;

/** The seed's budget: memory growing faster than this over a run is flagged as a possible leak. */
export const DEFAULT_LEAK_THRESHOLD_MB_PER_HOUR = 10;

/**
 * A WebSocket URL: absolute ws:// or wss://, or a path on target.baseURL (http becomes ws, https wss). The
 * CRD carries the same pattern; validation also parses the URL and reports the field path.
 */
export const WS_URL_PATTERN = '^(wss?://[^\\s/?#]+[^\\s]*|/[^\\s]*)$';
/** A PostgreSQL URL, or a template (only ${env.NAME} may be used) that renders to one. */
export const PG_URL_PATTERN =
  '^(postgres(ql)?://[^\\s]+|[^\\s]*\\$\\{env\\.[A-Za-z_][A-Za-z0-9_]*\\}[^\\s]*)$';

/**
 * HTTP field names are RFC 9110 tokens; ' and ` are written \x27 and \x60 so the pattern can sit in a CEL
 * string in the CRD. A literal value may not hold CR, LF or NUL (RFC 9110 section 5.5): one would split the
 * request. Templated values are checked again per request by the clients (src/protocols/request-fields.ts).
 */
export const HEADER_NAME_PATTERN = '^[-!#$%&\\x27*+.^_\\x60|~0-9A-Za-z]+$';
export const HEADER_VALUE_PATTERN = '^[^\\r\\n\\x00]*$';
/** gRPC metadata keys are narrower than HTTP names (grpc-js: letters, digits, -, _ and .). */
export const GRPC_METADATA_KEY_PATTERN = '^[-_.0-9A-Za-z]+$';
