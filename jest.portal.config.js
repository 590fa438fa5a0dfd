/** The portal's browser suites (Chromium via playwright-core): `npm run test:portal`, part of `npm test`. */
import base from './jest.config.js';

export default {
  ...base,
  roots: ['<rootDir>/test/portal'],
  testMatch: ['**/*.browser.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  // Each step drives a real browser against a real gateway.
  testTimeout: 120_000,
  collectCoverageFrom: undefined,
  coverageThreshold: undefined,
};
