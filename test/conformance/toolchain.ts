/**
 * What `test/conformance/setup.sh` installed: the HAPI FHIR validator runner and the DICOM corpus manifest.
 * The suite runs the reference validator once, in one JVM, over every resource it collected.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';

/** The KEY=VALUE lines setup.sh wrote into its cache. */
export async function toolchain(): Promise<Record<string, string>> {
  const cache = process.env.CARELEDGER_CONFORMANCE_CACHE ?? path.join(homedir(), '.cache', 'careledger-conformance');
  const text = await readFile(path.join(cache, 'env'), 'utf8').catch(() => {
    throw new Error(`no conformance toolchain in ${cache}: run bash test/conformance/setup.sh (npm run test:conformance does)`);
  });
  return Object.fromEntries(text.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

export interface ValidatorIssue {
  severity: 'fatal' | 'error' | 'warning';
  location: string;
  message: string;
}

export interface ValidationRun {
  /** Issues per collected name (information messages left out). */
  results: Map<string, ValidatorIssue[]>;
  /** Wall time of the validator process, JVM start included. */
  ms: number;
}

/** Validates every resource (by name) with the HAPI FHIR instance validator, in one JVM. */
export async function validateWithHapi(resources: Map<string, object>): Promise<ValidationRun> {
  const tools = await toolchain();
  const dir = await mkdtemp(path.join(tmpdir(), 'careledger-fhir-'));
  try {
    const names = [...resources.keys()];
    const fileOf = (i: number) => path.join(dir, `${String(i).padStart(4, '0')}.json`);
    await Promise.all(names.map((name, i) => writeFile(fileOf(i), JSON.stringify(resources.get(name)))));
    const started = performance.now();
    const stdout = await run('java', [
      '-XX:TieredStopAtLevel=1',
      ...(tools.FHIR_VALIDATOR_CDS ? [`-XX:SharedArchiveFile=${tools.FHIR_VALIDATOR_CDS}`, '-Xshare:auto'] : []),
      '-cp',
      tools.FHIR_VALIDATOR_CLASSPATH,
      'FhirConformanceRunner',
      dir,
    ]);
    const ms = performance.now() - started;
    const results = new Map<string, ValidatorIssue[]>();
    for (const line of stdout.split('\n').filter(Boolean)) {
      const { file, issues } = JSON.parse(line) as { file: string; issues: ValidatorIssue[] };
      results.set(names[Number(path.basename(file, '.json'))], issues);
    }
    if (results.size !== names.length) throw new Error(`the validator answered for ${results.size} of ${names.length} resources`);
    return { results, ms };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    // A validator that hangs must not hold CI: 5 minutes is ~20 times a normal run on a loaded machine.
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`${command} exited with ${code}: ${Buffer.concat(err).toString('utf8').slice(-2000)}`));
    });
  });
}
