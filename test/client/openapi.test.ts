/** The OpenAPI description of the profile API: generated from the contract's schemas, and shipped in the repo as generated. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROFILE_FIELDS } from '../../lambda/client/contract';
import { profileApiOpenApi } from '../../lambda/client/openapi';
import { config } from '../../lambda/config/load';

type Json = Record<string, any>;
const doc = profileApiOpenApi({ identifierTypes: config.unification.identity.identifiers }) as Json;

/** Every `$ref` anywhere in a value. */
function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refs(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

describe('profile API OpenAPI description', () => {
  it('is shipped as docs/openapi.json exactly as generated (run `npm run openapi` after changing the contract)', () => {
    const shipped = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8')) as unknown;
    expect(shipped).toEqual(JSON.parse(JSON.stringify(doc)));
  });

  it('is OpenAPI 3.1 with every $ref resolving to a component schema', () => {
    expect(doc.openapi).toBe('3.1.0');
    const schemas = doc.components.schemas as Json;
    const targets = refs(doc);
    expect(targets.length).toBeGreaterThan(20);
    for (const target of targets) {
      expect(target).toMatch(/^#\/components\/schemas\//);
      expect(schemas).toHaveProperty([target.replace('#/components/schemas/', '')]);
    }
    for (const schema of Object.values(schemas)) expect(schema).not.toHaveProperty('$schema');
  });

  it('describes the whole view, the fields parameter and a lookup parameter per configured identifier type', () => {
    const profile = doc.components.schemas.Profile as Json;
    expect(Object.keys(profile.properties).sort()).toEqual(['profileId', 'requestedId', ...PROFILE_FIELDS].sort());
    expect(profile.required).toEqual(expect.arrayContaining(['profileId', 'computed', 'segments', 'consent', 'asOf']));
    const lookup = doc.paths['/profiles'].get.parameters as Json[];
    expect(lookup.map((p) => p.name)).toEqual([...config.unification.identity.identifiers, 'fields']);
    expect((doc.paths['/profiles/{id}'].get.parameters as Json[]).map((p) => p.name)).toEqual(['id', 'fields']);
    const links = doc.components.schemas.IdentifierLink as Json;
    expect(links.properties.rule.enum).toEqual(['first-seen', 'linked', 'unrecorded']);
    const limit = (doc.paths['/segments/{name}/members'].get.parameters as Json[]).find((p) => p.name === 'limit');
    expect(limit?.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000, default: 100 });
  });

  it('answers errors with the Error schema and names IAM (SigV4) as the security scheme', () => {
    for (const [path, operations] of Object.entries(doc.paths as Json)) {
      for (const [method, op] of Object.entries(operations as Json)) {
        for (const [status, answer] of Object.entries((op as Json).responses as Json)) {
          if (Number(status) >= 400) expect(answer.content['application/json'].schema, `${method} ${path} ${status}`).toEqual({ $ref: '#/components/schemas/Error' });
        }
      }
    }
    expect(doc.security).toEqual([{ sigv4: [] }]);
    expect(doc.components.securitySchemes.sigv4).toMatchObject({ type: 'apiKey', in: 'header', name: 'Authorization', 'x-amazon-apigateway-authtype': 'awsSigv4' });
    expect(doc.components.schemas.ConsentChange.additionalProperties).toBe(false);
  });
});
