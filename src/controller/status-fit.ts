/**
 * Clips the status's free-text messages to what the CRD accepts. At 1,000 runners a message that names
 * every runner ("runner 0: ...; runner 1: ...") passed 4096 bytes; the apiserver then rejected every status
 * write (422) and the LoadTest showed its last phase for good (bench/scale.mjs). Pure.
 */
import { CONDITION_MESSAGE_MAX, STATUS_MESSAGE_MAX } from '../api/status-constants.js';
import type { LoadTestStatus } from '../api/status-schema.js';

/** `text` whole if it fits in `max` characters, else its head and how much was left out. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = ` ... (${text.length} characters, clipped)`;
  return text.slice(0, Math.max(0, max - note.length)) + note;
}

export function fitStatus(status: LoadTestStatus): LoadTestStatus {
  const tooLong =
    (status.message?.length ?? 0) > STATUS_MESSAGE_MAX ||
    (status.conditions ?? []).some((c) => c.message.length > CONDITION_MESSAGE_MAX);
  if (!tooLong) return status;
  return {
    ...status,
    ...(status.message !== undefined ? { message: clip(status.message, STATUS_MESSAGE_MAX) } : {}),
    ...(status.conditions
      ? {
          conditions: status.conditions.map((c) => ({
            ...c,
            message: clip(c.message, CONDITION_MESSAGE_MAX),
          })),
        }
      : {}),
  };
}
