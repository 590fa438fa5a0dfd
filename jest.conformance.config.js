/**
 * `npm run test:conformance`: conformance to the standards others wrote, checked with their own tools —
 * every FHIR answer by the HAPI FHIR reference validator, real DICOM files from pydicom's test corpus.
 * `test/conformance/setup.sh` (run first by the npm script) installs and caches those tools.
 */
import base from './jest.config.js';

export default {
  ...base,
  roots: ['<rootDir>/test/conformance'],
  testMatch: ['**/*.conformance.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  // One JVM validates everything; a loaded 2-core machine makes its start slow.
  testTimeout: 600_000,
  collectCoverage: false,
  coverageThreshold: undefined,
};
