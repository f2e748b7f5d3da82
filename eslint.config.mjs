// Lint for the TypeScript sources and the plain-JS scripts. Type-aware rules are left out to keep `npm test` fast.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.node-red/**', '.build-*/**', '.ci/nr5/**', 'test-output/**', '**/*.html'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-require-imports': 'off',
      // `const node = this` is the Node-RED idiom for node constructors.
      '@typescript-eslint/no-this-alias': 'off',
    },
  },
  {
    // Runtime code loads these in the factory that first needs them (issue 17: nothing loaded that a flow does not use);
    // a top-level import would load them whenever Node-RED loads the pack. Types come through `import type`.
    files: ['nodes/**/*.ts', 'lib/**/*.ts', 'plugins/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{
          regex: '^(prom-client|stripe|jsforce|snowflake-sdk|redis|@redis/[^/]+|pg|better-sqlite3|node:sqlite|jsonata|ajv|ajv-formats|avsc|@grpc/[^/]+)(/.*)?$',
          allowTypeImports: true,
          message: 'require() it inside the function that first needs it (see docs/ARCHITECTURE.md, "Pay for what a flow uses")',
        }],
      }],
    },
  },
  {
    // The admin routes face the network: requests and answers typed (express, jsforce), no `any` (issue 16).
    files: ['nodes/shared/admin-routes.ts', 'nodes/*/routes.ts', 'nodes/*/admin-api.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'error' },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-var-requires': 'off' },
  },
);
