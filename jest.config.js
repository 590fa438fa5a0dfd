/** Jest 30 + ts-jest in ESM mode; why each setting is needed: docs/DECISIONS.md#esm-packages-and-the-jest-setup. */
export default {
  extensionsToTreatAsEsm: ['.ts'],
  testEnvironment: 'node',
  roots: ['<rootDir>/chaincode/src', '<rootDir>/gateway/src', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Network suites need Fabric/Kubo binaries: `npm run test:network` runs them; conformance suites need
  // the reference tools: `npm run test:conformance`.
  testPathIgnorePatterns: ['/node_modules/', '\\.network\\.test\\.ts$', '\\.consortium\\.test\\.ts$', '\\.conformance\\.test\\.ts$', '\\.browser\\.test\\.ts$'],
  setupFiles: ['<rootDir>/jest.setup.js'],
  // Many cases start a real gateway with its stores; on a loaded 2-core machine that passes 5 s. Speed is
  // measured by the benchmarks under bench/, never by a test's timeout.
  testTimeout: 30_000,
  moduleNameMapper: {
    '^@careledger/chaincode$': '<rootDir>/chaincode/src/index.ts',
    '^@careledger/chaincode/rules$': '<rootDir>/chaincode/src/rules/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.base.json' }],
  },
  collectCoverageFrom: ['chaincode/src/**/*.ts', 'gateway/src/**/*.ts', '!**/*.test.ts', '!**/testing/**', '!**/*.contract.ts', '!**/dist/**'],
  coverageReporters: ['text-summary', 'text', 'lcov'],
  coverageThreshold: {
    './chaincode/src/': { lines: 90 },
    // About one point below what `npm run test:unit` measured on 2026-12-03 (lines 89.72, statements 86.53,
    // functions 88.70, branches 74.64 %); raise it as coverage rises. The network-only adapters (fabric, kubo,
    // network-gateway) count as uncovered here: test:network collects no coverage.
    './gateway/src/': { lines: 88, statements: 85, functions: 87, branches: 73 },
  },
};
