import { describe, expect, it } from 'vitest';
import { ansiToHtml, applySgr, colour256, escapeHtml, parseAnsi, renderSegments, stripAnsi } from '../src/components/jenkins/ansi.js';
import { LogBuffer } from '../src/components/jenkins/log-buffer.js';

const ESC = '\u001b';

describe('ANSI → HTML', () => {
  it('escapes markup in log text, inside and outside colours', () => {
    const html = ansiToHtml(`<script>alert("x")</script> & ${ESC}[31m<img src=x onerror='y'>${ESC}[0m`);
    expect(html).not.toMatch(/<script|<img/);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; ');
    expect(html).toContain('<span class="ansi-fg-1">&lt;img src=x onerror=&#39;y&#39;&gt;</span>');
  });

  it('renders the 8 normal and 8 bright foreground colours and the backgrounds', () => {
    for (let i = 0; i < 8; i++) {
      expect(ansiToHtml(`${ESC}[${30 + i}mA`)).toBe(`<span class="ansi-fg-${i}">A</span>`);
      expect(ansiToHtml(`${ESC}[${90 + i}mA`)).toBe(`<span class="ansi-fg-${i + 8}">A</span>`);
      expect(ansiToHtml(`${ESC}[${40 + i}mA`)).toBe(`<span class="ansi-bg-${i}">A</span>`);
    }
  });

  it('combines bold with a colour and resets with 0, 39, 22 and an empty SGR', () => {
    expect(ansiToHtml(`${ESC}[1;32mok${ESC}[0m plain`)).toBe('<span class="ansi-fg-2 ansi-bold">ok</span> plain');
    expect(ansiToHtml(`${ESC}[1mB${ESC}[22mN`)).toBe('<span class="ansi-bold">B</span>N');
    expect(ansiToHtml(`${ESC}[33mY${ESC}[39mN`)).toBe('<span class="ansi-fg-3">Y</span>N');
    expect(ansiToHtml(`${ESC}[35mM${ESC}[mN`)).toBe('<span class="ansi-fg-5">M</span>N');
  });

  it('renders 256-colour and true-colour codes as computed colours', () => {
    expect(colour256(9)).toBe(9);
    expect(colour256(196)).toBe('#ff0000');
    expect(colour256(244)).toBe('#808080');
    expect(ansiToHtml(`${ESC}[38;5;196mR`)).toBe('<span style="color:#ff0000">R</span>');
    expect(ansiToHtml(`${ESC}[48;2;10;20;300mT`)).toBe('<span style="background-color:#0a14ff">T</span>');
  });

  it('drops cursor movement, OSC hyperlinks, control characters and a cut-off escape', () => {
    expect(stripAnsi(`a${ESC}[2Kb${ESC}[1Ac`)).toBe('abc');
    expect(stripAnsi(`${ESC}]8;;https://x.test${ESC}\\link${ESC}]8;;${ESC}\\`)).toBe('link');
    expect(stripAnsi(`bell\u0007 nul\u0000 esc${ESC}`)).toBe('bell nul esc');
    expect(stripAnsi(`half ${ESC}[3`)).toBe('half ');
  });

  it('keeps the style open across lines and chunks', () => {
    const first = parseAnsi(`${ESC}[36mcyan`);
    expect(first.style).toEqual({ fg: 6 });
    const second = parseAnsi('still cyan', first.style);
    expect(renderSegments(second.segments)).toBe('<span class="ansi-fg-6">still cyan</span>');
    expect(applySgr({ fg: 1, bold: true }, [0])).toEqual({});
  });

  it('wraps search marks, also across colour changes', () => {
    const { segments } = parseAnsi(`ab${ESC}[31mcd${ESC}[0mef`);
    const html = renderSegments(segments, [{ start: 1, end: 3, id: 4 }], 4);
    expect(html).toBe(
      'a<mark class="gh-log-mark gh-log-mark--active" data-m="4">b</mark>' +
        '<mark class="gh-log-mark gh-log-mark--active" data-m="4"><span class="ansi-fg-1">c</span></mark>' +
        '<span class="ansi-fg-1">d</span>ef',
    );
    expect(escapeHtml(`"'<>&`)).toBe('&quot;&#39;&lt;&gt;&amp;');
  });
});

describe('LogBuffer', () => {
  it('joins lines split across chunks, even mid-escape, and carries the colour', () => {
    const b = new LogBuffer();
    b.append(`one\n${ESC}[3`);
    expect(b.count).toBe(1);
    b.append(`2mgre`);
    b.append(`en\nstill\n`);
    expect(b.count).toBe(3);
    expect(b.line(1).text).toBe('green');
    expect(b.renderRange(1, 3)).toBe('<span class="ansi-fg-2">green</span>\n<span class="ansi-fg-2">still</span>');
  });

  it('shows what a carriage return overwrote last and strips CRLF', () => {
    const b = new LogBuffer();
    b.append('progress 10%\rprogress 100%\r\ndone\r\n');
    expect([b.line(0).text, b.line(1).text]).toEqual(['progress 100%', 'done']);
  });

  it('finds every case-insensitive match, in order, and marks them', () => {
    const b = new LogBuffer();
    b.append(`Error one\nfine\n${ESC}[31merror${ESC}[0m two ERROR\n`);
    const m = b.search('error');
    expect(m).toEqual([
      { line: 0, start: 0, end: 5 },
      { line: 2, start: 0, end: 5 },
      { line: 2, start: 10, end: 15 },
    ]);
    expect(b.renderRange(2, 3, m, 2)).toContain('<mark class="gh-log-mark gh-log-mark--active" data-m="2">ERROR</mark>');
    expect(b.search('')).toEqual([]);
  });
});
