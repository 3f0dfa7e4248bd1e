/** What the call client records for observers (tests, a UI): no DOM types, so Node code can import it. */
export interface CallEvent {
  readonly type: 'joined' | 'connectionLost' | 'resumed' | 'resumeFailed' | 'rejoined' | 'renegotiated' | 'member' | 'error';
  // 'renegotiated': an answer was applied on a link (its first negotiation, a restart, or a replacement).
  /** performance.now() in the page. */
  readonly at: number;
  readonly detail?: string;
}
