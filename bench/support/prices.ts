/**
 * The AWS prices the cost estimate uses: us-east-1, on-demand, the first (most expensive) volume tier,
 * no free tier. Each carries the page it comes from; docs/costs.md documents the same table with the
 * date it was consulted (a unit test checks that every price and source here appears there, so change
 * both together).
 */

export interface Price {
  /** US dollars per `per` units. */
  readonly usd: number;
  readonly per: number;
  /** What is counted. */
  readonly unit: string;
  /** The official pricing page. */
  readonly source: string;
  /** Where the figure was read when the official page's stored copy did not show it. */
  readonly confirmedBy?: string;
  readonly note?: string;
}

/** When the prices below were looked up. */
export const PRICES_CONSULTED = '2026-11-21';

export const prices = {
  apiGatewayRestRequests: {
    usd: 3.5,
    per: 1e6,
    unit: 'REST API calls (first 333 million a month)',
    source: 'https://aws.amazon.com/api-gateway/pricing/',
    confirmedBy: 'https://docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html',
  },
  lambdaRequests: {
    usd: 0.2,
    per: 1e6,
    unit: 'Lambda invocations',
    source: 'https://aws.amazon.com/lambda/pricing/',
  },
  lambdaArmDuration: {
    usd: 0.0000133334,
    per: 1,
    unit: 'GB-second of Lambda duration, arm64 (first 7.5 billion GB-s a month), billed per 1 ms',
    source: 'https://aws.amazon.com/lambda/pricing/',
  },
  dynamoDbWriteRequestUnits: {
    usd: 0.625,
    per: 1e6,
    unit: 'DynamoDB on-demand write request units (standard table class)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  dynamoDbReadRequestUnits: {
    usd: 0.125,
    per: 1e6,
    unit: 'DynamoDB on-demand read request units (standard table class)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  kmsSymmetricRequests: {
    usd: 0.03,
    per: 1e4,
    unit: 'KMS requests with a symmetric key (Decrypt, GenerateDataKey, ...)',
    source: 'https://aws.amazon.com/kms/pricing/',
  },
  kmsAsymmetricRequests: {
    usd: 0.15,
    per: 1e4,
    unit: 'KMS asymmetric requests other than RSA 2048 (Sign with the ECC_NIST_P256 key)',
    source: 'https://aws.amazon.com/kms/pricing/',
    confirmedBy: 'https://www.factualminds.com/blog/aws-kms-pricing-keys-requests-multi-region/ ("asymmetric operations at 5× the symmetric rate")',
  },
  snsMobilePush: {
    usd: 0.5,
    per: 1e6,
    unit: 'SNS mobile push notifications',
    source: 'https://aws.amazon.com/sns/pricing/',
    confirmedBy: 'https://www.factualminds.com/blog/amazon-sns-pricing-publishes-fanout-protocols/',
  },
  sqsStandardRequests: {
    usd: 0.4,
    per: 1e6,
    unit: 'SQS standard queue requests (each 64 KB chunk of a payload is one request)',
    source: 'https://aws.amazon.com/sqs/pricing/',
  },
  cloudWatchLogsIngestion: {
    usd: 0.5,
    per: 1,
    unit: 'GB of CloudWatch Logs ingested (standard log class; Lambda logs are tiered from this price down)',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
} as const satisfies Record<string, Price>;

export type PriceName = keyof typeof prices;
export type PriceTable = Readonly<Record<PriceName, Price>>;
