/**
 * Turns bench/results/*.json into bench/RESULTS.md (one section per case: what was measured, the command,
 * the machine, a table) and one PNG chart per case (vega-lite -> SVG -> PNG with resvg; no hand-drawn
 * charts). A case without a results file is left out.
 *   node bench/report.mjs
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import { sizeName } from './lib/file-case.mjs';
import { round } from './lib/stats.mjs';

const load = async (name) => (existsSync(`bench/results/${name}.json`) ? JSON.parse(await readFile(`bench/results/${name}.json`, 'utf8')) : undefined);
const mmm = (s, d = 1) => `${round(s.min, d)} / **${round(s.median, d)}** / ${round(s.max, d)}`;
const machineLine = (m) => `${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}`;
const NETWORK_UP = ' (network up: `npm run network:up`)';

async function chart(file, spec) {
  const view = new vega.View(vega.parse(vegaLite.compile({ $schema: 'https://vega.github.io/schema/vega-lite/v6.json', width: 520, height: 260, ...spec }).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  await writeFile(`bench/${file}`, new Resvg(svg, { background: 'white', font: { loadSystemFonts: true } }).render().asPng());
}

/** Grouped bars of median MiB/s per file size: gateway upload/download and the raw tool's. */
async function filesSection(r, { title, explain, rawUp, rawDown }) {
  const md = [`## ${title}`, '', `Command: \`${r.command}\`${r.profile === 'network' ? NETWORK_UP : ''} — ${r.runs} runs per size — ${machineLine(r.machine)} — ${r.at}`, '', explain, ''];
  md.push(`| size | upload MiB/s | ${rawUp} MiB/s | upload / raw | download MiB/s | ${rawDown} MiB/s | download / raw | gateway RSS peak (baseline) |`, '|---|---|---|---|---|---|---|---|');
  for (const s of r.sizes) {
    md.push(`| ${sizeName(s.size)} | ${mmm(s.uploadMBps)} | ${mmm(s.rawUploadMBps)} | ${s.uploadVsRaw} | ${mmm(s.downloadMBps)} | ${mmm(s.rawDownloadMBps)} | ${s.downloadVsRaw} | ${s.gatewayRssPeakMiB} MiB (${s.gatewayRssBaselineMiB}) |`);
  }
  md.push('', `![${r.case}](${r.case}.png) — median MiB/s per size.`, '');
  await chart(`${r.case}.png`, {
    title: `${title}: median MiB/s`,
    data: {
      values: r.sizes.flatMap((s) => [
        { size: sizeName(s.size), series: 'gateway upload', mbps: s.uploadMBps.median },
        { size: sizeName(s.size), series: rawUp, mbps: s.rawUploadMBps.median },
        { size: sizeName(s.size), series: 'gateway download', mbps: s.downloadMBps.median },
        { size: sizeName(s.size), series: rawDown, mbps: s.rawDownloadMBps.median },
      ]),
    },
    mark: 'bar',
    encoding: { x: { field: 'size', type: 'nominal', sort: null }, xOffset: { field: 'series', sort: null }, y: { field: 'mbps', type: 'quantitative', title: 'MiB/s' }, color: { field: 'series', sort: null } },
  });
  return md;
}

