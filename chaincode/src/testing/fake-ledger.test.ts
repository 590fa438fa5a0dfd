import { FakeLedger } from './fake-ledger.js';
import { describeFabricRules, PROBE_CONTRACTS, type ProbeCall } from './fabric-rules.contract.js';

describeFabricRules('FakeLedger', async () => {
  const ledger = new FakeLedger(PROBE_CONTRACTS);
  const options = (call: ProbeCall = {}) => ({
    msp: call.as === 'second' ? 'Org2MSP' : 'Org1MSP',
    transient: Object.fromEntries(Object.entries(call.transient ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v))])),
  });
  const text = (answer: unknown): string => (answer === null || answer === undefined ? '' : String(answer));
  return {
    submit: async (fn, args, call) => text(await ledger.submit(`probe:${fn}`, args, options(call))),
    evaluate: async (fn, args, call) => text(await ledger.evaluate(`probe:${fn}`, args, options(call))),
    close: async () => undefined,
  };
});
