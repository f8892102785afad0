/**
 * The validated configuration of this deployment (c360.config.ts). Imported by
 * the CDK app, bundled into every Lambda function, and read by the local runtime.
 */
import raw from '../../c360.config';
import { parseConfig, type C360Config } from '.';

export const config: C360Config = parseConfig(raw);
