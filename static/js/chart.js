// A small line chart on <canvas>: each kind of figure on its own y axis
// (clicks on the left; leads and money on the right), so that leads are
// not a flat line under thousands of clicks. Counts get whole-number
// ticks; a null value (an hour still to come) is not drawn.
import { el, fmtInt, fmtMoney, fmtAxis } from './util.js';

/** Ticks from 0 to at least `max`: steps of 1, 2, 2.5, 5 × 10^n, whole for counts. */
export function niceTicks(max, int) {
  const top = max > 0 ? max : 1;
  const raw = top / 4;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  let step = 10 * p;
  for (const m of [1, 2, 2.5, 5, 10]) {
    const s = m * p;
    if (int && (s < 1 || !Number.isInteger(Math.round(s * 1e6) / 1e6))) continue;
    if (s >= raw) { step = s; break; }
  }
  if (int) step = Math.max(1, Math.round(step));
  const n = Math.max(1, Math.ceil(top / step - 1e-9));
  return Array.from({ length: n + 1 }, (_, i) => Math.round(i * step * 1e6) / 1e6);
}

/**
 * lineChart({labels, ticks, series:[{name, color, values, axis}], axes:{id:{side, int, money, label}}}) → element.
 * labels: full label per point (tooltip), ticks: short x label per point;
 * values may hold null (not drawn).
 */
