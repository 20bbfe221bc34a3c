// Lint: the recommended JavaScript and type-aware TypeScript rules, plus the project's one
// architectural rule: only lambdas/config.ts (and the local runner's options) read process.env.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', '.local/**', 'coverage/**', 'test-results/**', 'sam-local/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through lambdas/config.ts (or local/options.ts).' }],
    },
  },
  {
    files: ['lambdas/config.ts', 'local/options.ts', 'cli/options.ts', 'examples/reference-external-service/options.ts', 'test/**', 'bench/**', 'scripts/**', 'cdk/app.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
