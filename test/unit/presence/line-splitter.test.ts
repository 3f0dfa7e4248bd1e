import { LineSplitter } from '../../../src/adapters/presence/line-splitter';

const text = (lines: Buffer[]): string[] => lines.map((l) => l.toString());

describe('LineSplitter', () => {
  it('cuts on CRLF across chunk boundaries, including a CR and LF split apart', () => {
    const splitter = new LineSplitter(100);
    expect(text(splitter.push(Buffer.from('OK\r\nsec')).lines)).toEqual(['OK']);
    expect(text(splitter.push(Buffer.from('ond\r')).lines)).toEqual([]);
    expect(text(splitter.push(Buffer.from('\nthird\r\n\r\n')).lines)).toEqual(['second', 'third', '']);
  });

  it('accepts a bare LF as a line end too', () => {
    expect(text(new LineSplitter(100).push(Buffer.from('a\nb\r\n')).lines)).toEqual(['a', 'b']);
  });

  it('reports overflow when a line grows past the limit without an end', () => {
    const splitter = new LineSplitter(10);
    expect(splitter.push(Buffer.from('12345')).overflow).toBe(false);
    expect(splitter.push(Buffer.from('678901')).overflow).toBe(true);
    expect(text(splitter.push(Buffer.from('ok\r\n')).lines)).toEqual(['ok']);
  });
});
