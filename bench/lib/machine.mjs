import os from 'node:os';

/** What the numbers were measured on. */
export function machine() {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpu: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

/** The command line that reproduces a run: the BENCH_* variables that were set, then the script. */
export function commandLine(script, keys) {
  return [...keys.filter((k) => process.env[k]).map((k) => `${k}=${process.env[k]}`), `node ${script}`].join(' ');
}
