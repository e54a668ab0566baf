// Writes the generated CRD (from the built schema) to crds/. `npm run gen:crd` builds first.
import { writeFileSync } from 'node:fs';
import { renderCRDYaml } from '../dist/api/crd.js';

const target = new URL('../crds/loadtests.stampede.dev.yaml', import.meta.url);
writeFileSync(target, renderCRDYaml());
console.log(`wrote ${target.pathname}`);
