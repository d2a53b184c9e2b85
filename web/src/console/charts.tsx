/** Small inline SVG charts (no chart library, nothing fetched): a line over time and bars by position. */

const W = 320;
const H = 120;
const PAD = { left: 44, right: 8, top: 8, bottom: 20 };

export interface Point {
  at: number;
  value: number | null;
}

const time = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

export function LineChart(props: {
  title: string;
  points: Point[];
  format: (v: number) => string;
  id: string;
}) {
  const known = props.points.filter((p): p is { at: number; value: number } => p.value !== null);
  const last = known.at(-1);
  const max = Math.max(...known.map((p) => p.value), 0) || 1;
  const first = props.points[0]?.at ?? 0;
  const span = Math.max((props.points.at(-1)?.at ?? 0) - first, 1);
  const x = (at: number) => PAD.left + ((at - first) / span) * (W - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - v / max) * (H - PAD.top - PAD.bottom);
  const path = known.map((p) => `${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  return (
    <figure class="chart" data-chart={props.id}>
      <figcaption>
        {props.title}: <strong class="latest">{last ? props.format(last.value) : 'no data yet'}</strong>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={props.title}>
        <line x1={PAD.left} y1={H - PAD.bottom} x2={W - PAD.right} y2={H - PAD.bottom} class="axis" />
        <line x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={H - PAD.bottom} class="axis" />
        <text x={PAD.left - 4} y={PAD.top + 8} text-anchor="end" class="tick">
          {props.format(max)}
        </text>
        <text x={PAD.left - 4} y={H - PAD.bottom} text-anchor="end" class="tick">
          0
        </text>
        {props.points.length > 0 && (
          <>
            <text x={PAD.left} y={H - 4} class="tick">
              {time(first)}
            </text>
            <text x={W - PAD.right} y={H - 4} text-anchor="end" class="tick">
              {time(first + span)}
            </text>
          </>
        )}
        {known.length > 1 && <polyline points={path} class="series" />}
        {known.map((p) => (
          <circle key={p.at} cx={x(p.at)} cy={y(p.value)} r={known.length > 40 ? 0 : 2} class="dot" />
        ))}
      </svg>
    </figure>
  );
}

export function BarChart(props: {
  title: string;
  values: number[];
  format: (v: number) => string;
  id: string;
}) {
  const max = Math.max(...props.values, 0) || 1;
  const width = (W - PAD.left - PAD.right) / Math.max(props.values.length, 1);
  return (
    <figure class="chart" data-chart={props.id}>
      <figcaption>{props.title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={props.title}>
        <line x1={PAD.left} y1={H - PAD.bottom} x2={W - PAD.right} y2={H - PAD.bottom} class="axis" />
        <text x={PAD.left - 4} y={PAD.top + 8} text-anchor="end" class="tick">
          {props.format(max)}
        </text>
        {props.values.map((v, i) => {
          const h = (v / max) * (H - PAD.top - PAD.bottom);
          return (
            <g key={i}>
              <rect
                x={PAD.left + i * width + 2}
                y={H - PAD.bottom - h}
                width={Math.max(width - 4, 1)}
                height={h}
                class="bar"
              >
                <title>
                  position {i + 1}: {props.format(v)}
                </title>
              </rect>
              <text x={PAD.left + (i + 0.5) * width} y={H - 6} text-anchor="middle" class="tick">
                {i + 1}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
