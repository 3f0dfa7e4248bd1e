import type { Logger } from '../../../src/application';

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly fields: object;
  readonly message: string;
}

/** A Logger that keeps every entry, so tests can check what was (and was not) logged. */
export class RecordingLogger implements Logger {
  readonly entries: LogEntry[] = [];
  debug(fields: object, message: string): void {
    this.entries.push({ level: 'debug', fields, message });
  }
  info(fields: object, message: string): void {
    this.entries.push({ level: 'info', fields, message });
  }
  warn(fields: object, message: string): void {
    this.entries.push({ level: 'warn', fields, message });
  }
  error(fields: object, message: string): void {
    this.entries.push({ level: 'error', fields, message });
  }
  /** Everything logged at info or above, serialized, to search for things that must not be there. */
  visibleText(): string {
    return this.entries
      .filter((e) => e.level !== 'debug')
      .map((e) => `${e.message} ${JSON.stringify(e.fields, (_k, v: unknown) => (v instanceof Error ? v.message : v))}`)
      .join('\n');
  }
}
