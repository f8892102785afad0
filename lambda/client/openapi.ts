/**
 * The OpenAPI 3.1 description of the profile API, generated from the zod
 * schemas of ./contract.ts (the ones the handler validates with), so the
 * description cannot drift from what the API answers. Served at
 * `GET /openapi.json` and shipped as docs/openapi.json (`npm run openapi`
 * regenerates it).
 */
import * as z from 'zod/mini';
import {
  DEFAULT_PAGE,
  FieldsParamSchema,
  MAX_PAGE,
  NAMED_SCHEMAS,
  PROFILE_FIELDS,
  PROFILE_ID_PATTERN,
  SegmentMembersQuerySchema,
} from './contract';

export interface OpenApiOptions {
  /** The configured identifier types (config unification.identity.identifiers): each is a lookup parameter of `GET /profiles`. */
  readonly identifierTypes: readonly string[];
}

type Json = Record<string, unknown>;

const ref = (name: keyof typeof NAMED_SCHEMAS) => ({ $ref: `#/components/schemas/${name}` });
const body = (name: keyof typeof NAMED_SCHEMAS, description: string) => ({ description, content: { 'application/json': { schema: ref(name) } } });
const errorAnswer = (description: string) => body('Error', description);

/** The JSON Schema of each contract schema, under components/schemas, referring to one another by $ref. */
function componentSchemas(): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(NAMED_SCHEMAS)) registry.add(schema, { id });
  const out = z.toJSONSchema(registry, { uri: (id) => `#/components/schemas/${id}`, unrepresentable: 'any' }).schemas;
  return Object.fromEntries(
    Object.entries(out).map(([id, schema]) => {
      const { $schema: _s, $id: _i, ...rest } = schema as Json;
      return [id, rest];
    }),
  );
}

/** A query or path parameter's schema, from a contract schema (as a request reads it). */
function paramSchema(schema: z.core.$ZodType): Json {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  return rest;
}

export function profileApiOpenApi(options: OpenApiOptions): Json {
  const profileId = { name: 'id', in: 'path', required: true, description: 'A profile id (a merged-away id answers with its survivor)', schema: { type: 'string', pattern: PROFILE_ID_PATTERN.source } };
  const fields = {
    name: 'fields',
    in: 'query',
    required: false,
    description: `Comma-separated top-level fields of the view to return; profileId (and requestedId when set) always are. An unknown field is a 400 naming it. Default: the whole view. Fields: ${PROFILE_FIELDS.join(', ')}`,
    schema: paramSchema(FieldsParamSchema),
  };
  const lookups = options.identifierTypes.map((type) => ({
    name: type,
    in: 'query',
    required: false,
    description: `Look the profile up by its ${type} (normalised as the consumer normalises it). Give exactly one identifier.`,
    schema: { type: 'string' },
  }));
  const read = (summary: string, answer: keyof typeof NAMED_SCHEMAS, parameters: Json[] = [profileId]) => ({
    get: {
      summary,
      parameters,
      responses: {
        '200': body(answer, summary),
        '400': errorAnswer('A malformed id or query'),
        '404': errorAnswer('No such profile'),
      },
    },
  });
  const members = SegmentMembersQuerySchema.shape;
  return {
    openapi: '3.1.0',
    info: {
      title: 'c360 profile API',
      version: '1.0.0',
      description:
        'The customer view of c360: a profile with its identifiers, traits, computed traits evaluated at the request, segments with entry times, consent, scores, channels, merges and enrichment; its identities, merge history and consent; the configured segments and their members. Requests are signed with SigV4 (service execute-api).',
    },
    security: [{ sigv4: [] }],
    paths: {
      '/profiles': {
        get: {
          summary: 'The profile holding an identifier',
          parameters: [...lookups, fields],
          responses: {
            '200': body('Profile', 'The profile'),
            '400': errorAnswer('Not exactly one identifier, an unreadable value, or an unknown field'),
            '404': errorAnswer('No profile holds the identifier'),
          },
        },
      },
      '/profiles/{id}': {
        get: {
          summary: 'A profile',
          parameters: [profileId, fields],
          responses: {
            '200': body('Profile', 'The profile'),
            '400': errorAnswer('A malformed id or an unknown field'),
            '404': errorAnswer('No such profile'),
          },
        },
      },
      '/profiles/{id}/identities': read('Identifiers held, what linked each, and those rejected with the reason', 'Identities'),
      '/profiles/{id}/merges': read('Merge history and unmerges', 'MergeHistory'),
      '/profiles/{id}/consent': {
        ...read('Consent per purpose and the decisions behind it', 'Consent'),
        put: {
          summary: 'Record consent decisions: they go onto the event stream as a preference event',
          parameters: [profileId],
          requestBody: { required: true, content: { 'application/json': { schema: ref('ConsentChange') } } },
          responses: {
            '202': body('ConsentAccepted', 'The preference event is on the stream'),
            '400': errorAnswer('A malformed body or an unknown purpose'),
            '404': errorAnswer('No such profile'),
            '409': errorAnswer('The profile has no userId or anonymousId to address the event to'),
            '501': errorAnswer('Recording consent is not enabled on this API'),
          },
        },
      },
      '/profiles/{id}/unmerge': {
        post: {
          summary: 'Split a merged-away profile back out; both are rebuilt from their events and not linked again',
          parameters: [profileId],
          requestBody: { required: true, content: { 'application/json': { schema: ref('UnmergeRequest') } } },
          responses: {
            '200': body('UnmergeOutcome', 'The unmerge, and both profiles as they now are'),
            '400': errorAnswer('A malformed body'),
            '404': errorAnswer('restoredId is not merged into this profile'),
            '409': errorAnswer('The profile is itself merged into another'),
            '501': errorAnswer('Unmerge is not enabled on this API'),
          },
        },
      },
      '/segments': {
        get: { summary: 'The configured segments', responses: { '200': body('SegmentList', 'The configured segments') } },
      },
      '/segments/{name}/members': {
        get: {
          summary: "A page of a segment's members",
          parameters: [
            { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'limit', in: 'query', required: false, description: `Members per page, 1 to ${MAX_PAGE}`, schema: { ...paramSchema(members.limit), default: DEFAULT_PAGE } },
            { name: 'cursor', in: 'query', required: false, description: 'The next of the previous page', schema: paramSchema(members.cursor) },
          ],
          responses: {
            '200': body('SegmentPage', 'One page; next is absent on the last'),
            '400': errorAnswer('A bad limit or cursor'),
            '404': errorAnswer('No such segment'),
            '501': errorAnswer('Segment membership is not enabled on this API'),
          },
        },
      },
      '/health': {
        get: { summary: 'The API answers (it reads no store)', responses: { '200': body('Health', 'ok') } },
      },
      '/openapi.json': {
        get: { summary: 'This description', responses: { '200': { description: 'The OpenAPI document', content: { 'application/json': { schema: { type: 'object' } } } } } },
      },
    },
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        sigv4: { type: 'apiKey', name: 'Authorization', in: 'header', description: 'AWS IAM: requests signed with Signature Version 4, service execute-api', 'x-amazon-apigateway-authtype': 'awsSigv4' },
      },
    },
  };
}
