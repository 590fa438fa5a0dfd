// Prints the gzipped size of the JavaScript a first visit loads (the scripts and module preloads that
// dist/index.html names) and of every lazily loaded chunk, and fails when the initial load passes the budget.
import { readFile, readdir } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET_KB = 300;
const dist = join(dirname(fileURLToPath(import.meta.url)), '../dist');
const html = await readFile(join(dist, 'index.html'), 'utf8');
const initial = new Set([...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]));
const gz = async (file) => gzipSync(await readFile(join(dist, file)), { level: 9 }).length / 1024;
let total = 0;
const lines = [];
for (const file of initial) {
  const kb = await gz(file);
  total += kb;
  lines.push(`  initial  ${kb.toFixed(1).padStart(7)} KB gzip  ${file}`);
}
for (const file of (await readdir(join(dist, 'assets'))).filter((f) => f.endsWith('.js'))) {
  if (!initial.has(`assets/${file}`))
    lines.push(`  lazy     ${(await gz(`assets/${file}`)).toFixed(1).padStart(7)} KB gzip  assets/${file}`);
}
console.log(
  `portal bundle: initial JavaScript ${total.toFixed(1)} KB gzip (budget ${BUDGET_KB} KB)\n${lines.join('\n')}`,
);
if (total > BUDGET_KB) {
  console.error(
    `portal bundle: the initial JavaScript (${total.toFixed(1)} KB gzip) is over the ${BUDGET_KB} KB budget`,
  );
  process.exit(1);
}
