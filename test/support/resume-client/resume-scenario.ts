import { frameSnapshot, waitForNewFrames, type ResumePage } from './resume-page';

export interface ResumeScenario {
  /** alice (whose connection is cut) first, then the others. */
  readonly pages: readonly ResumePage[];
  readonly backend: string;
  readonly label: string;
  /** Whether alice's links are renegotiated in place (mesh, Janus) or replaced by new ones (Kurento). */
  readonly inPlace: boolean;
  readonly cut: (alice: ResumePage) => Promise<void>;
  readonly videoTimeoutMs: number;
}

/**
 * Cuts the first page's connection, waits for it to resume and renegotiate every link, and checks that
 * video flows again on every link of every page with nobody rejoining: alice's links restarted in place
 * (same connection, new ICE credentials) or replaced, the others' untouched, the others told
 * participantReconnected and never participantLeft. Returns the figures, measured in alice's page clock.
 */
export const cutAndResume = async (scenario: ResumeScenario): Promise<string> => {
  const { pages, inPlace } = scenario;
  const [alice, ...others] = pages as [ResumePage, ...ResumePage[]];
  const linksBefore = await alice.linkIdentities();
  const othersBefore = await Promise.all(others.map((p) => p.linkIdentities()));
  const since = await alice.now();
  const othersSince = await Promise.all(others.map((p) => p.now()));

  await scenario.cut(alice);
  const lost = await alice.waitForEvent('connectionLost', since, 10_000);
  const resumed = await alice.waitForEvent('resumed', since, 20_000);
  const linkNames = Object.keys(linksBefore);
  await Promise.all(linkNames.map((name) => alice.waitForEvent('renegotiated', resumed.at, 20_000, name)));
  const renegotiatedAt = Math.max(...(await alice.events()).filter((e) => e.type === 'renegotiated' && e.at >= resumed.at).map((e) => e.at));
  const baseline = await frameSnapshot(pages);
  const afterRenegotiation = await waitForNewFrames(pages, baseline, scenario.videoTimeoutMs);
  const mediaAgainMs = Math.round((await alice.now()) - resumed.at);

  const linksAfter = await alice.linkIdentities();
  if (Object.keys(linksAfter).sort().join() !== linkNames.sort().join()) {
    throw new Error(`alice's links changed: ${JSON.stringify(linksBefore)} → ${JSON.stringify(linksAfter)}`);
  }
  for (const name of linkNames) {
    const sameConnection = linksAfter[name]!.id === linksBefore[name]!.id;
    if (sameConnection !== inPlace) throw new Error(`${name}: expected ${inPlace ? 'the same' : 'a new'} peer connection`);
    if (linksAfter[name]!.ufrag === linksBefore[name]!.ufrag) throw new Error(`${name}: ICE credentials unchanged`);
  }
  const othersAfter = await Promise.all(others.map((p) => p.linkIdentities()));
  for (const [i, before] of othersBefore.entries()) {
    for (const [name, link] of Object.entries(before)) {
      if (othersAfter[i]![name]?.id !== link.id) throw new Error(`${others[i]!.userId}'s ${name} was replaced`);
    }
  }
  for (const [i, other] of others.entries()) {
    const events = (await other.events()).filter((e) => e.at >= othersSince[i]!);
    if (!events.some((e) => e.detail === 'participantReconnected:alice')) throw new Error(`${other.userId} never heard participantReconnected`);
    if (events.some((e) => e.detail === 'participantLeft:alice')) throw new Error(`${other.userId} heard participantLeft`);
    if (events.some((e) => e.type === 'rejoined' || e.type === 'resumed')) throw new Error(`${other.userId} rejoined`);
  }
  if ((await alice.events()).some((e) => e.at >= since && (e.type === 'rejoined' || e.type === 'resumeFailed'))) throw new Error('alice rejoined');

  return `${scenario.backend}, ${scenario.label}: lost→resumed ${Math.round(resumed.at - lost.at)} ms, resumed→links renegotiated ${Math.round(renegotiatedAt - resumed.at)} ms, resumed→new frames on every link ${mediaAgainMs} ms (${afterRenegotiation} ms after renegotiation)`;
};