async function ledgerSection(r, before) {
  const md = [
    '## Ledger (network profile: gateway vs raw fabric-gateway client)',
    '',
    `Command: \`${r.command}\`${NETWORK_UP} — ${r.runs} runs per cell, ${Object.entries(r.txPerRun).map(([c, n]) => `${n} tx at c=${c}`).join(', ')} — ${machineLine(r.machine)} — ${r.at}`,
    ...(before ? ['', `Before (${before.revision ?? 'the previous gateway'}): \`${before.command}\` — ${before.runs} runs per cell — ${before.at}`] : []),
    '',
    `Gateway = Hospital A's network gateway process (\`node gateway/dist/main.js --org hospital-a\`, \`CARELEDGER_AUTH_EMULATOR=true\`) over HTTP: create-record = multipart upload of a ${r.fileBytes}-byte file (KeyRecipients, encrypt, Kubo add, CreateRecord), grant = \`POST /v1/patients/{id}/consents\` (the grantee's GetUser, GrantConsent, GetConsent read back, Firestore projection), access = \`GET /v1/records/{id}/content?purpose=PATRQT\` (GetAnchor${before ? ' on a record\'s first read only' : ''}, Access, ReleaseKey, Kubo cat, decrypt, verify), get-record = \`GET /v1/records/{id}\` (an evaluate, nothing committed: the fixed cost of a gateway call against a raw \`records:GetRecord\` evaluate); every request also verifies a Firebase emulator ID token (with the revocation check, a call to the Auth emulator) and resolves the actor (GetUser${before ? '; registry users are cached while the gateway follows the registry events, so GetUser is read once per user and change' : ''}). Raw = @hyperledger/fabric-gateway as ${r.network.rawIdentity} submitting the same chaincode transaction (same args and transient JSON, fake CID and compact JWE), waiting for the commit. tx/s = committed transactions / wall time of the run; latency percentiles per run, then min / **median** / max over runs. Ratios = gateway median / raw median.`,
    '',
    `| transaction | c | gateway tx/s | raw tx/s | tx/s gw/raw${before ? ' (before)' : ''} | gateway p50 / p95 / p99 ms | raw p50 / p95 / p99 ms | p50 gw/raw |`,
    '|---|---|---|---|---|---|---|---|',
  ];
  const pct = (x) => `${round(x.p50Ms.median)} / ${round(x.p95Ms.median)} / ${round(x.p99Ms.median)}`;
  const beforeRatio = (name, c) => before?.cases.find((e) => e.name === name)?.levels.find((l) => l.concurrency === c)?.tpsRatio;
  for (const e of r.cases) {
    for (const l of e.levels) {
      const old = beforeRatio(e.name, l.concurrency);
      md.push(`| ${e.name} | ${l.concurrency} | ${mmm(l.gateway.txPerSec)} | ${mmm(l.raw.txPerSec)} | ${l.tpsRatio}${old === undefined ? '' : ` (${old})`} | ${pct(l.gateway)} | ${pct(l.raw)} | ${l.p50Ratio} |`);
    }
  }
  const errs = r.cases.flatMap((e) => e.levels.filter((l) => l.gateway.errors + l.raw.errors > 0).map((l) => `${e.name} c=${l.concurrency}: gateway ${l.gateway.errors}, raw ${l.raw.errors}`));
  md.push('', errs.length ? `Failed transactions (not counted): ${errs.join('; ')}.` : 'No transaction failed.');
  md.push('', `Gateway process RSS: ${r.gatewayRssBaselineMiB} MiB after warm-up, ${r.gatewayRssPeakMiB} MiB peak.`, ...(r.notes ?? []).flatMap((n) => ['', n]), '', '![ledger](ledger.png) — median committed tx/s per transaction and concurrency.', '');
  await chart('ledger.png', {
    title: 'Ledger (network): median committed tx/s, gateway vs raw client',
    data: {
      values: r.cases.flatMap((e) =>
        e.levels.flatMap((l) => [
          { transaction: e.name, level: `c=${l.concurrency}`, series: 'gateway', tps: l.gateway.txPerSec.median },
          { transaction: e.name, level: `c=${l.concurrency}`, series: 'raw fabric-gateway', tps: l.raw.txPerSec.median },
        ]),
      ),
    },
    mark: 'bar',
    width: 170,
    encoding: {
      column: { field: 'transaction', type: 'nominal', sort: r.cases.map((e) => e.name), title: null },
      x: { field: 'level', type: 'nominal', sort: null, title: 'concurrency' },
      xOffset: { field: 'series' },
      y: { field: 'tps', type: 'quantitative', title: 'tx/s' },
      color: { field: 'series' },
    },
  });
  return md;
}

