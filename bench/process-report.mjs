// Preloaded (--import) into each benchmarked process: at exit, writes its peak RSS and
// which heavy SDKs it loaded to the file named by BENCH_REPORT_FILE. The SDKs are found by
// a module resolve hook, which sees ESM and CommonJS imports alike.
import { appendFileSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';

const reportFile = process.env.BENCH_REPORT_FILE;
if (reportFile) {
  const loadedFile = `${reportFile}.loaded`;
  writeFileSync(loadedFile, '');
  register('./process-report-hooks.mjs', import.meta.url, { data: { loadedFile } });
  process.on('exit', () => {
    appendFileSync(reportFile, JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS }));
  });
}
