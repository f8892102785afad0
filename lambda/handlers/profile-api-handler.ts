/**
 * The profile API, independent of where it runs (API Gateway proxy events in
 * Lambda; the local runtime's HTTP server builds the same events).
 *   GET /profiles/{id}
 *   GET /profiles?email=… | ?phone=… | ?userId=… | ?anonymousId=… (or any configured identifier type)
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { toView } from '../core/profile';
import type { ProfileStore } from '../ports';
import { lookupProfile, type LookupQuery } from '../usecases/lookup-profile';

export interface ProfileApiDeps {
  readonly store: ProfileStore;
  readonly identifierTypes: readonly string[];
  readonly defaultPhoneRegion: string;
}

const json = (statusCode: number, body: unknown): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
const error = (statusCode: number, code: string, message: string) => json(statusCode, { error: code, message });

export function createProfileApi(deps: ProfileApiDeps) {
  return async (event: Pick<APIGatewayProxyEvent, 'httpMethod' | 'path' | 'pathParameters' | 'queryStringParameters'>): Promise<APIGatewayProxyResult> => {
    if (event.httpMethod !== 'GET') return error(405, 'method_not_allowed', `${event.httpMethod} is not supported; use GET`);
    const query = routeQuery(event, deps.identifierTypes);
    if ('error' in query) return query.error;
    const result = await lookupProfile(deps.store, query, deps.defaultPhoneRegion);
    if (!result.found) return result.invalidQuery ? error(400, 'bad_request', result.reason) : error(404, 'not_found', result.reason);
    return json(200, { ...toView(result.profile), ...(result.requestedId === undefined ? {} : { requestedId: result.requestedId }) });
  };

  function routeQuery(
    event: Pick<APIGatewayProxyEvent, 'path' | 'pathParameters' | 'queryStringParameters'>,
    identifierTypes: readonly string[],
  ): LookupQuery | { error: APIGatewayProxyResult } {
    const id = event.pathParameters?.id;
    if (id !== undefined) {
      if (!/^[A-Za-z0-9-]{1,64}$/.test(id)) return { error: error(400, 'bad_request', `${JSON.stringify(id)} is not a profile id`) };
      return { profileId: id };
    }
    if (!/\/profiles\/?$/.test(event.path)) return { error: error(404, 'not_found', `no route ${event.path}`) };
    const params = Object.entries(event.queryStringParameters ?? {}).filter(([, v]) => v !== undefined && v !== '');
    const known = params.filter(([k]) => identifierTypes.includes(k));
    const unknown = params.filter(([k]) => !identifierTypes.includes(k)).map(([k]) => k);
    if (unknown.length > 0 || known.length !== 1) {
      return {
        error: error(
          400,
          'bad_request',
          `look a profile up by exactly one of ${identifierTypes.join(', ')}` +
            (unknown.length > 0 ? `; unknown parameter ${unknown.join(', ')}` : ''),
        ),
      };
    }
    const [type, value] = known[0] as [string, string];
    return { type, value };
  }
}
