import { ResumingCall, type ResumingCallOptions } from './resuming-call';

/** What the test drives in the page: one call, started with the fake camera. */
const lab = {
  call: undefined as ResumingCall | undefined,
  async start(options: Omit<ResumingCallOptions, 'stream'>): Promise<void> {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240 } });
    lab.call = new ResumingCall({ ...options, stream });
    lab.call.join();
  },
};

(window as unknown as { resumeLab: typeof lab }).resumeLab = lab;
