import { basicSetup } from 'codemirror';
import { python } from '@codemirror/lang-python';
import { defaultHighlightStyle, HighlightStyle, StreamLanguage, syntaxHighlighting } from '@codemirror/language';
import { shell } from '@codemirror/legacy-modes/mode/shell';
import { Compartment, EditorState, type Extension } from '@codemirror/state';
import { EditorView } from '@codemirror/view';

/**
 * The script editor: CodeMirror 6 with shell (bash, sh) or Python highlighting, in the app's light
 * or dark theme. This module is the heavy part and is only ever loaded through a dynamic import,
 * so pages without an editor never download CodeMirror.
 */

export type EditorLanguage = 'bash' | 'sh' | 'python3';

export interface EditorOptions {
  doc: string;
  language: EditorLanguage;
  dark: boolean;
  readonly: boolean;
  onChange?: (doc: string) => void;
}

export interface ScriptEditor {
  setDoc(doc: string): void;
  setLanguage(language: EditorLanguage): void;
  setDark(dark: boolean): void;
  setReadonly(readonly: boolean): void;
  destroy(): void;
}

const shellLanguage = StreamLanguage.define(shell);
const languageOf = (l: EditorLanguage): Extension => (l === 'python3' ? python() : shellLanguage);

// The default highlight colours are chosen for a white page; on the dark surface the same tags
// get lighter colours of the same hue.
const DARK: Record<string, string> = {
  '#404740': '#9da5b4',
  '#708': '#c678dd',
  '#219': '#79c0ff',
  '#164': '#7ee787',
  '#a11': '#ffa198',
  '#e40': '#ffab70',
  '#00f': '#79c0ff',
  '#30a': '#d2a8ff',
  '#085': '#56d4dd',
  '#167': '#56d4dd',
  '#256': '#a5d6ff',
  '#00c': '#79c0ff',
  '#940': '#8b949e',
  '#f00': '#ff7b72',
};
const darkHighlight = HighlightStyle.define(
  defaultHighlightStyle.specs.map((s) => (typeof s.color === 'string' && DARK[s.color] ? { ...s, color: DARK[s.color] } : s)),
  { themeType: 'dark' },
);

// Colours come from the Vuetify theme's CSS variables, so the editor follows the page exactly.
const base = EditorView.theme({
  '&': { fontSize: '13px', backgroundColor: 'rgb(var(--v-theme-surface))', color: 'rgb(var(--v-theme-on-surface))' },
  '.cm-scroller': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', lineHeight: '1.5' },
  '.cm-gutters': {
    backgroundColor: 'rgba(var(--v-theme-on-surface), 0.04)',
    color: 'rgba(var(--v-theme-on-surface), 0.5)',
    borderRight: '1px solid rgba(var(--v-border-color), var(--v-border-opacity))',
  },
  '.cm-activeLine, .cm-activeLineGutter': { backgroundColor: 'rgba(var(--v-theme-primary), 0.06)' },
  '&.cm-focused': { outline: 'none' },
});
const darkTheme = EditorView.theme(
  {
    '.cm-cursor': { borderLeftColor: '#e6edf3' },
    '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': { backgroundColor: '#264f78' },
  },
  { dark: true },
);
const themeOf = (dark: boolean): Extension =>
  dark ? [darkTheme, syntaxHighlighting(darkHighlight)] : [syntaxHighlighting(defaultHighlightStyle)];
const readonlyOf = (r: boolean): Extension => [EditorState.readOnly.of(r), EditorView.editable.of(!r)];

export function createEditor(parent: HTMLElement, o: EditorOptions): ScriptEditor {
  const lang = new Compartment();
  const theme = new Compartment();
  const ro = new Compartment();
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: o.doc,
      extensions: [
        basicSetup,
        base,
        lang.of(languageOf(o.language)),
        theme.of(themeOf(o.dark)),
        ro.of(readonlyOf(o.readonly)),
        EditorView.contentAttributes.of({ 'aria-label': 'script', spellcheck: 'false' }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) o.onChange?.(u.state.doc.toString());
        }),
      ],
    }),
  });
  return {
    setDoc(doc) {
      if (doc !== view.state.doc.toString()) view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: doc } });
    },
    setLanguage: (l) => view.dispatch({ effects: lang.reconfigure(languageOf(l)) }),
    setDark: (d) => view.dispatch({ effects: theme.reconfigure(themeOf(d)) }),
    setReadonly: (r) => view.dispatch({ effects: ro.reconfigure(readonlyOf(r)) }),
    destroy: () => view.destroy(),
  };
}
