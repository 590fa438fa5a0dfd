import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** Where each gateway layer lives, as import patterns relative to a file one or two folders down in gateway/src. */
const LAYER_PATTERNS = {
  services: ['**/services/*', '!**/adapters/**'],
  http: ['**/http/*'],
  adapters: ['**/adapters/*'],
  ledgerClient: ['**/ledger-client/*'],
  // The wiring and the profiles at the top of gateway/src.
  top: ['**/build-services.js', '**/embedded-gateway.js', '**/network-gateway.js', '**/main.js', '**/network-connection.js'],
  // The validated environment: use cases may read its shapes; the layers below them may not.
  config: ['**/config.js'],
};

function importBoundaries(layers) {
  return layers.map(({ files, forbid, why }) => ({
    files,
    ignores: ['**/*.test.ts', '**/*.contract.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: forbid.map((layer) => ({ group: LAYER_PATTERNS[layer], message: `${why}.` })) }],
    },
  }));
}

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

  // Imports point one way: http -> services -> ports/domain; adapters -> ports; the profiles at the top wire
  // everything (docs/ARCHITECTURE.md). Tests may import across layers.
  ...importBoundaries([
    { files: ['gateway/src/ports/**', 'gateway/src/domain/**', 'gateway/src/crypto/**'], forbid: ['services', 'http', 'adapters', 'ledgerClient', 'top', 'config'], why: 'ports, domain and crypto depend on nothing but each other' },
    { files: ['gateway/src/services/**'], forbid: ['http', 'adapters', 'top'], why: 'use cases see the outside world through ports/' },
    { files: ['gateway/src/ledger-client/**'], forbid: ['services', 'http', 'adapters', 'top'], why: 'the ledger client calls the Ledger port for the use cases, nothing else' },
    { files: ['gateway/src/adapters/**'], forbid: ['http', 'services', 'ledgerClient'], why: 'an adapter implements a port; it does not call use cases or the edge' },
    { files: ['gateway/src/http/**'], forbid: ['adapters', 'ledgerClient', 'top'], why: 'the edge calls use cases; profiles choose the adapters' },
  ]),
  {
    files: ['chaincode/src/contracts/**'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['./*-contract.js'], message: 'Contracts do not import each other: shared helpers live in chaincode/src/ledger/.' }] }],
    },
  },
  {
    files: ['chaincode/src/ledger/**', 'chaincode/src/rules/**'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../contracts/*'], message: 'ledger/ and rules/ are below the contracts.' }] }],
    },
  },
);
