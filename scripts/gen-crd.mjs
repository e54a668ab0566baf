// Writes the generated CRD (from the built schema) to crds/. `npm run gen:crd` builds first.
import { writeFileSync } from 'node:fs';
import { renderCRDYaml } from '../dist/manifest/crd.js';

// The Helm chart ships the same CRD; both copies are written together so they cannot drift.
for (const path of [
  '../crds/loadtests.stampede.dev.yaml',
  '../charts/stampede/crds/loadtests.stampede.dev.yaml',
]) {
  const target = new URL(path, import.meta.url);
  writeFileSync(target, renderCRDYaml());
  console.log(`wrote ${target.pathname}`);
}
