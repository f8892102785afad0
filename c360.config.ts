/**
 * This deployment's c360 configuration: read by the CDK app (`npx cdk deploy`),
 * bundled into the Lambda functions, and used by the local runtime (`npm start`).
 * Every option, its meaning and its default are in lib/config.ts.
 */
import { defineConfig } from './lib/config';

export default defineConfig({
  appName: 'c360',
  removalPolicy: 'retain',
  collection: {
    stream: { mode: 'on-demand', retentionHours: 24 },
  },
  unification: {
    identity: { identifiers: ['userId', 'email', 'phone', 'anonymousId'] },
  },
  normalization: { defaultPhoneRegion: 'US' },
});
