/** Whether a participant's camera and microphone are on, as the participant last said. */
export interface MediaState {
  readonly audio: boolean;
  readonly video: boolean;
}
