// Writes src/api/schema-json.generated.ts (the plain JSON schema run-time code uses) from the built TypeBox
// schema. `npm run gen:schema` builds first.
import { writeFileSync } from 'node:fs';
import { renderSchemaModule } from '../dist/api/schema-json-render.js';

const target = new URL('../src/api/schema-json.generated.ts', import.meta.url);
writeFileSync(target, renderSchemaModule());
console.log(`wrote ${target.pathname}`);
