/** The network suites (`*.network.test.ts`): they need the binaries from `npm run network:install`. */
import base from './jest.config.js';

export default {
  ...base,
  testMatch: ['**/*.network.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  collectCoverage: false,
  coverageThreshold: undefined,
};
