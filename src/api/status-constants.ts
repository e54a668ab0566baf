/** Constants of the LoadTest status (status-schema.ts) that the controller needs without loading TypeBox. */

export const PHASES = [
  'Pending',
  'Provisioning',
  'Ready',
  'Running',
  'Finishing',
  'Succeeded',
  'Failed',
  'Aborted',
] as const;
export type Phase = (typeof PHASES)[number];

/** Longest status.message and condition message the CRD accepts; the controller clips to these. */
export const STATUS_MESSAGE_MAX = 4096;
export const CONDITION_MESSAGE_MAX = 2048;
