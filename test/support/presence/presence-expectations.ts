/** What a test expects the presence server to hear for one user, in order: `type:channel_id`. */
export type ExpectedSteps = Map<string, string[]>;

export function expectStep(expected: ExpectedSteps, userId: string, type: string, channelId: string): void {
  expected.set(userId, [...(expected.get(userId) ?? []), `${type}:${channelId}`]);
}

/** Per user, `type:channel_id` of each event in the order its first copy arrived (duplicates skipped). */
export function arrivedSteps(messages: readonly Record<string, unknown>[]): ExpectedSteps {
  const seen = new Set<unknown>();
  const byUser: ExpectedSteps = new Map();
  for (const message of messages) {
    if (seen.has(message.event_id)) continue;
    seen.add(message.event_id);
    expectStep(byUser, String(message.user_id), String(message.type), String(message.channel_id));
  }
  return byUser;
}

/** Per user, whether the timestamps of the first copies never go backwards. */
export function timestampsMonotonic(messages: readonly Record<string, unknown>[]): boolean {
  const seen = new Set<unknown>();
  const last = new Map<string, number>();
  for (const message of messages) {
    if (seen.has(message.event_id)) continue;
    seen.add(message.event_id);
    const user = String(message.user_id);
    const at = Number(message.timestamp);
    if (at < (last.get(user) ?? 0)) return false;
    last.set(user, at);
  }
  return true;
}

/** Reads one unlabelled gauge or counter from a Prometheus text page. */
export async function readMetric(httpUrl: string, name: string): Promise<number> {
  const response = await fetch(`${httpUrl}/metrics`);
  const text = await response.text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  if (!line) throw new Error(`metric ${name} not found`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}
