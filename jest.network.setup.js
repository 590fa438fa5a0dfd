// The cross-component suites run on the network profile (test/support/test-profile.ts).
process.env.CARELEDGER_TEST_PROFILE = 'network';
