/**
 * `npm run test:consortium`: the suites that need the consortium topology (`npm run network:up -- --topology
 * consortium`): every `*.consortium.test.ts`. They talk to the hospitals' gateways, Kubo nodes and Fabric nodes
 * over the bridge and stop and restart single nodes (network/consortium.sh stop|start), so one file at a time.
 */
import base from './jest.config.js';

export default {
  ...base,
  testMatch: ['**/*.consortium.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  maxWorkers: 1,
  testSequencer: '<rootDir>/test/consortium/sequencer.js',
  testTimeout: 120_000,
  forceExit: true,
  collectCoverage: false,
  coverageThreshold: undefined,
};
