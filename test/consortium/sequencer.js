/**
 * The order of the consortium suites: consortium.consortium.test.ts last, because its last case adds a fourth
 * hospital to the running consortium (network/add-hospital.sh) and every suite before it expects the three it
 * was brought up with. The others in path order.
 */
const last = (path) => (path.endsWith('consortium.consortium.test.ts') ? 1 : 0);

export default class ConsortiumSequencer {
  sort(tests) {
    return [...tests].sort((a, b) => last(a.path) - last(b.path) || a.path.localeCompare(b.path));
  }

  cacheResults() {}

  allFailedTests(tests) {
    return tests;
  }

  shard(tests) {
    return tests;
  }
}
