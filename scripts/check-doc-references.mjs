#!/usr/bin/env node
/**
 * Fails when a tracked file points at documentation a clone of the repository does not have:
 *  - a document kept outside the repository (the team's shared design, style and notes pages, or a
 *    path into a shared folder beside the checkout): the project's documentation lives in docs/;
 *  - a `docs/<name>.md` that does not exist, or a `#section` of it that no heading of that file gives;
 *  - a relative link of a Markdown file in docs/ or of a README that leads nowhere (file or section).
 * Usage: node scripts/check-doc-references.mjs [repository root]   (default: this script's repository)
 * Prints `file:line: reason` per finding and exits 1 when there is any.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The names are assembled so that this file does not trip its own check.
const designName = 'DES' + 'IGN';
const styleName = 'STY' + 'LE';
const OUTSIDE = [
  { re: new RegExp(`\\b${designName}\\b`), what: 'the shared design page' },
  { re: new RegExp(`\\b${designName.toLowerCase()}\\.md\\b`, 'i'), what: 'the shared design page' },
  { re: new RegExp(`\\b${styleName}\\b`), what: 'the shared style page' },
  { re: new RegExp(`\\b${styleName.toLowerCase()}\\.md\\b`, 'i'), what: 'the shared style page' },
  { re: new RegExp('fie' + 'ld[-_ ]?no' + 'tes', 'i'), what: 'the shared notes page' },
  { re: new RegExp('(?:^|[^\\w.])(?:\\.\\./)+sha' + 'red/'), what: 'a shared folder beside the checkout' },
  { re: new RegExp('/wo' + 'rk/(?:sha' + 'red|hel' + 'pers)\\b'), what: 'a shared folder beside the checkout' },
];

/** `docs/<path>.md` with an optional `#section`, not preceded by another folder name (`x/docs/` is not ours). */
const DOCS_MENTION = /(?<![\w@./-])(?:\.{1,2}\/)*docs\/([\w./-]*?\.md)(#[\w-]+)?/g;
/** A Markdown inline link `[text](target)` or image. */
const MD_LINK = /\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
const BINARY = /\.(png|jpe?g|gif|ico|pdf|woff2?|ttf|zip|gz|tgz|tar|dcm|wasm|node)$/i;

/** GitHub's anchor for a heading: lower case, punctuation dropped, each space a hyphen. */
export function slug(heading) {
  return heading
    .trim()
    .toLowerCase()
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Lines outside fenced code blocks, with their 1-based numbers. */
function proseLines(text) {
  const out = [];
  let fence;
  text.split('\n').forEach((line, i) => {
    const m = /^\s*(`{3,}|~{3,})/.exec(line);
    if (m) {
      if (!fence) fence = m[1][0];
      else if (m[1][0] === fence) fence = undefined;
      return;
    }
    if (!fence) out.push({ line, n: i + 1 });
  });
  return out;
}

/** The anchors a Markdown file's headings give (duplicates get -1, -2, … as on GitHub). */
export function anchorsOf(text) {
  const seen = new Map();
  const anchors = new Set();
  for (const { line } of proseLines(text)) {
    const m = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = slug(m[1]);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

function trackedFiles(root) {
  const out = execFileSync('git', ['-C', root, 'ls-files', '-z'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return out.split('\0').filter(Boolean);
}

/** Every finding in the repository at `root`: `{ file, line, message }`, in file order. */
export function findProblems(root) {
  const files = trackedFiles(root);
  const anchorCache = new Map();
  const anchors = (abs) => {
    if (!anchorCache.has(abs)) anchorCache.set(abs, anchorsOf(readFileSync(abs, 'utf8')));
    return anchorCache.get(abs);
  };
  const problems = [];
  for (const file of files) {
    if (BINARY.test(file) || path.basename(file) === 'package-lock.json') continue;
    const abs = path.join(root, file);
    if (!existsSync(abs) || !statSync(abs).isFile()) continue;
    const text = readFileSync(abs, 'utf8');
    if (text.includes('\0')) continue;
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      for (const { re, what } of OUTSIDE) {
        if (re.test(line)) {
          problems.push({ file, line: i + 1, message: `refers to ${what}, which a clone of the repository does not have: explain it here or point into docs/` });
          break;
        }
      }
      for (const m of line.matchAll(DOCS_MENTION)) {
        const target = path.join(root, 'docs', m[1]);
        if (!existsSync(target)) problems.push({ file, line: i + 1, message: `docs/${m[1]} does not exist` });
        else if (m[2] && !anchors(target).has(m[2].slice(1))) problems.push({ file, line: i + 1, message: `docs/${m[1]} has no section ${m[2]}` });
      }
    });
    const checksLinks = file.endsWith('.md') && (file.startsWith('docs/') || path.basename(file) === 'README.md');
    if (!checksLinks) continue;
    for (const { line, n } of proseLines(text)) {
      for (const m of line.matchAll(MD_LINK)) {
        const target = m[1];
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
        const [rel, anchor] = target.split('#', 2);
        const dest = rel === '' ? abs : path.resolve(path.dirname(abs), decodeURIComponent(rel));
        if (!dest.startsWith(root + path.sep) && dest !== root) {
          problems.push({ file, line: n, message: `link ${target} leaves the repository` });
        } else if (!existsSync(dest)) {
          problems.push({ file, line: n, message: `link ${target}: ${path.relative(root, dest)} does not exist` });
        } else if (anchor && dest.endsWith('.md') && !anchors(dest).has(anchor)) {
          problems.push({ file, line: n, message: `link ${target}: ${path.relative(root, dest)} has no section #${anchor}` });
        }
      }
    }
  }
  return problems;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
  const problems = findProblems(root);
  for (const p of problems) process.stderr.write(`${p.file}:${p.line}: ${p.message}\n`);
  if (problems.length > 0) {
    process.stderr.write(`check-doc-references: ${problems.length} reference(s) to documentation the repository does not have (see docs/DEVELOPING.md#the-documentation-check)\n`);
    process.exit(1);
  }
}
