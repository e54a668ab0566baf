/** JSON values with ${...} templates inside their strings, compiled once and rendered per call. */
import { type CompiledTemplate, compileTemplate, type TemplateContext } from './template.js';

/**
 * Compiles a JSON value: each string with a template renders through it (one expression keeps its type),
 * everything else is returned as written. Without templates the same value is returned every time.
 */
export function compileJsonValue(json: unknown): (ctx: TemplateContext) => unknown {
  const templates = new Map<string, CompiledTemplate>();
  const collect = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v.includes('${') && !templates.has(v)) templates.set(v, compileTemplate(v));
    } else if (Array.isArray(v)) v.forEach(collect);
    else if (v && typeof v === 'object') Object.values(v).forEach(collect);
  };
  collect(json);
  if (templates.size === 0) return () => json;
  const render = (v: unknown, ctx: TemplateContext): unknown => {
    if (typeof v === 'string') return templates.get(v)?.value(ctx) ?? v;
    if (Array.isArray(v)) return v.map((x) => render(x, ctx));
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, render(x, ctx)]));
    return v;
  };
  return (ctx) => render(json, ctx);
}
