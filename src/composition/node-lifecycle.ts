/** Something a backend must start before the node listens and stop after the node stops serving. */
export interface LifecyclePart {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}
