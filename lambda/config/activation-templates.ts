/**
 * Campaign templates are Liquid (liquidjs), checked when the config loads:
 * the syntax, the filters (strict), and the variables' roots, which must be
 * one of TEMPLATE_ROOTS. Rendering (lambda/activation/core/campaigns/render.ts)
 * uses the same engine options with strict variables, so a variable missing
 * for one customer is an error for that send, recorded before anything is
 * sent; use `| default: "…"` for optional values.
 */
import { Liquid } from 'liquidjs';

/** What a template may read: see lambda/activation/core/campaigns/render.ts for their shape. */
export const TEMPLATE_ROOTS = ['profile', 'event', 'campaign', 'segment', 'recommendations', 'unsubscribeUrl', 'now'] as const;

/** The one engine configuration of c360's templates: strict filters and variables, HTML-escaped output (a template opts out with `| raw`). */
export const LIQUID_OPTIONS = {
  strictFilters: true,
  strictVariables: true,
  lenientIf: true,
  outputEscape: 'escape',
  ownPropertyOnly: true,
} as const;

let engine: Liquid | undefined;
/** The shared engine (parse cache included). */
export function liquid(): Liquid {
  engine ??= new Liquid({ ...LIQUID_OPTIONS, cache: 200 });
  return engine;
}

/** Why `source` is not a usable template (syntax, unknown filter, unknown variable root); empty when it is. */
export function templateProblems(source: string): string[] {
  const engine = liquid();
  let roots: string[];
  try {
    roots = engine.globalVariablesSync(engine.parse(source));
  } catch (e) {
    return [`template does not parse: ${(e as Error).message}`];
  }
  const unknown = [...new Set(roots)].filter((r) => !(TEMPLATE_ROOTS as readonly string[]).includes(r));
  return unknown.map((r) => `template reads "${r}", which no message provides; templates read ${TEMPLATE_ROOTS.join(', ')}`);
}
