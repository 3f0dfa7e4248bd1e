/** Inline icons (Material-style paths), so the page needs no icon font or extra request. */
const svg = (path: string): string => `<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="${path}"/></svg>`;

export const ICONS = {
  micOn: svg('M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.92V21h2v-3.08A7 7 0 0 0 19 11z'),
  micOff: svg('M19 11h-2c0 .74-.16 1.43-.43 2.05l1.5 1.5A6.9 6.9 0 0 0 19 11zM15 11V5a3 3 0 0 0-5.94-.6L15 10.34zM4.27 3 3 4.27l6 6V11a3 3 0 0 0 4.5 2.6l1.66 1.66A5 5 0 0 1 7 11H5a7 7 0 0 0 6 6.92V21h2v-3.08a6.9 6.9 0 0 0 3.3-1.3L19.73 21 21 19.73z'),
  camOn: svg('M17 10.5V7a1 1 0 0 0-1-1H4a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1v-3.5l4 4v-11z'),
  camOff: svg('M21 6.5l-4 4V7a1 1 0 0 0-1-1H9.82L21 17.18zM3.27 2 2 3.27 4.73 6H4a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h12c.21 0 .39-.08.54-.18L19.73 21 21 19.73z'),
  leave: svg('M12 9c-1.6 0-3.15.25-4.6.72v3.1c0 .39-.23.74-.56.9-.98.49-1.87 1.12-2.66 1.85a1 1 0 0 1-1.41-.02L.29 13.08a1 1 0 0 1 0-1.41A16.9 16.9 0 0 1 12 7c4.54 0 8.66 1.78 11.71 4.67a1 1 0 0 1 0 1.41l-2.48 2.48a1 1 0 0 1-1.41.02 11.3 11.3 0 0 0-2.67-1.85 1 1 0 0 1-.56-.9v-3.1A15 15 0 0 0 12 9z'),
};

/** Shows a toggle's state: icon, `aria-pressed` (pressed = on) and a label saying what a press does. */
export const renderToggle = (button: HTMLButtonElement, kind: 'mic' | 'camera', on: boolean, available = true): void => {
  button.innerHTML = kind === 'mic' ? (on ? ICONS.micOn : ICONS.micOff) : on ? ICONS.camOn : ICONS.camOff;
  button.setAttribute('aria-pressed', String(on));
  const what = kind === 'mic' ? 'microphone' : 'camera';
  button.setAttribute('aria-label', available ? `${what[0]!.toUpperCase()}${what.slice(1)} ${on ? 'on' : 'off'}` : `No ${what}`);
  button.title = available ? `Turn ${what} ${on ? 'off' : 'on'}` : `No ${what} available`;
  button.disabled = !available;
};
