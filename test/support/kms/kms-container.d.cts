export interface KmsContainerOptions {
  /** Default: the KMS image scripts/container-engine.sh provided. */
  readonly image?: string;
  /** Settings the official image takes: KMS_MIN_PORT, KMS_MAX_PORT, KMS_EXTERNAL_IPV4, KMS_STUN_IP, ... */
  readonly env?: Readonly<Record<string, string>>;
  /** 'host': share the host's network namespace, listening on 127.0.0.1:port. Default: a bridge network. */
  readonly network?: 'bridge' | 'host';
  readonly port?: number;
  readonly startupTimeoutMs?: number;
}

export interface KmsContainer {
  readonly image: string;
  readonly id: string;
  /** ws://host:port/kurento as the host reaches it. */
  readonly url: string;
  readonly bridgeAddress: string | undefined;
  /** Kills and removes the container. */
  stop(): Promise<void>;
}

export declare const kmsImage: () => { image: string; reason?: undefined } | { image?: undefined; reason: string };
export declare const startKmsContainer: (options?: KmsContainerOptions) => Promise<KmsContainer>;
