import type uPlot from 'uplot';

export interface ChartMarker {
  step: number;
  label: string;
  /** The run's colour on Compare; the marker yellow otherwise. */
  color?: string;
}

export interface HLine {
  value: number;
  label: string;
  color: string;
}

/**
 * Draws parameter-change markers (a dashed vertical line with its label) and horizontal reference lines
 * (the solved threshold) on a uPlot chart. Lines go on the canvas; labels are DOM elements in uPlot's
 * overlay, so they stay crisp, can be read by tests, and show the full text on hover.
 */
export function markersPlugin(get: () => { markers: ChartMarker[]; hlines: HLine[] }): uPlot.Plugin {
  let layer: HTMLElement | null = null;
  return {
    hooks: {
      init: (u) => {
        layer = document.createElement('div');
        layer.className = 'chart-marker-layer';
        u.over.appendChild(layer);
      },
      draw: (u) => {
        const { markers, hlines } = get();
        const ctx = u.ctx;
        const { left, top, width, height } = u.bbox;
        ctx.save();
        ctx.beginPath();
        ctx.rect(left, top, width, height);
        ctx.clip();
        const dpr = uPlotPxRatio();
        for (const hl of hlines) {
          const y = u.valToPos(hl.value, 'y', true);
          if (!Number.isFinite(y) || y < top || y > top + height) continue;
          ctx.strokeStyle = hl.color;
          ctx.lineWidth = 1.5 * dpr;
          ctx.setLineDash([6 * dpr, 4 * dpr]);
          ctx.beginPath();
          ctx.moveTo(left, y);
          ctx.lineTo(left + width, y);
          ctx.stroke();
        }
        ctx.lineWidth = 1 * dpr;
        ctx.setLineDash([3 * dpr, 3 * dpr]);
        for (const m of markers) {
          const x = u.valToPos(m.step, 'x', true);
          if (!Number.isFinite(x) || x < left || x > left + width) continue;
          ctx.strokeStyle = m.color ?? 'rgba(245, 197, 66, 0.75)';
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, top + height);
          ctx.stroke();
        }
        ctx.restore();
        if (layer) placeLabels(u, layer, markers, hlines);
      },
    },
  };
}

function uPlotPxRatio(): number {
  return typeof devicePixelRatio === 'number' ? devicePixelRatio : 1;
}

function placeLabels(u: uPlot, layer: HTMLElement, markers: ChartMarker[], hlines: HLine[]): void {
  const plotW = u.over.clientWidth;
  const plotH = u.over.clientHeight;
  const nodes: HTMLElement[] = [];
  let lastX = -Infinity;
  let row = 0;
  for (const m of markers) {
    const x = u.valToPos(m.step, 'x');
    if (!Number.isFinite(x) || x < 0 || x > plotW) continue;
    // Labels close together stack in rows instead of overlapping.
    row = x - lastX < 110 ? (row + 1) % 3 : 0;
    lastX = x;
    const el = document.createElement('div');
    el.className = 'chart-marker';
    el.textContent = m.label;
    el.title = `step ${m.step.toLocaleString('en-US')}: ${m.label}`;
    el.style.left = `${x}px`;
    el.style.top = `${2 + row * 17}px`;
    if (x > plotW - 120) el.classList.add('flip');
    if (m.color) el.style.setProperty('--marker', m.color);
    nodes.push(el);
  }
  for (const hl of hlines) {
    const y = u.valToPos(hl.value, 'y');
    if (!Number.isFinite(y) || y < 0 || y > plotH) continue;
    const el = document.createElement('div');
    el.className = 'chart-hline-label';
    el.textContent = hl.label;
    el.style.top = `${y}px`;
    el.style.color = hl.color;
    nodes.push(el);
  }
  layer.replaceChildren(...nodes);
}
