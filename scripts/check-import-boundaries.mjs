// Proves that the import-direction rules in eslint.config.js still bite: each case lints a one-line file
// placed in a layer and importing from a layer it must not (or may) depend on. A rule that stops matching
// (a renamed folder, a changed pattern) fails `npm run lint` here instead of silently allowing everything.
import { ESLint } from 'eslint';

const CASES = [
  { file: 'gateway/src/services/probe.ts', imports: '../http/app.js', refused: true },
  { file: 'gateway/src/services/probe.ts', imports: '../adapters/kubo/kubo-blob-store.js', refused: true },
  { file: 'gateway/src/services/probe.ts', imports: '../embedded-gateway.js', refused: true },
  { file: 'gateway/src/services/probe.ts', imports: '../ports/ledger.js', refused: false },
  { file: 'gateway/src/services/probe.ts', imports: '../ledger-client/chaincode-client.js', refused: false },
  { file: 'gateway/src/ledger-client/probe.ts', imports: '../services/record-service.js', refused: true },
  { file: 'gateway/src/http/probe.ts', imports: '../ledger-client/chaincode-client.js', refused: true },
  { file: 'gateway/src/ports/probe.ts', imports: '../services/record-service.js', refused: true },
  { file: 'gateway/src/domain/fhir/probe.ts', imports: '../../config.js', refused: true },
  { file: 'gateway/src/crypto/probe.ts', imports: '../adapters/local-keys/local-key-service.js', refused: true },
  { file: 'gateway/src/adapters/kubo/probe.ts', imports: '../../services/record-service.js', refused: true },
  { file: 'gateway/src/adapters/kubo/probe.ts', imports: '../../ports/blob-store.js', refused: false },
  { file: 'gateway/src/http/controllers/probe.ts', imports: '../../adapters/fabric/fabric-ledger.js', refused: true },
  { file: 'gateway/src/http/controllers/probe.ts', imports: '../../services/record-service.js', refused: false },
  { file: 'chaincode/src/contracts/probe.ts', imports: './registry-contract.js', refused: true },
  { file: 'chaincode/src/contracts/probe.ts', imports: '../ledger/config.js', refused: false },
  { file: 'chaincode/src/ledger/probe.ts', imports: '../contracts/record-contract.js', refused: true },
];

const eslint = new ESLint();
let failures = 0;
for (const c of CASES) {
  const code = `import { x } from '${c.imports}';\nexport const y = x;\n`;
  const [result] = await eslint.lintText(code, { filePath: c.file });
  const refused = result.messages.some((m) => m.ruleId === 'no-restricted-imports');
  if (refused !== c.refused) {
    failures += 1;
    console.error(`import boundaries: ${c.file} importing ${c.imports} should be ${c.refused ? 'refused' : 'allowed'}, was ${refused ? 'refused' : 'allowed'}`);
  }
}
if (failures > 0) process.exit(1);
console.log(`import boundaries: ${CASES.length} cases hold`);
