/**
 * Regenerates docs/openapi.json, the OpenAPI description of the profile API,
 * from the contract's zod schemas and this deployment's identifier types
 * (c360.config.ts). `npm run openapi`; a test fails while the shipped file
 * differs from what this writes.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { profileApiOpenApi } from '../lambda/client/openapi';
import { config } from '../lambda/config/load';

const target = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));
writeFileSync(target, `${JSON.stringify(profileApiOpenApi({ identifierTypes: config.unification.identity.identifiers }), null, 2)}\n`);
console.log('wrote docs/openapi.json');
