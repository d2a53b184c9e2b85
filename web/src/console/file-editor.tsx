/** A plain textarea with a line-number gutter that scrolls with it; problems mark their lines. */
import { useRef } from 'preact/hooks';

export interface EditorHandle {
  goTo(line: number, column: number): void;
}

export function FileEditor(props: {
  text: string;
  onText: (text: string) => void;
  problemLines: ReadonlySet<number>;
  handle: { current: EditorHandle | null };
}) {
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const lines = props.text.split('\n').length;
  props.handle.current = {
    goTo(line, column) {
      const textarea = area.current;
      if (!textarea) return;
      const starts = props.text.split('\n').slice(0, line - 1);
      const offset = starts.reduce((n, l) => n + l.length + 1, 0) + Math.max(0, column - 1);
      textarea.focus();
      textarea.setSelectionRange(offset, offset);
      const lineHeight = textarea.scrollHeight / Math.max(lines, 1);
      textarea.scrollTop = Math.max(0, (line - 5) * lineHeight);
    },
  };
  return (
    <div class="editor">
      <div class="gutter" ref={gutter} aria-hidden="true">
        {Array.from({ length: lines }, (_, i) => (
          <span key={i} class={props.problemLines.has(i + 1) ? 'bad' : undefined}>
            {i + 1}
          </span>
        ))}
      </div>
      <textarea
        ref={area}
        name="file_text"
        spellcheck={false}
        wrap="off"
        aria-label="File text"
        value={props.text}
        onInput={(e) => props.onText(e.currentTarget.value)}
        onScroll={(e) => {
          if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
        }}
      />
    </div>
  );
}
