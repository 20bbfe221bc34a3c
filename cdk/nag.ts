/**
 * Acknowledging cdk-nag (AwsSolutions pack) findings that are deliberate, each with its reason.
 *
 * cdk-nag v3 reads CDK's own acknowledgements (`Validations.of(construct).acknowledge`) on the flagged
 * resource or any construct above it; the constructs acknowledge on the narrowest construct that owns
 * the finding. test/cdk/nag.test.ts runs the pack over a provider with every feature on and fails on any
 * finding not acknowledged here. Nothing here depends on cdk-nag itself (a development dependency).
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Why the functions run Node.js 22 rather than the newest Lambda runtime (AwsSolutions-L1). */
export const NODE_RUNTIME_REASON =
  'Pinned to Node.js 22, the version the code is built and tested with (package.json devDependency node@22, esbuild target node22); it moves with that pin';

/** Records that `rule` (e.g. `AwsSolutions-APIG2`) is deliberate on `scope` and everything below it. */
export function acknowledge(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: rule, reason });
}

/**
 * Acknowledges AwsSolutions-IAM5 for one wildcard resource ARN (the finding is `IAM5[Resource::<ARN>]`,
 * with the ARN's CloudFormation references written `<LogicalId.Attribute>`, `<Ref>` or `<AWS::Region>`).
 */
export function acknowledgeWildcardResource(scope: IConstruct, resourceArn: string, reason: string): void {
  const flat = flattenReference(Stack.of(scope).resolve(resourceArn));
  acknowledge(scope, `AwsSolutions-IAM5[Resource::${flat}]`, reason);
}

/** The flat spelling of a resolved CloudFormation value that cdk-nag uses in finding ids. */
function flattenReference(value: unknown): string {
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (value !== null && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    if (Array.isArray(node['Fn::Join'])) {
      const [delimiter, items] = node['Fn::Join'] as [string, unknown[]];
      return items.map(flattenReference).join(delimiter);
    }
    if ('Fn::Sub' in node) return flattenReference(node['Fn::Sub']);
    if (Array.isArray(node['Fn::GetAtt'])) {
      const [resource, attribute] = node['Fn::GetAtt'] as [unknown, unknown];
      return `<${flattenReference(resource)}.${flattenReference(attribute)}>`;
    }
    if ('Fn::ImportValue' in node) return flattenReference(node['Fn::ImportValue']);
    if ('Ref' in node) return `<${flattenReference(node.Ref)}>`;
  }
  return JSON.stringify(value);
}
