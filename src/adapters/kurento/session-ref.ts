/**
 * A room's `MediaSession.ref`: the pipeline id and the KMS that holds it, so that the room stays on its
 * KMS and another process can still find and free the pipeline. KMS pipeline ids never contain `@`.
 */
export const encodeSessionRef = (kmsUrl: string, pipelineId: string): string => `${pipelineId}@${kmsUrl}`;

export const decodeSessionRef = (ref: string): { kmsUrl: string; pipelineId: string } | undefined => {
  const at = ref.indexOf('@');
  if (at <= 0 || at === ref.length - 1) return undefined;
  return { pipelineId: ref.slice(0, at), kmsUrl: ref.slice(at + 1) };
};
