/**
 * The Lake Formation admin check, a CloudFormation custom resource (the
 * Provider framework's onEvent handler): in an account that already has data
 * lake admins the stack does not write the data lake settings, so before any
 * tag or grant is created this check reads the admins and fails the
 * deployment, with the way out, unless the deploy role is one of them.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

/** Reads the account's data lake admins (principal ARNs). */
export interface DataLakeAdmins {
  admins(): Promise<string[]>;
}

export interface LakeFormationCheckDeps {
  readonly lakeFormation: DataLakeAdmins;
}

export interface LakeFormationCheckResponse {
  readonly PhysicalResourceId: string;
  readonly Data: { readonly AdminCount: number };
}

/** Physical id of the check: one per stack, stable across updates. */
const PHYSICAL_ID = 'c360-lake-formation-admin-check';

/**
 * `arn:aws:iam::123456789012:role/cdk-…` and the assumed-role session ARN
 * CloudFormation acts with name the same role; compare roles, not sessions.
 */
export function sameRole(a: string, b: string): boolean {
  const role = (arn: string) => {
    const session = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
    if (session !== null) return `${session[1]}:${session[2]}:${session[3]}`;
    const iamRole = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn);
    return iamRole === null ? arn : `${iamRole[1]}:${iamRole[2]}:${iamRole[3]}`;
  };
  return role(a) === role(b);
}

const property = (event: CloudFormationCustomResourceEvent, name: string): string => {
  const value = (event.ResourceProperties as Record<string, unknown>)[name];
  if (typeof value !== 'string' || value.length === 0) throw new Error(`Lake Formation check: the resource property ${name} is missing`);
  return value;
};

export function createLakeFormationCheckHandler(deps: LakeFormationCheckDeps) {
  return async (event: CloudFormationCustomResourceEvent): Promise<LakeFormationCheckResponse> => {
    // Deleting the check changes nothing in Lake Formation.
    if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId, Data: { AdminCount: 0 } };
    const deployRole = property(event, 'DeployRoleArn');
    const bootstrap = property(event, 'Bootstrap');
    const admins = await deps.lakeFormation.admins();
    if (!admins.some((admin) => sameRole(admin, deployRole))) {
      throw new Error(
        `Lake Formation: this account already has data lake admins (${admins.length}) and the deploy role ${deployRole} is not one of them, so the stack cannot create LF-tags or grants. ` +
          `An existing admin must add the deploy role as a data lake admin first: see ${bootstrap}.`,
      );
    }
    return { PhysicalResourceId: PHYSICAL_ID, Data: { AdminCount: admins.length } };
  };
}
