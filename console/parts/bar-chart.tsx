import { useEffect, useRef } from 'react';

/** When the browser is next idle (soon in any case), so a chart is drawn after the page's numbers and tables are shown. */
const whenIdle = (run: () => void): (() => void) => {
  if (typeof requestIdleCallback === 'function') {
    const id = requestIdleCallback(run, { timeout: 500 });
    return () => {
      cancelIdleCallback(id);
    };
  }
  const id = setTimeout(run, 0);
  return () => {
    clearTimeout(id);
  };
};

/**
 * A bar chart of labelled counts. ECharts (its own chunk) is loaded and drawn after the page's first paint: the box
 * keeps its size meanwhile, so nothing moves when the chart appears.
 */
export function Bars({ data, height = 260, testId }: { data: readonly { label: string; value: number }[]; height?: number; testId: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let removed = false;
    let remove: (() => void) | undefined;
    const cancel = whenIdle(() => {
      import('./bar-chart-canvas.js').then(
        ({ drawBars }) => {
          if (!removed && ref.current) remove = drawBars(ref.current, data);
        },
        // The chart stays empty; the page's numbers and tables are shown regardless.
        () => undefined,
      );
    });
    return () => {
      removed = true;
      cancel();
      remove?.();
    };
  }, [data]);
  return <div ref={ref} data-testid={testId} style={{ width: '100%', height }} />;
}