/** Both profiles in one table and one chart. */
async function restSection(profiles) {
  const md = ['## REST (autocannon: metadata list and access log)', ''];
  for (const r of profiles) md.push(`- ${r.profile}: \`${r.command}\`${r.profile === 'network' ? NETWORK_UP : ''} — ${r.runs} runs of ${r.seconds} s at ${r.connections} connections — ${machineLine(r.machine)} — ${r.at}`);
  md.push(
    '',
    "One patient with 20 records and 20 access events, read as that patient (pageSize=50). Embedded: a dev token, the chaincode runs in the gateway process. Network: Hospital A's network gateway, a Firebase Auth emulator ID token verified per request, each list a chaincode query on Hospital A's peer.",
    '',
    '| profile | endpoint | req/s | p50 ms | p99 ms |',
    '|---|---|---|---|---|',
  );
  for (const r of profiles) for (const e of r.endpoints) md.push(`| ${r.profile} | ${e.name} \`${e.path}\` | ${mmm(e.reqPerSec)} | ${mmm(e.latencyP50Ms)} | ${mmm(e.latencyP99Ms)} |`);
  md.push('', '![rest](rest.png) — median req/s per endpoint and profile.', '');
  await chart('rest.png', {
    title: 'REST: median req/s',
    data: { values: profiles.flatMap((r) => r.endpoints.map((e) => ({ endpoint: e.name, profile: r.profile, rps: e.reqPerSec.median }))) },
    mark: 'bar',
    encoding: { x: { field: 'endpoint', type: 'nominal' }, xOffset: { field: 'profile' }, y: { field: 'rps', type: 'quantitative', title: 'req/s' }, color: { field: 'profile' } },
  });
  return md;
}

async function cacheSection(r) {
  const md = ['## Cache (hot 1 MiB record read, embedded profile)', '', `Command: \`${r.command}\` — ${r.runs} reads each — ${machineLine(r.machine)} — ${r.at}`, ''];
  md.push('| | ms per read | hit / miss |', '|---|---|---|', `| cache hit | ${mmm(r.hitMs, 2)} | ${r.hitVsMiss} |`, `| cache miss (cache off) | ${mmm(r.missMs, 2)} | 1 |`, '');
  md.push('Each read is a full download (Access transaction, key release, decrypt, verify); only the ciphertext fetch differs.', '', '![cache](cache.png)', '');
  await chart('cache.png', {
    title: 'Hot 1 MiB read: median ms',
    data: { values: [{ case: 'hit', ms: r.hitMs.median }, { case: 'miss', ms: r.missMs.median }] },
    mark: 'bar',
    encoding: { x: { field: 'case', type: 'nominal' }, y: { field: 'ms', type: 'quantitative', title: 'ms' } },
  });
  return md;
}

async function iotSection(r) {
  const md = ['## IoT ingest (embedded profile)', '', `Command: \`${r.command}\` — ${r.runs} runs of ${r.batchesPerRun} batches of ${r.batchSize} readings — ${machineLine(r.machine)} — ${r.at}`, ''];
  md.push(
    `One device posting ${r.batchSize}-reading batches (${r.bodyBytesPerBatch} B of JSON) back to back: validation, encryption, blob store and one ledger transaction per batch.`,
    '',
    '| readings/s | ms per batch (min / **p50** / max, p95) | gateway RSS peak (baseline) |',
    '|---|---|---|',
    `| ${mmm(r.readingsPerSecond, 0)} | ${mmm(r.batchMs)}, ${round(r.batchMs.p95)} | ${r.gatewayRssPeakMiB} MiB (${r.gatewayRssBaselineMiB}) |`,
    '',
    '![iot-ingest](iot-ingest.png)',
    '',
  );
  await chart('iot-ingest.png', {
    title: `IoT ingest: ms per ${r.batchSize}-reading batch`,
    data: { values: ['min', 'median', 'p95', 'max'].map((stat) => ({ stat, ms: r.batchMs[stat] })) },
    mark: 'bar',
    encoding: { x: { field: 'stat', type: 'nominal', sort: null }, y: { field: 'ms', type: 'quantitative', title: 'ms' } },
  });
  return md;
}

