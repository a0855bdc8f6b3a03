import { BarChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, GridComponent, TooltipComponent, CanvasRenderer]);

/** Draws a bar chart of labelled counts into `container` (ECharts, canvas: no inline styles beyond the container); returns what removes it. */
export function drawBars(container: HTMLElement, data: readonly { label: string; value: number }[]): () => void {
  const chart = echarts.init(container, undefined, { renderer: 'canvas' });
  chart.setOption({
    animation: false,
    tooltip: { trigger: 'axis' },
    grid: { left: 48, right: 16, top: 16, bottom: 48 },
    xAxis: { type: 'category', data: data.map((d) => d.label), axisLabel: { rotate: data.length > 8 ? 45 : 0 } },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ type: 'bar', data: data.map((d) => d.value), itemStyle: { color: '#1677ff' } }],
  });
  const resize = () => {
    chart.resize();
  };
  window.addEventListener('resize', resize);
  return () => {
    window.removeEventListener('resize', resize);
    chart.dispose();
  };
}
