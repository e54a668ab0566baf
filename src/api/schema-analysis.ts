/** spec.analysis: where the target's own CPU and memory come from, and when memory growth counts as a leak. */
import { type Static, Type } from '@sinclair/typebox';
import { DEFAULT_LEAK_THRESHOLD_MB_PER_HOUR, LIMITS } from './spec-constants.js';

const PromQL = (description: string) =>
  Type.String({ minLength: 1, maxLength: LIMITS.stringLength, description });

export const Prometheus = Type.Object(
  {
    url: Type.String({
      pattern: '^https?://[^\\s/]+',
      'x-hint': 'the Prometheus base URL, e.g. http://prometheus.monitoring:9090',
    }),
    cpuQuery: Type.Optional(
      PromQL(
        'PromQL for the target CPU in cores; $ns and $pod are replaced by the selector (default: cAdvisor container_cpu_usage_seconds_total rate)',
      ),
    ),
    memoryQuery: Type.Optional(
      PromQL(
        'PromQL for the target memory in bytes; $ns and $pod are replaced by the selector (default: cAdvisor container_memory_working_set_bytes)',
      ),
    ),
    selector: Type.Optional(
      Type.Object(
        {
          namespace: Type.Optional(
            Type.String({
              pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
              maxLength: 63,
              'x-hint': 'a namespace name: lowercase letters, digits and -',
              description: "The target's namespace (default: the LoadTest's, else default)",
            }),
          ),
          pod: Type.Optional(
            Type.String({
              minLength: 1,
              maxLength: 256,
              description:
                "A regular expression for the target's pod names (default: every pod in the namespace)",
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    leakThresholdMbPerHour: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        description: `Memory growth above this many MB/hour is flagged as a possible leak (default ${DEFAULT_LEAK_THRESHOLD_MB_PER_HOUR})`,
      }),
    ),
  },
  { additionalProperties: false },
);

export const Analysis = Type.Object(
  { prometheus: Type.Optional(Prometheus) },
  { additionalProperties: false, description: 'What the report adds beyond the generator measurements' },
);

export type PrometheusSpec = Static<typeof Prometheus>;
