/**
 * Starting the deployed erasure workflow (ERASURE_STATE_MACHINE_ARN): one
 * Step Functions execution per request, named after the request id, so that
 * a repeated request starts nothing twice. The input is the request as the
 * resolve step takes it; Step Functions keeps it in the execution history, so
 * the identifier named travels once, there, and never further through the
 * workflow's state (the resolve step returns the request id only).
 */
import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { ErasureRequest } from '../contracts/erasure';
import type { ErasureStarter } from '../ports';

export class SfnErasureStarter implements ErasureStarter {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  /** Resolves once the execution is started; starting the same request again is answered by Step Functions as the same execution. */
  async start(request: ErasureRequest): Promise<void> {
    try {
      await this.sfn.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name: request.requestId, input: JSON.stringify(request) }));
    } catch (err) {
      // Only when the input differs: the request id names an execution already started for it.
      if (err instanceof ExecutionAlreadyExists || (err as Error).name === 'ExecutionAlreadyExists') return;
      throw err;
    }
  }
}
