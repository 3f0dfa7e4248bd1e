export interface TileState {
  readonly name: string;
  readonly audio: boolean;
  readonly video: boolean;
  readonly reconnecting?: boolean;
}

const initials = (name: string): string =>
  name
    .split(/\s+/u)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => [...part][0]!.toUpperCase())
    .join('') || '?';

/** The grid of participant tiles: one per member and one for this user, found by `data-user-id`. */
export class Tiles {
  constructor(
    private readonly grid: HTMLElement,
    private readonly self: () => string,
  ) {}

  tile(userId: string): HTMLElement | null {
    return this.grid.querySelector<HTMLElement>(`[data-user-id="${CSS.escape(userId)}"]`);
  }

  upsert(userId: string, state: TileState): HTMLElement {
    let tile = this.tile(userId);
    if (!tile) {
      tile = document.createElement('figure');
      tile.className = 'tile';
      tile.dataset.userId = userId;
      const video = document.createElement('video');
      video.autoplay = true;
      video.playsInline = true;
      video.muted = userId === this.self();
      const avatar = document.createElement('div');
      avatar.className = 'avatar';
      avatar.setAttribute('aria-hidden', 'true');
      const label = document.createElement('figcaption');
      label.className = 'label';
      tile.append(video, avatar, label);
      if (userId === this.self()) this.grid.prepend(tile);
      else this.grid.append(tile);
    }
    const you = userId === this.self();
    tile.dataset.video = String(state.video);
    tile.dataset.audio = String(state.audio);
    tile.dataset.reconnecting = String(state.reconnecting === true);
    tile.querySelector('.avatar')!.textContent = initials(state.name);
    tile.querySelector('video')!.setAttribute('aria-label', you ? 'Your video' : `Video of ${state.name}`);
    tile.querySelector('.label')!.textContent =
      `${state.name}${you ? ' (you)' : ''}${state.video ? '' : ' · camera off'}${state.audio ? '' : ' · muted'}${state.reconnecting ? ' · reconnecting…' : ''}`;
    return tile;
  }

  attach(userId: string, stream: MediaStream | undefined): void {
    const video = this.tile(userId)?.querySelector('video');
    if (video && video.srcObject !== (stream ?? null)) video.srcObject = stream ?? null;
  }

  remove(userId: string): void {
    this.tile(userId)?.remove();
  }

  clear(): void {
    this.grid.replaceChildren();
  }

  speaking(userId: string | undefined): void {
    for (const tile of this.grid.querySelectorAll<HTMLElement>('.tile')) tile.dataset.speaking = String(tile.dataset.userId === userId);
  }
}
