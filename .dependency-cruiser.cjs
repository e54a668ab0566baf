/**
 * The layer order of src/ (README.md, Layout), enforced by `npm run depcheck` inside `npm test`.
 * A folder imports only from its own layer or a lower one; no import cycle anywhere, type-only imports included.
 */

/** Lowest first. Folders on one line share a layer and may import each other (but never in a circle). */
const LAYERS = [
  ['observability'],
  ['demo', 'kube'],
  ['api'], // schema, types, durations
  ['metrics'],
  ['protocols'],
  ['engine'],
  ['manifest'], // whole-manifest validation and CRD generation: needs every executor's plan checks
  ['analysis'],
  ['report'],
  ['runner', 'local', 'controller'],
  ['cli'],
];

const folder = (name) => `^src/${name}/`;

/** One rule per layer: nothing in it imports a folder of a higher layer. */
const upward = LAYERS.slice(0, -1).map((names, i) => {
  const higher = LAYERS.slice(i + 1).flat();
  return {
    name: `layer-${names.join('-')}`,
    comment: `${names.join(', ')} may not import ${higher.join(', ')} (import only downward; see .dependency-cruiser.cjs)`,
    severity: 'error',
    from: { path: `^src/(${names.join('|')})/` },
    to: { path: `^src/(${higher.join('|')})/` },
  };
});

/** Every folder of src/ must have a layer, so a new folder cannot bypass the order. */
const known = LAYERS.flat().map(folder).join('|');

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'no-circular',
      comment: 'no import cycle, type-only imports included',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'layer-unknown-folder',
      comment: 'every folder of src/ needs a place in LAYERS (.dependency-cruiser.cjs)',
      severity: 'error',
      from: { path: '^src/[^/]+/', pathNot: known },
      to: {},
    },
    {
      name: 'no-unresolvable',
      comment: 'an import that does not resolve is a typo or a missing dependency',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    // Type-only imports count: a cycle closed by `import type` still ties the layers together.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
  },
};
