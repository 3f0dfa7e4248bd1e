/*
 * The demo video-room app, built on the client library (packages/client): a pre-join screen with preview,
 * device pickers and a display name; the call with a control bar, live status, announcements, active
 * speaker and automatic reconnect/resume. Everything about the protocol is the library's.
 */
import { CallMedia, RoomClient, type Member } from '../../../../packages/client/src/index';
import { acquireLocalMedia, fillPicker, stopTracks, type LocalMedia } from './devices';
import { ICONS, renderToggle } from './icons';
import { explain } from './texts';
import { Tiles } from './tiles';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/rtc/websocket`;

/** A stable id for this tab (a reload comes back as the same user); `?user=` sets it, for tests and links. */
const userId = ((): string => {
  const given = params.get('user');
  if (given) return given;
  const stored = sessionStorage.getItem('demo-user-id');
  if (stored) return stored;
  const fresh = `u-${crypto.getRandomValues(new Uint32Array(2)).reduce((s, n) => s + n.toString(36), '')}`;
  sessionStorage.setItem('demo-user-id', fresh);
  return fresh;
})();

const state = {
  local: { stream: undefined, hasVideo: false, hasAudio: false, note: '' } as LocalMedia,
  /** What the user wants: kept across leaving and rejoining. */
  camera: true,
  mic: true,
  client: undefined as RoomClient | undefined,
  media: undefined as CallMedia | undefined,
  names: new Map<string, string>(),
  speakerTimer: undefined as ReturnType<typeof setInterval> | undefined,
};

const tiles = new Tiles($('tiles'), () => userId);

const log = (line: string): void => {
  const box = $('log');
  box.textContent = `${box.textContent ?? ''}${new Date().toISOString().slice(11, 23)} ${line}\n`.slice(-20_000);
};
const setStatus = (s: string, text: string, code?: string): void => {
  const status = $('status');
  status.dataset.state = s;
  if (code) status.dataset.code = code;
  else delete status.dataset.code;
  status.textContent = text;
};
const announce = (text: string): void => {
  $('announcer').textContent = text;
  log(text);
};
const nameOf = (id: string): string => state.names.get(id) ?? id;
const shareLink = (room: string): string => `${location.origin}${location.pathname}?room=${encodeURIComponent(room)}`;

// ---- pre-join ----

const showPreview = (): void => {
  const preview = $<HTMLVideoElement>('preview');
  preview.srcObject = state.local.stream ?? null;
  const box = preview.closest<HTMLElement>('.tile')!;
  box.dataset.video = String(state.local.hasVideo && state.camera);
  $('preview-avatar').textContent = ($<HTMLInputElement>('name').value.trim()[0] ?? '?').toUpperCase();
  renderToggle($('prejoin-camera'), 'camera', state.local.hasVideo && state.camera, state.local.hasVideo);
  renderToggle($('prejoin-mic'), 'mic', state.local.hasAudio && state.mic, state.local.hasAudio);
  $('device-note').textContent = state.local.note;
};

/** Applies what the user wants to the tracks (disabled tracks send nothing). */
const applyTrackState = (): void => {
  for (const t of state.local.stream?.getVideoTracks() ?? []) t.enabled = state.camera;
  for (const t of state.local.stream?.getAudioTracks() ?? []) t.enabled = state.mic;
};

const openDevices = async (): Promise<void> => {
  const previous = state.local.stream;
  const cameraId = $<HTMLSelectElement>('camera-select').value || undefined;
  const micId = $<HTMLSelectElement>('mic-select').value || undefined;
  state.local = await acquireLocalMedia({ ...(cameraId ? { cameraId } : {}), ...(micId ? { micId } : {}) });
  applyTrackState();
  await state.media?.replaceStream(state.local.stream);
  if (state.client?.inRoom) {
    tiles.attach(userId, state.local.stream);
    await publishState();
  }
  if (previous !== state.local.stream) stopTracks(previous);
  await fillPicker($('camera-select'), 'videoinput', state.local.stream?.getVideoTracks()[0]);
  await fillPicker($('mic-select'), 'audioinput', state.local.stream?.getAudioTracks()[0]);
  showPreview();
  $('prejoin').dataset.devices = 'ready';
};

const backToPrejoin = (message: string): void => {
  $('call').hidden = true;
  $('prejoin').hidden = false;
  $('prejoin-message').textContent = message;
  $<HTMLButtonElement>('join').disabled = false;
  stopSpeakerWatch();
  tiles.clear();
  showPreview();
};

// ---- the call ----

const publishState = async (only?: 'camera' | 'mic'): Promise<void> => {
  const media = state.media;
  if (!media) return;
  if (only !== 'mic') await media.setEnabled('video', state.camera && state.local.hasVideo).catch((e: unknown) => log(`camera state: ${String(e)}`));
  if (only !== 'camera') await media.setEnabled('audio', state.mic && state.local.hasAudio).catch((e: unknown) => log(`microphone state: ${String(e)}`));
};

const renderSelf = (): void => {
  tiles.upsert(userId, { name: $<HTMLInputElement>('name').value.trim() || userId, video: state.camera && state.local.hasVideo, audio: state.mic && state.local.hasAudio });
  tiles.attach(userId, state.local.stream);
  renderToggle($('toggle-camera'), 'camera', state.camera && state.local.hasVideo, state.local.hasVideo);
  renderToggle($('toggle-mic'), 'mic', state.mic && state.local.hasAudio, state.local.hasAudio);
};

const renderMembers = (members: readonly Member[]): void => {
  const present = new Set(members.map((m) => m.userId));
  for (const tile of document.querySelectorAll<HTMLElement>('#tiles .tile')) {
    const id = tile.dataset.userId!;
    if (id !== userId && !present.has(id)) tiles.remove(id);
  }
  for (const m of members) {
    if (m.displayName) state.names.set(m.userId, m.displayName);
    tiles.upsert(m.userId, { name: nameOf(m.userId), audio: m.audio, video: m.video, reconnecting: m.reconnecting === true });
    const stream = state.media?.remoteStreams.get(m.userId);
    if (stream) tiles.attach(m.userId, stream);
  }
  const count = members.length + 1;
  $('count').textContent = String(count);
  $('tiles').dataset.count = String(count);
  $('count').setAttribute('aria-label', `${count} ${count === 1 ? 'participant' : 'participants'}`);
};

/** The loudest voice above a whisper gets the highlight (audio levels from the links' stats). */
const watchSpeakers = (): void => {
  stopSpeakerWatch();
  state.speakerTimer = setInterval(() => {
    void (async () => {
      const media = state.media;
      if (!media) return;
      let best: { id: string; level: number } | undefined;
      for (const [name, pc] of Object.entries(media.connections())) {
        const id = name.startsWith('down:') ? name.slice(5) : userId;
        if (id === userId && !state.mic) continue;
        (await pc.getStats()).forEach((s: { type: string; kind?: string; audioLevel?: number }) => {
          const isAudio = (s.type === 'inbound-rtp' && s.kind === 'audio' && name.startsWith('down:')) || (s.type === 'media-source' && s.kind === 'audio' && name.startsWith('up:'));
          if (isAudio && (s.audioLevel ?? 0) > 0.02 && (s.audioLevel ?? 0) > (best?.level ?? 0)) best = { id, level: s.audioLevel ?? 0 };
        });
      }
      tiles.speaking(best?.id);
    })().catch(() => undefined);
  }, 400);
};
const stopSpeakerWatch = (): void => {
  if (state.speakerTimer !== undefined) clearInterval(state.speakerTimer);
  state.speakerTimer = undefined;
};

const join = async (): Promise<void> => {
  const room = $<HTMLInputElement>('room').value.trim();
  const name = $<HTMLInputElement>('name').value.trim();
  const message = $('prejoin-message');
  if (!room || !name) {
    message.textContent = !name ? 'Please enter your name.' : 'Please enter a room name.';
    (!name ? $('name') : $('room')).focus();
    return;
  }
  message.textContent = '';
  $<HTMLButtonElement>('join').disabled = true;
  const token = $<HTMLInputElement>('token').value.trim();
  const client = new RoomClient({
    url: wsUrl,
    roomId: room,
    userId,
    displayName: name,
    video: state.camera && state.local.hasVideo,
    audio: state.mic && state.local.hasAudio,
    ...(token ? { token } : {}),
  });
  const media = new CallMedia(client, state.local.stream ? { stream: state.local.stream } : {});
  state.client?.dispose();
  state.client = client;
  state.media = media;
  state.names.clear();
  state.names.set(userId, name);
  client.on('sending', (what) => {
    if (what === 'joinRoom' && state.client === client) demo.joinSentAt = performance.now();
  });

  client.on('state', (s) => {
    if (state.client !== client) return;
    $('banner').hidden = s !== 'reconnecting';
    if (s === 'connecting') setStatus('connecting', `Connecting to ${room}…`);
    if (s === 'joined' || s === 'resumed') setStatus('joined', `In ${room} as ${name} (${client.media?.backend ?? '?'})`);
    if (s === 'reconnecting') setStatus('reconnecting', 'Connection lost. Reconnecting…');
  });
  client.on('reconnecting', (info) => log(`reconnecting (attempt ${info.attempt}, ${info.cause}, in ${info.delayMs} ms)`));
  client.on('joined', (_joined, how) => {
    if (how.resumed) announce('Reconnected.');
    else if (how.rejoined) announce('Reconnected (joined the room again).');
  });
  client.on('members', (members) => state.client === client && renderMembers(members));
  client.on('message', (m) => {
    if (m.id === 'newParticipantArrived') {
      if (m.member.displayName) state.names.set(m.member.userId, m.member.displayName);
      announce(`${nameOf(m.member.userId)} joined`);
    } else if (m.id === 'participantLeft') announce(`${nameOf(m.userId)} left`);
    else if (m.id === 'participantReconnecting') announce(`${nameOf(m.userId)} is reconnecting…`);
    // An error with a requestId answers a request the library made and handled (a Janus subscription
    // asked before the newcomer's media was up is retried when it is): only the others are news.
    else if (m.id === 'error' && m.requestId === undefined) log(`${m.code}: ${m.message}`);
  });
  client.on('left', (info) => {
    if (state.client !== client) return;
    media.close();
    if (info.reason === 'left') return;
    setStatus('left', info.error ? explain(info.error) : 'You left the call.', info.reason);
    backToPrejoin(info.error ? explain(info.error) : 'The call ended.');
  });
  media.on('remoteStream', (id, stream) => tiles.attach(id, stream));
  media.on('remoteGone', (id) => tiles.attach(id, undefined));
  media.on('media', (event) => event.type === 'error' && log(`media: ${event.error.message}`));

  try {
    await client.join();
  } catch (error) {
    if (state.client === client) {
      setStatus('left', explain(error), error instanceof Error && 'code' in error ? String((error as { code: string }).code) : 'unreachable');
      backToPrejoin(explain(error));
    }
    return;
  }
  history.replaceState(null, '', shareLink(room));
  $('room-title').textContent = room;
  $<HTMLInputElement>('share-link').value = shareLink(room);
  $('prejoin').hidden = true;
  $('call').hidden = false;
  renderSelf();
  renderMembers(client.members);
  announce(`You joined ${room}`);
  watchSpeakers();
};

const leave = async (): Promise<void> => {
  const client = state.client;
  await client?.leave();
  state.media?.close();
  client?.dispose();
  setStatus('idle', 'You left the call.');
  backToPrejoin('');
  announce('You left the call');
};

// ---- controls ----

const toggle = async (kind: 'camera' | 'mic'): Promise<void> => {
  if (kind === 'camera') state.camera = !state.camera;
  else state.mic = !state.mic;
  applyTrackState();
  showPreview();
  if (state.client?.inRoom) {
    renderSelf();
    await publishState(kind);
  }
};

$('join-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void join();
});
$('leave').innerHTML = ICONS.leave;
$('leave').addEventListener('click', () => void leave());
for (const id of ['toggle-camera', 'prejoin-camera']) $(id).addEventListener('click', () => void toggle('camera'));
for (const id of ['toggle-mic', 'prejoin-mic']) $(id).addEventListener('click', () => void toggle('mic'));
$('camera-select').addEventListener('change', () => void openDevices());
$('mic-select').addEventListener('change', () => void openDevices());
$('name').addEventListener('input', showPreview);
$('copy-link').addEventListener('click', () => {
  const link = $<HTMLInputElement>('share-link').value;
  const done = (): void => {
    $('copy-link').textContent = 'Copied';
    announce('Link copied');
    setTimeout(() => ($('copy-link').textContent = 'Copy link'), 2_000);
  };
  if (navigator.clipboard) navigator.clipboard.writeText(link).then(done, () => $<HTMLInputElement>('share-link').select());
  else $<HTMLInputElement>('share-link').select();
});

$<HTMLInputElement>('room').value = params.get('room') ?? `room-${Math.random().toString(36).slice(2, 7)}`;
$<HTMLInputElement>('name').value = localStorage.getItem('demo-name') ?? '';
$('name').addEventListener('change', () => localStorage.setItem('demo-name', $<HTMLInputElement>('name').value.trim()));
renderToggle($('toggle-camera'), 'camera', true);
renderToggle($('toggle-mic'), 'mic', true);
void openDevices();

/** For tests and the curious. */
const demo = {
  userId,
  /** performance.now() when the last joinRoom was sent, for join-to-first-frame measurements. */
  joinSentAt: undefined as number | undefined,
  get client() {
    return state.client;
  },
  get media() {
    return state.media;
  },
  /** Decoded video frames per remote participant. */
  framesDecoded: (): Promise<Record<string, number>> => state.media?.framesDecoded() ?? Promise.resolve({}),
  /** Whether the local tracks are live and enabled, per kind. */
  localTracks: () => ({
    video: state.local.stream?.getVideoTracks().map((t) => t.enabled) ?? [],
    audio: state.local.stream?.getAudioTracks().map((t) => t.enabled) ?? [],
  }),
};
(window as unknown as { demo: typeof demo }).demo = demo;
