/** The images scripts/container-engine.sh built or pulled, by role. */
export interface EngineImages {
  readonly redis: string;
  readonly node: string;
  readonly coturn: string;
  /** Absent where neither the KMS tarball nor a registry was there. */
  readonly kms?: string;
}

export type ContainerEngine =
  | { readonly ready: true; readonly images: EngineImages; readonly reaper: boolean; readonly host?: string; readonly dockerHost?: string; readonly compose?: string }
  | { readonly ready: false; readonly reason: string };

export declare const repoRoot: string;
export declare const TEST_LABELS: Readonly<Record<'rtc-signaling.test', 'true'>>;
export declare const containerEngine: () => ContainerEngine;
export declare const noteFallback: (what: string) => void;
