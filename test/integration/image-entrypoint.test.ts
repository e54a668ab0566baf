import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runnerJob } from '../../src/controller/builders.js';
import { runCli } from '../helpers/cli.js';

/**
 * No Docker engine runs here, so the image is checked by running the same command lines it would run, from
 * the built output: its ENTRYPOINT and the runner command the controller puts in Job pods.
 */
describe('the container image entrypoint', () => {
  const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
  const entrypoint = JSON.parse(/^ENTRYPOINT (.+)$/m.exec(dockerfile)?.[1] ?? '[]') as string[];
  const cmd = JSON.parse(/^CMD (.+)$/m.exec(dockerfile)?.[1] ?? '[]') as string[];

  it('is `stampede`, linked to the built CLI, and its default command prints usage', async () => {
    expect(entrypoint).toEqual(['stampede']);
    // Linked in the build stage and copied onto PATH, so the runtime base needs no shell.
    expect(dockerfile).toMatch(/ln -s \/app\/bin\/stampede\.js \/out\/bin\/stampede/);
    expect(dockerfile).toMatch(/^COPY --from=build \/out\/bin\/ \/usr\/local\/bin\/$/m);
    expect(dockerfile).toMatch(/^USER 65532:65532$/m);
    const result = await runCli(cmd);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/commands:\n\s+run FILE/);
  });

  it('runs the runner command the controller gives Job pods, which fails fast without its environment', async () => {
    const job = runnerJob(
      { metadata: { name: 'x', namespace: 'n', uid: 'u' }, spec: {} },
      { image: 'stampede:dev', command: ['stampede', 'runner'], startDeadlineSeconds: 1 },
    );
    const command = job.spec?.template.spec?.containers[0]?.command as string[];
    expect(command[0]).toBe(entrypoint[0]);
    const result = await runCli(command.slice(1));
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/STAMPEDE_LOADTEST is empty/);
  });

  it('runs the controller command, which names the missing kubeconfig instead of crashing', async () => {
    const result = await runCli(['controller', '--kubeconfig', '/nonexistent/kubeconfig']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot read kubeconfig \/nonexistent\/kubeconfig/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
