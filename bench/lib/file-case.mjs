/**
 * The files case both profiles share: for each size, `runs` times, an encrypted upload and a verified
 * download through the gateway process, then the raw tool's round trip of the same number of bytes, in
 * the same run; MiB/s min / median / max, gateway / raw ratios of the medians, the gateway's peak RSS.
 */
import { round, summary } from './stats.mjs';
import { MiB, download, timed, upload } from './gateway-process.mjs';

const mbps = (size, ms) => size / MiB / (ms / 1000);

export const sizeName = (b) => (b >= 1024 ** 3 ? `${b / 1024 ** 3} GiB` : b >= MiB ? `${b / MiB} MiB` : `${b / 1024} KiB`);

/**
 * @param gateway  from startGateway / startNetworkGateway
 * @param team     { patient, patientToken, doctorToken }
 * @param raw      (size) => Promise<{ uploadMs, downloadMs }>: the raw tool's round trip
 * @param label    prefix of the progress lines
 */
export async function measureFiles({ gateway, team, sizes, runs, raw, label }) {
  const port = gateway.port;
  await download(port, team, (await upload(port, team, MiB)).recordId); // warm-up
  await raw(MiB);
  const entries = [];
  for (const size of sizes) {
    const up = [], down = [], rawUp = [], rawDown = [];
    const baseline = await gateway.resetPeak();
    for (let i = 0; i < runs; i++) {
      const u = await timed(() => upload(port, team, size));
      const d = await timed(() => download(port, team, u.value.recordId));
      if (d.value.bytes !== size || d.value.sha256 !== u.value.sha256) throw new Error('download does not match upload');
      const r = await raw(size);
      up.push(mbps(size, u.ms));
      down.push(mbps(size, d.ms));
      rawUp.push(mbps(size, r.uploadMs));
      rawDown.push(mbps(size, r.downloadMs));
    }
    const entry = {
      size,
      uploadMBps: summary(up),
      downloadMBps: summary(down),
      rawUploadMBps: summary(rawUp),
      rawDownloadMBps: summary(rawDown),
      uploadVsRaw: round(summary(up).median / summary(rawUp).median, 3),
      downloadVsRaw: round(summary(down).median / summary(rawDown).median, 3),
      gatewayRssBaselineMiB: round(baseline / MiB),
      gatewayRssPeakMiB: round(gateway.peak() / MiB),
    };
    entries.push(entry);
    console.log(
      `${label} ${sizeName(size)}: upload ${round(entry.uploadMBps.median)} MiB/s (raw ${round(entry.rawUploadMBps.median)}, ratio ${entry.uploadVsRaw}), ` +
        `download ${round(entry.downloadMBps.median)} MiB/s (raw ${round(entry.rawDownloadMBps.median)}, ratio ${entry.downloadVsRaw}), RSS peak ${entry.gatewayRssPeakMiB} MiB`,
    );
  }
  return entries;
}
