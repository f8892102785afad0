/**
 * The c360 CDK app: `npx cdk synth | deploy` (cdk.json runs this file with tsx).
 * Five stacks, one per pillar, built from the one validated config.
 */
import { App } from 'aws-cdk-lib';
import { config } from '../lambda/config/load';
import { addComplianceChecks, buildApp } from '../lib/stacks';

const app = new App();
buildApp(app, config);
addComplianceChecks(app);
app.synth();
