export { KurentoEmulator, type EmulatorSnapshot, type KurentoEmulatorOptions, type PipelineView } from './kurento-emulator';
export type { EndpointView, NegotiationState, SdpCall, WireIceCandidate } from './media-set';
export type { FailOptions } from './fault-plan';
export type { RequestRecord } from './rpc-connection';
export { KMS_ERRORS } from './kms-error';
export { sampleOffer } from './sample-sdp';
