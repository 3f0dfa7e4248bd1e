export interface LoadSample<T> {
  readonly target: T;
  readonly endpoints: number;
  readonly pipelines: number;
}

/** Orders servers for a new room: fewest endpoints first, then fewest pipelines, then as configured. */
export const byLoad = <T>(samples: readonly LoadSample<T>[]): T[] =>
  samples
    .map((s, index) => ({ s, index }))
    .sort((a, b) => a.s.endpoints - b.s.endpoints || a.s.pipelines - b.s.pipelines || a.index - b.index)
    .map(({ s }) => s.target);
