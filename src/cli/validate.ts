/** `stampede validate FILE`: check a manifest and show the plan, without sending any traffic. */

import { formatDurationUs } from '../api/duration.js';
import { WHOLE } from '../engine/shard.js';
import { planDurationUs, planShard } from '../engine/shard-plan.js';
import { parseArgs, UsageError } from './args.js';
import { EXIT } from './exit-codes.js';
import { loadManifest, parseEnvOverrides } from './load-manifest.js';
import { OVERRIDE_OPTIONS, overridesFrom } from './overrides.js';

export async function validateCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: OVERRIDE_OPTIONS, repeated: ['env'], aliases: { e: 'env' } });
  const file = args.positional[0];
  if (!file || args.positional.length > 1)
    throw new UsageError(
      'usage: stampede validate FILE [--env NAME=value]... [--vus N] [--duration D] [--rate R] [--iterations N] [--scenario NAME] [--base-url URL]',
    );
  const env = parseEnvOverrides(args.repeated.env ?? []);
  const loaded = await loadManifest(file, env, undefined, overridesFrom(args.values));
  if (!loaded.ok) {
    process.stderr.write(`${loaded.message}\n`);
    return EXIT.INVALID_INPUT;
  }
  const plans = planShard(loaded.loadTest, WHOLE);
  process.stdout.write(`${file}: valid LoadTest "${loaded.loadTest.metadata.name}"\n`);
  for (const p of plans) {
    const start = p.startOffsetUs ? ` starting at ${formatDurationUs(p.startOffsetUs)}` : '';
    process.stdout.write(`  ${p.scenario}: ${p.executor} (${p.model} model), ${p.describe}${start}\n`);
  }
  process.stdout.write(`  longest possible run: ${formatDurationUs(planDurationUs(plans))}\n`);
  return EXIT.PASSED;
}
