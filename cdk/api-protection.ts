/**
 * What keeps one caller from exhausting the provider: API Gateway throttling on the stage and on the hot
 * methods, and an optional AWS WAF web ACL in front of the stage.
 *
 * Why these layers (docs/operations.md, "Abuse protection"):
 * - Stage throttling is free and always on. API Gateway applies the stage's limits to each method
 *   separately (token bucket: `rateLimit` requests per second refilled, `burstLimit` at once); callers
 *   beyond them get `429 Too Many Requests` before any function runs or any table capacity is spent.
 * - Method throttling gives the methods whose traffic differs by nature their own budget: `POST /token`
 *   carries every polling client's polls (one per pending request every `interval` seconds, CIBA Core
 *   §7.3); `POST /register` is rare and guarded by the initial access token, so a low limit slows down
 *   guessing it.
 * - A WAF web ACL (opt-in: it costs per ACL, rule and request) limits each source IP address and drops
 *   well-known bad requests (AWS managed common rule set) before API Gateway counts them.
 * - No usage plan: API Gateway enforces usage plans only on requests carrying an API key of the plan,
 *   and OAuth clients authenticate with their client credentials (RFC 6749 §2.3), not API keys. A plan
 *   would limit nobody unless every method required a key no standard client sends.
 */
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/** A token bucket: `rateLimit` requests per second on average, `burstLimit` at once. */
export interface ThrottleLimits {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/** API Gateway throttling of the provider's stage. */
export interface CibaThrottlingOptions {
  /**
   * Limits of every method that has none of its own (API Gateway applies them per method).
   *
   * @default { rateLimit: 100, burstLimit: 200 }
   */
  readonly stage?: ThrottleLimits;
  /**
   * Limits of single methods, keyed `'METHOD /path'` as in lambdas/routes.ts (`'POST /token'`). Given,
   * it replaces the default map.
   *
   * @default { 'POST /token': { rateLimit: 250, burstLimit: 500 }, 'POST /register': { rateLimit: 5, burstLimit: 10 } }
   */
  readonly methods?: Readonly<Record<string, ThrottleLimits>>;
}

/** The AWS WAFv2 web ACL in front of the stage: created here, or an existing one by ARN. */
export type CibaWebAclOptions =
  | {
      /**
       * Requests one source IP address may make in any 5 minutes before WAF blocks it (a rate-based rule;
       * WAF accepts 10 to 2,000,000,000). A relying party's server polls for all its pending requests from
       * one address, so the default is generous.
       *
       * @default 6000 (20 requests per second sustained)
       */
      readonly rateLimitPer5Minutes?: number;
      /**
       * Add the AWS managed common rule set (AWSManagedRulesCommonRuleSet), with its `NoUserAgent_HEADER`
       * rule only counting: OAuth clients are servers, and no specification requires them to send a
       * User-Agent.
       *
       * @default true
       */
      readonly managedRules?: boolean;
    }
  | {
      /** An existing REGIONAL web ACL (shared by several APIs, managed by a security team, ...). */
      readonly arn: string;
    };

const DEFAULT_STAGE_LIMITS: ThrottleLimits = { rateLimit: 100, burstLimit: 200 };
const DEFAULT_METHOD_LIMITS: Readonly<Record<string, ThrottleLimits>> = {
  'POST /token': { rateLimit: 250, burstLimit: 500 },
  'POST /register': { rateLimit: 5, burstLimit: 10 },
};
const DEFAULT_RATE_LIMIT_PER_5_MINUTES = 6000;

/**
 * The stage options that throttle: the stage's defaults and one `methodOptions` entry per method limit.
 * `knownMethods` ('METHOD /path' of every deployed route) catches a misspelt key at synth time.
 */
export function throttlingStageOptions(options: CibaThrottlingOptions | undefined, knownMethods: readonly string[]): apigateway.StageOptions {
  const stage = options?.stage ?? DEFAULT_STAGE_LIMITS;
  const methods = options?.methods ?? DEFAULT_METHOD_LIMITS;
  const methodOptions: Record<string, apigateway.MethodDeploymentOptions> = {};
  for (const [key, limits] of Object.entries(methods)) {
    // A default key whose route is feature-gated off is simply skipped; a key the caller named must exist.
    if (!knownMethods.includes(key)) {
      if (options?.methods === undefined) continue;
      throw new Error(`CibaProvider: throttling.methods['${key}'] names no route (expected 'METHOD /path' from lambdas/routes.ts)`);
    }
    const [method, path] = key.split(' ');
    // methodOptions keys are the resource path followed by the HTTP method: '/token/POST'.
    methodOptions[`${path}/${method}`] = { throttlingRateLimit: limits.rateLimit, throttlingBurstLimit: limits.burstLimit };
  }
  return { throttlingRateLimit: stage.rateLimit, throttlingBurstLimit: stage.burstLimit, methodOptions };
}

export interface CibaWebAclProps {
  readonly stage: apigateway.Stage;
  readonly options: CibaWebAclOptions;
}

/** A REGIONAL WAFv2 web ACL (created or given) associated with the provider's stage. */
export class CibaWebAcl extends Construct {
  /** The ARN of the web ACL protecting the stage. */
  public readonly webAclArn: string;
  /** The web ACL, when created here. */
  public readonly webAcl?: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: CibaWebAclProps) {
    super(scope, id);
    const { options } = props;
    if ('arn' in options) {
      this.webAclArn = options.arn;
    } else {
      const limit = options.rateLimitPer5Minutes ?? DEFAULT_RATE_LIMIT_PER_5_MINUTES;
      if (!Number.isInteger(limit) || limit < 10 || limit > 2_000_000_000) {
        throw new Error(`CibaProvider: webAcl.rateLimitPer5Minutes must be a whole number from 10 to 2000000000, got ${limit}`);
      }
      const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
        cloudWatchMetricsEnabled: true,
        sampledRequestsEnabled: true,
        metricName,
      });
      const rules: wafv2.CfnWebACL.RuleProperty[] = [
        {
          name: 'RateLimitPerIp',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit, aggregateKeyType: 'IP' } },
          visibilityConfig: visibility('RateLimitPerIp'),
        },
      ];
      if (options.managedRules ?? true) {
        rules.push({
          name: 'AWSManagedRulesCommonRuleSet',
          priority: 1,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: 'AWSManagedRulesCommonRuleSet',
              ruleActionOverrides: [{ name: 'NoUserAgent_HEADER', actionToUse: { count: {} } }],
            },
          },
          visibilityConfig: visibility('AWSManagedRulesCommonRuleSet'),
        });
      }
      this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
        description: 'CIBA provider: per-IP rate limit and AWS managed common rules',
        scope: 'REGIONAL',
        defaultAction: { allow: {} },
        visibilityConfig: visibility('CibaProvider'),
        rules,
      });
      this.webAclArn = this.webAcl.attrArn;
    }
    new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.stage.stageArn,
      webAclArn: this.webAclArn,
    });
  }
}
