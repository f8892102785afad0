/** The five pillar stacks of a c360 app, built from the one config, and the cdk-nag checks over them. */
import { Validations, type App, type Environment } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { C360Config } from '../../lambda/config';
import { ActivationStack } from './activation-stack';
import { AnalyticsStack } from './analytics-stack';
import { CollectionStack } from './collection-stack';
import { GovernanceStack } from './governance-stack';
import { UnificationStack } from './unification-stack';

export { ActivationStack, AnalyticsStack, CollectionStack, GovernanceStack, UnificationStack };

/** The five pillar stacks of one c360 deployment. */
export interface C360Stacks {
  readonly collection: CollectionStack;
  readonly unification: UnificationStack;
  readonly analytics: AnalyticsStack;
  readonly activation: ActivationStack;
  readonly governance: GovernanceStack;
}

/** Stack names: `<appName>-<pillar>`. */
export function stackName(config: C360Config, pillar: keyof C360Stacks): string {
  return `${config.appName}-${pillar}`;
}

/** config.env, each part falling back to the CDK CLI's environment (env-agnostic if neither). */
export function resolveEnv(config: C360Config): Environment {
  return {
    account: config.env.account ?? process.env.CDK_DEFAULT_ACCOUNT,
    region: config.env.region ?? process.env.CDK_DEFAULT_REGION,
  };
}

/**
 * Adds the five c360 stacks to `app`. The CDK app (bin/app.ts) and the
 * infrastructure tests both build through this function.
 */
export function buildApp(app: App, config: C360Config): C360Stacks {
  const env = resolveEnv(config);
  const common = (pillar: keyof C360Stacks, description: string) => ({
    stackName: stackName(config, pillar),
    description,
    env,
    config,
  });

  const collection = new CollectionStack(
    app,
    stackName(config, 'collection'),
    common('collection', 'c360 collection: event stream and raw lake'),
  );
  const unification = new UnificationStack(app, stackName(config, 'unification'), {
    ...common('unification', 'c360 unification: stream consumer, single customer view, profile API'),
    stream: collection.stream,
    lakeBucket: collection.lakeBucket,
    lakeKey: collection.streamKey,
    lakeDatabaseName: collection.rawLake.databaseName,
    suppression: collection.suppression,
  });
  // One dashboard and alarm topic for the pipeline: the collector's API is watched there too.
  unification.monitoring.watchHttpApi('HttpCollector', collection.collector.api, collection.collector.stage);
  const analytics = new AnalyticsStack(app, stackName(config, 'analytics'), {
    ...common('analytics', 'c360 analytics: curated zone, Glue tables, Athena views, profile export'),
    stream: collection.stream,
    streamKey: collection.streamKey,
    lakeBucket: collection.lakeBucket,
    lakeKey: collection.streamKey,
    lakeDatabaseName: collection.rawLake.databaseName,
    profileTable: unification.table,
    segmentBus: unification.segments.bus,
    alarmTopic: unification.monitoring.topic,
  });
  // The curated tables and views are declared in the lake's Glue database, which the collection stack creates.
  analytics.addStackDependency(collection, 'the lake Glue database holds the curated tables and views');
  const activation = new ActivationStack(app, stackName(config, 'activation'), {
    ...common('activation', 'c360 activation: recommendations, Personalize, propensity scores, campaigns, audience exports'),
    stream: collection.stream,
    streamKey: collection.streamKey,
    landingBucket: collection.batchImport.landingBucket,
    lakeBucket: collection.lakeBucket,
    lakeKey: collection.streamKey,
    databaseName: collection.rawLake.databaseName,
    profileTable: unification.table,
    segmentBus: unification.segments.bus,
    curatedBucket: analytics.curatedBucket,
    curatedKey: analytics.key,
    athena: analytics.athena,
    suppression: collection.suppression,
  });
  // The propensity job's queries name the lake database and its tables (raw events, curated exports) by name.
  activation.addStackDependency(collection, 'the propensity job queries the lake Glue database; item files arrive in the landing bucket');
  activation.addStackDependency(analytics, 'the propensity job queries the curated tables in the analytics Athena workgroup');
  activation.addStackDependency(unification, 'the activation functions read the customer view; campaigns follow its segment bus');
  const governance = new GovernanceStack(app, stackName(config, 'governance'), {
    ...common('governance', 'c360 governance: audit log, CloudTrail, Lake Formation, erasure workflow, privacy API'),
    collection,
    unification,
    analytics,
    activation,
  });
  // Lake Formation tags and grants name the other stacks' Glue tables by name: they must exist first.
  governance.addStackDependency(collection, 'Lake Formation tags the lake database and its raw tables');
  governance.addStackDependency(analytics, 'Lake Formation tags the curated tables; the erasure reaches the curated zone');
  governance.addStackDependency(unification, 'the erasure reaches the customer view; the audit log grants its functions');
  governance.addStackDependency(activation, 'the erasure reaches the activation table, the exports and Personalize; Lake Formation grants the propensity job');

  return { collection, unification, analytics, activation, governance };
}

/**
 * Runs cdk-nag's AwsSolutions pack over the whole app at synthesis. cdk-nag 3 is a
 * CDK policy-validation plugin: an unacknowledged error fails `cdk synth`.
 */
export function addComplianceChecks(app: App): AwsSolutionsChecks {
  const checks = new AwsSolutionsChecks(app);
  Validations.of(app).addPlugins(checks);
  return checks;
}
