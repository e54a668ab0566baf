/** Constants of the flow schema (schema-flow.ts) that run-time code needs without loading TypeBox. */

/** What a custom metric keeps: a trend's distribution, a counter's sum, a rate's share of non-zero values. */
export const CUSTOM_METRIC_TYPES = ['trend', 'counter', 'rate'] as const;
/** Custom metric names: what thresholds and Prometheus labels accept. */
export const CUSTOM_METRIC_NAME = '^[a-z][a-z0-9_]*$';
