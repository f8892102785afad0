/** Lambda entry of the Lake Formation admin check (custom resource, Provider framework's onEvent handler). */
import { GetDataLakeSettingsCommand, LakeFormationClient } from '@aws-sdk/client-lakeformation';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { logger, traced, withPowertools } from '../../shared/powertools';
import { createLakeFormationCheckHandler, type DataLakeAdmins } from '../handlers/lake-formation-check';

const client = traced(new LakeFormationClient({}));

const lakeFormation: DataLakeAdmins = {
  async admins() {
    const settings = await client.send(new GetDataLakeSettingsCommand({}));
    return (settings.DataLakeSettings?.DataLakeAdmins ?? []).flatMap((p: { DataLakePrincipalIdentifier?: string }) => (p.DataLakePrincipalIdentifier === undefined ? [] : [p.DataLakePrincipalIdentifier]));
  },
};

const handle = createLakeFormationCheckHandler({ lakeFormation });

export const handler = withPowertools(async (event: CloudFormationCustomResourceEvent) => {
  logger.info('lake formation check', { requestType: event.RequestType, logicalResourceId: event.LogicalResourceId });
  const response = await handle(event);
  logger.info('lake formation check done', { admins: response.Data.AdminCount });
  return response;
});
