/**
 * The search box: suggestions on every keystroke (the previous request cancelled), arrow
 * keys to move through them, Enter to search the highlighted one or what was typed,
 * Escape to close.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { getJson } from '../api.ts';

interface Suggestion {
  text: string;
  source: string;
}

export function SearchBox(props: { value: string; onSearch: (q: string) => void }) {
  const [text, setText] = useState(props.value);
  const [suggestions, setSuggestions] = useState<Suggestion[]>([]);
  const [active, setActive] = useState(-1);
  const [open, setOpen] = useState(false);
  const pending = useRef<AbortController | undefined>(undefined);

  useEffect(() => setText(props.value), [props.value]);

  async function typed(value: string) {
    setText(value);
    setActive(-1);
    pending.current?.abort();
    if (!value.trim()) {
      setSuggestions([]);
      return;
    }
    const controller = new AbortController();
    pending.current = controller;
    try {
      const found = await getJson<{ suggestions: Suggestion[] }>(
        `/v1/suggest?${new URLSearchParams({ q: value, size: '8' })}`,
        { signal: controller.signal },
      );
      setSuggestions(found.suggestions);
      setOpen(true);
    } catch {
      // A cancelled or failed suggestion request leaves the box as it is.
    }
  }

  function search(q: string) {
    pending.current?.abort();
    setText(q);
    setOpen(false);
    setActive(-1);
    props.onSearch(q);
  }

  function keyDown(event: KeyboardEvent) {
    const shown = open ? suggestions.length : 0;
    if (event.key === 'ArrowDown' && shown > 0) {
      event.preventDefault();
      setActive((i) => (i + 1) % shown);
    } else if (event.key === 'ArrowUp' && shown > 0) {
      event.preventDefault();
      setActive((i) => (i <= 0 ? shown - 1 : i - 1));
    } else if (event.key === 'Enter') {
      event.preventDefault();
      search(active >= 0 && shown > 0 ? suggestions[active]!.text : text);
    } else if (event.key === 'Escape') {
      setOpen(false);
      setActive(-1);
    }
  }

  const showList = open && suggestions.length > 0;
  return (
    <form
      class="search-box"
      onSubmit={(event) => {
        event.preventDefault();
        search(text);
      }}
    >
      <input
        type="search"
        name="q"
        aria-label="Search products"
        placeholder="Search products, e.g. cordless drill"
        autocomplete="off"
        role="combobox"
        aria-expanded={showList}
        aria-controls="suggestions"
        aria-autocomplete="list"
        aria-activedescendant={active >= 0 ? `suggestion-${active}` : undefined}
        value={text}
        onInput={(event) => typed(event.currentTarget.value)}
        onKeyDown={keyDown}
        onFocus={() => suggestions.length > 0 && setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
      />
      <button type="submit">Search</button>
      {showList && (
        <div id="suggestions" class="suggestions" role="listbox">
          {suggestions.map((s, i) => (
            <div
              key={s.text}
              tabIndex={-1}
              id={`suggestion-${i}`}
              role="option"
              aria-selected={i === active}
              class={i === active ? 'active' : ''}
              onMouseDown={(event) => {
                event.preventDefault();
                search(s.text);
              }}
            >
              {s.text}
              {s.source === 'query' && <span class="source">popular</span>}
            </div>
          ))}
        </div>
      )}
    </form>
  );
}