async function signingSection(r) {
  const md = ['## Signing (one Fabric signature)', '', `Command: \`${r.command}\` — ${r.runs} runs of ${r.signaturesPerRun} signatures — ${machineLine(r.machine)} — ${r.at}`, ''];
  md.push(
    "Every proposal, transaction and commit-status request the network gateway sends is signed with the org's P-256 key. Stock = fabric-gateway's `signers.newPrivateKeySigner` + `hash.sha256` (pure-JavaScript curve arithmetic, what the raw client in the ledger case uses); native = `gateway/src/adapters/fabric/native-signer.ts` (OpenSSL through node:crypto, low-S, `hash.none`), what the gateway uses. Same key, same 3,000-byte message.",
    '',
    '| signer | ms per signature | native / stock |',
    '|---|---|---|',
    `| stock (@noble/curves) | ${mmm(r.stockMsPerSignature, 3)} | 1 |`,
    `| native (OpenSSL) | ${mmm(r.nativeMsPerSignature, 3)} | ${r.nativeVsStock} |`,
    '',
    '![signing](signing.png)',
    '',
  );
  await chart('signing.png', {
    title: 'One P-256 Fabric signature: median ms',
    data: { values: [{ signer: 'stock (@noble/curves)', ms: r.stockMsPerSignature.median }, { signer: 'native (OpenSSL)', ms: r.nativeMsPerSignature.median }] },
    mark: 'bar',
    encoding: { x: { field: 'signer', type: 'nominal', sort: null }, y: { field: 'ms', type: 'quantitative', title: 'ms' } },
  });
  return md;
}

const GROWTH_OPS = ['upload', 'access', 'list page', 'log page', 'FHIR search page'];
const sizeOf = (series, step) => (series === 'events' ? step.events : step.records);

/** Per-request latency as one patient's history grows, after (and, when measured, before) the key layout change. */
async function growthSection(r, before) {
  const md = [
    '## Growth (embedded profile: one patient with a long history)',
    '',
    `Command: \`${r.command}\` — ${r.runs} runs of ${r.requestsPerRun} sequential requests per operation and step — ${machineLine(r.machine)} — ${r.at}`,
    ...(before ? ['', `Before (the per-patient index layout, main at ${before.revision ?? 'the previous commit'}): \`${before.command}\` — ${before.runs} runs of ${before.requestsPerRun} — ${before.at}`] : []),
    '',
    'One patient of the embedded gateway process over HTTP, history seeded through the same chaincode in process (records: CreateRecord with a fake CID; events: Access as the patient). Series `events`: 1 record and a growing access log; series `records`: a growing number of records. Per operation: the run median of per-request latency, then min / **median** / max over runs, ms. upload = 4 KiB multipart upload; access = content read as the patient (Access, ReleaseKey, decrypt); list page = `GET /v1/patients/{id}/records?pageSize=10`; log page = `GET …/access-log?pageSize=10`; FHIR search page = `GET /v1/fhir/DocumentReference?patient={id}&_count=10`.' + (before ? ' *before* = the median with the per-patient index layout.' : ''),
    '',
    `| series | history | ${GROWTH_OPS.map((op) => `${op} ms${before ? ' (before)' : ''}`).join(' | ')} |`,
    `|---|---|${GROWTH_OPS.map(() => '---').join('|')}|`,
  ];
  const values = [];
  for (const series of r.series) {
    const old = before?.series.find((s) => s.name === series.name);
    for (const step of series.steps) {
      const size = sizeOf(series.name, step);
      const prev = old?.steps.find((s) => sizeOf(series.name, s) === size);
      md.push(`| ${series.name} | ${size.toLocaleString('en')} | ${GROWTH_OPS.map((op) => `${mmm(step.latencyMs[op])}${prev ? ` (${round(prev.latencyMs[op].median)})` : ''}`).join(' | ')} |`);
      for (const op of GROWTH_OPS) {
        values.push({ series: series.name, history: size, op, layout: 'after', ms: step.latencyMs[op].median });
        if (prev) values.push({ series: series.name, history: size, op, layout: 'before', ms: prev.latencyMs[op].median });
      }
    }
  }
  const flat = [];
  for (const series of r.series) {
    const from = series.steps.filter((s) => sizeOf(series.name, s) >= 1000);
    if (from.length < 2) continue;
    for (const op of GROWTH_OPS) {
      const ms = from.map((s) => s.latencyMs[op].median);
      flat.push(`${series.name}/${op} ${round((Math.max(...ms) / Math.min(...ms) - 1) * 100, 0)} %`);
    }
  }
  md.push('', `Spread from 1k up (max / min of the medians − 1; target ≤ 15 %): ${flat.join(', ')}.`, ...(r.notes ?? []).flatMap((n) => ['', n]), '', '![growth](growth.png) — median ms per request against the history size (log scale), per operation; dashed: before.', '');
  await chart('growth.png', {
    title: 'Per-request latency as one patient\'s history grows (median ms)',
    data: { values: values.map((v) => ({ ...v, history: Math.max(v.history, 1) })) },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'history', type: 'quantitative', scale: { type: 'log' }, title: 'records / access events of the patient (0 shown as 1)' },
      y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'ms' },
      color: { field: 'op', sort: null },
      strokeDash: { field: 'layout', sort: ['after', 'before'] },
      column: { field: 'series' },
    },
    width: 300,
  });
  return md;
}

