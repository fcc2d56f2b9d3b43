import { CfnResource, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { IConstruct } from 'constructs';

/**
 * The CloudFormation resources under `scopes` that a DependsOn must name for CloudFormation to
 * create every resource under them first, without the ones another of them already waits for:
 * a Lambda function's or state machine's role and its policies (aws-cdk-lib makes the function and
 * the state machine depend on their role, policies included), a function's log group (referenced
 * by its LoggingConfig), and the resources in `implied`
 * (e.g. what a resource the dependent references already references), and the resources that
 * `referencedBy` (the dependent's properties) references with Ref or Fn::GetAtt: CloudFormation
 * creates those first anyway (cfn-lint W3005 flags naming them again). DependsOn is transitive,
 * so the ordering is the same with a fraction of the template bytes: the release resource of each
 * service named every resource of the shared hooks (issue 12: 3.5 KB per service).
 */
export function dependencyRoots(scopes: IConstruct[], implied: IConstruct[] = [], referencedBy?: { scope: IConstruct; value: unknown }): CfnResource[] {
  const skip = new Set<IConstruct>();
  for (const c of implied) for (const r of c.node.findAll()) skip.add(r);
  const all = scopes.flatMap((s) => s.node.findAll());
  const loggedTo = new Set<string>();
  for (const c of all) {
    if (!(c instanceof lambda.Function) && !(c instanceof sfn.StateMachine)) continue;
    // The function or state machine depends on the whole Role construct (CfnRole and DefaultPolicy).
    for (const r of c.role?.node.findAll() ?? []) skip.add(r);
    // A function references its log group (LoggingConfig), so it is created first.
    if (c instanceof lambda.Function) loggedTo.add(JSON.stringify(Stack.of(c).resolve((c.node.defaultChild as lambda.CfnFunction).loggingConfig)));
  }
  for (const c of all) {
    if (CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::Logs::LogGroup'
      && loggedTo.has(JSON.stringify({ logGroup: { Ref: Stack.of(c).getLogicalId(c) } }))) skip.add(c);
  }
  const referenced = referencedBy ? referencedLogicalIds(Stack.of(referencedBy.scope).resolve(referencedBy.value)) : new Set<string>();
  return [...new Set(all)].filter((c): c is CfnResource => CfnResource.isCfnResource(c) && !skip.has(c)
    && !referenced.has(Stack.of(c).getLogicalId(c)));
}

/** Logical ids a resolved template value references: Ref, Fn::GetAtt, and ${X} / ${X.Attr} in Fn::Sub. */
function referencedLogicalIds(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) referencedLogicalIds(v, out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Ref' && typeof v === 'string') out.add(v);
      else if (k === 'Fn::GetAtt') out.add(Array.isArray(v) ? String(v[0]) : String(v).split('.')[0]);
      else if (k === 'Fn::Sub') for (const m of JSON.stringify(v).matchAll(/\$\{([A-Za-z0-9]+)[.}]/g)) out.add(m[1]);
      else referencedLogicalIds(v, out);
    }
  }
  return out;
}
