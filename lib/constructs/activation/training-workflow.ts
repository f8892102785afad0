/** The Personalize training workflow: check the data, train both solutions, deploy each new version to its campaign. */
import { Duration, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { ACTIVATION_ENV } from '../../../lambda/activation/contracts/env';
import type { ActivationConfig } from '../../../lambda/config/activation';
import { C360Function } from '../common/c360-function';
import { acknowledgeWildcardResource } from '../common/nag';
import { grantScan } from './grants';
import { PERSONALIZE_MODELS, type Personalize, type PersonalizeModel } from './personalize';

/** How long the workflow waits between two looks at a training solution version (training takes from tens of minutes to hours). */
export const TRAINING_POLL_INTERVAL = Duration.minutes(10);
/** A run (both trainings and deployments) gives up after this. */
export const TRAINING_TIMEOUT = Duration.hours(48);

export interface TrainingWorkflowProps {
  readonly config: ActivationConfig['recommendations'];
  readonly personalize: Personalize;
  /** The activation table: the check counts its interactions. */
  readonly table: dynamodb.ITable;
  /** Encrypts the log groups; it must let CloudWatch Logs use it. */
  readonly logEncryptionKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

const MODEL_LABEL: Readonly<Record<PersonalizeModel, string>> = { user: 'User', similar: 'SimilarItems' };

/**
 * A Standard state machine, started by `personalize.trainSchedule` and on
 * demand (StartExecution, any input):
 *
 *   CheckTrainingData (training-check) → ready?
 *     no  → NotEnoughData (Succeed; the output says why, with the counts)
 *     yes → Parallel, for each solution (user personalization, similar items):
 *           CreateSolutionVersion → Wait → DescribeSolutionVersion ⟲ until ACTIVE
 *             (CREATE FAILED / CREATE STOPPED → Fail with Personalize's reason)
 *           → DescribeCampaign → UpdateCampaign with the new version,
 *             or, when the campaign does not exist yet, CreateCampaign under its
 *             fixed name (the recommendations API already knows its ARN)
 *
 * Every Personalize call is a Step Functions AWS SDK integration; the role
 * may call each one on the named solution, its versions and its campaign
 * only. Logs (without execution data) go to an encrypted log group; X-Ray on.
 */
export class TrainingWorkflow extends Construct {
  public readonly check: C360Function;
  public readonly stateMachine: sfn.StateMachine;
  public readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: TrainingWorkflowProps) {
    super(scope, id);
    const { config, personalize, table, logEncryptionKey, logRetention, removalPolicy } = props;

    this.check = new C360Function(this, 'Check', {
      entry: 'lambda/activation/functions/training-check.ts',
      serviceName: 'training-check',
      description: 'c360 activation: counts the interactions and users Personalize would train on, against its minimum',
      // One pass over every interaction, counted per profile in memory.
      memorySize: 1024,
      timeout: Duration.minutes(15),
      logRetention,
      removalPolicy,
      logEncryptionKey,
    });
    grantScan(this.check, table, ACTIVATION_ENV.table);

    const checkData = new tasks.LambdaInvoke(this, 'CheckTrainingData', {
      lambdaFunction: this.check,
      payload: sfn.TaskInput.fromObject({ executionId: sfn.JsonPath.stringAt('$$.Execution.Id') }),
      payloadResponseOnly: true,
      // `{ ready, interactions, users }`, and `reason` when not ready.
      resultPath: '$.check',
    });

    const notEnoughData = new sfn.Pass(this, 'ReportNotEnoughData', {
      parameters: {
        trained: false,
        'reason.$': '$.check.reason',
        'interactions.$': '$.check.interactions',
        'users.$': '$.check.users',
      },
    }).next(new sfn.Succeed(this, 'NotEnoughData', { comment: 'Below Personalize\'s minimum to train: nothing was trained; the output says why.' }));

    const train = new sfn.Parallel(this, 'TrainAndDeploy', { resultPath: '$.models' });
    for (const model of PERSONALIZE_MODELS) train.branch(this.trainAndDeploy(model, personalize, config.personalize.minProvisionedTps));
    const trained = new sfn.Pass(this, 'ReportTrained', {
      parameters: { trained: true, 'interactions.$': '$.check.interactions', 'users.$': '$.check.users', 'models.$': '$.models' },
    });

    const definition = checkData.next(
      new sfn.Choice(this, 'EnoughData')
        .when(sfn.Condition.booleanEquals('$.check.ready', true), train.next(trained))
        .otherwise(notEnoughData),
    );

    const logGroup = new logs.LogGroup(this, 'StateMachineLogs', { retention: logRetention, removalPolicy, encryptionKey: logEncryptionKey });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: TRAINING_TIMEOUT,
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Resource "*" for X-Ray tracing and CloudWatch Logs log delivery (CreateLogDelivery, GetLogDelivery, ...), which take no resource-level permissions; the logs go to this workflow\'s own log group.',
    });
    acknowledgeWildcardResource(
      this.stateMachine.role,
      `${this.check.functionArn}:*`,
      'The workflow invokes its own training-check function by ARN with any version or alias qualifier (`:*`), as the CDK grants it: that function only.',
    );
    for (const model of PERSONALIZE_MODELS) {
      acknowledgeWildcardResource(
        this.stateMachine.role,
        personalize.solutionVersionArns(model),
        `The solution versions the workflow trains have generated ids under one solution (${model}): it describes them and deploys them to that solution's campaign only.`,
      );
    }

    this.schedule = new events.Rule(this, 'Schedule', {
      description: `c360 activation: train and deploy the Personalize solutions (${config.personalize.trainSchedule})`,
      schedule: events.Schedule.expression(config.personalize.trainSchedule),
      targets: [new targets.SfnStateMachine(this.stateMachine, { input: events.RuleTargetInput.fromObject({ trigger: 'schedule' }), retryAttempts: 2 })],
    });
  }

  /** One solution's branch: train a version, wait for it, deploy it to the campaign. */
  private trainAndDeploy(model: PersonalizeModel, personalize: Personalize, minProvisionedTps: number): sfn.IChainable {
    const label = MODEL_LABEL[model];
    const solutionArn = personalize.solutions[model].attrSolutionArn;
    const versions = personalize.solutionVersionArns(model);
    const campaignArn = personalize.campaignArns[model];
    const sdk = (stateId: string, action: string, parameters: Record<string, unknown>, resources: string[], resultPath: string) =>
      new tasks.CallAwsService(this, `${label}${stateId}`, {
        service: 'personalize',
        action,
        iamAction: `personalize:${action.charAt(0).toUpperCase()}${action.slice(1)}`,
        iamResources: resources,
        parameters,
        resultPath,
      });
    // Personalize refuses a change while the resource is still busy with the last one: wait and try again.
    const retryBusy = (task: tasks.CallAwsService) =>
      task.addRetry({ errors: ['Personalize.ResourceInUseException', 'Personalize.LimitExceededException'], maxAttempts: 6, interval: Duration.minutes(1), backoffRate: 2 });

    const create = sdk('CreateSolutionVersion', 'createSolutionVersion', { SolutionArn: solutionArn, TrainingMode: 'FULL' }, [solutionArn], '$.created');
    retryBusy(create);
    const wait = new sfn.Wait(this, `${label}WaitForTraining`, { time: sfn.WaitTime.duration(TRAINING_POLL_INTERVAL) });
    const describe = sdk(
      'DescribeSolutionVersion',
      'describeSolutionVersion',
      { 'SolutionVersionArn.$': '$.created.SolutionVersionArn' },
      [versions],
      '$.version',
    );
    describe.addRetry({ errors: ['Personalize.ResourceNotFoundException', 'States.Timeout'], maxAttempts: 3, interval: Duration.seconds(30), backoffRate: 2 });

    const status = '$.version.SolutionVersion.Status';
    const ended = sfn.Condition.or(sfn.Condition.stringEquals(status, 'CREATE FAILED'), sfn.Condition.stringEquals(status, 'CREATE STOPPED'));
    const reason = '$.version.SolutionVersion.FailureReason';
    const failedWithReason = new sfn.Fail(this, `${label}TrainingFailed`, { error: 'TrainingFailed', causePath: reason });
    const failed = new sfn.Fail(this, `${label}TrainingStopped`, { error: 'TrainingFailed', cause: `The ${model} solution version did not become active (failed or stopped) and Personalize gave no reason.` });

    const describeCampaign = sdk('DescribeCampaign', 'describeCampaign', { CampaignArn: campaignArn }, [campaignArn], '$.campaign');
    const deployment = { MinProvisionedTPS: minProvisionedTps, 'SolutionVersionArn.$': '$.created.SolutionVersionArn' };
    const update = sdk('UpdateCampaign', 'updateCampaign', { CampaignArn: campaignArn, ...deployment }, [campaignArn, versions], '$.deployed');
    retryBusy(update);
    const createCampaign = sdk('CreateCampaign', 'createCampaign', { Name: personalize.campaignNames[model], ...deployment }, [campaignArn, versions], '$.deployed');
    retryBusy(createCampaign);
    describeCampaign.addCatch(createCampaign, { errors: ['Personalize.ResourceNotFoundException'], resultPath: '$.campaign' });
    const done = new sfn.Pass(this, `${label}Deployed`, {
      parameters: { model, campaignArn, 'solutionVersionArn.$': '$.created.SolutionVersionArn' },
    });
    update.next(done);
    createCampaign.next(done);

    return create
      .next(wait)
      .next(describe)
      .next(
        new sfn.Choice(this, `${label}TrainingStatus`)
          .when(sfn.Condition.stringEquals(status, 'ACTIVE'), describeCampaign.next(update))
          .when(sfn.Condition.and(ended, sfn.Condition.isPresent(reason)), failedWithReason)
          .when(ended, failed)
          .otherwise(wait),
      );
  }
}
