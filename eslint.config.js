import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'gateway/src/generated/**', 'portal/src/api/schema.d.ts', '.data/**', 'network/.state/**', 'network/.bin/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: { ...globals.node } } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['portal/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['chaincode/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      // Chaincode must be deterministic: time and ids come from the transaction.
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Use ctx.stub.getTxTimestamp().' },
        { object: 'Math', property: 'random', message: 'Derive ids from the tx id.' },
      ],
    },
  },
);
