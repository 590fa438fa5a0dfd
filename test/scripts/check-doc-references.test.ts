/**
 * scripts/check-doc-references.mjs (part of `npm run lint`): run as a process on small git repositories made
 * for each case, and on this repository.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const script = path.join(repoRoot, 'scripts', 'check-doc-references.mjs');

// Every pointer below is assembled, so that this file does not trip the check it tests.
const designPage = 'DES' + 'IGN';
const stylePage = 'STY' + 'LE';
const notesPage = 'FIELD' + '-NOTES';
/** `docs/<rest>` */
const docs = (rest: string) => 'do' + 'cs/' + rest;

const DOCS = '# Decisions\n\n## Retries in the adapter\n\nText.\n\n```bash\n# not a heading\n```\n';

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

/** A git repository holding `files` (all tracked unless listed in `untracked`). */
function repo(files: Record<string, string>, untracked: string[] = []): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'careledger-docrefs-'));
  dirs.push(dir);
  execFileSync('git', ['init', '-q'], { cwd: dir });
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  const tracked = Object.keys(files).filter((f) => !untracked.includes(f));
  execFileSync('git', ['add', '--', ...tracked], { cwd: dir });
  return dir;
}

function check(dir: string): { status: number | null; stderr: string } {
  const run = spawnSync(process.execPath, [script, dir], { encoding: 'utf8' });
  return { status: run.status, stderr: run.stderr };
}

describe('check-doc-references', () => {
  it('passes a repository whose pointers all lead into its own docs/', () => {
    const dir = repo({
      [docs('DECISIONS.md')]: DOCS,
      [docs('GUIDE.md')]: '# Guide\n\nSee [the retries](DECISIONS.md#retries-in-the-adapter) and [the code](../src/a.ts).\n',
      'src/a.ts': `// Retried twice: ${docs('DECISIONS.md#retries-in-the-adapter')}\nexport const design = 'the design of the cache';\n`,
      'README.md': `# App\n\n[Decisions](${docs('DECISIONS.md')}), [the API](http://127.0.0.1:3000/docs), [top](#app)\n`,
    });
    expect(check(dir)).toEqual({ status: 0, stderr: '' });
  });

  it.each([
    ['the design page by section', `// one gateway per org (${designPage} §4)`],
    ['the design page by file name', `<!-- see ${designPage.toLowerCase()}.md -->`],
    ['the style page', `// codes, never prose (${stylePage} "Errors")`],
    ['the notes page', `# background in ${notesPage}.md`],
    ['the notes page in lower case', `// measured (${notesPage.toLowerCase()})`],
    ['a shared folder beside the checkout', `// see ../${'sha' + 'red'}/overview.md`],
  ])('refuses a pointer at %s, naming the file and line', (_what, line) => {
    const dir = repo({ 'src/a.ts': `export const x = 1;\n${line}\n` });
    const { status, stderr } = check(dir);
    expect(status).toBe(1);
    expect(stderr).toContain('src/a.ts:2: refers to');
    expect(stderr).toContain('1 reference(s)');
  });

  it('refuses a docs/ file that does not exist', () => {
    const dir = repo({ [docs('DECISIONS.md')]: DOCS, 'src/a.ts': `// ${docs('MISSING.md')} explains it\n` });
    const { status, stderr } = check(dir);
    expect(status).toBe(1);
    expect(stderr).toContain(`src/a.ts:1: ${docs('MISSING.md')} does not exist`);
  });

  it('refuses a section the docs/ file has no heading for (a heading inside a code block does not count)', () => {
    const dir = repo({ [docs('DECISIONS.md')]: DOCS, 'src/a.ts': `// ${docs('DECISIONS.md#retries')}\n// ${docs('DECISIONS.md#not-a-heading')}\n` });
    const { status, stderr } = check(dir);
    expect(status).toBe(1);
    expect(stderr).toContain(`src/a.ts:1: ${docs('DECISIONS.md')} has no section #retries`);
    expect(stderr).toContain(`src/a.ts:2: ${docs('DECISIONS.md')} has no section #not-a-heading`);
  });

  it('refuses broken links in docs/ and READMEs: a missing file, a missing section, a path out of the repository', () => {
    const dir = repo({
      [docs('DECISIONS.md')]: DOCS,
      [docs('GUIDE.md')]: '# Guide\n\n[gone](../src/gone.ts)\n[no such section](DECISIONS.md#retries)\n',
      'network/README.md': '# Net\n\n[outside](../../elsewhere/notes.md)\n',
    });
    const { status, stderr } = check(dir);
    expect(status).toBe(1);
    expect(stderr).toContain(`${docs('GUIDE.md')}:3: link ../src/gone.ts: src/gone.ts does not exist`);
    expect(stderr).toContain(`${docs('GUIDE.md')}:4: link DECISIONS.md#retries: ${docs('DECISIONS.md')} has no section #retries`);
    expect(stderr).toContain('network/README.md:3: link ../../elsewhere/notes.md leaves the repository');
  });

  it('reads only the files git tracks, and leaves another folder\u2019s docs/ alone', () => {
    const dir = repo({ 'notes.txt': `${designPage} §1\n`, 'src/a.ts': `// vendor/${docs('missing.md')} is theirs\n` }, ['notes.txt']);
    expect(check(dir)).toEqual({ status: 0, stderr: '' });
  });

  it('passes this repository', () => {
    expect(check(repoRoot)).toEqual({ status: 0, stderr: '' });
  });
});
