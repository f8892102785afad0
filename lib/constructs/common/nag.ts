/** cdk-nag acknowledgements scoped to one resource, each with its reason. */
import { Stack, Validations } from 'aws-cdk-lib';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges cdk-nag's AwsSolutions-IAM5 finding for exactly one wildcard
 * resource in the policies under `scope` (a role, usually).
 *
 * cdk-nag 3 names such a finding after the resource as it renders it
 * (`AwsSolutions-IAM5[Resource::<Bucket.Arn>/prefix/*]`), and acknowledgments
 * must match that name exactly. For a value imported from another stack, the
 * rendering only exists once the CDK has resolved cross-stack references
 * (into `Fn::GetStackOutput`). Construct validation runs right after that and
 * before validation plugins such as cdk-nag, so the acknowledgment is recorded
 * there, computed with cdk-nag's own renderer: it covers this resource and
 * nothing else.
 */
export function acknowledgeWildcardResource(scope: IConstruct, resource: string, reason: string): void {
  const recorded = new Set<string>();
  scope.node.addValidation({
    validate: () => {
      const id = `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(scope).resolve(resource))}]`;
      if (!recorded.has(id)) {
        recorded.add(id);
        Validations.of(scope).acknowledge({ id, reason });
      }
      return [];
    },
  });
}
