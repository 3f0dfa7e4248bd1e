import { RefusalLog } from '../../../src/adapters/http/refusal-log';
import { RecordingLogger } from '../../support/fakes';

describe('RefusalLog', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('logs the first refusal at once, then one line per interval with the count', () => {
    const logger = new RecordingLogger();
    const log = new RefusalLog(logger, 'admin request refused', 60_000);
    log.refused({ remote: '192.0.2.1', path: '/v1/admin/rooms' });
    for (let i = 0; i < 1_806; i += 1) log.refused({ remote: '192.0.2.2', path: '/v1/admin/rooms' });
    expect(logger.entries.map((e) => e.fields)).toEqual([{ remote: '192.0.2.1', path: '/v1/admin/rooms', refused: 1 }]);
    jest.advanceTimersByTime(60_000);
    expect(logger.entries.map((e) => e.fields)).toEqual([
      { remote: '192.0.2.1', path: '/v1/admin/rooms', refused: 1 },
      { remote: '192.0.2.2', path: '/v1/admin/rooms', refused: 1_806, intervalMs: 60_000 },
    ]);
    // A quiet interval writes nothing; the next refusal after it is logged at once again.
    jest.advanceTimersByTime(120_000);
    expect(logger.entries).toHaveLength(2);
    log.refused({ remote: '192.0.2.3', path: '/x' });
    expect(logger.entries).toHaveLength(3);
  });
});
