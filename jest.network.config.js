/**
 * `npm run test:network`: the suites that need the running development network (`npm run network:up`):
 * every `*.network.test.ts`, plus the cross-component suites of `test/integration/` on the network
 * profile (CARELEDGER_TEST_PROFILE=network, set by jest.network.setup.js): real Fabric peers, Kubo, the
 * Firestore and Firebase Auth emulators. Cases that need the embedded profile are not registered there.
 */
import base from './jest.config.js';

export default {
  ...base,
  testMatch: ['**/*.network.test.ts', '<rootDir>/test/integration/**/*.test.ts'],
  // Suites that are embedded only as a whole register no test here, and jest refuses such a file, so they are
  // left out by name: large-file (runs the embedded gateway process with dev tokens), sealed-arguments (records the embedded ledger's submits; the network's blocks
  // are read by test/network/block-privacy.network.test.ts), erasure-remanence and key-custody-migration (read
  // the embedded stores on disk).
  testPathIgnorePatterns: [
    '/node_modules/',
    ...['large-file', 'sealed-arguments', 'erasure-remanence', 'key-custody-migration'].map((name) => `<rootDir>/test/integration/${name}\\.test\\.ts$`),
  ],
  setupFiles: [...base.setupFiles, '<rootDir>/jest.network.setup.js'],
  globalSetup: '<rootDir>/test/support/network-global-setup.js',
  // One file at a time: test/network/hung-dependencies stops the network's own peer and emulators (SIGSTOP)
  // for a few seconds, which other suites must not meet. (On a 2-core machine jest used one worker anyway.)
  maxWorkers: 1,
  // Every submit waits for a block (BatchTimeout 20 ms) and endorsements on real peers.
  testTimeout: 120_000,
  // A gateway a failed test left open (gRPC streams to the peers) must not keep CI waiting forever.
  forceExit: true,
  collectCoverage: false,
  coverageThreshold: undefined,
};
