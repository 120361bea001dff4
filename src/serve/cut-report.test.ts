import { afterEach, describe, expect, it, vi } from 'vitest';
import { recordingLogger } from '../../test/support/recording-logger.js';
import { CLIENT_LIMITS, type CutReason } from './client-limits.js';
import { CutReporter } from './cut-report.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('CutReporter', () => {
  it('counts every cut, logs the first at once and the rest as one line a second', () => {
    vi.useFakeTimers();
    const logger = recordingLogger();
    const { lines } = logger;
    const counted: CutReason[] = [];
    const reporter = new CutReporter(logger, CLIENT_LIMITS, (reason) => counted.push(reason));
    reporter.onCut('pipelining', '10.0.0.1');
    expect(lines).toHaveLength(1);
    expect(lines.map((l) => l.event)).toEqual(['connections_cut']);
    expect(lines[0]?.fields).toMatchObject({ reason: 'pipelining', connections: 1, last_client: '10.0.0.1' });

    for (let i = 0; i < 999; i++) reporter.onCut('pipelining', '10.0.0.2');
    reporter.onCut('max_connections', '10.0.0.3');
    expect(lines).toHaveLength(1);
    vi.advanceTimersByTime(1_000);
    expect(lines.slice(1).map((l) => l.fields)).toEqual([
      { reason: 'pipelining', connections: 999, max_pipelined: 8, last_client: '10.0.0.2' },
      { reason: 'max_connections', connections: 1, max_connections: 1024, last_client: '10.0.0.3' },
    ]);
    expect(counted).toHaveLength(1001);

    // Quiet for a while: the next cut is logged at once again.
    vi.advanceTimersByTime(5_000);
    reporter.onCut('pipelining', undefined);
    expect(lines).toHaveLength(4);
    reporter.stop();
  });
});
