import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createLakeFormationCheckHandler, sameRole } from '../../lambda/governance/handlers/lake-formation-check';

const DEPLOY_ROLE = 'arn:aws:iam::123456789012:role/cdk-hnb659fds-cfn-exec-role-123456789012-eu-west-1';
const BOOTSTRAP = 'README.md, section "Lake Formation bootstrap"';

function event(type: 'Create' | 'Update' | 'Delete', properties: Record<string, unknown> = { DeployRoleArn: DEPLOY_ROLE, Bootstrap: BOOTSTRAP }): CloudFormationCustomResourceEvent {
  return {
    RequestType: type,
    ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:provider',
    ResponseURL: 'https://example.invalid/response',
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/c360-governance/1',
    RequestId: 'request-1',
    LogicalResourceId: 'LakeFormationCheck',
    ResourceType: 'Custom::C360LakeFormationCheck',
    ResourceProperties: { ServiceToken: 'token', ...properties },
    ...(type === 'Create' ? {} : { PhysicalResourceId: 'c360-lake-formation-admin-check', OldResourceProperties: {} }),
  } as CloudFormationCustomResourceEvent;
}

const withAdmins = (admins: string[]) => {
  let calls = 0;
  const handle = createLakeFormationCheckHandler({ lakeFormation: { admins: async () => (calls++, admins) } });
  return { handle, calls: () => calls };
};

describe('Lake Formation admin check', () => {
  it('passes when the deploy role is among the data lake admins', async () => {
    const { handle } = withAdmins(['arn:aws:iam::123456789012:role/DataPlatformAdmin', DEPLOY_ROLE]);
    await expect(handle(event('Create'))).resolves.toEqual({ PhysicalResourceId: 'c360-lake-formation-admin-check', Data: { AdminCount: 2 } });
  });

  it('fails the deployment, naming the deploy role and the README bootstrap, when it is not an admin', async () => {
    const { handle } = withAdmins(['arn:aws:iam::123456789012:role/DataPlatformAdmin']);
    await expect(handle(event('Update'))).rejects.toThrow(/cfn-exec-role.*is not one of them.*Lake Formation bootstrap/s);
  });

  it('fails when the account has no admin listed at all (the stack was told existingAdmins)', async () => {
    const { handle } = withAdmins([]);
    await expect(handle(event('Create'))).rejects.toThrow(/\(0\)/);
  });

  it('does nothing on Delete, without reading the settings', async () => {
    const { handle, calls } = withAdmins([]);
    await expect(handle(event('Delete'))).resolves.toMatchObject({ PhysicalResourceId: 'c360-lake-formation-admin-check' });
    expect(calls()).toBe(0);
  });

  it('refuses a resource without the deploy role property', async () => {
    const { handle } = withAdmins([DEPLOY_ROLE]);
    await expect(handle(event('Create', { Bootstrap: BOOTSTRAP }))).rejects.toThrow(/DeployRoleArn/);
  });

  it('recognises a role by its ARN with a path, and by an assumed-role session of it, but not another role or account', () => {
    expect(sameRole('arn:aws:iam::123456789012:role/service/Admin', 'arn:aws:iam::123456789012:role/Admin')).toBe(true);
    expect(sameRole('arn:aws:sts::123456789012:assumed-role/Admin/session-1', 'arn:aws:iam::123456789012:role/Admin')).toBe(true);
    expect(sameRole('arn:aws:iam::123456789012:role/Admin', 'arn:aws:iam::123456789012:role/Other')).toBe(false);
    expect(sameRole('arn:aws:iam::123456789012:role/Admin', 'arn:aws:iam::210987654321:role/Admin')).toBe(false);
  });
});