/** One busy patient against the same load spread over as many patients (network), after and before. */
async function hotPatientSection(r, before) {
  const md = [
    '## Hot patient (network profile: one patient vs spread)',
    '',
    `Command: \`${r.command}\`${NETWORK_UP} — ${r.runs} runs per cell, each c workers × ${r.perWorker} requests — ${machineLine(r.machine)} — ${r.at}`,
    ...(before ? ['', `Before (the per-patient index layout): \`${before.command}\` — ${before.runs} runs — ${before.at}`] : []),
    '',
    `Hospital A's network gateway process over HTTP. upload = multipart POST of ${r.fileBytes} bytes (KeyRecipients, CreateRecord); read = \`GET /v1/records/{id}/content?purpose=PATRQT\` as the patient (GetAnchor, Access committed, ReleaseKey, Kubo cat, decrypt). one = every worker acts for the same patient; spread = worker w for patient w. failures = client-visible answers other than 201/200 (after the gateway's retries); retries = submits the gateway retried (read conflicts or gossip), from its log. tx/s = successful requests / wall time.`,
    '',
    '| op | c | one: tx/s | one: p50 / p99 ms | one: failed | one: retries | spread: tx/s | spread: p50 / p99 ms | spread: failed | one / spread tx/s |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  const values = [];
  const row = (x, label, c, op) => {
    const m = x.one;
    const sp = x.spread;
    md.push(`| ${op}${label} | ${c} | ${mmm(m.txPerSec)} | ${round(m.p50Ms.median)} / ${round(m.p99Ms.median)} | ${m.failures} of ${m.requests} | ${m.retries ?? 'n/a'} | ${mmm(sp.txPerSec)} | ${round(sp.p50Ms.median)} / ${round(sp.p99Ms.median)} | ${sp.failures} of ${sp.requests} | ${x.tpsRatio} |`);
  };
  for (const l of r.levels) {
    for (const x of l.cases) {
      row(x, '', l.concurrency, x.op);
      values.push({ cell: `${x.op} c=${l.concurrency}`, series: 'one patient', txps: x.one.txPerSec.median }, { cell: `${x.op} c=${l.concurrency}`, series: 'spread', txps: x.spread.txPerSec.median });
      const old = before?.levels.find((b) => b.concurrency === l.concurrency)?.cases.find((b) => b.op === x.op);
      if (old) {
        row({ ...old, one: { ...old.one, retries: undefined } }, ' (before)', l.concurrency, x.op);
        values.push({ cell: `${x.op} c=${l.concurrency}`, series: 'one patient, before', txps: old.one.txPerSec.median });
      }
    }
  }
  md.push(...(r.notes ?? []).flatMap((n) => ['', n]), '', '![hot-patient](hot-patient.png) — median successful requests per second.', '');
  await chart('hot-patient.png', {
    title: 'One busy patient vs the same load spread (median tx/s)',
    data: { values },
    mark: 'bar',
    encoding: { x: { field: 'cell', type: 'nominal', sort: null, title: null }, xOffset: { field: 'series', sort: null }, y: { field: 'txps', type: 'quantitative', title: 'successful tx/s' }, color: { field: 'series', sort: null } },
  });
  return md;
}

/** Erasure of one large patient: the time to the 202, to ERASED on the ledger and to finished; keys over time. */
async function erasureScaleSection(r, small) {
  const md = [
    '## Erasure at scale (embedded profile)',
    '',
    `Command: \`${r.command}\` — ${machineLine(r.machine)} — ${r.at}`,
    '',
    `One patient with ${r.records.toLocaleString('en')} records and ${r.events.toLocaleString('en')} access events (seeded through the same chaincode in process in ${round(r.seedMs / 1000, 0)} s), erased through the REST API of the embedded gateway process with pages of ${r.pageKeys} keys, its status polled every second. 202 = \`POST …/erasure\` answered (the patient marked ERASING); ERASED = the ledger's last transaction seen by the status; finished = patient key destroyed, permission store cleaned and the three LevelDBs compacted too.`,
    '',
    '| records | events | pages | keys purged | 202 ms | ERASED s | finished s | keys/s (to ERASED) |',
    '|---|---|---|---|---|---|---|---|',
    `| ${r.records.toLocaleString('en')} | ${r.events.toLocaleString('en')} | ${r.pages} | ${r.keysErased.toLocaleString('en')} | ${round(r.acceptedMs, 0)} | ${round(r.ledgerErasedMs / 1000)} | ${round(r.totalMs / 1000)} | ${round(r.keysPerSecond, 0)} |`,
  ];
  if (small) md.push('', `Small patients (\`${small.command}\`, ${small.runs} runs): ${small.recordsPerPatient} records with ${small.fileBytes / 1024} KiB files, ${small.otherRecords} records of another patient kept: ${mmm(small.erasureMs, 0)} ms from the POST to finished.`);
  md.push(...(r.notes ?? []).flatMap((n) => ['', n]), '', '![erasure-scale](erasure-scale.png) — keys purged against time since the POST.', '');
  await chart('erasure-scale.png', {
    title: `Erasing ${r.records.toLocaleString('en')} records and ${r.events.toLocaleString('en')} events: keys purged over time`,
    data: { values: r.timeline.map((t) => ({ s: t.ms / 1000, keys: t.keysErased })) },
    mark: 'line',
    encoding: { x: { field: 's', type: 'quantitative', title: 'seconds since POST' }, y: { field: 'keys', type: 'quantitative', title: 'keys purged' } },
  });
  return md;
}

const out = ['# Benchmark results', '', 'Generated by `node bench/report.mjs` from `bench/results/*.json` (`npm run bench` runs the embedded cases, `npm run bench:network` the network ones). Each cell is min / **median** / max over the runs; ratios compare medians measured in the same run.', ''];
const files = await load('files');
if (files) out.push(...(await filesSection(files, { title: 'Files (embedded profile)', rawUp: 'raw import', rawDown: 'raw export', explain: 'Gateway = the embedded gateway process over HTTP (multipart upload: SHA-256, AES-256-GCM segments, UnixFS import, CreateRecord; download as the patient: Access, ReleaseKey, read, decrypt, verify). Raw = ipfs-unixfs-importer/exporter over blockstore-fs with the same (Kubo-compatible) options, no encryption, no ledger, no HTTP. MiB/s = file bytes / wall time.' })));
const filesNetwork = await load('files-network');
if (filesNetwork) out.push(...(await filesSection(filesNetwork, { title: 'Files (network profile)', rawUp: 'raw Kubo add', rawDown: 'raw Kubo cat', explain: "Gateway = Hospital A's network gateway process over HTTP: upload = multipart POST (SHA-256, AES-256-GCM segments, Kubo add, KeyRecipients + CreateRecord on Fabric), download = `GET …/content` as the patient (GetAnchor, Access committed on Fabric, ReleaseKey, Kubo cat, decrypt, verify; the first read of each file, so a ciphertext-cache miss). Raw = kubo-rpc-client `add` (cidVersion 1, rawLeaves, chunker size-262144, pin) and `cat` of the same number of plaintext bytes on the same Kubo node. MiB/s = file bytes / wall time." })));
const ledger = await load('ledger');
if (ledger) out.push(...(await ledgerSection(ledger, await load('ledger-before'))));
const rest = [await load('rest'), await load('rest-network')].filter(Boolean);
if (rest.length) out.push(...(await restSection(rest)));
const cache = await load('cache');
if (cache) out.push(...(await cacheSection(cache)));
const iot = await load('iot-ingest');
if (iot) out.push(...(await iotSection(iot)));
const signing = await load('signing');
if (signing) out.push(...(await signingSection(signing)));
const growth = await load('growth');
if (growth) out.push(...(await growthSection(growth, await load('growth-before'))));
const hot = await load('hot-patient');
if (hot) out.push(...(await hotPatientSection(hot, await load('hot-patient-before'))));
const erasureScale = await load('erasure-scale');
if (erasureScale) out.push(...(await erasureScaleSection(erasureScale, await load('erasure'))));

await writeFile('bench/RESULTS.md', out.join('\n'));
console.log('wrote bench/RESULTS.md');
