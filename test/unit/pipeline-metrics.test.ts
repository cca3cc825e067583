import { Registry } from 'prom-client';
import { pipelineMetrics } from '../../src/pipeline/metrics';

describe('pipeline metrics', () => {
  test('register once per registry, count drops per stream and forget closed streams', async () => {
    const registry = new Registry();
    const a = pipelineMetrics(registry);
    const b = pipelineMetrics(registry); // a second pipeline on the same registry shares the series
    a.batch('m', 3, [1, 2, 4]);
    b.dropped('s1', 'deadline');
    a.dropped('s1', 'superseded');
    a.dropped('s2', 'superseded');
    let text = await registry.metrics();
    expect(text).toMatch(/toonstream_pipeline_batch_size_sum\{model="m"\} 3/);
    expect(text).toMatch(/toonstream_pipeline_queue_delay_seconds_count\{model="m"\} 3/);
    expect(text).toMatch(/toonstream_pipeline_dropped_frames_total\{stream="s1",reason="deadline"\} 1/);
    a.forgetStream('s1');
    text = await registry.metrics();
    expect(text).not.toMatch(/stream="s1"/);
    expect(text).toMatch(/stream="s2",reason="superseded"\} 1/);
  });
});
