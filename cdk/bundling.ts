/**
 * How every Lambda function's code is bundled, in one place: the construct (cdk/ciba-provider.ts)
 * passes these to NodejsFunction, and the start-up benchmark (bench/init.ts) builds the very same
 * bundles with esbuild to weigh and time them.
 */
import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/** The `bundling` options of every function. */
export const lambdaBundling = {
  format: OutputFormat.ESM,
  target: 'node22',
  minify: true,
  sourceMap: true,
  mainFields: ['module', 'main'],
  // Bundle the AWS SDK too: the pinned version is the tested one, and a bundled, tree-shaken SDK
  // starts faster than the runtime's copy. Only the Powertools Tracer stays out (the construct bundles
  // it with `detailedTracing`): even never evaluated, aws-xray-sdk-core slows every cold start.
  externalModules: ['@aws-lambda-powertools/tracer'],
  // Some CommonJS dependencies call `require`, which ES modules lack; give them one.
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
} satisfies BundlingOptions;

/**
 * The esbuild options NodejsFunction derives from `lambdaBundling` (aws-cdk-lib's bundling.ts turns
 * each prop into the matching esbuild flag, and always adds `--bundle --platform=node`).
 */
export function esbuildOptionsFor(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: lambdaBundling.format === OutputFormat.ESM ? 'esm' : 'cjs',
    target: lambdaBundling.target,
    minify: lambdaBundling.minify,
    sourcemap: lambdaBundling.sourceMap,
    mainFields: [...lambdaBundling.mainFields],
    external: [...lambdaBundling.externalModules],
    banner: { js: lambdaBundling.banner },
  };
}