export function lineChart(model) {
  const canvas = el('canvas', {
    id: 'stats-chart', class: 'chart-canvas', role: 'img', 'aria-label': 'Chart over time',
    'data-points': model.labels.length,
    'data-drawn': model.series.length ? model.series[0].values.filter((v) => v != null).length : 0,
  });
  const legend = el('div', { class: 'chart-legend' });
  const wrap = el('div', { class: 'chart' }, canvas, legend);
  const hidden = new Set();
  let hover = -1;
  let geom = null;

  // The axes of the shown series, each with its ticks (also in data-axes for tests and tools).
  function axes() {
    const shown = model.series.filter((s) => !hidden.has(s.name));
    const out = [];
    for (const [id, a] of Object.entries(model.axes)) {
      const ss = shown.filter((s) => s.axis === id);
      if (!ss.length) continue;
      const max = Math.max(0, ...ss.flatMap((s) => s.values.filter((v) => v != null)));
      const ticks = niceTicks(max, !!a.int);
      out.push({ id, side: a.side, ticks, series: ss.map((s) => s.name), color: a.side === 'left' ? '#6b7280' : ss[0].color, a });
    }
    canvas.dataset.axes = JSON.stringify(out.map(({ id, side, ticks, series }) => ({ id, side, ticks, series })));
    return out;
  }
  axes();

  for (const s of model.series) {
    const sw = el('span', { class: 'swatch' });
    sw.style.background = s.color;
    const side = model.axes[s.axis] && model.axes[s.axis].side === 'right';
    const item = el('button', { type: 'button', class: 'legend-item', 'aria-pressed': 'true', title: 'Show / hide' + (side ? ' (right axis)' : '') },
      sw, s.name);
    item.addEventListener('click', () => {
      if (hidden.has(s.name)) hidden.delete(s.name); else hidden.add(s.name);
      item.setAttribute('aria-pressed', String(!hidden.has(s.name)));
      item.classList.toggle('off', hidden.has(s.name));
      draw();
    });
    legend.appendChild(item);
  }

  const fmtTick = (a, v, ticks) => {
    const step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
    return fmtAxis(v, !!a.a.money, Number.isInteger(step) ? 0 : 2);
  };
  const fmtValue = (s, v) => (v == null ? '—' : model.axes[s.axis] && model.axes[s.axis].money ? fmtMoney(v) : fmtInt(v));

  function draw() {
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    const list = axes();
    if (!w || !h) return;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.font = '11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
    const n = model.labels.length;
    const shown = model.series.filter((s) => !hidden.has(s.name));
    // Room for each axis's widest label; right axes side by side.
    for (const a of list) a.width = Math.ceil(Math.max(...a.ticks.map((v) => ctx.measureText(fmtTick(a, v, a.ticks)).width))) + 8;
    const left = list.filter((a) => a.side === 'left');
    const right = list.filter((a) => a.side === 'right');
    const pad = { l: 6 + left.reduce((x, a) => x + a.width, 0), r: 6 + right.reduce((x, a) => x + a.width, 0), t: 10, b: 22 };
    const pw = Math.max(10, w - pad.l - pad.r);
    const ph = Math.max(10, h - pad.t - pad.b);
    if (!n) {
      ctx.fillStyle = '#6b7280';
      ctx.textAlign = 'center';
      ctx.fillText('no data for this period', w / 2, h / 2);
      geom = null;
      return;
    }
    const byId = Object.fromEntries(list.map((a) => [a.id, a]));
    const xAt = (i) => pad.l + (n === 1 ? pw / 2 : (i * pw) / (n - 1));
    const yAt = (v, axis) => {
      const top = byId[axis].ticks[byId[axis].ticks.length - 1];
      return pad.t + ph - (Math.max(0, v) / top) * ph;
    };
    geom = { xAt, pad, pw, n };

    // grid lines of the first axis; every axis's labels at its own ticks
    ctx.lineWidth = 1;
    ctx.textBaseline = 'middle';
    let xl = pad.l;
    let xr = pad.l + pw;
    list.forEach((a, ai) => {
      const top = a.ticks[a.ticks.length - 1];
      ctx.fillStyle = a.color;
      ctx.strokeStyle = '#e5e7eb';
      for (const v of a.ticks) {
        const y = Math.round(pad.t + ph - (v / top) * ph) + 0.5;
        if (ai === 0) {
          ctx.beginPath();
          ctx.moveTo(pad.l, y);
          ctx.lineTo(pad.l + pw, y);
          ctx.stroke();
        }
        ctx.textAlign = a.side === 'left' ? 'right' : 'left';
        ctx.fillText(fmtTick(a, v, a.ticks), a.side === 'left' ? xl - 5 : xr + 5, y);
      }
      if (a.side === 'left') xl -= a.width; else xr += a.width;
    });
    ctx.fillStyle = '#6b7280';
    ctx.textBaseline = 'top';
    ctx.textAlign = 'center';
    const every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(pw / 56))));
    for (let i = 0; i < n; i += every) ctx.fillText(model.ticks[i], xAt(i), pad.t + ph + 6);

    // lines, broken where a value is null
    for (const s of shown) {
      ctx.strokeStyle = s.color;
      ctx.fillStyle = s.color;
      ctx.lineWidth = 2;
      ctx.lineJoin = 'round';
      ctx.beginPath();
      let pen = false;
      s.values.forEach((v, i) => {
        if (v == null) { pen = false; return; }
        if (pen) ctx.lineTo(xAt(i), yAt(v, s.axis)); else ctx.moveTo(xAt(i), yAt(v, s.axis));
        pen = true;
      });
      ctx.stroke();
      if (n <= 45) {
        s.values.forEach((v, i) => {
          if (v == null) return;
          ctx.beginPath();
          ctx.arc(xAt(i), yAt(v, s.axis), 2.2, 0, Math.PI * 2);
          ctx.fill();
        });
      }
    }

    // hover tooltip
    if (hover >= 0 && hover < n && shown.length) {
      const x = Math.round(xAt(hover)) + 0.5;
      ctx.strokeStyle = '#9ca3af';
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(x, pad.t);
      ctx.lineTo(x, pad.t + ph);
      ctx.stroke();
      const lines = [model.labels[hover], ...shown.map((s) => s.name + ': ' + fmtValue(s, s.values[hover]))];
      ctx.font = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
      const bw = Math.max(...lines.map((l) => ctx.measureText(l).width)) + 16;
      const bh = lines.length * 16 + 8;
      let bx = x + 10;
      if (bx + bw > w - 2) bx = x - 10 - bw;
      bx = Math.max(2, bx);
      const by = pad.t + 4;
      ctx.fillStyle = 'rgba(255,255,255,0.95)';
      ctx.strokeStyle = '#d1d5db';
      ctx.fillRect(bx, by, bw, bh);
      ctx.strokeRect(bx + 0.5, by + 0.5, bw - 1, bh - 1);
      ctx.textAlign = 'left';
      lines.forEach((l, i) => {
        const s = i ? shown[i - 1] : null;
        ctx.fillStyle = s ? s.color : '#111827';
        ctx.fillText(l, bx + 8, by + 6 + i * 16);
      });
    }
  }

  canvas.addEventListener('mousemove', (e) => {
    if (!geom) return;
    const r = canvas.getBoundingClientRect();
    const x = e.clientX - r.left;
    const i = geom.n === 1 ? 0 : Math.round(((x - geom.pad.l) / geom.pw) * (geom.n - 1));
    const next = Math.min(geom.n - 1, Math.max(0, i));
    if (next !== hover) { hover = next; draw(); }
  });
  canvas.addEventListener('mouseleave', () => { hover = -1; draw(); });

  if ('ResizeObserver' in window) {
    let seen = false;
    const ro = new ResizeObserver(() => {
      if (canvas.isConnected) seen = true;
      else if (seen) { ro.disconnect(); return; }
      draw();
    });
    ro.observe(canvas);
  }
  requestAnimationFrame(draw);
  return wrap;
}
