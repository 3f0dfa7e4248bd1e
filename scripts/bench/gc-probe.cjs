// Preloaded into a node under the capacity benchmark (`node --require gc-probe.cjs`): appends every
// garbage-collection pause of 5 ms or more to $GC_PROBE_FILE as `<ms since start> <kind> <duration ms>`,
// so a loop-lag spike can be told apart from a GC pause. Costs nothing between pauses.
const { appendFileSync } = require('node:fs');
const { PerformanceObserver, constants } = require('node:perf_hooks');

const file = process.env.GC_PROBE_FILE;
if (file) {
  const kinds = {
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
  };
  new PerformanceObserver((list) => {
    const lines = list
      .getEntries()
      .filter((e) => e.duration >= 5)
      .map((e) => `${Math.round(e.startTime)} ${kinds[e.detail?.kind] ?? e.detail?.kind} ${e.duration.toFixed(1)}\n`);
    if (lines.length) appendFileSync(file, lines.join(''));
  }).observe({ entryTypes: ['gc'] });
}
