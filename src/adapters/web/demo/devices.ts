/** What the page could get of the camera and microphone, and why not, in words for the user. */
export interface LocalMedia {
  readonly stream: MediaStream | undefined;
  readonly hasVideo: boolean;
  readonly hasAudio: boolean;
  /** Empty when both devices work. */
  readonly note: string;
}

export interface DeviceChoice {
  readonly cameraId?: string;
  readonly micId?: string;
}

const constraint = (deviceId: string | undefined, extra: MediaTrackConstraints = {}): MediaTrackConstraints =>
  deviceId ? { ...extra, deviceId: { exact: deviceId } } : extra;

const tryGet = async (constraints: MediaStreamConstraints): Promise<MediaStream | undefined> => {
  try {
    return await navigator.mediaDevices.getUserMedia(constraints);
  } catch {
    return undefined;
  }
};

/**
 * Camera and microphone if possible; otherwise whichever one works (audio-only, or video without sound);
 * otherwise nothing (watch only). A denied or missing device never blocks joining.
 */
export const acquireLocalMedia = async (choice: DeviceChoice): Promise<LocalMedia> => {
  if (!navigator.mediaDevices?.getUserMedia) return { stream: undefined, hasVideo: false, hasAudio: false, note: 'This browser gives no access to a camera or microphone: you will join to watch and listen.' };
  // 320x240 as the demo always asked: light on CPU (two shared cores run several pages in the tests).
  const video = constraint(choice.cameraId, { width: { ideal: 320 }, height: { ideal: 240 } });
  const audio = choice.micId ? constraint(choice.micId) : true;
  const both = await tryGet({ video, audio });
  if (both) return { stream: both, hasVideo: true, hasAudio: true, note: '' };
  const audioOnly = await tryGet({ audio });
  if (audioOnly) return { stream: audioOnly, hasVideo: false, hasAudio: true, note: 'No camera available (missing or not allowed): you will join with audio only.' };
  const videoOnly = await tryGet({ video });
  if (videoOnly) return { stream: videoOnly, hasVideo: true, hasAudio: false, note: 'No microphone available (missing or not allowed): the others will not hear you.' };
  return { stream: undefined, hasVideo: false, hasAudio: false, note: 'No camera or microphone available: you will join to watch and listen.' };
};

/** Fills a device picker; keeps the current choice when it is still there. */
export const fillPicker = async (select: HTMLSelectElement, kind: 'videoinput' | 'audioinput', current: MediaStreamTrack | undefined): Promise<void> => {
  const devices = (await navigator.mediaDevices?.enumerateDevices?.().catch(() => [])) ?? [];
  const matching = devices.filter((d) => d.kind === kind && d.deviceId !== '');
  const selected = current?.getSettings().deviceId ?? select.value;
  select.replaceChildren(
    ...matching.map((d, i) => {
      const option = document.createElement('option');
      option.value = d.deviceId;
      option.textContent = d.label || `${kind === 'videoinput' ? 'Camera' : 'Microphone'} ${i + 1}`;
      option.selected = d.deviceId === selected;
      return option;
    }),
  );
  select.disabled = matching.length === 0;
  if (matching.length === 0) {
    const none = document.createElement('option');
    none.textContent = kind === 'videoinput' ? 'No camera' : 'No microphone';
    select.append(none);
  }
};

export const stopTracks = (stream: MediaStream | undefined): void => {
  for (const track of stream?.getTracks() ?? []) track.stop();
};
