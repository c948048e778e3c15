// A small line chart on <canvas>: several series, left and right axes, hover tooltip, toggle legend.
import { el } from './util.js';

function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  const m = v / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * p;
}

function fmtAxis(v, money) {
  if (v >= 1e6) return +(v / 1e6).toFixed(1) + 'M';
  if (v >= 1e4) return +(v / 1e3).toFixed(1) + 'k';
  return money ? String(+v.toFixed(2)) : String(+v.toFixed(1));
}

/**
 * lineChart({labels, ticks, series:[{name, color, values, right, money}]}) → element.
 * labels: full label per point (tooltip), ticks: short axis label per point.
 */
export function lineChart(model) {
  const canvas = el('canvas', { id: 'stats-chart', class: 'chart-canvas', role: 'img', 'aria-label': 'Chart over time', 'data-points': model.labels.length });
  const legend = el('div', { class: 'chart-legend' });
  const wrap = el('div', { class: 'chart' }, canvas, legend);
  const hidden = new Set();
  let hover = -1;
  let geom = null;

  for (const s of model.series) {
    const sw = el('span', { class: 'swatch' });
    sw.style.background = s.color;
    const item = el('button', { type: 'button', class: 'legend-item', 'aria-pressed': 'true', title: 'Show / hide' },
      sw, s.name + (s.right ? ' (right axis)' : ''));
    item.addEventListener('click', () => {
      if (hidden.has(s.name)) hidden.delete(s.name); else hidden.add(s.name);
      item.setAttribute('aria-pressed', String(!hidden.has(s.name)));
      item.classList.toggle('off', hidden.has(s.name));
      draw();
    });
    legend.appendChild(item);
  }

  function draw() {
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
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
    const hasRight = shown.some((s) => s.right);
    const pad = { l: 42, r: hasRight ? 50 : 12, t: 10, b: 22 };
    const pw = Math.max(10, w - pad.l - pad.r);
    const ph = Math.max(10, h - pad.t - pad.b);
    if (!n) {
      ctx.fillStyle = '#6b7280';
      ctx.textAlign = 'center';
      ctx.fillText('no data for this period', w / 2, h / 2);
      geom = null;
      return;
    }
    const maxOf = (right) => niceMax(Math.max(0, ...shown.filter((s) => !!s.right === right).flatMap((s) => s.values)));
    const lmax = maxOf(false);
    const rmax = maxOf(true);
    const xAt = (i) => pad.l + (n === 1 ? pw / 2 : (i * pw) / (n - 1));
    const yAt = (v, right) => pad.t + ph - (Math.max(0, v) / (right ? rmax : lmax)) * ph;
    geom = { xAt, pad, pw, n };

    // grid + axis labels
    ctx.strokeStyle = '#e5e7eb';
    ctx.lineWidth = 1;
    ctx.fillStyle = '#6b7280';
    ctx.textBaseline = 'middle';
    for (let i = 0; i <= 4; i++) {
      const y = Math.round(pad.t + ph - (i * ph) / 4) + 0.5;
      ctx.beginPath();
      ctx.moveTo(pad.l, y);
      ctx.lineTo(pad.l + pw, y);
      ctx.stroke();
      ctx.textAlign = 'right';
      ctx.fillText(fmtAxis((lmax * i) / 4, false), pad.l - 5, y);
      if (hasRight) {
        ctx.textAlign = 'left';
        ctx.fillText(fmtAxis((rmax * i) / 4, true), pad.l + pw + 5, y);
      }
    }
    ctx.textBaseline = 'top';
    ctx.textAlign = 'center';
    const every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(pw / 56))));
    for (let i = 0; i < n; i += every) ctx.fillText(model.ticks[i], xAt(i), pad.t + ph + 6);

    // lines
    for (const s of shown) {
      ctx.strokeStyle = s.color;
      ctx.fillStyle = s.color;
      ctx.lineWidth = 2;
      ctx.lineJoin = 'round';
      ctx.beginPath();
      s.values.forEach((v, i) => (i ? ctx.lineTo(xAt(i), yAt(v, s.right)) : ctx.moveTo(xAt(i), yAt(v, s.right))));
      ctx.stroke();
      if (n <= 45) {
        s.values.forEach((v, i) => {
          ctx.beginPath();
          ctx.arc(xAt(i), yAt(v, s.right), 2.2, 0, Math.PI * 2);
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
      const lines = [model.labels[hover], ...shown.map((s) => s.name + ': ' + (s.money ? s.values[hover].toFixed(2) : s.values[hover]))];
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
