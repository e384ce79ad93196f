// The e-mail's charts are transparent PNGs drawn in colours that read on a white and on a dark
// mail background (docs/charts.md "Dark mode"). Checked on the palette, on the specs (nothing is
// painted in white or near-white to "knock out" a shape) and on the PNG bytes as they are mailed.
// How they look in a dark mail client: test/integration/email-dark-mode.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  COLORS,
  createChartRenderer,
  SERIES_COLORS,
  trendSpec,
  waterfallLayout,
  waterfallSpec,
  type Chart,
  type ChartRenderer,
  type TrendChartPoint,
  type TrendChartSeries,
  type WaterfallInput,
} from '../../functions/adapters/render/charts';
import { contrast, decodePng, hexRgb, luminance } from '../support/png';

const USD = { currency: 'USD', locale: 'en-US' };
const WHITE = luminance(255, 255, 255);
/** Dark mode backgrounds: Apple Mail / Outlook (#1e1e1e) and Gmail (#121212). */
const DARK = [luminance(...hexRgb('#1e1e1e')), luminance(...hexRgb('#121212'))];

/** A week of movements small against ARR: the axis is truncated and the totals drawn broken. */
const WEEK: WaterfallInput = {
  open: 12_345_678_00,
  new: 84_000_00,
  reactivation: 12_500_00,
  expansion: 41_200_00,
  contraction: 9_100_00,
  churn: 30_400_00,
  close: 12_443_878_00,
};
const WEEKS = Array.from({ length: 13 }, (_, i) => `2026-W${35 + i}`);
const RETENTION: TrendChartPoint[] = WEEKS.map((label, i) => ({
  label,
  values: { nrr: i === 2 ? null : 0.96 + i * 0.006, grr: i === 2 || i === 5 ? null : 0.91 + i * 0.001 },
}));
const RETENTION_SERIES: TrendChartSeries[] = [
  { key: 'nrr', name: 'NRR', format: 'percent' },
  { key: 'grr', name: 'GRR', format: 'percent' },
];
const TEXT_OPTS = { ...USD, title: 'Net and gross revenue retention', subtitle: '2026-W35 to 2026-W47' };

const lum = (hex: string) => luminance(...hexRgb(hex));
const worstContrast = (hex: string) => Math.min(contrast(lum(hex), WHITE), ...DARK.map((d) => contrast(lum(hex), d)));

describe('chart colours for light and dark mail backgrounds', () => {
  it('gives text about 4:1 contrast on white and on dark grey (4.1:1 is the most one colour can have on both)', () => {
    const text = { text: COLORS.text, increaseText: COLORS.increaseText, decreaseText: COLORS.decreaseText };
    for (const [name, hex] of Object.entries({ ...text, annotation: COLORS.annotation }))
      expect({ name, atLeast4: worstContrast(hex) >= 4 }).toEqual({ name, atLeast4: true });
  });

  it('gives bars, lines and dashes at least 3:1 on white and on dark grey', () => {
    const marks = {
      total: COLORS.total,
      increase: COLORS.increase,
      decrease: COLORS.decrease,
      connector: COLORS.connector,
    };
    const series = Object.fromEntries(SERIES_COLORS.map((hex, i) => [`series ${i + 1}`, hex as string]));
    for (const [name, hex] of Object.entries({ ...marks, ...series }))
      expect({ name, atLeast3: worstContrast(hex) >= 3 }).toEqual({ name, atLeast3: true });
  });

  it('paints no background and no white or near-white shape in any spec', () => {
    const specs = {
      'waterfall, truncated': waterfallSpec(WEEK, { ...USD, title: 'ARR bridge' }),
      'waterfall, from zero': waterfallSpec({ ...WEEK, open: 100_000_00, close: 198_200_00 }, USD),
      'trend with gaps, dots and markers': trendSpec(RETENTION, RETENTION_SERIES, {
        ...TEXT_OPTS,
        markers: [{ index: 4, label: '1' }],
      }),
    };
    expect(waterfallLayout(WEEK, USD).truncated).toBe(true);
    for (const [name, spec] of Object.entries(specs)) {
      expect({ name, background: spec.background }).toEqual({ name, background: undefined });
      const colours = [...JSON.stringify(spec).matchAll(/#[0-9a-f]{6}\b|#[0-9a-f]{3}\b/gi)].map((m) => m[0]);
      expect(colours.length).toBeGreaterThan(3);
      const full = (c: string) => (c.length === 4 ? `#${[...c.slice(1)].map((x) => x + x).join('')}` : c);
      expect({ name, light: colours.filter((c) => lum(full(c)) > 0.5) }).toEqual({ name, light: [] });
    }
  });
});

describe('chart PNGs for dark mode (the bytes as mailed)', () => {
  let renderer: ChartRenderer;
  let charts: Record<string, Chart>;

  beforeAll(async () => {
    renderer = await createChartRenderer();
    charts = {
      waterfall: await renderer.arrWaterfall(WEEK, { ...USD, title: 'ARR bridge', subtitle: 'Nov 16-22, 2026' }),
      trend: await renderer.trendLines(RETENTION, RETENTION_SERIES, {
        ...TEXT_OPTS,
        markers: [{ index: 4, label: '1' }],
      }),
    };
  }, 120_000);

  it('has an alpha channel and a transparent background', () => {
    for (const [name, chart] of Object.entries(charts)) {
      const png = decodePng(chart.png);
      expect({ name, colorType: png.colorType, width: png.width }).toEqual({ name, colorType: 6, width: 1200 });
      const alpha = (x: number, y: number) => png.pixels[(y * png.width + x) * 4 + 3];
      const corners = [
        alpha(0, 0),
        alpha(png.width - 1, 0),
        alpha(0, png.height - 1),
        alpha(png.width - 1, png.height - 1),
      ];
      expect({ name, corners }).toEqual({ name, corners: [0, 0, 0, 0] });
      let clear = 0;
      for (let i = 3; i < png.pixels.length; i += 4) if (png.pixels[i] === 0) clear++;
      expect(clear / (png.width * png.height)).toBeGreaterThan(0.6);
    }
  });

  it('has no near-white pixel that would show as a bright spot in dark mode', () => {
    for (const [name, chart] of Object.entries(charts)) {
      const { pixels } = decodePng(chart.png);
      let bright = 0;
      for (let i = 0; i < pixels.length; i += 4) {
        const min = Math.min(pixels[i] as number, pixels[i + 1] as number, pixels[i + 2] as number);
        if ((pixels[i + 3] as number) >= 128 && min >= 230) bright++;
      }
      expect({ name, bright }).toEqual({ name, bright: 0 });
    }
  });

  it('draws every solid pixel with at least 3:1 contrast on white and on dark grey', () => {
    for (const [name, chart] of Object.entries(charts)) {
      const { pixels } = decodePng(chart.png);
      let solid = 0;
      let weak = 0;
      for (let i = 0; i < pixels.length; i += 4) {
        if (pixels[i + 3] !== 255) continue;
        solid++;
        const l = luminance(pixels[i] as number, pixels[i + 1] as number, pixels[i + 2] as number);
        if (Math.min(contrast(l, WHITE), ...DARK.map((d) => contrast(l, d))) < 3) weak++;
      }
      expect(solid).toBeGreaterThan(5_000);
      expect({ name, weak }).toEqual({ name, weak: 0 });
    }
  });
});
