/**
 * The shard-count rule (src/engine/shard-count.ts) as a CRD validation on spec: spec.runners may not exceed
 * the VUs (maxVUs, else preAllocatedVUs) of any open-model scenario. It spans two fields far apart, so it is
 * not a node rule of cross-field-rules.ts. The message is the CLI's, prefixed with the scenario's field path.
 *
 * CEL's cost estimate takes string(number) and a format() result as strings of unbounded length: any `+` on
 * one exceeds the apiserver's budget a hundredfold, and so does joining every scenario's message. One
 * format() over all the parts fits (CEL strings library, Kubernetes 1.29+, the chart's minimum), and so does
 * one item of a list: the message names one scenario short of VUs, in CEL's map order, and counts the others.
 */
import { EXECUTOR_REGISTRY } from '../engine/executors/index.js';
import { RUNNERS, shardCountTemplate } from '../engine/shard-count.js';
import type { CelValidation } from './cross-field.js';

const celString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

const S = 'self.scenarios[k]';

/** Open model: an open executor type, or rate levels (breakpoint); the same test as openModelVUs. */
const OPEN_EXECUTORS = Object.values(EXECUTOR_REGISTRY)
  .filter((e) => e.model === 'open')
  .map((e) => celString(e.type));
const open = `(${S}.executor in [${OPEN_EXECUTORS.join(', ')}] || (has(${S}.levels) && ${S}.levels.unit == 'rate'))`;

/** The scenario's VU pool: maxVUs, else preAllocatedVUs (a scenario with neither has no limit). */
const hasPool = `(has(${S}.maxVUs) || has(${S}.preAllocatedVUs))`;
const pool = `(has(${S}.maxVUs) ? ${S}.maxVUs : ${S}.preAllocatedVUs)`;
const poolField = `(has(${S}.maxVUs) ? 'maxVUs' : 'preAllocatedVUs')`;

const starved = `${open} && ${hasPool} && ${pool} < self.runners`;
const starvedKeys = `self.scenarios.filter(k, ${starved})`;

/** The scenario's key in a path, as joinPath writes it: `.name`, or `["1st"]` for a name starting with a digit. */
const pathKey = `(k.matches('^[A-Za-z_]') ? '.%s' : '["%s"]').format([k])`;

/** After the message when more scenarios are short of VUs: how many. */
export const MORE_SCENARIOS = '; and {more} more open-model scenario(s) with fewer VUs than spec.runners';

/** The CLI's message as a format() template and the CEL of its arguments, in order. */
function messageFormat(): { template: string; args: string[] } {
  const values: Record<string, string> = { vus: pool, shards: 'self.runners' };
  const args = [pathKey, poolField];
  const template = shardCountTemplate(RUNNERS)
    .replaceAll('%', '%%')
    .replace(/\{(vus|shards)\}/g, (_, name: string) => {
      args.push(values[name] as string);
      return '%d';
    });
  return { template: `spec.scenarios%s.%s: ${template}`, args };
}

function messageExpression(): string {
  const { template, args } = messageFormat();
  const first = `${starvedKeys}.map(k, ${celString(template)}.format([${args.join(', ')}]))[0]`;
  const more = `size(${starvedKeys}) > 1 ? ${celString(MORE_SCENARIOS.replace('{more}', '%d'))}.format([size(${starvedKeys}) - 1]) : ''`;
  return `'%s%s'.format([${first}, ${more}])`;
}

/** Where the apiserver reports it: the count to lower. */
export const SHARD_COUNT_FIELD = '.runners';

export const SHARD_COUNT_RULE: CelValidation = {
  rule: `!has(self.runners) || !self.scenarios.exists(k, ${starved})`,
  messageExpression: messageExpression(),
  message:
    "is more than an open-model scenario's VUs (maxVUs, else preAllocatedVUs) can be split over: a runner " +
    'with no VU of an open-model scenario drops every iteration it owns',
  fieldPath: SHARD_COUNT_FIELD,
};
