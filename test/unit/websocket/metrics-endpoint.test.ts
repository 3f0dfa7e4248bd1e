import { readMetricsEndpoint } from '../../../src/composition/metrics-endpoint';
import { ConfigError, loadConfig } from '../../../src/config';

describe('metrics endpoint settings (METRICS_PORT, METRICS_HOST, METRICS_TOKEN)', () => {
  it('serves /metrics on the main port, open, by default', () => {
    expect(readMetricsEndpoint(loadConfig({ HOST: '127.0.0.1' }))).toEqual({ host: '127.0.0.1' });
  });

  it('reads a port of its own, its interface and a token', () => {
    expect(readMetricsEndpoint(loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '10.0.0.5', METRICS_TOKEN: 'scrape-token-0123456789' }))).toEqual({
      port: 9464,
      host: '10.0.0.5',
      token: 'scrape-token-0123456789',
    });
  });

  it.each([
    [{ METRICS_PORT: '70000' }, /METRICS_PORT/],
    [{ METRICS_PORT: '8080', PORT: '8080' }, /METRICS_PORT: must differ from PORT/],
    [{ METRICS_TOKEN: 'short' }, /METRICS_TOKEN: at least 16 characters/],
  ])('refuses %j without echoing a token', (env, expected) => {
    let problems = '';
    try {
      readMetricsEndpoint(loadConfig(env));
    } catch (error) {
      if (error instanceof ConfigError) problems = error.problems.join('\n');
    }
    expect(problems).toMatch(expected);
    expect(problems).not.toContain('short"');
  });
});
