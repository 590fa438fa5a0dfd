#!/usr/bin/env node
// Finds the Chromium the portal's browser tests drive (Debian's package; no browser is downloaded from
// anywhere else). Order: $CARELEDGER_CHROMIUM, then chromium / chromium-browser / google-chrome on PATH.
// When none is found and we run as root, installs Debian's `chromium` with apt-get; otherwise stops with
// the command to run. Prints the executable's path on stdout; exit 1 when there is no browser.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function executable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function find() {
  if (process.env.CARELEDGER_CHROMIUM) return executable(process.env.CARELEDGER_CHROMIUM) ? process.env.CARELEDGER_CHROMIUM : undefined;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of NAMES) if (executable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

let found = find();
if (!found && typeof process.getuid === 'function' && process.getuid() === 0 && executable('/usr/bin/apt-get')) {
  console.error('ensure-chromium: no Chromium found; installing Debian\'s chromium package (apt-get install -y chromium)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'inherit', 'inherit'], env });
  const install = update.status === 0 ? spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: ['ignore', 'inherit', 'inherit'], env }) : update;
  if (install.status !== 0) console.error(`ensure-chromium: apt-get failed (exit ${install.status})`);
  found = find();
}
if (!found) {
  console.error(
    [
      'ensure-chromium: the portal browser tests need Chromium and none was found.',
      '  Debian/Ubuntu:  sudo apt-get install -y chromium',
      '  or point CARELEDGER_CHROMIUM at a Chromium or Chrome executable.',
    ].join('\n'),
  );
  process.exit(1);
}
const version = execFileSync(found, ['--version'], { encoding: 'utf8', timeout: 30_000 }).trim();
console.error(`ensure-chromium: ${version} (${found})`);
process.stdout.write(`${found}\n`);
